#pragma once
// How often unattended runs happen: the `--interval` of watch and the `--every` of schedule.
//
// Role: parse and print intervals ("30s", "5m", "1h", "1h30m"), place runs on the wall clock
// (multiples of the interval since 1970-01-01T00:00Z, so a 5-minute watch runs at :00, :05, ...
// whatever time it started), and turn an interval into a cron time field when cron can express it.
// Ownership: plain values. Thread-safety: all functions are thread-safe.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dnswitness {

// The shortest interval accepted: one second, so tests and the soak benchmark can run fast.
// Real use wants minutes; nothing else checks that.
inline constexpr std::chrono::seconds kMinInterval{1};
inline constexpr std::chrono::seconds kMaxInterval{7 * 24 * 3600};

// "90s", "5m", "1h", "1h30m", "2h15m30s" (units s, m, h, d, each at most once, largest first).
// Throws UsageError naming `option` with a plain sentence on anything else or outside
// [kMinInterval, kMaxInterval].
std::chrono::seconds parse_interval(std::string_view text, std::string_view option);
// The shortest such text: 300 s -> "5m", 5400 s -> "1h30m".
std::string format_interval(std::chrono::seconds interval);

// watch's --interval: parse_interval, or whole milliseconds ("100ms" .. "999ms" and beyond) down to
// kMinWatchInterval, which exists for tests and the soak benchmark only.
inline constexpr std::chrono::milliseconds kMinWatchInterval{100};
std::chrono::milliseconds parse_watch_interval(std::string_view text, std::string_view option);
// format_interval, or "250ms" when the interval is not whole seconds.
std::string format_watch_interval(std::chrono::milliseconds interval);

// The first slot (a multiple of `interval` since the Unix epoch) strictly after `after_ns`.
std::int64_t next_slot_after(std::int64_t after_ns, std::chrono::nanoseconds interval);

// The five cron time fields for runs every `interval` aligned like next_slot_after, or nullopt
// when cron cannot express it (seconds, or minutes/hours that do not divide the hour/day).
std::optional<std::string> cron_time_fields(std::chrono::seconds interval);
// The interval of cron time fields written by cron_time_fields, or nullopt for anything else.
std::optional<std::chrono::seconds> interval_of_cron_fields(std::string_view fields);

}  // namespace dnswitness
