// `dnswitness reindex`: rebuild the derived observation index from the leaves.
#include <fmt/format.h>

#include <iostream>

#include "cli/ledger_options.h"

namespace dnswitness::cli {

Action add_reindex(CLI::App& app) {
  auto opt = std::make_shared<LedgerOptions>();
  CLI::App* sub = app.add_subcommand("reindex", "Rebuild the ledger's observation index from its leaves.");
  sub->footer(
      "The index is derived data (what 'history' reads); the leaves and signed tree heads are not touched.\n"
      "Exit codes: 0 done; 1 the ledger cannot be read or written; 4 a leaf is not a record this tool writes.");
  add_ledger_options(sub, *opt);
  return [opt]() -> int {
    try {
      LedgerStore store(ledger_paths(opt->ledger), LedgerStore::Mode::read_write, {}, opt->lock_timeout_s * 1000);
      const std::uint64_t rows = store.reindex([](std::uint64_t done, std::uint64_t total) {
        if (done < total) std::cerr << fmt::format("dnswitness: indexed {} of {} leaves...\n", done, total);
      });
      std::cout << fmt::format("Rebuilt the index of {}: {} observation rows from {} leaves.\n",
                               store.paths().dir.string(), rows, store.size());
      return kExitOk;
    } catch (...) {
      return report_current_exception();
    }
  };
}

}  // namespace dnswitness::cli
