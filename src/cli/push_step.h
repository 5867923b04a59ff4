#pragma once
// Pushing to a collector as a step of other commands (push, watch --push): the call, its one-line
// summary, and the exit code of its outcome (tlog/push_client.h).
#include <string>

#include "ledger/store.h"
#include "tlog/push_client.h"

namespace dnswitness::cli {

inline constexpr long kPushTimeoutMs = 30000;

// "Pushed 3 run(s) to URL: it holds size N, as this ledger." and the like.
std::string push_summary(const std::string& url, const PushOutcome& o);
// 0 pushed; 1 failed (the backlog waits); 4 refused (another history, or not registered).
int push_exit_code(const PushOutcome& o);
// watch --push: pushes after a run; a failure is a warning on stderr (the run is recorded, and the
// next run pushes the backlog). Never throws.
void push_after_run(LedgerStore& store, const std::string& url, bool quiet);

}  // namespace dnswitness::cli
