// `dnswitness collector`: the probe fleet's collector on PostgreSQL (docs/fleet.md). This first part
// makes the database (versioned migrations) and registers probes; `collector serve` and the probes'
// `watch --push` are still to come (issue 20).
#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "cli/commands.h"
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
};

}  // namespace

Action add_collector(CLI::App& app) {
  auto opt = std::make_shared<CollectorCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "collector", "The probe fleet's collector on PostgreSQL: make its database and register the probes.");
  sub->require_subcommand(1);
  sub->footer(
      "Each probe stays a log of its own, with its own key; the collector accepts a probe's entries only under\n"
      "that key, and indexes every probe's observations for fleet-wide reports (docs/fleet.md).\n"
      "  dnswitness collector init --db 'postgresql:///dnswitness?host=/run/postgresql'\n"
      "  dnswitness collector add-probe docomo-tokyo --db URI --key 'probe1.example.jp/log+1a2b3c4d+AXXX...' \\\n"
      "      --description 'docomo LTE, Tokyo'\n"
      "  dnswitness collector probes --db URI\n"
      "--db is a libpq connection string or URI; a password is better kept in ~/.pgpass than on the command\n"
      "line. Exit codes: 0 done; 1 the database cannot be reached or refused a statement; 2 bad usage (a bad\n"
      "name or key, a probe already registered).");
  const auto db_option = [&](CLI::App* c) {
    c->add_option("--db", opt->db, "The collector's PostgreSQL database (libpq URI or connection string)")
        ->required()
        ->option_text("URI");
  };
  CLI::App* init = sub->add_subcommand("init", "Make or update the collector's schema (migrations, once each)");
  db_option(init);
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
  return [opt, init, add, probes]() -> int {
    try {
      PgSession db(opt->db);
      if (init->parsed()) {
        const MigrationResult m = migrate_collector(db);
        if (m.applied.empty())
          std::cout << fmt::format("The collector's database is up to date (schema version {}).\n", m.to);
        else
          std::cout << fmt::format("The collector's database went from schema version {} to {} ({} migration(s) "
                                   "applied).\n",
                                   m.from, m.to, m.applied.size());
        return kExitOk;
      }
      if (collector_schema_version(db) == 0)
        throw UsageError("The collector's database has no schema yet; run 'dnswitness collector init --db URI' "
                         "first.");
      if (add->parsed()) {
        const ProbeRecord p = add_probe(db, opt->name, opt->key, opt->description);
        std::cout << fmt::format("Registered the probe {} (origin {}): {}.\n", p.name, p.origin,
                                 printable(p.description));
        return kExitOk;
      }
      if (probes->parsed()) {
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
