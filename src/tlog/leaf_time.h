#pragma once
// The time of a ledger leaf, as a remote log's time search orders leaves by.
//
// Role: one rule shared by everything that searches a log by time (tlog/remote_log.h now, reports
// later): a run record leaf ("kind":"run") is at its "started_at", an observation leaf
// ("kind":"observation") at its "sent_at" (docs/ledger.md, "Leaves: the canonical form"). Any other
// leaf (an event, or bytes that are not a dnswitness leaf at all) has no time of its own and takes
// the time of the leaf before it; so does a run or observation leaf whose time does not parse.
// Ownership: plain values. Thread-safety: thread-safe.
#include <cstdint>
#include <optional>
#include <string_view>

namespace dnswitness {

// The leaf's own time in nanoseconds since the Unix epoch (UTC), or nullopt when it has none.
std::optional<std::int64_t> leaf_own_time_ns(std::string_view leaf);

}  // namespace dnswitness
