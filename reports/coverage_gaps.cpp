#include "reports/coverage_gaps.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "ledger/coverage.h"
#include "timeutil/timestamp.h"

namespace dnswitness {
namespace {

using nlohmann::json;

constexpr std::int64_t kSecondNs = 1'000'000'000;
constexpr std::int64_t kIntervalHorizonNs = 24 * 3600 * kSecondNs;

std::vector<ReportWindow> merged(std::vector<ReportWindow> w) {
  std::sort(w.begin(), w.end(), [](const ReportWindow& a, const ReportWindow& b) { return a.from_ns < b.from_ns; });
  std::vector<ReportWindow> out;
  for (const auto& x : w) {
    if (!out.empty() && x.from_ns <= out.back().until_ns) out.back().until_ns = std::max(out.back().until_ns, x.until_ns);
    else out.push_back(x);
  }
  return out;
}

// Median spacing of consecutive run starts within 24 h of the windows; nullopt with fewer than two.
std::optional<std::int64_t> median_spacing(const std::vector<std::int64_t>& starts,
                                           const std::vector<ReportWindow>& windows, std::size_t* used) {
  std::vector<ReportWindow> wide;
  for (const auto& w : windows) wide.push_back({w.from_ns - kIntervalHorizonNs, w.until_ns + kIntervalHorizonNs});
  std::vector<std::int64_t> spacings;
  for (const auto& w : merged(wide)) {
    const auto lo = std::lower_bound(starts.begin(), starts.end(), w.from_ns);
    const auto hi = std::upper_bound(starts.begin(), starts.end(), w.until_ns);
    for (auto it = lo; it != hi && std::next(it) != hi; ++it) spacings.push_back(*std::next(it) - *it);
  }
  *used = spacings.size();
  if (spacings.size() < 2) return std::nullopt;
  std::sort(spacings.begin(), spacings.end());
  return spacings[(spacings.size() - 1) / 2];
}

std::string rfc3339(std::int64_t ns) { return format_rfc3339_ns(UtcTime{ns}); }

}  // namespace

std::vector<ReportWindow> report_windows(const std::vector<LoginRecord>& logins, const CandidateOptions& o) {
  std::vector<ReportWindow> w;
  for (const auto& l : logins) w.push_back({l.at.ns - o.before_ns, l.at.ns + o.after_ns});
  if (o.from_ns && o.until_ns) w.push_back({*o.from_ns, *o.until_ns});
  return merged(std::move(w));
}

json coverage_of(const std::vector<std::int64_t>& starts, const std::vector<ReportWindow>& windows,
                 std::optional<std::int64_t> interval_ns) {
  json out = {{"interval_seconds", nullptr},
              {"interval_source", nullptr},
              {"gap_threshold_seconds", nullptr},
              {"windows", json::array()},
              {"note",
               "Gaps: periods inside the report's windows longer than twice the expected interval between runs in "
               "which the ledger holds no run at all, found from the run records this bundle carries: every run "
               "of the ledger from before each window (24 h before, when the interval is the median spacing) to "
               "after it, so 'dnswitness verify' derives the same gaps."}};
  std::size_t used = 0;
  std::optional<std::int64_t> interval;
  if (interval_ns) {
    interval = *interval_ns;
    out["interval_source"] = "--interval";
  } else if ((interval = median_spacing(starts, windows, &used))) {
    out["interval_source"] = fmt::format("the median spacing of {} consecutive runs of the ledger within 24 h of "
                                         "the windows",
                                         used + 1);
  } else {
    out["interval_source"] = "unknown: fewer than three runs within 24 h of the windows; give --interval";
  }
  // find_gaps counts in whole seconds; a median under a second (runs made back to back) is 1 s.
  std::optional<std::chrono::seconds> seconds;
  if (interval) {
    seconds = std::chrono::seconds(std::max<std::int64_t>(1, (*interval + kSecondNs - 1) / kSecondNs));
    out["interval_seconds"] = seconds->count();
    out["gap_threshold_seconds"] = 2 * seconds->count();
  }
  for (const auto& w : windows) {
    const auto lo = std::lower_bound(starts.begin(), starts.end(), w.from_ns);
    const auto hi = std::upper_bound(starts.begin(), starts.end(), w.until_ns);
    json gaps = json::array();
    if (seconds) {
      const std::vector<std::int64_t> inside(lo, hi);
      for (const auto& g : find_gaps(inside, *seconds, w.from_ns, w.until_ns))
        gaps.push_back({{"from", rfc3339(g.from_ns)},
                        {"until", rfc3339(g.to_ns)},
                        {"seconds", (g.to_ns - g.from_ns) / kSecondNs},
                        {"from_edge", g.from_ns == w.from_ns && !std::binary_search(lo, hi, g.from_ns) ? "window" : "run"},
                        {"until_edge", g.to_ns == w.until_ns && !std::binary_search(lo, hi, g.to_ns) ? "window" : "run"}});
    }
    out["windows"].push_back({{"from", rfc3339(w.from_ns)},
                              {"until", rfc3339(w.until_ns)},
                              {"runs", static_cast<std::uint64_t>(hi - lo)},
                              {"gaps", std::move(gaps)}});
  }
  return out;
}

}  // namespace dnswitness
