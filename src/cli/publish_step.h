#pragma once
// Publishing as a step of other commands (publish, watch --publish): the call with progress on a
// stream, the one-line summary, and the exit code of a PublishError.
#include <ostream>
#include <string>

#include "cli/witness_options.h"
#include "ledger/store.h"
#include "tlog/publish.h"

namespace dnswitness::cli {

// publish_ledger to `dir`, printing "publishing: N/M leaves" lines on `progress` (none when null)
// for long publishes.
PublishResult publish_to_folder(LedgerStore& store, const std::string& dir, std::ostream* progress);
// "Published <origin> at size N to DIR (k files written, m already there).", "DIR already holds
// <origin> at size N; nothing new to publish." or, for the same size with files written (tokens
// granted since, run heads the folder lacked), "DIR already holds <origin> at size N; updated k files ...".
std::string publish_summary(const std::string& origin, const std::string& dir, const PublishResult& r);
int publish_exit_code(const PublishError& e);
// Asks the witnesses to cosign the newest tree head (tlog/witnessing.h) and prints what each did on
// `out`: warnings always, successes unless `quiet`. A witness never makes it throw; the ledger may
// (LedgerError when it cannot be written).
struct WitnessingSummary {
  std::size_t not_cosigned = 0;
  std::size_t inconsistent = 0;  // refusals of a tree the witness finds inconsistent (a fork alarm)
};
WitnessingSummary ask_witnesses(LedgerStore& store, const WitnessTargets& witnesses, bool quiet, std::ostream& out);
// watch --publish: asks the witnesses, then publishes after a run; any failure is a warning on
// stderr (the run is recorded and the next run tries again). Never throws.
void publish_after_run(LedgerStore& store, const std::string& dir, const WitnessTargets& witnesses, bool quiet);

}  // namespace dnswitness::cli
