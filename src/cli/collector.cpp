// `dnswitness collector`: the probe fleet's collector on PostgreSQL (docs/fleet.md): make the
// database (versioned migrations) and the collector's cosigning identity, register probes, and serve
// the push API (collector/collector_server.h).
#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/option_checks.h"
#include "collector/collector_server.h"
#include "collector/identity.h"
#include "collector/pg_session.h"
#include "collector/probes.h"
#include "collector/schema.h"
#include "model/errors.h"
#include "model/printable.h"

namespace dnswitness::cli {
namespace {

struct CollectorCliOptions {
  std::string db;
  std::string name, key, description;
  std::string collector_name, key_file;
  std::string listen = "127.0.0.1:7390";
  std::string tiles;
  bool quiet = false;
};

int serve_collector_command(PgSession& db, const CollectorCliOptions& opt) {
  CollectorSigner signer;
  const Ed25519PrivateKey key = load_collector_key(db, opt.key_file, signer.identity);
  signer.key = &key;
  CollectorServerOptions so;
  std::tie(so.http.host, so.http.port) = listen_host_port(opt.listen);
  so.http.max_body_bytes = kMaxPushBody;
  so.http.client_timeout_s = 60;
  so.http.server_name = "dnswitness-collector";
  so.tiles = opt.tiles;
  so.http.on_listening = [&](std::uint16_t port) {
    std::cerr << fmt::format("dnswitness: collector {} listening on {}:{} for {} probe(s)\n", signer.identity.name,
                             so.http.host, port, list_probes(db).size());
  };
  if (!opt.quiet) so.log = [](const std::string& line) { std::cerr << "dnswitness: collector: " << printable(line) << '\n'; };
  try {
    serve_collector(db, signer, so);
  } catch (const PgError&) {
    throw;
  } catch (const std::runtime_error& e) {
    std::cerr << fmt::format("dnswitness: the collector cannot start: {}.\n", e.what());
    return kExitInternal;
  }
  std::cerr << "dnswitness: collector stopped\n";
  return kExitOk;
}

}  // namespace

Action add_collector(CLI::App& app) {
  auto opt = std::make_shared<CollectorCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "collector", "The probe fleet's collector on PostgreSQL: make its database, register the probes, take their pushes.");
  sub->require_subcommand(1);
  sub->footer(
      "Each probe stays a log of its own, with its own key; the collector accepts a probe's entries only under\n"
      "that key, and indexes every probe's observations for fleet-wide reports (docs/fleet.md).\n"
      "  dnswitness collector init --db 'postgresql:///dnswitness?host=/run/postgresql' \\\n"
      "      --name collector.example.jp/fleet --key-file /etc/dnswitness/collector.key\n"
      "  dnswitness collector add-probe docomo-tokyo --db URI --key 'probe1.example.jp/log+1a2b3c4d+AXXX...' \\\n"
      "      --description 'docomo LTE, Tokyo'\n"
      "  dnswitness collector serve --db URI --key-file /etc/dnswitness/collector.key --listen 127.0.0.1:7390 \\\n"
      "      --tiles /srv/dnswitness/tiles\n"
      "  (on each probe) dnswitness watch --push http://collector.example.jp:7390 ...\n"
      "--db is a libpq connection string or URI; a password is better kept in ~/.pgpass than on the command\n"
      "line. Exit codes: 0 done (serve: stopped by SIGTERM or SIGINT); 1 the database cannot be reached or\n"
      "refused a statement, or the address cannot be bound; 2 bad usage (a bad name or key, a probe already\n"
      "registered, another collector's key).");
  const auto db_option = [&](CLI::App* c) {
    c->add_option("--db", opt->db, "The collector's PostgreSQL database (libpq URI or connection string)")
        ->required()
        ->option_text("URI");
  };
  CLI::App* init = sub->add_subcommand(
      "init", "Make or update the collector's schema (migrations, once each) and, with --name, its cosigning key");
  db_option(init);
  init->add_option("--name", opt->collector_name,
                   "The collector's name in its cosignatures, e.g. collector.example.jp/fleet (kept for good)")
      ->option_text("NAME");
  init->add_option("--key-file", opt->key_file,
                   "The collector's private key (PEM); made with mode 0600 when it does not exist")
      ->option_text("FILE");
  CLI::App* add = sub->add_subcommand("add-probe", "Register a probe: its name, verifier key and where it asks from");
  db_option(add);
  add->add_option("name", opt->name, "Short name: lower-case letters, digits and '-' (e.g. docomo-tokyo)")
      ->required();
  add->add_option("--key", opt->key, "The probe's verifier key, as 'dnswitness keygen --show' prints it on the probe")
      ->required()
      ->option_text("VKEY");
  add->add_option("--description", opt->description, "Where and how the probe asks, e.g. \"docomo LTE, Tokyo\"")
      ->required()
      ->option_text("TEXT");
  CLI::App* probes = sub->add_subcommand("probes", "List the registered probes");
  db_option(probes);
  CLI::App* serve = sub->add_subcommand("serve", "Take the probes' pushes over HTTP until SIGTERM");
  db_option(serve);
  serve->add_option("--key-file", opt->key_file, "The collector's private key, as 'collector init' made it")
      ->required()
      ->option_text("FILE");
  serve->add_option("--listen", opt->listen,
                    "Address and port to listen on (default 127.0.0.1:7390; port 0: any free port, printed)")
      ->option_text("HOST:PORT");
  serve->add_option("--tiles", opt->tiles, "Folder for every probe's log as static tiles (one folder per probe)")
      ->required()
      ->option_text("DIR");
  serve->add_flag("--quiet,-q", opt->quiet, "Do not log each push on stderr");
  return [opt, init, add, probes, serve]() -> int {
    try {
      PgSession db(opt->db);
      if (init->parsed()) {
        if (opt->collector_name.empty() != opt->key_file.empty())
          throw UsageError("--name and --key-file go together: the collector cosigns with the key under the name.");
        const MigrationResult m = migrate_collector(db);
        if (m.applied.empty())
          std::cout << fmt::format("The collector's database is up to date (schema version {}).\n", m.to);
        else
          std::cout << fmt::format("The collector's database went from schema version {} to {} ({} migration(s) "
                                   "applied).\n",
                                   m.from, m.to, m.applied.size());
        if (!opt->collector_name.empty()) {
          const CollectorIdentity id = set_collector_identity(db, opt->collector_name, opt->key_file);
          std::cout << fmt::format("The collector {} cosigns with the key {}\n(give it to the readers of the "
                                   "probes' logs).\n",
                                   id.name, id.verifier_key);
        }
        return kExitOk;
      }
      if (const int version = collector_schema_version(db); version == 0)
        throw UsageError("The collector's database has no schema yet; run 'dnswitness collector init --db URI' "
                         "first.");
      else if (version < collector_migrations().back().version)
        throw UsageError(fmt::format("The collector's database is at schema version {}, older than this dnswitness "
                                     "({}); run 'dnswitness collector init --db URI' to update it.",
                                     version, collector_migrations().back().version));
      if (add->parsed()) {
        const ProbeRecord p = add_probe(db, opt->name, opt->key, opt->description);
        std::cout << fmt::format("Registered the probe {} (origin {}): {}.\n", p.name, p.origin,
                                 printable(p.description));
        return kExitOk;
      }
      if (serve->parsed()) return serve_collector_command(db, *opt);
      if (probes->parsed()) {
        if (const CollectorIdentity me = recorded_collector_identity(db); !me.name.empty())
          std::cout << fmt::format("collector {}\n    cosignature key {}\n", me.name, me.verifier_key);
        const auto all = list_probes(db);
        if (all.empty()) std::cout << "No probe is registered yet.\n";
        for (const auto& p : all)
          std::cout << fmt::format("{}  {}  added {}\n    key {}\n", p.name, printable(p.description), p.added_at,
                                   p.verifier_key);
        return kExitOk;
      }
      return kExitUsage;
    } catch (const UsageError&) {
      throw;
    } catch (const std::runtime_error& e) {
      // The database cannot be reached, refused a statement, or is newer than this build.
      std::cerr << "dnswitness: " << printable(e.what()) << '\n';
      return kExitInternal;
    }
  };
}

}  // namespace dnswitness::cli
