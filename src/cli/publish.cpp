// `dnswitness publish --to DIR`: the ledger as a static tiled log (c2sp.org/tlog-tiles) that any
// web server can serve and anyone can mirror (tlog/publish.h, docs/public-log.md).
#include <fmt/format.h>

#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/ledger_options.h"
#include "cli/publish_step.h"
#include "tlog/publish.h"

namespace dnswitness::cli {
namespace {

struct PublishCommandOptions {
  LedgerOptions ledger;
  std::string to;
  bool quiet = false;
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
      "Exit codes: 0 published (or nothing new); 1 cannot read the ledger or write the folder; 2 bad usage\n"
      "(the folder holds another log, or another publish is writing it); 4 the folder holds a checkpoint\n"
      "or file this ledger does not extend (a fork, a rolled-back ledger or an edited folder): nothing\n"
      "published is replaced.");
  add_ledger_options(sub, opt->ledger);
  sub->add_option("--to", opt->to, "Folder of the published log (created if missing)")->required()->option_text("FOLDER");
  sub->add_flag("--quiet,-q", opt->quiet, "Print only problems (for cron)");
  return [opt]() -> int {
    try {
      LedgerStore store(ledger_paths(opt->ledger.ledger), LedgerStore::Mode::read_only, {},
                        opt->ledger.lock_timeout_s * 1000);
      const bool progress = !opt->quiet;
      const PublishResult r = publish_to_folder(store, opt->to, progress ? &std::cerr : nullptr);
      if (!opt->quiet) std::cout << publish_summary(store.origin(), opt->to, r) << "\n";
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
