#pragma once
// The time cross-checks' findings (reports/time_checks.h) said in the report's language, from the
// figures each finding holds (the bundle's own sentence is English): page 1 lists them, and each
// login section lists those of the runs that touch its window.
// Pure: thread-safe.
#include <nlohmann/json.hpp>
#include <string>

#include "reports/pdf/wording.h"

namespace dnswitness::pdf {

// One sentence for `finding` of the run whose facts are `facts`, led by the run's start (JST) and id.
std::string time_finding_words(const nlohmann::json& facts, const nlohmann::json& finding, Lang lang);

}  // namespace dnswitness::pdf
