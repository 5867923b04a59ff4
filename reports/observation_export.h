#pragma once
// `dnswitness export`: the ledger's observations for the tools experts and staff already use.
//
//   jsonl  one observation per line: the observation leaf's own members, as stored, plus
//          "leaf_index" and "leaf_hash" (RFC 9162 leaf hash, hex SHA-256(0x00 || leaf bytes)).
//          Removing those two members and writing the object in canonical form (sorted keys, no
//          spaces; docs/ledger.md) gives the leaf bytes back, so each line can be checked against
//          the signed tree.
//   csv    UTF-8 with a byte-order mark (so that Excel in Japanese reads it as UTF-8), CRLF line
//          ends, RFC 4180 quoting; a header row, then one row per observation (columns in
//          kCsvColumns; docs/export.md).
//
// Which observations: those of the runs that overlap [since, until] whose own time (sent_at) is in
// it, or every observation of one run (--run). In leaf order; the runs are read leaf by leaf, so
// memory stays small whatever the range.
// Role: reading and formatting. Ownership: borrows the store. Thread-safety: none.
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ledger/store.h"

namespace dnswitness {

enum class ExportFormat { jsonl, csv };

struct ExportSelection {
  std::int64_t since_ns = std::numeric_limits<std::int64_t>::min();
  std::int64_t until_ns = std::numeric_limits<std::int64_t>::max();
  std::string run_id;  // non-empty: only this run (since/until then ignored)
};

struct ExportStats {
  std::uint64_t runs = 0;          // runs read
  std::uint64_t observations = 0;  // rows or lines written
};

inline constexpr const char* kCsvColumns =
    "leaf_index,time_utc,time_jst,qname,qtype,resolver,resolver_address,transport,outcome,rcode,addresses,"
    "rtt_ms,run_id";

// Writes the selected observations through `write` (called with pieces of the output, in order).
// Throws LedgerError when the ledger cannot be read, UsageError for a --run the ledger lacks.
ExportStats export_observations(LedgerStore& store, const ExportSelection& selection, ExportFormat format,
                                const std::function<void(std::string_view)>& write);

// One CSV row (with its CRLF) of an observation leaf at `leaf_index`; pure, for tests.
std::string observation_csv_row(const nlohmann::json& observation, std::uint64_t leaf_index);

}  // namespace dnswitness
