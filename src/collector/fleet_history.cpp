#include "collector/fleet_history.h"

#include <fmt/format.h>

#include <map>
#include <tuple>

#include <nlohmann/json.hpp>

#include "collector/probes.h"
#include "ledger/history.h"

namespace dnswitness {
namespace {

bool string_list(const nlohmann::json& j, const char* key) {
  if (!j.contains(key)) return true;
  const auto& v = j[key];
  return v.is_array() && std::all_of(v.begin(), v.end(), [](const nlohmann::json& s) { return s.is_string(); });
}

// The filter clauses shared by every statement: $1 qname, $2 since, $3 until (microseconds since the
// epoch, or NULL), $4 types, $5 resolvers, $6 probes (JSON lists; empty: all).
constexpr const char* kWhere =
    "qname = $1 AND ($2::bigint IS NULL OR time >= to_timestamp(0) + $2::bigint * interval '1 microsecond') "
    "AND ($3::bigint IS NULL OR time <= to_timestamp(0) + $3::bigint * interval '1 microsecond') "
    "AND ($4::jsonb = '[]'::jsonb OR qtype IN (SELECT jsonb_array_elements_text($4::jsonb))) "
    "AND ($5::jsonb = '[]'::jsonb OR resolver IN (SELECT jsonb_array_elements_text($5::jsonb))) "
    "AND ($6::jsonb = '[]'::jsonb OR probe IN (SELECT jsonb_array_elements_text($6::jsonb)))";

constexpr const char* kMicros = "(extract(epoch FROM {}) * 1000000)::bigint";

std::int64_t i64(const std::optional<std::string>& v) { return v ? std::stoll(*v) : 0; }

}  // namespace

FleetHistoryAnswer fleet_history(PgSession& db, std::string_view request_body) {
  const auto q = nlohmann::json::parse(request_body, nullptr, false);
  if (!q.is_object() || q.value("format", "") != "dnswitness-history-query/1" || !q.contains("domains") ||
      !string_list(q, "domains") || !string_list(q, "types") || !string_list(q, "resolvers") ||
      !string_list(q, "probes") || q["domains"].empty() || q["domains"].size() > kMaxHistoryDomains)
    return {400, fmt::format("the body is not a dnswitness-history-query/1 document with 1 to {} domains",
                             kMaxHistoryDomains)};
  const auto bound = [&](const char* key) -> std::optional<std::string> {
    if (!q.contains(key) || q[key].is_null()) return std::nullopt;
    if (!q[key].is_number_integer()) throw std::invalid_argument(key);
    return std::to_string(q[key].get<std::int64_t>() / 1000);  // the index keeps microseconds
  };
  std::optional<std::string> since, until;
  try {
    since = bound("since_ns");
    until = bound("until_ns");
  } catch (const std::invalid_argument&) {
    return {400, "since_ns and until_ns are whole numbers of nanoseconds or null"};
  }
  const auto list = [&](const char* key) { return q.contains(key) ? q[key].dump() : std::string("[]"); };
  const std::string types = list("types"), resolvers = list("resolvers"), probes = list("probes");

  // probe -> qname -> history
  std::map<std::string, std::map<std::string, DomainHistory>> by_probe;
  const auto history = [&](const std::string& probe, const std::string& qname) -> DomainHistory& {
    DomainHistory& h = by_probe[probe][qname];
    h.qname = qname;
    return h;
  };
  for (const auto& d : q["domains"]) {
    const std::string qname = d.get<std::string>();
    const std::vector<std::optional<std::string>> params = {qname, since, until, types, resolvers, probes};
    for (const auto& r : db.exec(fmt::format("SELECT probe, count(*) FROM observations WHERE {} GROUP BY probe",
                                             kWhere),
                                 params))
      history(*r[0], qname).observations = static_cast<std::uint64_t>(i64(r[1]));
    for (const auto& r : db.exec(fmt::format("SELECT probe, outcome, count(*) FROM observations WHERE {} AND "
                                             "cardinality(addresses) = 0 GROUP BY probe, outcome",
                                             kWhere),
                                 params))
      history(*r[0], qname).without_address[*r[1]] = static_cast<std::uint64_t>(i64(r[2]));
    // One row per (probe, type, address, resolver): the bindings are summed from them.
    std::map<std::tuple<std::string, std::string, std::string>, Binding> bindings;
    const std::string micros_min = fmt::format(kMicros, "min(time)"), micros_max = fmt::format(kMicros, "max(time)");
    for (const auto& r : db.exec(
             fmt::format("SELECT probe, qtype, host(a), resolver, {}, {}, count(*), "
                         "(array_agg(leaf_index ORDER BY time, leaf_index))[1], "
                         "(array_agg(leaf_index ORDER BY time DESC, leaf_index DESC))[1] "
                         "FROM observations, unnest(addresses) AS a WHERE {} GROUP BY probe, qtype, host(a), resolver",
                         micros_min, micros_max, kWhere),
             params)) {
      Binding& b = bindings[{*r[0], *r[1], *r[2]}];
      const std::int64_t first = i64(r[4]) * 1000, last = i64(r[5]) * 1000;
      if (b.count == 0 || first < b.first_ns) b.first_ns = first, b.first_leaf = static_cast<std::uint64_t>(i64(r[7]));
      if (b.count == 0 || last > b.last_ns) b.last_ns = last, b.last_leaf = static_cast<std::uint64_t>(i64(r[8]));
      b.qname = qname;
      b.qtype = *r[1];
      b.address = *r[2];
      b.count += static_cast<std::uint64_t>(i64(r[6]));
      b.resolvers[*r[3]] += static_cast<std::uint64_t>(i64(r[6]));
    }
    for (auto& [key, b] : bindings) history(std::get<0>(key), qname).bindings.push_back(std::move(b));
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : list_probes(db)) {
    if (probes != "[]" && std::find(q["probes"].begin(), q["probes"].end(), p.name) == q["probes"].end()) continue;
    std::vector<DomainHistory> histories;
    for (const auto& d : q["domains"]) {
      DomainHistory h = by_probe[p.name][d.get<std::string>()];
      h.qname = d.get<std::string>();
      // As the ledger orders them: by type, then first seen, then address.
      std::sort(h.bindings.begin(), h.bindings.end(), [](const Binding& a, const Binding& b) {
        return std::tie(a.qtype, a.first_ns, a.address) < std::tie(b.qtype, b.first_ns, b.address);
      });
      histories.push_back(std::move(h));
    }
    out.push_back({{"name", p.name}, {"description", p.description}, {"histories", history_json(histories)}});
  }
  return {200, nlohmann::json({{"format", "dnswitness-fleet-history/1"}, {"probes", std::move(out)}}).dump(1) + "\n"};
}

}  // namespace dnswitness
