#include "reports/completeness.h"

#include <fmt/format.h>

#include <algorithm>

#include "timeutil/timestamp.h"

namespace dnswitness {
namespace {

std::string when_of(std::int64_t ns) { return format_rfc3339_ns(UtcTime{ns}); }

bool overlaps(std::int64_t started, std::int64_t finished, const ReportWindow& w) {
  return started <= w.until_ns && finished >= w.from_ns;
}

ReportWindow span_around(const ReportWindow& w, bool interval_given) {
  const std::int64_t margin = interval_given ? 0 : kCompletenessMarginNs;
  return {w.from_ns - margin, w.until_ns + margin};
}

}  // namespace

CompletenessPlan plan_completeness(const std::vector<RunTime>& runs, const std::vector<ReportWindow>& windows,
                                   bool interval_given) {
  CompletenessPlan plan;
  if (runs.empty()) return plan;
  for (const auto& w : windows) {
    const ReportWindow s = span_around(w, interval_given);
    // The stretch: from the last run that started before the span (or the first run) to the first
    // run after that one that started after the span (or the last run), in ledger order.
    std::size_t first = 0;
    for (std::size_t i = 0; i < runs.size(); ++i)
      if (runs[i].started_ns < s.from_ns) first = i;
    std::size_t last = runs.size() - 1;
    for (std::size_t i = first + 1; i < runs.size(); ++i)
      if (runs[i].started_ns > s.until_ns) {
        last = i;
        break;
      }
    for (std::size_t i = first; i <= last; ++i) {
      plan.run_leaves.insert(runs[i].run_leaf);
      if (overlaps(runs[i].started_ns, runs[i].finished_ns, w) &&
          runs[i].end - runs[i].run_leaf - 1 <= kMaxWholeRunObservations)
        plan.whole_runs.push_back(runs[i]);
    }
  }
  std::sort(plan.whole_runs.begin(), plan.whole_runs.end(),
            [](const RunTime& a, const RunTime& b) { return a.run_leaf < b.run_leaf; });
  plan.whole_runs.erase(std::unique(plan.whole_runs.begin(), plan.whole_runs.end(),
                                    [](const RunTime& a, const RunTime& b) { return a.run_leaf == b.run_leaf; }),
                        plan.whole_runs.end());
  return plan;
}

std::string completeness_problem(const std::vector<CarriedRun>& runs, const std::set<std::uint64_t>& leaves,
                                 const std::vector<ReportWindow>& windows, bool interval_given,
                                 std::uint64_t newest_size, std::vector<std::string>* warnings) {
  if (windows.empty()) return {};
  if (runs.empty()) return "the bundle carries no run leaf, so it cannot show that no run of its windows was left out";
  for (const auto& r : runs)
    if (r.end() > newest_size)
      return fmt::format("run {} (leaf {}) says it has {} observations, which end past the newest tree head (size {})",
                         r.run_id, r.run_leaf, r.observation_count, newest_size);
  // Blocks of runs that follow each other in the ledger without a run in between.
  std::vector<std::size_t> block_of(runs.size(), 0);
  for (std::size_t i = 1; i < runs.size(); ++i)
    block_of[i] = runs[i].run_leaf == runs[i - 1].end() ? block_of[i - 1] : i;
  for (const auto& w : windows) {
    const ReportWindow s = span_around(w, interval_given);
    // A block that reaches from before the span to after it: every run in between is carried.
    bool spanned = false;
    std::string nearest_break;
    for (std::size_t b = 0; b < runs.size() && !spanned; ++b) {
      if (block_of[b] != b) continue;
      std::size_t e = b;
      while (e + 1 < runs.size() && block_of[e + 1] == b) ++e;
      const bool starts_before = runs[b].run_leaf == 0 || runs[b].started_ns < s.from_ns;
      const bool ends_after = runs[e].end() == newest_size || runs[e].started_ns > s.until_ns;
      if (starts_before && ends_after) spanned = true;
      else if (starts_before && runs[e].started_ns >= s.from_ns && nearest_break.empty())
        nearest_break = fmt::format("the run leaf at {} (after run {}, which started {}) is missing", runs[e].end(),
                                    runs[e].run_id, when_of(runs[e].started_ns));
    }
    if (!spanned)
      return fmt::format("the bundle does not carry every run from {} to {} (the window {} to {}{}): {}",
                         when_of(s.from_ns), when_of(s.until_ns), when_of(w.from_ns), when_of(w.until_ns),
                         interval_given ? "" : ", widened by 24 h for the interval",
                         nearest_break.empty() ? "no unbroken stretch of runs reaches across it" : nearest_break);
    for (const auto& r : runs) {
      if (!overlaps(r.started_ns, r.finished_ns, w)) continue;
      if (r.observation_count > kMaxWholeRunObservations) {
        if (warnings)
          warnings->push_back(fmt::format(
              "run {} (leaf {}) overlaps the window {} to {} but holds {} observations, more than the {} a bundle "
              "carries whole, so that none of its observations was left out cannot be checked from this bundle",
              r.run_id, r.run_leaf, when_of(w.from_ns), when_of(w.until_ns), r.observation_count,
              kMaxWholeRunObservations));
        continue;
      }
      for (std::uint64_t i = r.run_leaf + 1; i < r.end(); ++i)
        if (!leaves.count(i))
          return fmt::format("leaf {} of run {} is missing: the run overlaps the window {} to {}, so the bundle must "
                             "carry all its {} observations",
                             i, r.run_id, when_of(w.from_ns), when_of(w.until_ns), r.observation_count);
    }
  }
  return {};
}

}  // namespace dnswitness
