#include "cli/option_checks.h"
#include "cli/ledger_options.h"

#include <fmt/format.h>

#include <iostream>

#include "crypto/sha256.h"
#include "ledger/origin.h"
#include "ledger/signed_note.h"
#include "model/printable.h"
#include "model/errors.h"
#include "timeutil/timestamp.h"

namespace dnswitness::cli {

void add_ledger_options(CLI::App* sub, LedgerOptions& opt) {
  sub->add_option("--ledger", opt.ledger,
                  "Ledger folder (default: $DNSWITNESS_HOME, else $XDG_DATA_HOME/dnswitness, else "
                  "~/.local/share/dnswitness)")
      ->option_text("FOLDER");
  sub->add_option("--lock-timeout", opt.lock_timeout_s,
                  "How long to wait while another dnswitness process writes the ledger: 30s, 2m (default: 30 s)")
      ->transform(duration_units(DurationBase::seconds))
      ->check(CLI::Range(0, 3600))
      ->option_text("DURATION");
}

CLI::Option* add_origin_option(CLI::App* sub, std::string& origin) {
  return sub
      ->add_option("--origin", origin,
                   "Name of a new ledger, at most 255 bytes without spaces or '+' "
                   "(default: dnswitness/<host>/<random>)")
      ->check(CLI::Validator([](const std::string& value) { return origin_problem(value); }, "", "origin"))
      ->option_text("NAME");
}

void retire_ledger_for_new_start(const LedgerPaths& paths) {
  const auto moved = retire_ledger_files(paths);
  if (moved)
    std::cerr << fmt::format("dnswitness: --new-ledger: moved the old ledger's database and keys to {} (nothing was "
                             "deleted); a new ledger with a new key and origin starts in {}.\n",
                             moved->string(), paths.dir.string());
}

int report_ledger_error(const LedgerError& e) {
  std::cerr << "dnswitness: " << printable(e.what()) << '\n';
  switch (e.kind()) {
    case LedgerError::Kind::integrity:
      return kExitTampered;
    case LedgerError::Kind::usage:
      return kExitUsage;
    default:
      return kExitInternal;
  }
}

int report_current_exception() {
  try {
    throw;
  } catch (const LedgerError& e) {
    return report_ledger_error(e);
  } catch (const CryptoError& e) {
    // CryptoError messages name the file and never contain key material.
    std::cerr << "dnswitness: " << printable(e.what()) << '\n';
    return kExitInternal;
  } catch (const NoteError& e) {
    std::cerr << "dnswitness: " << printable(e.what()) << '\n';
    return kExitUsage;
  }
}

}  // namespace dnswitness::cli
