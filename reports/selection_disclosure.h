#pragma once
// What a report's selection (--resolver, --domains, --types) leaves out, stated from the leaves the
// bundle carries: every leaf of the runs in its windows (reports/completeness.h), the excluded
// ones included. A report filtered to two resolvers must not look like "no change" when a resolver
// it left out saw one, so the excluded observations are compared with the included ones: addresses
// only they hold, and changes only they saw, for the selected names and types.
// Part of derive_tables (reports/candidates.h), so verify re-derives it. Pure: thread-safe.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "reports/candidates.h"
#include "reports/logins.h"

namespace dnswitness {

// tables.selection: per report window (merged, as the coverage's), the counts of every carried
// observation in it, what the selection excluded, and what the excluded observations show that the
// included ones do not (docs/report.md).
nlohmann::json selection_disclosure(std::span<const LoginRecord> logins, std::span<const ObservationRow> rows,
                                    const CandidateOptions& options);

// One sentence per finding of the excluded observations in [lo, hi] (a login's window): an address
// only they hold, or a change only they saw. Empty when the selection excludes nothing that matters.
std::vector<std::string> excluded_observation_warnings(std::span<const ObservationRow> rows,
                                                       const CandidateOptions& options, std::int64_t lo,
                                                       std::int64_t hi);

}  // namespace dnswitness
