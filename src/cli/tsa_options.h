#pragma once
// The time-stamping options of resolve-snapshot (--tsa, --tsa-accredited, --tsa-ca, --tsa-user,
// --tsa-password-file, --tsa-cert, --tsa-key) and the step that runs after a run's tree head is
// committed: ask the TSAs, record every attempt, say what happened. --ca-file is registered by
// resolve-snapshot itself (it also serves DoH) and reaches here through SnapshotSettings.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "config/snapshot_settings.h"
#include "ledger/store.h"
#include "tsa/tsa_settings.h"

namespace dnswitness::cli {

struct TsaOptions {
  std::vector<std::string> tsa, tsa_accredited, tsa_ca;
  std::string user, password_file, cert, key;
  int timeout_s = 15;
};

void add_tsa_options(CLI::App* sub, TsaOptions& o);
// Puts the TSA options given on the command line into `cli` (which then overrides the config file).
void tsa_options_to_settings(const CLI::App* sub, const TsaOptions& o, SnapshotSettings& cli);
// The checked TSA list of the merged settings, with the command line's credentials applied.
// Throws UsageError before anything is sent.
std::vector<TsaTarget> tsa_targets(const CLI::App* sub, const TsaOptions& o, const SnapshotSettings& settings);

// Asks every target for a token over the newest tree head (`note` is its signed note) and reports
// on stderr. Never throws and never changes the exit code: a failure is recorded and reported.
void stamp_after_run(LedgerStore& store, const std::string& note, const std::vector<TsaTarget>& targets, bool quiet);

}  // namespace dnswitness::cli
