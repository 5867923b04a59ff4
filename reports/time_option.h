#pragma once
// The times every time option takes (--since, --until, --from): one set of forms, the same
// everywhere.
//   2026-12-05T03:00:15Z, 2026-12-05T12:00:15+09:00   RFC 3339, seconds optional (03:00Z)
//   2026-12-05, 2026/12/05                            a date alone: its first instant, or for an
//                                                     end (--until) its last
//   2026/12/05 12:00:00(JST), 2026-12-05 03:00:00     the tool's printed form, and the forms of
//                                                     login times (reports/login_time.h); without a
//                                                     zone, read in --tz (UTC by default)
//   now, 90s, 10m, 1h, 2d (also "1h ago")             relative to now
// Login times (--at, --logins) are not read this way: they are stored in reports as given and read
// again by verify, so a relative time would change its meaning.
#include <cstdint>
#include <optional>
#include <string>

namespace dnswitness {

enum class TimeBound { start, end };

// UTC nanoseconds; a UsageError naming the option and the forms otherwise. `tz`: the --tz text
// ("" for UTC); `now_ns`: the present (the clock when nullopt).
std::int64_t parse_time_option(const std::string& text, const char* option, TimeBound bound = TimeBound::start,
                               const std::string& tz = "", std::optional<std::int64_t> now_ns = std::nullopt);

}  // namespace dnswitness
