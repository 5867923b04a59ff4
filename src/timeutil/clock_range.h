#pragma once
// The range of system-clock times a ledger accepts. Times are stored as signed 64-bit nanoseconds
// since 1970, which ends in April 2262: past that the clock's reading wraps to 1677 and would be
// signed as such. Before 2000 the clock is certainly wrong (a machine that lost its RTC battery
// boots in 1970), and every time in the run would be evidence of nothing.
#include <ctime>
#include <optional>
#include <string>

namespace dnswitness {

inline constexpr std::time_t kEarliestRecordableSecond = 946'684'800;     // 2000-01-01T00:00:00Z
inline constexpr std::time_t kLatestRecordableSecond = 9'223'372'035;     // 2262-04-11T23:47:15Z

// A sentence saying why the system clock cannot be recorded now, or nothing when it can. Reads the
// clock itself (clock_gettime), since std::chrono's nanosecond reading has already wrapped.
std::optional<std::string> clock_range_problem();

// The same check for a given reading in seconds since 1970 (for tests).
std::optional<std::string> clock_range_problem_at(std::time_t seconds);

}  // namespace dnswitness
