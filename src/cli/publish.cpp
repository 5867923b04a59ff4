// `dnswitness publish --to DIR`: the ledger as a static tiled log (c2sp.org/tlog-tiles) that any
// web server can serve and anyone can mirror (tlog/publish.h, docs/public-log.md).
#include <fmt/format.h>

#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/ledger_options.h"
#include "cli/publish_step.h"
#include "cli/witness_options.h"
#include "config/config_sources.h"
#include "tlog/publish.h"

namespace dnswitness::cli {
namespace {

struct PublishCommandOptions {
  LedgerOptions ledger;
  std::string to;
  bool quiet = false;
  std::vector<std::string> config;
  bool no_default_config = false;
  CosignerCliOptions witness;
};

}  // namespace

Action add_publish(CLI::App& app) {
  auto opt = std::make_shared<PublishCommandOptions>();
  CLI::App* sub = app.add_subcommand(
      "publish", "Write the ledger as a public log of static files (c2sp.org/tlog-tiles) into a folder to serve.");
  sub->footer(
      "Writes FOLDER/checkpoint (the newest signed tree head), the hash tiles FOLDER/tile/<level>/..., the\n"
      "entry bundles FOLDER/tile/entries/... (every leaf's exact bytes), FOLDER/log.json (origin and\n"
      "verifier key), and under FOLDER/dnswitness/ every run's signed tree head and its RFC 3161 tokens\n"
      "(for 'report --log'). Run it again after new runs ('watch --publish FOLDER' does so after every run):\n"
      "only new files are written, files already published are never changed (a token list only grows),\n"
      "and the checkpoint is replaced last, so a web server, a mirror or a reader never sees a checkpoint\n"
      "whose tiles are missing, even if publish is killed. Serve FOLDER with any web server\n"
      "(docs/public-log.md has an nginx block).\n"
      "\n"
      "With --witness (or the config's \"witnesses\"), each witness is first asked to cosign the newest tree\n"
      "head (c2sp.org/tlog-witness; docs/witness.md); every answer is kept in the ledger, the cosignatures are\n"
      "appended to FOLDER/checkpoint, and a witness that is down or refuses is a warning (exit 0), asked again\n"
      "next time. A witness that refuses the tree as inconsistent with one it cosigned is a fork alarm (exit 4,\n"
      "after publishing):\n"
      "  dnswitness publish --to /srv/log --witness w1.example.jp=https://w1.example.jp+w1.example.jp+1a2b3c4d+BXX...\n"
      "Exit codes: 0 published (or nothing new); 1 cannot read the ledger or write the folder; 2 bad usage\n"
      "(the folder holds another log, or another publish is writing it); 4 a witness refused the tree as\n"
      "inconsistent, or the folder holds a checkpoint\n"
      "or file this ledger does not extend (a fork, a rolled-back ledger or an edited folder): nothing\n"
      "published is replaced.");
  add_ledger_options(sub, opt->ledger);
  sub->add_option("--to", opt->to, "Folder of the published log (created if missing)")->required()->option_text("FOLDER");
  sub->add_flag("--quiet,-q", opt->quiet, "Print only problems (for cron)");
  add_witness_options(sub, opt->witness);
  sub->add_option("--config", opt->config, "JSON settings file for \"witnesses\", repeatable (a later one wins)")
      ->option_text("FILE");
  sub->add_flag("--no-default-config", opt->no_default_config,
                "Read no default config file (/etc/dnswitness/config.json, ~/.config/dnswitness/config.json)");
  return [opt, sub]() -> int {
    try {
      const WitnessTargets witnesses =
          witness_targets(sub, opt->witness, load_config_files(opt->config, !opt->no_default_config));
      const LedgerPaths paths = ledger_paths(opt->ledger.ledger);
      // Cosignatures are written to the ledger; without witnesses publishing only reads it. The
      // read-only open first, so a mistyped --ledger is refused instead of created.
      const int busy_ms = opt->ledger.lock_timeout_s * 1000;
      if (!witnesses.endpoints.empty()) LedgerStore probe(paths, LedgerStore::Mode::read_only, std::string(), busy_ms);
      LedgerStore store(paths, witnesses.endpoints.empty() ? LedgerStore::Mode::read_only : LedgerStore::Mode::read_write,
                        std::string(), busy_ms);
      const WitnessingSummary witnessed = ask_witnesses(store, witnesses, opt->quiet, std::cerr);
      const bool progress = !opt->quiet;
      const PublishResult r = publish_to_folder(store, opt->to, progress ? &std::cerr : nullptr);
      if (!opt->quiet) std::cout << publish_summary(store.origin(), opt->to, r) << "\n";
      // Published all the same (a witness never stops publishing), but a fork alarm must not look
      // like success to cron.
      if (witnessed.inconsistent != 0) {
        std::cerr << fmt::format("dnswitness: {} witness(es) refused this tree as inconsistent with what they "
                                 "cosigned before; see the warnings above.\n",
                                 witnessed.inconsistent);
        return kExitTampered;
      }
      return kExitOk;
    } catch (const PublishError& e) {
      std::cerr << "dnswitness: " << e.what() << "\n";
      return publish_exit_code(e);
    } catch (...) {
      return report_current_exception();
    }
  };
}

}  // namespace dnswitness::cli
