// `dnswitness backup`: a consistent copy of the ledger folder, safe while `watch` writes to it,
// checked like verify-ledger checks the original.
#include <fmt/format.h>

#include <iostream>
#include <sstream>

#include "cli/ledger_check.h"
#include "cli/ledger_options.h"
#include "ledger/backup.h"

namespace dnswitness::cli {
namespace {

struct BackupOptions {
  LedgerOptions ledger;
  std::string to;
  bool quiet = false;
};

std::string joined(const std::vector<std::string>& names, const std::string& prefix) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + prefix + n;
  return out;
}

}  // namespace

Action add_backup(CLI::App& app) {
  auto opt = std::make_shared<BackupOptions>();
  CLI::App* sub =
      app.add_subcommand("backup", "Copy the ledger (database and keys) to a new folder and check the copy.");
  sub->footer(
      "Safe while 'dnswitness watch' or a scheduled run writes to the ledger: the copy holds every run\n"
      "committed when it started and nothing of a run in progress. The new folder is laid out like a\n"
      "ledger folder (ledger.sqlite, keys/), so '--ledger FOLDER' works on it directly. It holds the\n"
      "private signing key: store it as safely as the original. Logs and ntp-state.json are not copied.\n"
      "Exit codes: 0 copied and verified; 1 cannot read or write; 2 bad usage (the target exists and is\n"
      "not empty, or the ledger needs 'dnswitness migrate'); 4 the copy does not verify.");
  add_ledger_options(sub, opt->ledger);
  sub->add_option("--to", opt->to, "New folder for the copy (must not exist, or be empty)")
      ->required()
      ->option_text("FOLDER");
  sub->add_flag("--quiet,-q", opt->quiet, "Print only warnings and problems (for cron)");
  return [opt]() -> int {
    try {
      const LedgerPaths paths = ledger_paths(opt->ledger.ledger);
      const int timeout_ms = opt->ledger.lock_timeout_s * 1000;
      {
        // Opened first for the usual plain errors: no ledger there, not a ledger, another schema.
        LedgerStore source(paths, LedgerStore::Mode::read_only, {}, timeout_ms);
      }
      const LedgerCopy copy = copy_ledger(paths, opt->to, timeout_ms);
      std::ostringstream discard;
      std::ostream& out = opt->quiet ? discard : std::cout;
      out << fmt::format("Copied the ledger {} to {} (ledger.sqlite{}{}).\n", paths.dir.string(), copy.dir.string(),
                         copy.key_files.empty() ? "" : ", ", joined(copy.key_files, "keys/"));
      if (!copy.left_out.empty())
        out << fmt::format("Not copied (not part of the ledger): {}.\n", joined(copy.left_out, ""));
      if (copy.key_files.empty())
        std::cerr << "dnswitness: warning: the ledger has no keys folder, so the copy has none either; keep a copy "
                     "of the signing key with it.\n";
      else
        std::cerr << fmt::format("dnswitness: warning: {} holds the ledger's private signing key; store it as safely "
                                 "as the original (whoever has it can sign tree heads in this ledger's name).\n",
                                 LedgerPaths{copy.dir}.keys_dir().string());
      for (const auto& w : copy.warnings) std::cerr << fmt::format("dnswitness: warning: {}.\n", w);

      const FolderCheck check = check_ledger_folder(LedgerPaths{copy.dir}, timeout_ms);
      for (const auto& w : check.warnings) std::cerr << fmt::format("dnswitness: warning: {}.\n", w);
      if (!check.ok) {
        std::cerr << fmt::format("dnswitness: the copy {} does NOT verify: {}; do not rely on it, and run "
                                 "'dnswitness verify-ledger' on the original.\n",
                                 copy.dir.string(), check.failure);
        return kExitTampered;
      }
      out << "The copy verifies. Its tree head:\n";
      print_check(out, check);
      return kExitOk;
    } catch (...) {
      return report_current_exception();
    }
  };
}

}  // namespace dnswitness::cli
