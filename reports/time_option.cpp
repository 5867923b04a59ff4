#include "reports/time_option.h"

#include <fmt/format.h>

#include <regex>

#include "model/errors.h"
#include "model/printable.h"
#include "reports/candidates.h"
#include "reports/login_time.h"
#include "timeutil/timestamp.h"

namespace dnswitness {
namespace {

constexpr std::int64_t kWholeDayNs = 86'400'000'000'000;

}  // namespace

std::int64_t parse_time_option(const std::string& text, const char* option, TimeBound bound, const std::string& tz,
                               std::optional<std::int64_t> now_ns) {
  const std::string value = normalize_value(text);
  const std::int64_t now = now_ns ? *now_ns : utc_now().ns;
  if (value == "now") return now;
  // "1h" or "1h ago": that long before now.
  {
    std::string d = value;
    if (d.size() > 4 && d.ends_with(" ago")) d.resize(d.size() - 4);
    if (const auto ns = parse_report_duration(d); ns && *ns > 0) return now - *ns;
  }
  LoginTimeZone zone;
  if (!tz.empty()) zone = parse_login_time_zone(tz);
  static const std::regex date_alone(R"(^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$)");
  static const std::regex no_seconds(R"(^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2})(Z|[+-]\d{2}:?\d{2})?$)");
  std::string candidate = value;
  std::smatch m;
  if (std::regex_match(value, m, date_alone)) {
    candidate = fmt::format("{}-{:0>2}-{:0>2} 00:00:00", m[1].str(), m[2].str(), m[3].str());
  } else if (std::regex_match(value, m, no_seconds)) {
    candidate = m[1].str() + ":00" + m[2].str();
  }
  std::string problem;
  if (const auto t = parse_login_time(candidate, zone, &problem)) {
    const bool whole_day = std::regex_match(value, date_alone);
    return whole_day && bound == TimeBound::end ? t->ns + kWholeDayNs - 1 : t->ns;
  }
  // The login-time reader's reason, unless it is only its own list of forms.
  const std::string why =
      problem.empty() || problem.find("not a time this tool reads") != std::string::npos ? "" : " (" + problem + ")";
  throw UsageError(fmt::format("{} '{}' is not a time{}; write it like 2026-12-05T03:00:00Z, 2026-12-05T12:00+09:00, "
                               "2026-12-05, '2026/12/05 12:00:00(JST)', now, or 1h (one hour ago).",
                               option, printable(text), why));
}

}  // namespace dnswitness
