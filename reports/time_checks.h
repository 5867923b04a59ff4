#pragma once
// Time cross-checks of a run (docs/report.md, "Time cross-checks"): the times a run leaf records
// and the times around it must tell one story. Four comparisons, each a finding when they
// contradict each other:
//   - finish_before_start: the run's finished_at is before its started_at (the host clock went back
//     during the run);
//   - clock_offset: the NTP check the run made found the host clock more than 1 s off;
//   - tsa_before_run: an RFC 3161 token over the tree head signed after the run has a genTime
//     earlier than the run's finish minus the token's accuracy and kTimeToleranceNs (the token is
//     asked for after the run, so a TSA time before the run means the host clock was ahead);
//   - out_of_order: the run started more than kTimeToleranceNs before the previous run in the ledger
//     finished (a run is appended when it finishes, so the ledger's order is the order of finishing).
// The result is part of runs[].facts, which `verify` re-derives from the run leaves and tree heads
// in the bundle, so a finding cannot be added, removed or changed without failing verify.
// Pure: thread-safe.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>

namespace dnswitness {

// The slack allowed before two times contradict each other: 1 s for a host clock within the 1 s
// the NTP check allows, and 1 s for a TSA that states its time in whole seconds (genTime is then
// up to 1 s earlier than the moment it was made).
inline constexpr std::int64_t kTimeToleranceNs = 2'000'000'000;
// An NTP offset larger than this is a finding (the run leaf's own clock warning starts at 0.5 s).
inline constexpr std::int64_t kClockOffsetLimitNs = 1'000'000'000;

// The checks of one run. `run`: its run record; `run_leaf`: its leaf index; `previous`: the run
// record of the run just before it in the ledger (whose leaves end at run_leaf), or nullptr when the
// bundle does not carry it; `tokens`: the "timestamps" list of the tree head signed with the run
// (an empty list when that tree head has no token, null when the tree head is not in the bundle).
// Returns {tolerance_ns, offset_limit_ns, order, tokens, findings}; each finding holds "check",
// its figures and "warning", one English sentence.
nlohmann::json time_checks_of(const nlohmann::json& run, std::uint64_t run_leaf, const nlohmann::json* previous,
                              const nlohmann::json& tokens);

// Whether the run (its facts: started_at, finished_at) touches [from_ns, to_ns]: its span, taken
// from the earlier to the later of its two times, overlaps it, ends included.
bool run_touches(const nlohmann::json& facts, std::int64_t from_ns, std::int64_t to_ns);

// Adds to every login of `tables` (report.json's tables: logins[].time, logins[].warnings) the time
// warnings of each run whose span touches the login's window [time - before_ns, time + after_ns],
// one line each: "Run RUN_ID (started STARTED_AT): WARNING". `run_facts`: run leaf -> facts, as
// run_facts_of_bundle gives them.
void add_time_warnings_to_logins(nlohmann::json& tables, const std::map<std::uint64_t, nlohmann::json>& run_facts,
                                 std::int64_t before_ns, std::int64_t after_ns);

}  // namespace dnswitness
