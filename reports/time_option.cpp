#include "reports/time_option.h"

#include <fmt/format.h>

#include <string_view>

#include "model/errors.h"
#include "model/printable.h"
#include "reports/candidates.h"
#include "reports/login_time.h"
#include "timeutil/timestamp.h"

namespace dnswitness {
namespace {

constexpr std::int64_t kWholeDayNs = 86'400'000'000'000;

bool digits(std::string_view s, std::size_t from, std::size_t n) {
  if (from + n > s.size()) return false;
  for (std::size_t i = from; i < from + n; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

// "2026-12-05", "2026/12/5": the same date as "2026-12-05 00:00:00"; "" for anything else.
std::string date_alone(std::string_view s) {
  if (!digits(s, 0, 4) || s.size() < 8 || (s[4] != '-' && s[4] != '/')) return {};
  const char sep = s[4];
  const auto second = s.find(sep, 5);
  if (second == std::string_view::npos) return {};
  const std::string_view month = s.substr(5, second - 5), day = s.substr(second + 1);
  for (const auto part : {month, day})
    if (part.empty() || part.size() > 2 || !digits(part, 0, part.size())) return {};
  return fmt::format("{}-{:0>2}-{:0>2} 00:00:00", s.substr(0, 4), month, day);
}

// "2026-12-05T03:00Z", "2026-12-05 12:00+09:00": the same with ":00" seconds; "" otherwise.
std::string without_seconds(std::string_view s) {
  const bool head = digits(s, 0, 4) && s.size() >= 16 && s[4] == '-' && digits(s, 5, 2) && s[7] == '-' &&
                    digits(s, 8, 2) && (s[10] == 'T' || s[10] == ' ') && digits(s, 11, 2) && s[13] == ':' &&
                    digits(s, 14, 2);
  if (!head) return {};
  const std::string_view zone = s.substr(16);
  const bool zone_ok = zone.empty() || zone == "Z" ||
                       ((zone[0] == '+' || zone[0] == '-') &&
                        ((zone.size() == 6 && digits(zone, 1, 2) && zone[3] == ':' && digits(zone, 4, 2)) ||
                         (zone.size() == 5 && digits(zone, 1, 4))));
  if (!zone_ok) return {};
  return std::string(s.substr(0, 16)) + ":00" + std::string(zone);
}

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
  const std::string day = date_alone(value), minute = without_seconds(value);
  const std::string candidate = !day.empty() ? day : !minute.empty() ? minute : value;
  std::string problem;
  if (const auto t = parse_login_time(candidate, zone, &problem))
    return !day.empty() && bound == TimeBound::end ? t->ns + kWholeDayNs - 1 : t->ns;
  // The login-time reader's reason, unless it is only its own list of forms.
  const std::string why =
      problem.empty() || problem.find("not a time this tool reads") != std::string::npos ? "" : " (" + problem + ")";
  throw UsageError(fmt::format("{} '{}' is not a time{}; write it like 2026-12-05T03:00:00Z, 2026-12-05T12:00+09:00, "
                               "2026-12-05, '2026/12/05 12:00:00(JST)', now, or 1h (one hour ago).",
                               option, printable(text), why));
}

}  // namespace dnswitness
