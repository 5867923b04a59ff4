#include "ledger/history.h"

#include <algorithm>
#include <limits>
#include <string_view>
#include <unordered_map>

namespace dnswitness {
namespace {

struct Group {
  std::string qtype, resolver, addresses;
  std::int64_t first_ns = 0, last_ns = 0;
  std::uint64_t count = 0, first_leaf = 0, last_leaf = 0;
};

bool wanted(const std::vector<std::string>& filter, std::string_view value) {
  return filter.empty() || std::find(filter.begin(), filter.end(), value) != filter.end();
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
    // they are grouped by shape first and split into addresses once at the end.
    std::unordered_map<std::string, Group> groups;
    std::string key;
    scan.bind(1, domain)
        .bind(2, query.since_ns.value_or(std::numeric_limits<std::int64_t>::min()))
        .bind(3, query.until_ns.value_or(std::numeric_limits<std::int64_t>::max()));
    while (scan.step("reading the index")) {
      const std::string_view qtype = scan.text(0);
      const std::string_view resolver = scan.text(1);
      if (!wanted(query.types, qtype) || !wanted(query.resolvers, resolver)) continue;
      ++h.observations;
      const std::string_view addresses = scan.text(3);
      if (addresses.empty()) {
        ++h.without_address[std::string(scan.text(2))];
        continue;
      }
      key.assign(qtype).append(1, '\0').append(resolver).append(1, '\0').append(addresses);
      const std::int64_t t = scan.i64(4);
      const auto leaf = static_cast<std::uint64_t>(scan.i64(5));
      auto [it, fresh] = groups.try_emplace(key);
      Group& g = it->second;
      if (fresh) {
        g.qtype = qtype;
        g.resolver = resolver;
        g.addresses = addresses;
        g.first_ns = g.last_ns = t;
        g.first_leaf = g.last_leaf = leaf;
      }
      if (t < g.first_ns) g.first_ns = t, g.first_leaf = leaf;
      if (t > g.last_ns) g.last_ns = t, g.last_leaf = leaf;
      ++g.count;
    }
    scan.reset();

    std::map<std::pair<std::string, std::string>, Binding> by_address;
    for (const auto& [k, g] : groups) {
      std::size_t pos = 0;
      while (pos <= g.addresses.size()) {
        const std::size_t end = std::min(g.addresses.find(' ', pos), g.addresses.size());
        const std::string address = g.addresses.substr(pos, end - pos);
        pos = end + 1;
        auto [it, fresh] = by_address.try_emplace({g.qtype, address});
        Binding& b = it->second;
        if (fresh) {
          b.qname = domain;
          b.qtype = g.qtype;
          b.address = address;
          b.first_ns = g.first_ns, b.first_leaf = g.first_leaf;
          b.last_ns = g.last_ns, b.last_leaf = g.last_leaf;
        }
        if (g.first_ns < b.first_ns) b.first_ns = g.first_ns, b.first_leaf = g.first_leaf;
        if (g.last_ns > b.last_ns) b.last_ns = g.last_ns, b.last_leaf = g.last_leaf;
        b.count += g.count;
        b.resolvers[g.resolver] += g.count;
      }
    }
    for (auto& [k, b] : by_address) h.bindings.push_back(std::move(b));
    std::sort(h.bindings.begin(), h.bindings.end(), [](const Binding& a, const Binding& b) {
      if (a.qtype != b.qtype) return a.qtype < b.qtype;
      if (a.first_ns != b.first_ns) return a.first_ns < b.first_ns;
      return a.address < b.address;
    });
    out.push_back(std::move(h));
  }
  return out;
}

}  // namespace dnswitness
