#pragma once
// `dnswitness export` and `show`: the ledger's observations for the tools experts and staff already use.
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
//   pcap, dnstap, rfc8427  every exchange of each observation (its prior_exchanges, then the final
//          one) as packets, dnstap messages or RFC 8427 objects: reports/exports/, docs/export.md.
//
// Which observations: those of the runs that overlap [since, until] whose own time (sent_at) is in
// it, every observation of one run (--run), or listed leaves; from a ledger or from a report.json.
// In leaf order; a ledger's runs are read leaf by leaf, so memory stays small whatever the range.
// Role: reading and formatting. Ownership: borrows the store. Thread-safety: none.
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ledger/store.h"

namespace dnswitness {

enum class ExportFormat { jsonl, csv, pcap, dnstap, rfc8427 };

// An inclusive range of leaf indexes, as --leaves and `show` take them ("12", "12-20").
struct LeafSpan {
  std::uint64_t first = 0, last = 0;
};
// "12", "12-20", "12,15,20-25": throws UsageError naming `option` for anything else.
std::vector<LeafSpan> parse_leaf_ranges(std::string_view text, std::string_view option);

struct ExportSelection {
  std::int64_t since_ns = std::numeric_limits<std::int64_t>::min();
  std::int64_t until_ns = std::numeric_limits<std::int64_t>::max();
  std::string run_id;             // non-empty: only this run (since/until then ignored)
  std::vector<LeafSpan> leaves;  // non-empty: exactly these leaves, each of which must be an observation
};

struct ExportStats {
  std::uint64_t runs = 0;                // runs read
  std::uint64_t observations = 0;        // observations written
  std::uint64_t exchanges = 0;           // exchanges written (pcap, dnstap, rfc8427)
  std::uint64_t exchanges_left_out = 0;  // exchanges the format cannot express (no server address...)
};

// Called once per selected observation, in leaf order: its index, its exact leaf bytes, the parsed leaf.
using ObservationVisitor =
    std::function<void(std::uint64_t leaf_index, std::string_view leaf, const nlohmann::json& observation)>;

// The selected observations of a ledger. Throws LedgerError when the ledger cannot be read,
// UsageError for a --run the ledger lacks or a leaf that is beyond it or not an observation.
ExportStats visit_ledger_observations(LedgerStore& store, const ExportSelection& selection,
                                      const ObservationVisitor& visit);

// The observation leaves a report bundle's report.json holds (dnswitness-report/2, and each log of
// a dnswitness-report/3), filtered by the selection's time range and leaves. The report is not
// verified here (`dnswitness verify` does that). Throws UsageError when the file is no report.
ExportStats visit_report_observations(const nlohmann::json& report, const ExportSelection& selection,
                                      const ObservationVisitor& visit);

// Where observations go in one format: feed every selected observation to add(), then finish().
class ExportSink {
 public:
  virtual ~ExportSink() = default;
  virtual void add(std::uint64_t leaf_index, std::string_view leaf, const nlohmann::json& observation) = 0;
  virtual void finish() = 0;
  // Exchanges written, and those the format could not express (pcap, dnstap, rfc8427; 0 otherwise).
  virtual std::uint64_t exchanges() const { return 0; }
  virtual std::uint64_t exchanges_left_out() const { return 0; }
};

// The sink for `format`, writing pieces of the output through `write`, in order.
std::unique_ptr<ExportSink> make_export_sink(ExportFormat format,
                                                       std::function<void(std::string_view)> write);

inline constexpr const char* kCsvColumns =
    "leaf_index,time_utc,time_jst,qname,qtype,resolver,resolver_address,transport,outcome,rcode,addresses,"
    "rtt_ms,run_id";

// One CSV row (with its CRLF) of an observation leaf at `leaf_index`; pure, for tests.
std::string observation_csv_row(const nlohmann::json& observation, std::uint64_t leaf_index);

}  // namespace dnswitness
