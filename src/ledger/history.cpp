#include "ledger/history.h"

#include "model/address.h"
#include "timeutil/timestamp.h"

#include <algorithm>
#include <limits>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace dnswitness {
namespace {

struct Group {
  std::int64_t first_ns = 0, last_ns = 0;
  std::uint64_t count = 0, first_leaf = 0, last_leaf = 0;
};

// Hash and equality that accept a std::string_view, so a row's address set (a view into SQLite's
// row buffer) can be looked up without building a std::string per row.
struct ViewHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

// One (type, resolver) pair of a domain: observations come in a handful of these, so they are
// found by a short linear search instead of by hashing a composite key per row.
struct Shape {
  std::string qtype, resolver;
  bool wanted = false;  // the --type/--resolver filters, decided once per shape
  // Address set -> group. Node-based, so `last` stays valid while the map grows.
  using Groups = std::unordered_map<std::string, Group, ViewHash, std::equal_to<>>;
  Groups groups;
  Groups::value_type* last = nullptr;  // consecutive observations mostly repeat their address set
  std::vector<std::pair<std::string, std::uint64_t>> without_address;  // outcome -> observations
};

bool wanted(const std::vector<std::string>& filter, std::string_view value) {
  return filter.empty() || std::find(filter.begin(), filter.end(), value) != filter.end();
}

Shape& shape_of(std::vector<Shape>& shapes, std::string_view qtype, std::string_view resolver,
                const HistoryQuery& query) {
  for (Shape& s : shapes)
    if (s.qtype == qtype && s.resolver == resolver) return s;
  Shape& s = shapes.emplace_back();
  s.qtype = qtype;
  s.resolver = resolver;
  s.wanted = wanted(query.types, qtype) && wanted(query.resolvers, resolver);
  return s;
}

// first_ns/first_leaf and last_ns/last_leaf of `into` widened by (t, leaf). Ties keep the smaller
// leaf, which is what a scan in (time_ns, leaf_index) order with strict comparisons keeps.
void widen(std::int64_t& first_ns, std::uint64_t& first_leaf, std::int64_t& last_ns, std::uint64_t& last_leaf,
           std::int64_t t_first, std::uint64_t leaf_first, std::int64_t t_last, std::uint64_t leaf_last) {
  if (t_first < first_ns || (t_first == first_ns && leaf_first < first_leaf)) first_ns = t_first, first_leaf = leaf_first;
  if (t_last > last_ns || (t_last == last_ns && leaf_last < last_leaf)) last_ns = t_last, last_leaf = leaf_last;
}

}  // namespace

std::vector<DomainHistory> query_history(LedgerStore& store, const HistoryQuery& query) {
  std::vector<DomainHistory> out;
  Stmt scan(store.db(),
            "SELECT qtype, resolver, outcome, addresses, time_ns, leaf_index FROM observation_index "
            "WHERE qname = ?1 AND time_ns >= ?2 AND time_ns <= ?3");
  for (const auto& domain : query.domains) {
    DomainHistory h;
    h.qname = domain;
    // Observations of one domain come in a handful of shapes (type x resolver x address set), so
    // they are grouped by shape first and split into addresses once at the end. The per-row work
    // is a few short compares and, when the address set changed, one hash lookup by string view.
    std::vector<Shape> shapes;
    scan.bind(1, domain)
        .bind(2, query.since_ns.value_or(std::numeric_limits<std::int64_t>::min()))
        .bind(3, query.until_ns.value_or(std::numeric_limits<std::int64_t>::max()));
    while (scan.step("reading the index")) {
      Shape& shape = shape_of(shapes, scan.text(0), scan.text(1), query);
      if (!shape.wanted) continue;
      ++h.observations;
      const std::string_view addresses = scan.text(3);
      if (addresses.empty()) {
        const std::string_view outcome = scan.text(2);
        auto it = std::find_if(shape.without_address.begin(), shape.without_address.end(),
                               [&](const auto& p) { return p.first == outcome; });
        if (it == shape.without_address.end()) it = shape.without_address.insert(it, {std::string(outcome), 0});
        ++it->second;
        continue;
      }
      const std::int64_t t = scan.i64(4);
      const auto leaf = static_cast<std::uint64_t>(scan.i64(5));
      if (shape.last == nullptr || shape.last->first != addresses) {
        auto it = shape.groups.find(addresses);
        if (it == shape.groups.end())
          it = shape.groups.emplace(std::string(addresses), Group{t, t, 0, leaf, leaf}).first;
        shape.last = &*it;
      }
      Group& g = shape.last->second;
      if (t < g.first_ns) g.first_ns = t, g.first_leaf = leaf;
      if (t > g.last_ns) g.last_ns = t, g.last_leaf = leaf;
      ++g.count;
    }
    scan.reset();

    std::map<std::pair<std::string, std::string>, Binding> by_address;
    for (const Shape& shape : shapes) {
      for (const auto& [outcome, n] : shape.without_address) h.without_address[outcome] += n;
      for (const auto& [addresses, g] : shape.groups) {
        std::size_t pos = 0;
        while (pos <= addresses.size()) {
          const std::size_t end = std::min(addresses.find(' ', pos), addresses.size());
          const std::string address = addresses.substr(pos, end - pos);
          pos = end + 1;
          auto [it, fresh] = by_address.try_emplace({shape.qtype, address});
          Binding& b = it->second;
          if (fresh) {
            b.qname = domain;
            b.qtype = shape.qtype;
            b.address = address;
            b.first_ns = g.first_ns, b.first_leaf = g.first_leaf;
            b.last_ns = g.last_ns, b.last_leaf = g.last_leaf;
          }
          widen(b.first_ns, b.first_leaf, b.last_ns, b.last_leaf, g.first_ns, g.first_leaf, g.last_ns, g.last_leaf);
          b.count += g.count;
          b.resolvers[shape.resolver] += g.count;
        }
      }
    }
    for (auto& [k, b] : by_address) h.bindings.push_back(std::move(b));
    std::sort(h.bindings.begin(), h.bindings.end(), [](const Binding& a, const Binding& b) {
      if (a.qtype != b.qtype) return a.qtype < b.qtype;
      if (a.first_ns != b.first_ns) return a.first_ns < b.first_ns;
      return address_less(a.address, b.address);
    });
    out.push_back(std::move(h));
  }
  return out;
}

