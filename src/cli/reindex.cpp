// `dnswitness reindex`: rebuild the derived observation index from the leaves.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <system_error>

#include "cli/ledger_options.h"
#include "model/errors.h"

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
      const LedgerPaths paths = ledger_paths(opt->ledger);
      // Opening for writing would create a ledger where a mistyped --ledger points.
      if (std::error_code ec; !std::filesystem::exists(paths.database(), ec))
        throw UsageError(fmt::format("There is no ledger at {} (no ledger.sqlite there), so there is nothing to "
                                     "reindex; check the --ledger folder.",
                                     paths.dir.string()));
      LedgerStore store(paths, LedgerStore::Mode::read_write, {}, opt->lock_timeout_s * 1000);
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
