#pragma once
// Options and helpers shared by the commands that use the ledger (resolve-snapshot, keygen,
// verify-ledger, history, reindex), and the registration functions of the ledger commands.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "ledger/store.h"

namespace dnswitness::cli {

struct LedgerOptions {
  std::string ledger;        // --ledger FOLDER
  int lock_timeout_s = 30;   // --lock-timeout SECONDS
};

// Adds --ledger and --lock-timeout to `sub`.
void add_ledger_options(CLI::App* sub, LedgerOptions& opt);

// --origin NAME for the commands that may create a ledger; a name origin_problem() refuses is a
// usage error at parse time, before any file is made.
CLI::Option* add_origin_option(CLI::App* sub, std::string& origin);

// --new-ledger: a deliberate fresh start. Moves the ledger's database and key folder (whatever
// their state) into <ledger>/retired-<UTC time>/ and says where on stderr; the next open creates a
// new ledger with a new key and origin. Nothing is deleted.
void retire_ledger_for_new_start(const LedgerPaths& paths);

// The exit code for a ledger error, after printing its message (one sentence) on stderr.
int report_ledger_error(const LedgerError& e);
// The same for the errors any ledger command can meet (LedgerError, CryptoError, NoteError);
// rethrows anything else. Use inside a catch (...) block.
int report_current_exception();


Action add_keygen(CLI::App& app);
Action add_verify_ledger(CLI::App& app);
Action add_history(CLI::App& app);
Action add_reindex(CLI::App& app);

}  // namespace dnswitness::cli