nlohmann::json history_json(const std::vector<DomainHistory>& histories) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& h : histories) {
    nlohmann::json bindings = nlohmann::json::array();
    for (const auto& b : h.bindings) {
      nlohmann::json resolvers = nlohmann::json::object();
      for (const auto& [name, n] : b.resolvers) resolvers[name] = n;
      bindings.push_back({{"qtype", b.qtype},
                          {"address", b.address},
                          {"first_seen", format_rfc3339_ns(UtcTime{b.first_ns})},
                          {"last_seen", format_rfc3339_ns(UtcTime{b.last_ns})},
                          {"first_seen_jst", format_jst_display(UtcTime{b.first_ns})},
                          {"last_seen_jst", format_jst_display(UtcTime{b.last_ns})},
                          {"first_leaf", b.first_leaf},
                          {"last_leaf", b.last_leaf},
                          {"count", b.count},
                          {"resolvers", resolvers}});
    }
    nlohmann::json without = nlohmann::json::object();
    for (const auto& [outcome, n] : h.without_address) without[outcome] = n;
    out.push_back({{"qname", h.qname},
                   {"observations", h.observations},
                   {"bindings", bindings},
                   {"without_address", without}});
  }
  return out;
}


std::optional<std::vector<DomainHistory>> histories_from_json(const nlohmann::json& j) {
  if (!j.is_array()) return std::nullopt;
  std::vector<DomainHistory> out;
  try {
    for (const auto& h : j) {
      DomainHistory d;
      d.qname = h.at("qname").get<std::string>();
      d.observations = h.at("observations").get<std::uint64_t>();
      for (const auto& b : h.at("bindings")) {
        Binding x;
        x.qname = d.qname;
        x.qtype = b.at("qtype").get<std::string>();
        x.address = b.at("address").get<std::string>();
        const auto first = parse_rfc3339(b.at("first_seen").get<std::string>());
        const auto last = parse_rfc3339(b.at("last_seen").get<std::string>());
        if (!first || !last) return std::nullopt;
        x.first_ns = first->ns;
        x.last_ns = last->ns;
        x.first_leaf = b.at("first_leaf").get<std::uint64_t>();
        x.last_leaf = b.at("last_leaf").get<std::uint64_t>();
        x.count = b.at("count").get<std::uint64_t>();
        for (const auto& [name, n] : b.at("resolvers").items()) x.resolvers[name] = n.get<std::uint64_t>();
        d.bindings.push_back(std::move(x));
      }
      for (const auto& [outcome, n] : h.at("without_address").items()) d.without_address[outcome] = n.get<std::uint64_t>();
      out.push_back(std::move(d));
    }
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
  return out;
}

}  // namespace dnswitness
