#include "schedule/interval.h"

#include <fmt/format.h>

#include <cctype>

#include "model/errors.h"

namespace dnswitness {
namespace {

[[noreturn]] void bad_interval(std::string_view text, std::string_view option, std::string_view why) {
  throw UsageError(fmt::format("{} '{}' {}; write it like 30s, 5m, 1h or 1h30m (from {} to {}).", option, text, why,
                               format_interval(kMinInterval), format_interval(kMaxInterval)));
}

}  // namespace

std::chrono::seconds parse_interval(std::string_view text, std::string_view option) {
  if (text.empty()) bad_interval(text, option, "is empty");
  constexpr std::string_view units = "dhms";
  constexpr std::int64_t unit_seconds[] = {86400, 3600, 60, 1};
  std::int64_t total = 0;
  std::size_t next_unit = 0;  // units must come largest first, each at most once
  std::size_t i = 0;
  while (i < text.size()) {
    std::int64_t value = 0;
    const std::size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      value = value * 10 + (text[i] - '0');
      if (value > kMaxInterval.count()) bad_interval(text, option, "is too long");
      ++i;
    }
    if (i == start) bad_interval(text, option, "is not an interval");
    if (i == text.size()) bad_interval(text, option, "has no unit (s, m, h or d)");
    const auto u = units.find(static_cast<char>(std::tolower(static_cast<unsigned char>(text[i]))));
    if (u == std::string_view::npos || u < next_unit) bad_interval(text, option, "is not an interval");
    next_unit = u + 1;
    total += value * unit_seconds[u];
    if (total > kMaxInterval.count()) bad_interval(text, option, "is too long");
    ++i;
  }
  if (total < kMinInterval.count()) bad_interval(text, option, "is too short");
  return std::chrono::seconds(total);
}

std::string format_interval(std::chrono::seconds interval) {
  std::int64_t s = interval.count();
  if (s <= 0) return "0s";
  std::string out;
  for (const auto& [unit, size] : {std::pair{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}}) {
    if (s >= size) {
      out += fmt::format("{}{}", s / size, unit);
      s %= size;
    }
  }
  return out;
}

std::chrono::milliseconds parse_watch_interval(std::string_view text, std::string_view option) {
  if (text.size() > 2 && text.substr(text.size() - 2) == "ms") {
    const auto digits = text.substr(0, text.size() - 2);
    if (digits.size() <= 9 && digits.find_first_not_of("0123456789") == std::string_view::npos) {
      const std::chrono::milliseconds ms(std::stoll(std::string(digits)));
      if (ms < kMinWatchInterval)
        throw UsageError(fmt::format("{} '{}' is too short; the shortest is {}ms (for tests), real use wants minutes.",
                                     option, text, kMinWatchInterval.count()));
      if (ms > kMaxInterval) bad_interval(text, option, "is too long");
      return ms;
    }
    bad_interval(text, option, "is not an interval");
  }
  return parse_interval(text, option);
}

std::string format_watch_interval(std::chrono::milliseconds interval) {
  if (interval.count() % 1000 != 0) return fmt::format("{}ms", interval.count());
  return format_interval(std::chrono::duration_cast<std::chrono::seconds>(interval));
}

std::int64_t next_slot_after(std::int64_t after_ns, std::chrono::nanoseconds interval) {
  const std::int64_t step = interval.count();
  std::int64_t slot = after_ns - (after_ns % step + step) % step;  // floor to a multiple of step
  return slot + step;
}

std::optional<std::string> cron_time_fields(std::chrono::seconds interval) {
  const std::int64_t s = interval.count();
  if (s % 60 != 0) return std::nullopt;
  const std::int64_t minutes = s / 60;
  if (minutes < 60) {
    if (60 % minutes != 0) return std::nullopt;
    return minutes == 1 ? std::string("* * * * *") : fmt::format("*/{} * * * *", minutes);
  }
  if (minutes % 60 != 0) return std::nullopt;
  const std::int64_t hours = minutes / 60;
  if (hours < 24) {
    if (24 % hours != 0) return std::nullopt;
    return hours == 1 ? std::string("0 * * * *") : fmt::format("0 */{} * * *", hours);
  }
  if (hours == 24) return std::string("0 0 * * *");
  return std::nullopt;
}

std::optional<std::chrono::seconds> interval_of_cron_fields(std::string_view fields) {
  // Only the shapes cron_time_fields writes; a hand-edited entry is shown but not interpreted.
  for (std::int64_t m = 1; m < 60; ++m)
    if (60 % m == 0 && cron_time_fields(std::chrono::minutes(m)) == fields) return std::chrono::minutes(m);
  for (std::int64_t h = 1; h <= 24; ++h)
    if (24 % h == 0 && cron_time_fields(std::chrono::hours(h)) == fields) return std::chrono::hours(h);
  return std::nullopt;
}

}  // namespace dnswitness
