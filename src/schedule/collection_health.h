#pragma once
// Is the evidence still being collected? The verdict `status --max-age` gives a monitoring system
// (Icinga, Nagios, Zabbix, systemd OnFailure=), in the monitoring-plugin convention: one state,
// exit code 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN, and a first line "DNSWITNESS STATE - ...".
//
//   CRITICAL  no run recorded; the last run started longer ago than max_age; no resolver answered
//             in the last run; a witness refused the newest tree it was sent as inconsistent (fork
//             alarm)
//   WARNING   a gap in the runs (longer than twice the interval) within the last 24 hours; a
//             resolver without a response in the last run; a clock warning in the last run; a
//             witness whose last attempt did not cosign
//   OK        none of these
//
// Role: pure judgement over facts the caller read from the ledger. Thread-safe.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ledger/coverage.h"

namespace dnswitness {

enum class HealthState { ok = 0, warning = 1, critical = 2, unknown = 3 };

struct CollectionFacts {
  std::int64_t now_ns = 0;
  std::chrono::seconds max_age{0};
  std::optional<std::int64_t> last_run_started_ns;  // none: no run recorded
  std::uint64_t last_run_observations = 0;
  std::uint64_t last_run_responses = 0;
  std::vector<std::string> failing_resolvers;  // "name: k of n without a response (...)"
  std::vector<std::string> clock_warnings;
  std::vector<Gap> gaps;                         // as status finds them (empty when not checked)
  std::vector<std::string> witness_failures;     // "witness W: FAILED at size N: ..."
  std::vector<std::string> witness_fork_alarms;  // refusals of a tree as inconsistent
};

struct HealthVerdict {
  HealthState state = HealthState::unknown;
  std::vector<std::string> problems;  // worst first, one sentence each
  std::string line;                   // "DNSWITNESS OK - last run 3m ago, 44 observations | age=180s;;900"
};

HealthVerdict judge_collection(const CollectionFacts& facts);
// "OK", "WARNING", "CRITICAL", "UNKNOWN".
const char* health_state_name(HealthState s);

}  // namespace dnswitness
