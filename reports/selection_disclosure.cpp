#include "reports/selection_disclosure.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "model/address.h"
#include "reports/coverage_gaps.h"
#include "timeutil/timestamp.h"

namespace dnswitness {
namespace {

using nlohmann::json;

bool selected_by(const std::vector<std::string>& filter, const std::string& value) {
  return filter.empty() || std::find(filter.begin(), filter.end(), value) != filter.end();
}

std::string time_text(std::int64_t ns) { return format_rfc3339_ns(UtcTime{ns}); }

struct ExcludedFindings {
  // (qname, qtype, address) -> excluded resolvers that returned it
  std::map<std::tuple<std::string, std::string, std::string>, std::set<std::string>> only_excluded;
  struct Change {
    const ObservationRow* from;
    const ObservationRow* to;
  };
  std::vector<Change> changes;
};

// For the selected names and types: what the observations of excluded resolvers in [lo, hi] hold
// that the included ones do not, and the changes of their address sets between consecutive
// answers of one resolver (as changes_24h counts them: answers only, address sets compared).
ExcludedFindings excluded_findings(std::span<const ObservationRow> rows, const CandidateOptions& o, std::int64_t lo,
                                   std::int64_t hi) {
  ExcludedFindings f;
  if (o.resolvers.empty()) return f;  // no resolver left out: nothing of the selected names is excluded
  std::set<std::tuple<std::string, std::string, std::string>> included;
  std::vector<const ObservationRow*> excluded;
  for (const auto& r : rows) {
    if (r.time_ns < lo || r.time_ns > hi || !selected_by(o.domains, r.qname) || !selected_by(o.types, r.qtype))
      continue;
    if (selected_by(o.resolvers, r.resolver))
      for (const auto& a : r.addresses) included.insert({r.qname, r.qtype, a});
    else
      excluded.push_back(&r);
  }
  std::sort(excluded.begin(), excluded.end(), [](const ObservationRow* a, const ObservationRow* b) {
    return std::tie(a->time_ns, a->leaf_index) < std::tie(b->time_ns, b->leaf_index);
  });
  std::map<std::tuple<std::string, std::string, std::string>, const ObservationRow*> last_answer;
  for (const ObservationRow* r : excluded) {
    for (const auto& a : r->addresses)
      if (!included.count({r->qname, r->qtype, a})) f.only_excluded[{r->qname, r->qtype, a}].insert(r->resolver);
    if (r->outcome != "answer") continue;
    auto [it, fresh] = last_answer.try_emplace({r->resolver, r->qname, r->qtype}, r);
    if (!fresh) {
      if (it->second->addresses != r->addresses) f.changes.push_back({it->second, r});
      it->second = r;
    }
  }
  return f;
}


}  // namespace

json selection_disclosure(std::span<const LoginRecord> logins, std::span<const ObservationRow> rows,
                          const CandidateOptions& o) {
  json windows = json::array();
  for (const auto& w : report_windows(std::vector<LoginRecord>(logins.begin(), logins.end()), o)) {
    std::set<std::string> runs, resolvers, excluded_resolvers, excluded_domains, excluded_types;
    std::uint64_t observations = 0, included = 0;
    std::set<std::uint64_t> counted;  // a leaf given twice counts once, as everywhere in the tables
    for (const auto& r : rows) {
      if (r.time_ns < w.from_ns || r.time_ns > w.until_ns || !counted.insert(r.leaf_index).second) continue;
      ++observations;
      if (!r.run_id.empty()) runs.insert(r.run_id);
      resolvers.insert(r.resolver);
      const bool d = selected_by(o.domains, r.qname), t = selected_by(o.types, r.qtype),
                 s = selected_by(o.resolvers, r.resolver);
      if (d && t && s) ++included;
      if (!s) excluded_resolvers.insert(r.resolver);
      if (!d) excluded_domains.insert(r.qname);
      if (!t) excluded_types.insert(r.qtype);
    }
    const ExcludedFindings f = excluded_findings(rows, o, w.from_ns, w.until_ns);
    json only = json::array();
    std::vector<const decltype(f.only_excluded)::value_type*> ordered;
    for (const auto& e : f.only_excluded) ordered.push_back(&e);
    std::sort(ordered.begin(), ordered.end(), [](const auto* x, const auto* y) {
      const auto& [xq, xt, xa] = x->first;
      const auto& [yq, yt, ya] = y->first;
      if (xq != yq) return xq < yq;
      if (xt != yt) return xt < yt;
      return address_less(xa, ya);
    });
    for (const auto* e : ordered) {
      const auto& [q, t, a] = e->first;
      only.push_back({{"qname", q}, {"qtype", t}, {"address", a}, {"resolvers", e->second}});
    }
    json changes = json::array();
    for (const auto& c : f.changes) {
      json change = address_change_json(*c.from, *c.to);
      change["qname"] = c.to->qname;
      change["qtype"] = c.to->qtype;
      changes.push_back(std::move(change));
    }
    windows.push_back({{"from", time_text(w.from_ns)},
                       {"until", time_text(w.until_ns)},
                       {"runs", runs.size()},
                       {"observations", observations},
                       {"resolvers", resolvers},
                       {"included_observations", included},
                       {"excluded",
                        {{"observations", observations - included},
                         {"resolvers", excluded_resolvers},
                         {"domains", excluded_domains},
                         {"types", excluded_types}}},
                       {"addresses_only_in_excluded", only},
                       {"changes_only_in_excluded", changes}});
  }
  return {{"windows", windows}};
}

std::vector<std::string> excluded_observation_warnings(std::span<const ObservationRow> rows,
                                                       const CandidateOptions& o, std::int64_t lo, std::int64_t hi) {
  const ExcludedFindings f = excluded_findings(rows, o, lo, hi);
  std::vector<std::string> out;
  std::map<std::pair<std::string, std::string>, std::vector<std::pair<std::string, std::string>>> by_name;
  for (const auto& [key, resolvers] : f.only_excluded) {
    const auto& [q, t, a] = key;
    by_name[{q, t}].emplace_back(a, fmt::format("{} (from {})", a, fmt::join(resolvers, ", ")));
  }
  for (auto& [name, list] : by_name) {
    std::sort(list.begin(), list.end(), [](const auto& x, const auto& y) { return address_less(x.first, y.first); });
    std::vector<std::string> shown;
    for (const auto& [a, text] : list) shown.push_back(text);
    out.push_back(fmt::format("Resolvers this report leaves out answered {} {} in the window with address(es) the "
                              "included resolvers did not return: {}.",
                              name.first, name.second, fmt::join(shown, "; ")));
  }
  for (const auto& c : f.changes)
    out.push_back(fmt::format("The resolver {}, which this report leaves out, saw the address set of {} {} change in "
                              "the window (leaf {} at {} to leaf {} at {}).",
                              c.to->resolver, c.to->qname, c.to->qtype, c.from->leaf_index,
                              time_text(c.from->time_ns), c.to->leaf_index, time_text(c.to->time_ns)));
  return out;
}

}  // namespace dnswitness
