#pragma once
// Publishing as a step of other commands (publish, watch --publish): the call with progress on a
// stream, the one-line summary, and the exit code of a PublishError.
#include <ostream>
#include <string>

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
// watch --publish: publishes after a run; any failure is a warning on stderr (the run is recorded
// and the next run tries again). Never throws.
void publish_after_run(LedgerStore& store, const std::string& dir, bool quiet);

}  // namespace dnswitness::cli
