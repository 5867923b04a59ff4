// `dnswitness migrate`: upgrade a ledger of an older schema version in place, after copying it,
// then check the upgraded ledger like verify-ledger does.
#include <fmt/format.h>

#include <iostream>

#include "cli/ledger_check.h"
#include "cli/ledger_options.h"
#include "ledger/migrate.h"

namespace dnswitness::cli {
namespace {

struct MigrateOptions {
  LedgerOptions ledger;
  std::string backup_to;
};

}  // namespace

Action add_migrate(CLI::App& app) {
  auto opt = std::make_shared<MigrateOptions>();
  CLI::App* sub = app.add_subcommand(
      "migrate", "Upgrade a ledger made by an older dnswitness to this version's schema (backs it up first).");
  sub->footer(
      "Stop 'dnswitness watch' and scheduled runs first. The ledger is copied (like 'dnswitness backup')\n"
      "to --backup-to, else to a folder beside it named <folder>-schema<old version>-backup-<UTC time>,\n"
      "then upgraded in one transaction and checked. Leaves and signed tree heads are never changed.\n"
      "A ledger that is already current is left alone.\n"
      "Exit codes: 0 upgraded and verified, or already current; 1 cannot read or write; 2 bad usage (a\n"
      "ledger newer than this dnswitness); 4 the upgraded ledger does not verify.");
  add_ledger_options(sub, opt->ledger);
  sub->add_option("--backup-to", opt->backup_to,
                  "New folder for the backup made before upgrading (default: beside the ledger folder)")
      ->option_text("FOLDER");
  return [opt]() -> int {
    try {
      const LedgerPaths paths = ledger_paths(opt->ledger.ledger);
      const int timeout_ms = opt->ledger.lock_timeout_s * 1000;
      const MigrationResult m = migrate_ledger(paths, timeout_ms, opt->backup_to);
      if (m.already_current) {
        std::cout << fmt::format(
            "The ledger {} already has schema version {}, the one this dnswitness uses; nothing to do.\n",
            paths.dir.string(), m.to_version);
        return kExitOk;
      }
      std::cout << fmt::format("Backed up the ledger (schema version {}) to {} before upgrading it.\n",
                               m.from_version, m.backup.dir.string());
      if (!m.backup.key_files.empty())
        std::cerr << fmt::format("dnswitness: warning: {} holds the ledger's private signing key; store it as "
                                 "safely as the original, or delete it once you no longer need it.\n",
                                 m.backup.dir.string());
      for (const auto& w : m.backup.warnings) std::cerr << fmt::format("dnswitness: warning: {}.\n", w);
      std::cout << fmt::format("Upgraded the ledger {} from schema version {} to {}.\n", paths.dir.string(),
                               m.from_version, m.to_version);

      const FolderCheck check = check_ledger_folder(paths, timeout_ms);
      for (const auto& w : check.warnings) std::cerr << fmt::format("dnswitness: warning: {}.\n", w);
      if (!check.ok) {
        std::cerr << fmt::format("dnswitness: the upgraded ledger {} does NOT verify: {}; the copy from before the "
                                 "upgrade is in {}.\n",
                                 paths.dir.string(), check.failure, m.backup.dir.string());
        return kExitTampered;
      }
      std::cout << "The upgraded ledger verifies. Its tree head:\n";
      print_check(std::cout, check);
      return kExitOk;
    } catch (...) {
      return report_current_exception();
    }
  };
}

}  // namespace dnswitness::cli
