// `dnswitness witness keygen | add-log | show | serve`: a witness (c2sp.org/tlog-witness v1.0.0) that
// cosigns other logs' checkpoints when, and only when, each new one is consistent with the last it
// cosigned for that log. docs/witness.md.
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.h"
#include "cli/option_checks.h"
#include "cli/ledger_options.h"
#include "model/errors.h"
#include "model/printable.h"
#include "witness/witness_server.h"
#include "witness/witness_state.h"

namespace dnswitness::cli {
namespace {

struct WitnessCliOptions {
  std::string state;
  std::string name;
  std::string origin, key;
  std::string listen = "127.0.0.1:7380";
  bool quiet = false;
};

}  // namespace

Action add_witness(CLI::App& app) {
  auto opt = std::make_shared<WitnessCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "witness", "Run a witness: cosign other logs' checkpoints when each extends the last one seen (tlog-witness).");
  sub->require_subcommand(1);
  sub->footer(
      "A witness remembers, for each log it follows, the largest tree it has cosigned, and cosigns a new\n"
      "checkpoint only when a consistency proof shows that the new tree extends it. A log that showed\n"
      "two versions of itself to two parties cannot get both cosigned by the same witness.\n"
      "  dnswitness witness keygen --state /var/lib/dnswitness-witness --name witness.example.jp/1\n"
      "  dnswitness witness add-log --state /var/lib/dnswitness-witness --origin evidence.example.jp/2027 \\\n"
      "      --key 'evidence.example.jp/2027+1a2b3c4d+AXXX...'\n"
      "  dnswitness witness serve --state /var/lib/dnswitness-witness --listen 127.0.0.1:7380\n"
      "It speaks plain HTTP: put nginx (TLS) in front of it. docs/witness.md has the protocol, a systemd\n"
      "unit and the nginx block.\n"
      "Exit codes: 0 done (serve: stopped by SIGTERM or SIGINT); 1 the state cannot be read or written, or\n"
      "the address cannot be bound; 2 bad usage.");
  const auto state_option = [&](CLI::App* c) {
    c->add_option("--state", opt->state, "The witness's folder (its key and what it remembers)")
        ->required()
        ->option_text("DIR");
  };
  CLI::App* keygen = sub->add_subcommand("keygen", "Make a new witness: its folder and Ed25519 key");
  state_option(keygen);
  keygen->add_option("--name", opt->name, "The witness's name, such as witness.example.jp/1 (no spaces, no '+')")
      ->required()
      ->option_text("NAME");
  CLI::App* add_log = sub->add_subcommand("add-log", "Follow a log: cosign its checkpoints from now on");
  state_option(add_log);
  add_log->add_option("--origin", opt->origin, "The log's origin (the first line of its checkpoints)")
      ->required()
      ->option_text("ORIGIN");
  add_log->add_option("--key", opt->key, "The log's verifier key, name+hex+base64, from its operator")
      ->required()
      ->option_text("VKEY");
  CLI::App* show = sub->add_subcommand("show", "Print the witness's verifier key and the logs it follows");
  state_option(show);
  CLI::App* serve = sub->add_subcommand("serve", "Answer add-checkpoint requests until SIGTERM");
  state_option(serve);
  serve->add_option("--listen", opt->listen,
                    "Address and port to listen on (default 127.0.0.1:7380; port 0: any free port, printed)")
      ->option_text("HOST:PORT");
  serve->add_flag("--quiet,-q", opt->quiet, "Do not log each request on stderr");
  return [opt, keygen, add_log, show, serve]() -> int {
    try {
      if (keygen->parsed()) {
        WitnessState::create(opt->state, opt->name);
        const WitnessState state(opt->state);
        std::cout << fmt::format("Made the witness {} in {}.\nverifier key: {}\n", state.name(), opt->state,
                                 state.verifier_key())
                  << "Give this key to the logs it witnesses and to the readers who trust it; back up "
                  << (std::filesystem::path(opt->state) / kWitnessKeyFile).string() << ".\n";
        return kExitOk;
      }
      WitnessState state(opt->state);
      if (add_log->parsed()) {
        const bool added = state.add_log(opt->origin, opt->key);
        std::cout << fmt::format("The witness {} {}.\n", added ? "now follows" : "already follows", opt->origin);
        return kExitOk;
      }
      if (show->parsed()) {
        std::cout << fmt::format("witness {}\nverifier key: {}\n", state.name(), state.verifier_key());
        for (const auto& l : state.logs())
          std::cout << fmt::format("log {} (key {}): {}\n", l.origin, l.verifier_key,
                                   l.size == 0 ? std::string("nothing cosigned yet")
                                               : fmt::format("cosigned up to size {}", l.size));
        return kExitOk;
      }
      if (serve->parsed()) {
        WitnessServerOptions so;
        std::tie(so.host, so.port) = listen_host_port(opt->listen);
        so.on_listening = [&](std::uint16_t port) {
          std::cerr << fmt::format("dnswitness: witness {} listening on {}:{} for {} log(s)\n", state.name(),
                                   so.host, port, state.logs().size());
        };
        if (!opt->quiet)
          so.on_request = [](const std::string& method, const std::string& target, int status) {
            std::cerr << fmt::format("dnswitness: witness: {} {} {}\n", printable(method), printable(target), status);
          };
        try {
          serve_witness(state, so);
        } catch (const std::runtime_error& e) {
          if (dynamic_cast<const LedgerError*>(&e)) throw;
          std::cerr << fmt::format("dnswitness: the witness cannot start: {}.\n", e.what());
          return kExitInternal;
        }
        std::cerr << "dnswitness: witness stopped\n";
        return kExitOk;
      }
      return kExitUsage;
    } catch (const UsageError&) {
      throw;
    } catch (...) {
      return report_current_exception();
    }
  };
}

}  // namespace dnswitness::cli
