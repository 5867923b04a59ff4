#include "timeutil/timestamp.h"

#include <fmt/format.h>

#include <charconv>
#include <limits>

namespace dnswitness {
namespace {

constexpr std::int64_t kNsPerSecond = 1'000'000'000;

struct Civil {
  std::int64_t year;
  unsigned month, day, hour, minute, second;
  std::int64_t nanos;
};

Civil to_civil(UtcTime t, std::int64_t offset_seconds) {
  std::int64_t ns = t.ns + offset_seconds * kNsPerSecond;
  std::int64_t secs = ns / kNsPerSecond;
  std::int64_t nanos = ns % kNsPerSecond;
  if (nanos < 0) {
    nanos += kNsPerSecond;
    --secs;
  }
  std::int64_t days = secs / 86400;
  std::int64_t sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    --days;
  }
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{days}}};
  return Civil{static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
               static_cast<unsigned>(ymd.day()), static_cast<unsigned>(sod / 3600),
               static_cast<unsigned>(sod / 60 % 60), static_cast<unsigned>(sod % 60), nanos};
}

bool read_digits(std::string_view& s, std::size_t n, unsigned& out) {
  if (s.size() < n) return false;
  out = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + static_cast<unsigned>(s[i] - '0');
  }
  s.remove_prefix(n);
  return true;
}

bool expect(std::string_view& s, char c) {
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

}  // namespace

// Howard Hinnant's algorithm.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

UtcTime utc_now() {
  return UtcTime{std::chrono::duration_cast<std::chrono::nanoseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count()};
}

std::string format_rfc3339_ns(UtcTime t) {
  // Written digit by digit: every observation leaf carries several of these, and fmt's general
  // formatter was a twentieth of a bulk run's leaf encoding. Same bytes as
  // "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z" (tests/unit/test_time_and_encoding.cpp).
  const Civil c = to_civil(t, 0);
  if (c.year < 0 || c.year > 9999)
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z", c.year, c.month, c.day, c.hour,
                       c.minute, c.second, c.nanos);
  const std::int64_t fields[] = {c.year, c.month, c.day, c.hour, c.minute, c.second, c.nanos};
  constexpr int kWidths[] = {4, 2, 2, 2, 2, 2, 9};
  constexpr char kAfter[] = "--T::.Z";
  std::string out;
  out.reserve(30);
  for (int f = 0; f < 7; ++f) {
    char digits[9];
    std::int64_t v = fields[f];
    for (int i = kWidths[f] - 1; i >= 0; --i, v /= 10) digits[i] = static_cast<char>('0' + v % 10);
    out.append(digits, static_cast<std::size_t>(kWidths[f]));
    out += kAfter[f];
  }
  return out;
}

std::string format_rfc3339_s(UtcTime t) {
  const Civil c = to_civil(t, 0);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", c.year, c.month, c.day, c.hour, c.minute,
                     c.second);
}

std::string format_utc_display(UtcTime t) {
  const Civil c = to_civil(t, 0);
  return fmt::format("{:04}/{:02}/{:02} {:02}:{:02}:{:02}(UTC)", c.year, c.month, c.day, c.hour,
                     c.minute, c.second);
}

std::string format_jst_display(UtcTime t) {
  const Civil c = to_civil(t, 9 * 3600);  // JST is UTC+9 with no daylight saving.
  return fmt::format("{:04}/{:02}/{:02} {:02}:{:02}:{:02}(JST)", c.year, c.month, c.day, c.hour,
                     c.minute, c.second);
}

std::optional<UtcTime> parse_rfc3339(std::string_view s) {
  unsigned year, month, day, hour, minute, second;
  if (!read_digits(s, 4, year) || !expect(s, '-') || !read_digits(s, 2, month) || !expect(s, '-') ||
      !read_digits(s, 2, day))
    return std::nullopt;
  if (s.empty() || (s.front() != 'T' && s.front() != 't' && s.front() != ' ')) return std::nullopt;
  s.remove_prefix(1);
  if (!read_digits(s, 2, hour) || !expect(s, ':') || !read_digits(s, 2, minute) || !expect(s, ':') ||
      !read_digits(s, 2, second))
    return std::nullopt;
  std::int64_t nanos = 0;
  if (!s.empty() && s.front() == '.') {
    s.remove_prefix(1);
    std::size_t n = 0;
    while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
    if (n == 0 || n > 9) return std::nullopt;
    for (std::size_t i = 0; i < 9; ++i) nanos = nanos * 10 + (i < n ? s[i] - '0' : 0);
    s.remove_prefix(n);
  }
  std::int64_t offset = 0;
  if (s == "Z" || s == "z") {
    s.remove_prefix(1);
  } else if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    const int sign = s.front() == '-' ? -1 : 1;
    s.remove_prefix(1);
    unsigned oh, om;
    if (!read_digits(s, 2, oh) || !expect(s, ':') || !read_digits(s, 2, om) || oh > 23 || om > 59)
      return std::nullopt;
    offset = sign * static_cast<std::int64_t>(oh * 3600 + om * 60);
  } else {
    return std::nullopt;
  }
  if (!s.empty()) return std::nullopt;
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{static_cast<int>(year)},
                                        std::chrono::month{month}, std::chrono::day{day}};
  if (!ymd.ok()) return std::nullopt;
  if (second == 60) second = 59;  // A leap second is held at :59 (no leap table here).
  const std::int64_t days = days_from_civil(year, month, day);
  const std::int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset;
  // Nanoseconds since 1970 in 64 bits reach from 1677 to 2262; outside that the time cannot be held.
  if (secs >= std::numeric_limits<std::int64_t>::max() / kNsPerSecond - 1 ||
      secs <= std::numeric_limits<std::int64_t>::min() / kNsPerSecond + 1)
    return std::nullopt;
  return UtcTime{secs * kNsPerSecond + nanos};
}

}  // namespace dnswitness
