#pragma once
// Completeness: what a report bundle must carry so that `verify` can show nothing was left out of
// its windows (docs/report.md, "Completeness"). The rule rests on two facts of the ledger:
//   - a run's leaves are contiguous: its run leaf at i, then its observation_count observations,
//     so the run ends at i + 1 + observation_count and the next run's leaf is there;
//   - the run leaf records its start and finish times.
// So:
//   1. Every run whose [started_at, finished_at] overlaps a window is carried whole: all its leaves.
//      A dropped observation is a missing index inside a carried run.
//   2. Around every window, the run leaves of a contiguous stretch of runs are carried, from a run
//      that started before the stretch's span to one that started after it (or the ledger's first
//      or last run). A dropped run is a break in the stretch. The span is the window widened by
//      24 h on each side when the expected interval is the median spacing of the runs there (so the
//      coverage gaps re-derive from the bundle), the window itself when --interval was given.
// Runs of more than kMaxWholeRunObservations observations (bulk lists) are not carried whole;
// verify says so for each one, in a warning, instead of claiming their completeness.
// Pure over its inputs: thread-safe.
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "ledger/coverage.h"
#include "reports/coverage_gaps.h"

namespace dnswitness {

// A run carried whole when it overlaps a window; larger ones carry only the observations the
// selection needs. The x preset makes about 11 names x 2 types x the resolvers per run.
inline constexpr std::uint64_t kMaxWholeRunObservations = 10000;
// How far the span around a window reaches when the interval is the median spacing (the same 24 h
// coverage_of looks at).
inline constexpr std::int64_t kCompletenessMarginNs = 24LL * 3600 * 1'000'000'000;

// What `report` adds to the bundle for completeness. `runs`: every run of the ledger, in ledger order.
struct CompletenessPlan {
  std::set<std::uint64_t> run_leaves;  // run leaves of the stretches around the windows
  // Runs overlapping a window, carried whole as [run leaf, end).
  std::vector<RunTime> whole_runs;
};
CompletenessPlan plan_completeness(const std::vector<RunTime>& runs, const std::vector<ReportWindow>& windows,
                                   bool interval_given);

// One run leaf as verify reads it from the bundle.
struct CarriedRun {
  std::uint64_t run_leaf = 0;
  std::uint64_t observation_count = 0;
  std::int64_t started_ns = 0, finished_ns = 0;
  std::string run_id;
  std::uint64_t end() const { return run_leaf + 1 + observation_count; }
};

// The first problem verify finds with completeness, as one sentence naming the run or leaf (empty
// when none). `runs`: every run leaf in the bundle, sorted by index; `leaves`: every leaf index in
// the bundle. Runs too large to be carried whole get a sentence in `warnings`.
std::string completeness_problem(const std::vector<CarriedRun>& runs, const std::set<std::uint64_t>& leaves,
                                 const std::vector<ReportWindow>& windows, bool interval_given,
                                 std::uint64_t newest_size, std::vector<std::string>* warnings);

}  // namespace dnswitness
