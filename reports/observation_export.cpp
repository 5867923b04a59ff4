#include "reports/observation_export.h"

#include <fmt/format.h>

#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "ledger/coverage.h"
#include "ledger/queries.h"
#include "model/errors.h"
#include "timeutil/timestamp.h"

namespace dnswitness {
namespace {

constexpr std::int64_t kJstOffsetNs = 9LL * 3600 * 1'000'000'000;

// RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled.
std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (const char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string member_text(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

// "2026-12-06 06:36:22.261": JST to the millisecond, a form Excel takes as a date and time.
std::string excel_jst(std::int64_t ns) {
  std::string t = format_rfc3339_ns(UtcTime{ns + kJstOffsetNs});  // 2026-12-06T06:36:22.261161329Z
  if (t.size() < 23) return t;
  t = t.substr(0, 23);
  t[10] = ' ';
  return t;
}

std::string leaf_hash_hex(std::string_view leaf) {
  std::string prefixed(1, '\0');
  prefixed += leaf;
  return hex_encode(sha256(ByteView(reinterpret_cast<const std::uint8_t*>(prefixed.data()), prefixed.size())));
}

}  // namespace

std::string observation_csv_row(const nlohmann::json& o, std::uint64_t leaf_index) {
  std::string time_utc = member_text(o, "sent_at"), time_jst;
  if (const auto t = parse_rfc3339(time_utc)) time_jst = excel_jst(t->ns);
  std::string addresses;
  if (const auto a = o.find("addresses"); a != o.end() && a->is_array())
    for (const auto& x : *a)
      if (x.is_string()) addresses += (addresses.empty() ? "" : " ") + x.get<std::string>();
  std::string resolver, resolver_address;
  if (const auto r = o.find("resolver"); r != o.end() && r->is_object()) {
    resolver = member_text(*r, "name");
    // A DoH resolver by its URL, others as HOST:PORT ([IPv6]:PORT).
    const std::string host = member_text(*r, "address"), port = member_text(*r, "port");
    resolver_address = member_text(*r, "url");
    if (resolver_address.empty() && !host.empty())
      resolver_address = host.find(':') != std::string::npos ? "[" + host + "]:" + port : host + ":" + port;
  }
  std::string rtt_ms;
  if (const auto r = o.find("rtt_us"); r != o.end() && r->is_number_integer())
    rtt_ms = fmt::format("{:.3f}", static_cast<double>(r->get<std::int64_t>()) / 1000.0);
  const std::string fields[] = {std::to_string(leaf_index), time_utc,     time_jst,
                                member_text(o, "qname"),    member_text(o, "qtype"),
                                resolver,                   resolver_address,
                                member_text(o, "transport"), member_text(o, "outcome"),
                                member_text(o, "rcode"),    addresses,
                                rtt_ms,                     member_text(o, "run_id")};
  std::string row;
  for (const auto& f : fields) row += (row.empty() ? "" : ",") + csv_field(f);
  return row + "\r\n";
}

ExportStats export_observations(LedgerStore& store, const ExportSelection& sel, ExportFormat format,
                                const std::function<void(std::string_view)>& write) {
  ExportStats stats;
  LedgerReader reader(store);
  if (format == ExportFormat::csv) write(std::string("\xEF\xBB\xBF") + kCsvColumns + "\r\n");
  bool run_found = false;
  for (const RunTime& run : run_times(store)) {
    if (sel.run_id.empty() && (run.finished_ns < sel.since_ns || run.started_ns > sel.until_ns)) continue;
    const LedgerReader::RunSpan span = reader.run_of(run.run_leaf);
    if (!sel.run_id.empty()) {
      const auto record = nlohmann::json::parse(reader.leaf(run.run_leaf), nullptr, false);
      if (!record.is_object() || member_text(record, "run_id") != sel.run_id) continue;
      run_found = true;
    }
    ++stats.runs;
    for (std::uint64_t i = span.begin + 1; i < span.end; ++i) {
      const std::string leaf = reader.leaf(i);
      auto o = nlohmann::json::parse(leaf, nullptr, false);
      if (!o.is_object() || member_text(o, "kind") != "observation") continue;  // events
      if (sel.run_id.empty()) {
        const auto t = parse_rfc3339(member_text(o, "sent_at"));
        if (!t || t->ns < sel.since_ns || t->ns > sel.until_ns) continue;
      }
      ++stats.observations;
      if (format == ExportFormat::csv) {
        write(observation_csv_row(o, i));
      } else {
        o["leaf_index"] = i;
        o["leaf_hash"] = leaf_hash_hex(leaf);
        write(o.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
      }
    }
    if (run_found) break;
  }
  if (!sel.run_id.empty() && !run_found)
    throw UsageError(fmt::format("The ledger has no run '{}'; 'dnswitness events' and the watch log name the runs.",
                                 sel.run_id));
  return stats;
}

}  // namespace dnswitness
