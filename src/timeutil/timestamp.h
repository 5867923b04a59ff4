#pragma once
// UTC instants with nanosecond resolution, as every stored record carries them.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dnswitness {

// Nanoseconds since the Unix epoch, UTC, read from the system (wall) clock.
struct UtcTime {
  std::int64_t ns = 0;
  friend auto operator<=>(const UtcTime&, const UtcTime&) = default;
};

UtcTime utc_now();

// Days since 1970-01-01 of a proleptic Gregorian date (month 1-12, day 1-31).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d);

// RFC 3339 with exactly nine fraction digits and 'Z': 2023-11-21T02:10:15.000000000Z.
std::string format_rfc3339_ns(UtcTime t);
// RFC 3339 to the second, 'Z': 2023-11-21T02:10:15Z.
std::string format_rfc3339_s(UtcTime t);
// Lawyers' style, to the second: "2023/11/21 02:10:15(UTC)" and "2023/11/21 11:10:15(JST)".
std::string format_utc_display(UtcTime t);
std::string format_jst_display(UtcTime t);

// Parses RFC 3339 / ISO 8601 with 'Z' or a numeric offset, with or without fraction digits
// (up to nine). Returns nullopt on anything else.
std::optional<UtcTime> parse_rfc3339(std::string_view text);

// Monotonic time for durations (round-trip times), never for records.
using SteadyTime = std::chrono::steady_clock::time_point;
inline SteadyTime steady_now() { return std::chrono::steady_clock::now(); }
inline std::int64_t micros_between(SteadyTime a, SteadyTime b) {
  return std::chrono::duration_cast<std::chrono::microseconds>(b - a).count();
}

}  // namespace dnswitness
