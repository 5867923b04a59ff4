#pragma once
// Coverage gaps inside a report's window: periods longer than twice the expected interval between
// runs with no run at all, so the report says plainly where the ledger has no evidence. The same
// rule as `dnswitness status` (ledger/coverage.h find_gaps), applied to the report's windows (each
// login time's [T - before, T + after] and the --from/--until period, overlapping ones merged).
//
// The expected interval is --interval when given, else the median spacing between consecutive run
// starts in the ledger within 24 hours of the windows (at least two spacings needed; otherwise the
// interval is unknown and no gaps are listed). Pure over its inputs: thread-safe.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "reports/candidates.h"
#include "reports/logins.h"

namespace dnswitness {

struct ReportWindow {
  std::int64_t from_ns = 0, until_ns = 0;  // both inclusive
};

// The report's windows, sorted, overlapping or touching ones merged.
std::vector<ReportWindow> report_windows(const std::vector<LoginRecord>& logins, const CandidateOptions& o);

// The bundle's `coverage` member (docs/report.md). `run_starts`: every run's start in the ledger,
// sorted. `interval_ns`: --interval, when given.
nlohmann::json coverage_of(const std::vector<std::int64_t>& run_starts, const std::vector<ReportWindow>& windows,
                           std::optional<std::int64_t> interval_ns);

}  // namespace dnswitness
