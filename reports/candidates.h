#pragma once
// Destination-IP candidates per login time: which addresses each domain resolved to around the
// moment X says the account logged in, from the observations the ledger holds.
//
// Role: one pure function, derive_tables(), over plain observation rows. `dnswitness report` feeds
// it the rows of the leaves it selected (read from the ledger), `dnswitness verify` feeds it the
// rows of the leaves inside the bundle; both get the same tables because they run the same code on
// the same leaves. Nothing here touches SQLite or the clock.
// Ownership: plain values. Thread-safety: all functions are thread-safe.
//
// Definitions (docs/report.md):
//   window        [T - before, T + after], both ends inclusive.
//   before/after  per resolver, the nearest observation at or before T / strictly after T that the
//                 rows hold; the merged set is the union of the per-resolver sets; the gap is the
//                 distance from T to the nearest of them; a gap beyond the window is a warning.
//   changes       per resolver, consecutive observations with outcome "answer" inside
//                 [T - 24 h, T + 24 h] whose address sets differ.
//   nearest_with_address
//                 only when the window holds no address for a domain/type (no observation, or
//                 only NXDOMAIN, NODATA and failures): per resolver, the nearest observation that
//                 holds an address at or before T / strictly after T, with a warning naming them.
//   union         every address seen in a window over all selected domains (destination port
//                 443/TCP); a domain/type whose window holds no address adds its
//                 nearest_with_address sets instead, marked as outside the window.
//   order         address lists are in numeric order (model/address.h: IPv4 by value, then IPv6
//                 by its 16 bytes), never text order.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "reports/logins.h"

namespace dnswitness {

inline constexpr std::int64_t kNsPerSecondReport = 1'000'000'000;
inline constexpr std::int64_t kChangeHorizonNs = 24 * 3600 * kNsPerSecondReport;

// One observation as the candidate computation needs it.
struct ObservationRow {
  std::uint64_t leaf_index = 0;
  std::string run_id;  // empty when built from the index alone
  std::string qname;
  std::string qtype;
  std::int64_t time_ns = 0;
  std::string resolver;
  std::string outcome;
  std::vector<std::string> addresses;  // numeric order (sort_addresses), unique
  // TTLs of the answer records that carry each address (empty when built from the index alone).
  std::map<std::string, std::vector<std::uint32_t>> ttls;
};

// The row of an observation leaf (canonical JSON as the ledger stores it); nullopt for a run leaf.
// Throws std::invalid_argument when the bytes are not an observation or run record of our shape.
std::optional<ObservationRow> observation_row_of_leaf(std::uint64_t leaf_index, std::string_view leaf);
// The same for a leaf already parsed (callers that read other facts of the leaf parse it once).
std::optional<ObservationRow> observation_row_of_json(std::uint64_t leaf_index, const nlohmann::json& leaf);

// "90s", "10m", "1h", "2d" (a whole number and one unit) to nanoseconds; nullopt otherwise.
std::optional<std::int64_t> parse_report_duration(std::string_view text);
// The shortest of those forms for a duration in whole seconds ("1h", "10m", "90s").
std::string format_report_duration(std::int64_t ns);

struct CandidateOptions {
  std::vector<std::string> domains;           // canonical names, in the user's order
  std::vector<std::string> types{"A", "AAAA"};
  std::int64_t before_ns = 3600 * kNsPerSecondReport;
  std::int64_t after_ns = 600 * kNsPerSecondReport;
  std::vector<std::string> resolvers;  // empty: all
  std::optional<std::int64_t> from_ns, until_ns;  // the plain period, when given (inclusive)
};

// A change of one resolver's address set between two of its observations, as changes_24h and
// tables.selection list it: {resolver, before_time, before_leaf, before, after_time, after_leaf,
// after}.
nlohmann::json address_change_json(const ObservationRow& from, const ObservationRow& to);

// The tables of a report: {"logins": [...], "period": {...} (only with from/until), "selection":
// {...} (reports/selection_disclosure.h)}.
// Deterministic: equal inputs give byte-identical JSON. Rows may come in any order; rows of other
// domains, types or resolvers than the options select are ignored.
nlohmann::json derive_tables(std::span<const LoginRecord> logins, std::span<const ObservationRow> rows,
                             const CandidateOptions& options);

// What derive_tables needs to see, given every row the ledger holds for one domain and type within
// a horizon around T (max(24 h, window) on each side): the window rows, the nearest row per
// resolver on each side (and, when the window holds no address, the nearest row with an address),
// and both rows of every change. Returns leaf indices (sorted, unique).
// `rows` must hold one domain/type only; the caller adds the nearest rows beyond the horizon.
std::vector<std::uint64_t> leaves_needed_for_login(std::int64_t login_ns, std::span<const ObservationRow> rows,
                                                   const CandidateOptions& options);

}  // namespace dnswitness
