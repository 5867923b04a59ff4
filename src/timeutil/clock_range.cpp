#include "timeutil/clock_range.h"

#include <fmt/format.h>

namespace dnswitness {

namespace {

// The proleptic Gregorian year of a day count since 1970-01-01 (H. Hinnant's civil_from_days), in
// 64-bit seconds: the nanosecond formatting of timeutil cannot hold years past 2262.
long long year_of_seconds(long long seconds) {
  const long long days = seconds >= 0 ? seconds / 86'400 : -((-seconds + 86'399) / 86'400);
  const long long z = days + 719'468;
  const long long era = (z >= 0 ? z : z - 146'096) / 146'097;
  const long long doe = z - era * 146'097;
  const long long yoe = (doe - doe / 1'460 + doe / 36'524 - doe / 146'096) / 365;
  const long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const long long mp = (5 * doy + 2) / 153;
  const long long month = mp < 10 ? mp + 3 : mp - 9;
  return yoe + era * 400 + (month <= 2 ? 1 : 0);
}

}  // namespace

std::optional<std::string> clock_range_problem_at(std::time_t seconds) {
  if (seconds >= kEarliestRecordableSecond && seconds <= kLatestRecordableSecond) return std::nullopt;
  return fmt::format(
      "The system clock reads {} s since 1970 (in the year {}), outside the years 2000 to 2262 that a ledger "
      "can record; nothing was recorded. Set the clock right (e.g. with NTP: timedatectl set-ntp true) and run "
      "again.",
      static_cast<long long>(seconds), year_of_seconds(static_cast<long long>(seconds)));
}

std::optional<std::string> clock_range_problem() {
  timespec now{};
  if (::clock_gettime(CLOCK_REALTIME, &now) != 0) return "The system clock cannot be read; nothing was recorded.";
  return clock_range_problem_at(now.tv_sec);
}

}  // namespace dnswitness
