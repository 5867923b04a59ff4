#include "schedule/collection_health.h"

#include <fmt/format.h>

#include "schedule/interval.h"
#include "timeutil/timestamp.h"

namespace dnswitness {
namespace {

constexpr std::int64_t kNsPerSecond = 1'000'000'000;
constexpr std::int64_t kRecentGapNs = 24LL * 3600 * kNsPerSecond;

std::string age_text(std::int64_t ns) {
  return format_interval(std::chrono::seconds(std::max<std::int64_t>(ns / kNsPerSecond, 0)));
}

}  // namespace

const char* health_state_name(HealthState s) {
  switch (s) {
    case HealthState::ok:
      return "OK";
    case HealthState::warning:
      return "WARNING";
    case HealthState::critical:
      return "CRITICAL";
    case HealthState::unknown:
      break;
  }
  return "UNKNOWN";
}

HealthVerdict judge_collection(const CollectionFacts& f) {
  HealthVerdict v;
  std::vector<std::string> critical, warning;
  std::int64_t age_ns = -1;
  if (!f.last_run_started_ns) {
    critical.push_back("no run is recorded in the ledger");
  } else {
    age_ns = f.now_ns - *f.last_run_started_ns;
    if (age_ns > f.max_age.count() * kNsPerSecond)
      critical.push_back(fmt::format("the last run started {} ago, longer than --max-age {}: runs have stopped",
                                     age_text(age_ns), format_interval(f.max_age)));
    if (f.last_run_observations > 0 && f.last_run_responses == 0)
      critical.push_back(fmt::format("no resolver answered any of the {} queries of the last run",
                                     f.last_run_observations));
  }
  for (const auto& a : f.witness_fork_alarms) critical.push_back(a);
  for (const auto& g : f.gaps)
    if (g.to_ns > f.now_ns - kRecentGapNs)
      warning.push_back(fmt::format("a gap of {} without a run, from {} to {}", age_text(g.to_ns - g.from_ns),
                                    format_utc_display(UtcTime{g.from_ns}), format_utc_display(UtcTime{g.to_ns})));
  if (critical.empty() || f.last_run_responses > 0)
    for (const auto& r : f.failing_resolvers) warning.push_back("resolver " + r);
  for (const auto& c : f.clock_warnings) warning.push_back("clock: " + c);
  for (const auto& w : f.witness_failures) warning.push_back(w);

  v.state = !critical.empty() ? HealthState::critical : !warning.empty() ? HealthState::warning : HealthState::ok;
  v.problems = critical;
  v.problems.insert(v.problems.end(), warning.begin(), warning.end());
  std::string summary;
  if (!v.problems.empty()) {
    summary = v.problems.front();
    if (v.problems.size() > 1) summary += fmt::format(" (and {} more)", v.problems.size() - 1);
  } else {
    summary = fmt::format("last run {} ago, {} observations, {} answered", age_text(age_ns),
                          f.last_run_observations, f.last_run_responses);
  }
  // Performance data: the last run's age in seconds against the critical threshold.
  const std::string perf = age_ns < 0 ? std::string()
                                      : fmt::format(" | age={}s;;{}", age_ns / kNsPerSecond, f.max_age.count());
  v.line = fmt::format("DNSWITNESS {} - {}{}", health_state_name(v.state), summary, perf);
  return v;
}

}  // namespace dnswitness
