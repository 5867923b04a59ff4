#include "reports/observation_export.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

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

std::vector<LeafSpan> parse_leaf_ranges(std::string_view text, std::string_view option) {
  std::vector<LeafSpan> out;
  const auto bad = [&] {
    return UsageError(fmt::format("{} takes leaf numbers such as 12, 12-20 or 12,15,20-25, not '{}'.", option, text));
  };
  const auto number = [&](std::string_view t) {
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (t.empty() || ec != std::errc() || end != t.data() + t.size()) throw bad();
    return v;
  };
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t comma = std::min(text.find(',', pos), text.size());
    const std::string_view item = text.substr(pos, comma - pos);
    const std::size_t dash = item.find('-');
    LeafSpan r;
    r.first = number(item.substr(0, dash));
    r.last = dash == std::string_view::npos ? r.first : number(item.substr(dash + 1));
    if (r.last < r.first) throw bad();
    out.push_back(r);
    pos = comma + 1;
  }
  return out;
}

namespace {

bool export_in_time(const nlohmann::json& o, const ExportSelection& sel) {
  const auto t = parse_rfc3339(member_text(o, "sent_at"));
  return t && t->ns >= sel.since_ns && t->ns <= sel.until_ns;
}

bool export_in_leaves(std::uint64_t index, const std::vector<LeafSpan>& leaves) {
  for (const LeafSpan& r : leaves)
    if (index >= r.first && index <= r.last) return true;
  return false;
}

bool is_observation(const nlohmann::json& o) { return o.is_object() && member_text(o, "kind") == "observation"; }

ExportStats visit_listed_leaves(LedgerStore& store, const ExportSelection& sel, const ObservationVisitor& visit) {
  ExportStats stats;
  LedgerReader reader(store);
  const std::uint64_t size = reader.newest().size;
  for (const LeafSpan& r : sel.leaves) {
    if (r.last >= size)
      throw UsageError(fmt::format("The ledger holds leaves 0 to {}; leaf {} is beyond its newest tree head.",
                                   size - 1, r.last));
    for (std::uint64_t i = r.first; i <= r.last; ++i) {
      const std::string leaf = reader.leaf(i);
      const auto o = nlohmann::json::parse(leaf, nullptr, false);
      if (!is_observation(o))
        throw UsageError(fmt::format("Leaf {} is a {} record, not an observation; list observation leaves only.", i,
                                     o.is_object() ? member_text(o, "kind") : std::string("damaged")));
      ++stats.observations;
      visit(i, leaf, o);
    }
  }
  return stats;
}

}  // namespace

ExportStats visit_ledger_observations(LedgerStore& store, const ExportSelection& sel, const ObservationVisitor& visit) {
  if (!sel.leaves.empty()) return visit_listed_leaves(store, sel, visit);
  ExportStats stats;
  LedgerReader reader(store);
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
      const auto o = nlohmann::json::parse(leaf, nullptr, false);
      if (!is_observation(o)) continue;  // events
      if (sel.run_id.empty() && !export_in_time(o, sel)) continue;
      ++stats.observations;
      visit(i, leaf, o);
    }
    if (run_found) break;
  }
  if (!sel.run_id.empty() && !run_found)
    throw UsageError(fmt::format("The ledger has no run '{}'; 'dnswitness events' and the watch log name the runs.",
                                 sel.run_id));
  return stats;
}

ExportStats visit_report_observations(const nlohmann::json& report, const ExportSelection& sel,
                                      const ObservationVisitor& visit) {
  const std::string format = report.is_object() ? member_text(report, "format") : std::string();
  if (!format.starts_with("dnswitness-report/"))
    throw UsageError("That file is not a dnswitness report.json (it has no \"format\": \"dnswitness-report/N\").");
  if (!sel.run_id.empty()) throw UsageError("--run reads a ledger; with --report, select by time or by leaves.");
  // A report of several logs (format /3) holds one part per log, each with its own leaves.
  std::vector<const nlohmann::json*> parts;
  if (const auto logs = report.find("logs"); logs != report.end() && logs->is_array()) {
    for (const auto& part : *logs)
      if (const auto b = part.find("bundle"); b != part.end() && b->is_object()) parts.push_back(&*b);
  } else {
    parts.push_back(&report);
  }
  ExportStats stats;
  for (const nlohmann::json* part : parts) {
    const auto leaves = part->find("leaves");
    if (leaves == part->end() || !leaves->is_array()) continue;
    for (const auto& entry : *leaves) {
      if (member_text(entry, "kind") != "observation") continue;
      const std::uint64_t index = entry.value("index", std::uint64_t{0});
      if (!sel.leaves.empty() && !export_in_leaves(index, sel.leaves)) continue;
      const auto bytes = base64_decode(member_text(entry, "data_base64"));
      if (!bytes) throw UsageError(fmt::format("The report's leaf {} is not valid base64; run 'dnswitness verify'.", index));
      const std::string leaf(bytes->begin(), bytes->end());
      const auto o = nlohmann::json::parse(leaf, nullptr, false);
      if (!is_observation(o)) continue;
      if (!export_in_time(o, sel)) continue;
      ++stats.observations;
      visit(index, leaf, o);
    }
  }
  return stats;
}

}  // namespace dnswitness
