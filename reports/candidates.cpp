#include "reports/candidates.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <stdexcept>

#include "model/address.h"
#include "reports/carrier_list.h"
#include "reports/source_ip.h"
#include "reports/selection_disclosure.h"
#include "timeutil/timestamp.h"

namespace dnswitness {
namespace {

using nlohmann::json;

std::string t3339(std::int64_t ns) { return format_rfc3339_ns(UtcTime{ns}); }

bool wanted(const std::vector<std::string>& filter, std::string_view value) {
  return filter.empty() || std::find(filter.begin(), filter.end(), value) != filter.end();
}

bool row_before(const ObservationRow* a, const ObservationRow* b) {
  if (a->time_ns != b->time_ns) return a->time_ns < b->time_ns;
  return a->leaf_index < b->leaf_index;
}

json addresses_json(const std::vector<std::string>& a) {
  json out = json::array();
  for (const auto& s : a) out.push_back(s);
  return out;
}

// Nearest row per resolver on one side of T: at or before T (before) or strictly after T; with
// `with_address`, only rows that hold at least one address count (the fallback for a window whose
// observations hold none: NXDOMAIN, NODATA, failures).
std::map<std::string, const ObservationRow*> nearest_per_resolver(const std::vector<const ObservationRow*>& sorted,
                                                                  std::int64_t t, bool before,
                                                                  bool with_address = false) {
  std::map<std::string, const ObservationRow*> out;
  for (const ObservationRow* r : sorted) {
    if (before ? r->time_ns > t : r->time_ns <= t) continue;
    if (with_address && r->addresses.empty()) continue;
    auto [it, fresh] = out.try_emplace(r->resolver, r);
    if (fresh) continue;
    // sorted ascending: for "before" the later one wins, for "after" the first one stays.
    if (before) it->second = r;
  }
  return out;
}

struct Change {
  const ObservationRow* from;
  const ObservationRow* to;
};

std::vector<Change> changes_within(const std::vector<const ObservationRow*>& sorted, std::int64_t t) {
  std::map<std::string, const ObservationRow*> last;
  std::vector<Change> out;
  for (const ObservationRow* r : sorted) {
    if (r->outcome != "answer") continue;
    if (r->time_ns < t - kChangeHorizonNs || r->time_ns > t + kChangeHorizonNs) continue;
    auto [it, fresh] = last.try_emplace(r->resolver, r);
    if (!fresh) {
      if (it->second->addresses != r->addresses) out.push_back({it->second, r});
      it->second = r;
    }
  }
  std::sort(out.begin(), out.end(), [](const Change& a, const Change& b) {
    if (a.to->time_ns != b.to->time_ns) return a.to->time_ns < b.to->time_ns;
    return a.to->leaf_index < b.to->leaf_index;
  });
  return out;
}

// Address statistics over the rows whose time lies in [lo, hi].
json address_stats(const std::vector<const ObservationRow*>& sorted, std::int64_t lo, std::int64_t hi) {
  struct Stat {
    std::int64_t first = 0, last = 0;
    std::uint64_t first_leaf = 0, last_leaf = 0, count = 0;
    std::set<std::uint32_t> ttls;
    std::map<std::string, std::uint64_t> resolvers;
  };
  std::map<std::string, Stat> stats;
  std::map<std::string, std::uint64_t> without;
  std::set<std::string> resolvers;
  std::uint64_t n = 0;
  for (const ObservationRow* r : sorted) {
    if (r->time_ns < lo || r->time_ns > hi) continue;
    ++n;
    resolvers.insert(r->resolver);
    if (r->addresses.empty()) ++without[r->outcome];
    for (const auto& a : r->addresses) {
      auto [it, fresh] = stats.try_emplace(a);
      Stat& s = it->second;
      if (fresh) s.first = r->time_ns, s.first_leaf = r->leaf_index;
      s.last = r->time_ns, s.last_leaf = r->leaf_index;
      ++s.count;
      ++s.resolvers[r->resolver];
      if (auto t = r->ttls.find(a); t != r->ttls.end()) s.ttls.insert(t->second.begin(), t->second.end());
    }
  }
  // Numeric address order (model/address.h), not the map's text order: 9.9.9.9 before 10.0.0.1.
  std::vector<const std::pair<const std::string, Stat>*> ordered;
  for (const auto& e : stats) ordered.push_back(&e);
  std::sort(ordered.begin(), ordered.end(), [](const auto* x, const auto* y) { return address_less(x->first, y->first); });
  json addrs = json::array();
  for (const auto* e : ordered) {
    const auto& [a, s] = *e;
    json res = json::object();
    for (const auto& [name, c] : s.resolvers) res[name] = c;
    addrs.push_back({{"address", a},
                     {"first_seen", t3339(s.first)},
                     {"last_seen", t3339(s.last)},
                     {"first_leaf", s.first_leaf},
                     {"last_leaf", s.last_leaf},
                     {"count", s.count},
                     {"ttls", s.ttls},
                     {"resolvers", res},
                     {"all_resolvers_agree", s.resolvers.size() == resolvers.size()}});
  }
  json w = json::object();
  for (const auto& [o, c] : without) w[o] = c;
  return {{"observations", n}, {"resolvers", resolvers}, {"addresses", addrs}, {"without_address", w}};
}

json side_json(const std::map<std::string, const ObservationRow*>& nearest, std::int64_t t, bool before) {
  std::vector<std::string> merged;
  json by = json::array();
  std::optional<std::int64_t> closest;
  for (const auto& [resolver, r] : nearest) {
    merged.insert(merged.end(), r->addresses.begin(), r->addresses.end());
    const std::int64_t gap = before ? t - r->time_ns : r->time_ns - t;
    if (!closest || gap < *closest) closest = gap;
    by.push_back({{"resolver", resolver},
                  {"time", t3339(r->time_ns)},
                  {"leaf_index", r->leaf_index},
                  {"run_id", r->run_id},
                  {"outcome", r->outcome},
                  {"addresses", addresses_json(r->addresses)},
                  {"gap_seconds", gap / kNsPerSecondReport}});
  }
  sort_addresses(merged);
  json out = {{"addresses", merged}, {"by_resolver", by}};
  if (closest) {
    out["gap_ns"] = *closest;
    out["gap_seconds"] = *closest / kNsPerSecondReport;
  } else {
    out["gap_ns"] = nullptr;
    out["gap_seconds"] = nullptr;
  }
  return out;
}

std::string human_gap(std::int64_t ns) {
  const std::int64_t s = ns / kNsPerSecondReport;
  if (s < 120) return fmt::format("{} s", s);
  if (s < 2 * 3600) return fmt::format("{} min", s / 60);
  if (s < 2 * 86400) return fmt::format("{:.1f} h", static_cast<double>(s) / 3600.0);
  return fmt::format("{:.1f} days", static_cast<double>(s) / 86400.0);
}

// "leaf 12 (knot, 30 min earlier), leaf 13 (auth2, 30 min earlier)": the observations a fallback
// took its candidates from, so the reader can find them in the bundle and see how far they are.
std::string fallback_side_text(const std::map<std::string, const ObservationRow*>& nearest, std::int64_t t,
                               bool before) {
  if (nearest.empty()) return "none in this report";
  std::string out;
  for (const auto& [resolver, r] : nearest) {
    if (!out.empty()) out += ", ";
    out += fmt::format("leaf {} ({}, {} {})", r->leaf_index, resolver,
                       human_gap(before ? t - r->time_ns : r->time_ns - t), before ? "earlier" : "later");
  }
  return out;
}

// "2 nxdomain, 1 timeout" from a window's without_address counts.
std::string outcome_counts_text(const json& without_address) {
  std::string out;
  for (const auto& [outcome, count] : without_address.items())
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", count.get<std::uint64_t>(), outcome);
  return out;
}

using Groups = std::map<std::pair<std::string, std::string>, std::vector<const ObservationRow*>>;

Groups group_rows(std::span<const ObservationRow> rows, const CandidateOptions& o) {
  Groups g;
  for (const auto& r : rows) {
    if (!wanted(o.domains, r.qname) || !wanted(o.types, r.qtype) || !wanted(o.resolvers, r.resolver)) continue;
    g[{r.qname, r.qtype}].push_back(&r);
  }
  for (auto& [k, v] : g) {
    std::sort(v.begin(), v.end(), row_before);
    // The same leaf given twice (e.g. selected for two logins) counts once.
    v.erase(std::unique(v.begin(), v.end(),
                        [](const ObservationRow* a, const ObservationRow* b) { return a->leaf_index == b->leaf_index; }),
            v.end());
  }
  return g;
}

int family_of(const std::string& address) { return address.find(':') != std::string::npos ? 6 : 4; }

}  // namespace

std::optional<ObservationRow> observation_row_of_leaf(std::uint64_t leaf_index, std::string_view leaf) {
  const json j = json::parse(leaf.begin(), leaf.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw std::invalid_argument("the leaf is not a JSON object");
  return observation_row_of_json(leaf_index, j);
}

std::optional<ObservationRow> observation_row_of_json(std::uint64_t leaf_index, const json& j) {
  if (!j.is_object()) throw std::invalid_argument("the leaf is not a JSON object");
  const auto kind = j.find("kind");
  if (kind == j.end() || !kind->is_string()) throw std::invalid_argument("the leaf has no kind");
  if (*kind == "run") return std::nullopt;
  if (*kind != "observation") throw std::invalid_argument("the leaf is neither a run nor an observation");
  auto str = [&](const json& o, const char* key) -> std::string {
    const auto it = o.find(key);
    if (it == o.end() || !it->is_string()) throw std::invalid_argument(fmt::format("the leaf has no {}", key));
    return it->get<std::string>();
  };
  ObservationRow r;
  r.leaf_index = leaf_index;
  r.run_id = str(j, "run_id");
  r.qname = str(j, "qname");
  r.qtype = str(j, "qtype");
  r.outcome = str(j, "outcome");
  const auto res = j.find("resolver");
  if (res == j.end() || !res->is_object()) throw std::invalid_argument("the leaf has no resolver");
  r.resolver = str(*res, "name");
  const auto t = parse_rfc3339(str(j, "sent_at"));
  if (!t) throw std::invalid_argument("the leaf's sent_at is not an RFC 3339 time");
  r.time_ns = t->ns;
  if (const auto a = j.find("addresses"); a != j.end()) {
    if (!a->is_array()) throw std::invalid_argument("the leaf's addresses are not a list");
    for (const auto& x : *a) {
      if (!x.is_string()) throw std::invalid_argument("the leaf's addresses are not strings");
      r.addresses.push_back(x.get<std::string>());
    }
  }
  sort_addresses(r.addresses);
  if (const auto ans = j.find("answers"); ans != j.end() && ans->is_array()) {
    for (const auto& rr : *ans) {
      if (!rr.is_object() || !rr.contains("type") || !rr.contains("data") || !rr.contains("ttl")) continue;
      if (!rr["type"].is_string() || rr["type"] != r.qtype || !rr["data"].is_string() ||
          !rr["ttl"].is_number_unsigned())
        continue;
      const std::string data = rr["data"].get<std::string>();
      if (std::find(r.addresses.begin(), r.addresses.end(), data) != r.addresses.end()) {
        auto& v = r.ttls[data];
        const auto ttl = rr["ttl"].get<std::uint32_t>();
        if (std::find(v.begin(), v.end(), ttl) == v.end()) v.push_back(ttl);
      }
    }
    for (auto& [a, v] : r.ttls) std::sort(v.begin(), v.end());
  }
  return r;
}

std::optional<std::int64_t> parse_report_duration(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  const char unit = text.back();
  std::int64_t mult = 0;
  switch (unit) {
    case 's': mult = 1; break;
    case 'm': mult = 60; break;
    case 'h': mult = 3600; break;
    case 'd': mult = 86400; break;
    default: return std::nullopt;
  }
  const std::string_view digits = text.substr(0, text.size() - 1);
  if (digits.empty() || digits.size() > 6) return std::nullopt;
  std::int64_t n = 0;
  const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || p != digits.data() + digits.size() || n < 0) return std::nullopt;
  return n * mult * kNsPerSecondReport;
}

std::string format_report_duration(std::int64_t ns) {
  const std::int64_t s = ns / kNsPerSecondReport;
  if (s != 0 && s % 86400 == 0) return fmt::format("{}d", s / 86400);
  if (s != 0 && s % 3600 == 0) return fmt::format("{}h", s / 3600);
  if (s != 0 && s % 60 == 0) return fmt::format("{}m", s / 60);
  return fmt::format("{}s", s);
}

nlohmann::json address_change_json(const ObservationRow& from, const ObservationRow& to) {
  return {{"resolver", to.resolver},
          {"before_time", t3339(from.time_ns)},
          {"before_leaf", from.leaf_index},
          {"before", addresses_json(from.addresses)},
          {"after_time", t3339(to.time_ns)},
          {"after_leaf", to.leaf_index},
          {"after", addresses_json(to.addresses)}};
}

nlohmann::json derive_tables(std::span<const LoginRecord> logins, std::span<const ObservationRow> rows,
                             const CandidateOptions& options) {
  const Groups groups = group_rows(rows, options);
  static const std::vector<const ObservationRow*> kNone;
  auto rows_of = [&](const std::string& q, const std::string& t) -> const std::vector<const ObservationRow*>& {
    const auto it = groups.find({q, t});
    return it == groups.end() ? kNone : it->second;
  };

  json out = json::object();
  json login_tables = json::array();
  for (std::size_t i = 0; i < logins.size(); ++i) {
    const LoginRecord& login = logins[i];
    const std::int64_t t = login.at.ns;
    const std::int64_t lo = t - options.before_ns, hi = t + options.after_ns;
    json lt = {{"login", i},
               {"time", t3339(t)},
               {"time_utc", format_utc_display(login.at)},
               {"time_jst", format_jst_display(login.at)},
               {"window", {{"from", t3339(lo)}, {"until", t3339(hi)}}}};
    json warnings = json::array();
    if (login.source_ip) {
      const SourceIpCheck c = classify_source_ip(*login.source_ip);
      lt["source_ip"] = c.address;
      lt["source_ip_class"] = std::string(source_ip_class_name(c.cls));
      lt["usable_for_carrier_request"] = c.usable_for_carrier_request;
      if (!c.usable_for_carrier_request)
        warnings.push_back(fmt::format("The source IP {} cannot be used for a carrier request: {}", c.address,
                                       c.reason));
      else if (c.family == 6)
        warnings.push_back(fmt::format("The source IP {} is IPv6: the carrier may not need a destination IP.",
                                       c.address));
    } else {
      lt["source_ip"] = nullptr;
    }

    struct UnionEntry {
      std::set<std::string> domains;
      bool in_window = false;
    };
    std::map<std::string, UnionEntry> uni;
    json domains = json::array();
    for (const auto& q : options.domains) {
      for (const auto& type : options.types) {
        const auto& sorted = rows_of(q, type);
        json d = {{"qname", q}, {"qtype", type}};
        json dw = json::array();
        d["window"] = address_stats(sorted, lo, hi);
        const auto before = nearest_per_resolver(sorted, t, true);
        const auto after = nearest_per_resolver(sorted, t, false);
        d["before"] = side_json(before, t, true);
        d["after"] = side_json(after, t, false);
        const std::string what = q + " " + type;
        if (before.empty())
          dw.push_back(fmt::format("No observation of {} at or before the login time is in this report.", what));
        else if (d["before"]["gap_ns"].get<std::int64_t>() > options.before_ns)
          dw.push_back(fmt::format("The nearest observation of {} before the login time is {} earlier, outside the "
                                   "{} window.",
                                   what, human_gap(d["before"]["gap_ns"].get<std::int64_t>()),
                                   format_report_duration(options.before_ns)));
        if (after.empty())
          dw.push_back(fmt::format("No observation of {} after the login time is in this report.", what));
        else if (d["after"]["gap_ns"].get<std::int64_t>() > options.after_ns)
          dw.push_back(fmt::format("The nearest observation of {} after the login time is {} later, outside the {} "
                                   "window.",
                                   what, human_gap(d["after"]["gap_ns"].get<std::int64_t>()),
                                   format_report_duration(options.after_ns)));
        // A window without any address (empty, or only NXDOMAIN, NODATA and failures) takes its
        // candidates from the nearest observations that hold an address, per resolver on each
        // side: an NXDOMAIN says nothing about where the name pointed a moment before or after.
        const bool window_empty = d["window"]["observations"].get<std::uint64_t>() == 0;
        const bool fallback = d["window"]["addresses"].empty();
        std::map<std::string, const ObservationRow*> with_before, with_after;
        d["nearest_with_address"] = nullptr;
        if (fallback) {
          with_before = nearest_per_resolver(sorted, t, true, true);
          with_after = nearest_per_resolver(sorted, t, false, true);
          d["nearest_with_address"] = {{"before", side_json(with_before, t, true)},
                                       {"after", side_json(with_after, t, false)}};
          const std::string opening =
              window_empty ? fmt::format("No observation of {} lies inside the window", what)
                           : fmt::format("The window holds no observation of {} with an address (only {})", what,
                                         outcome_counts_text(d["window"]["without_address"]));
          dw.push_back(fmt::format("{}; its candidates come from the nearest observations with an address on each "
                                   "side: before the login time, {}; after it, {}.",
                                   opening, fallback_side_text(with_before, t, true),
                                   fallback_side_text(with_after, t, false)));
        }
        const auto changes = changes_within(sorted, t);
        json ch = json::array();
        for (const auto& c : changes) ch.push_back(address_change_json(*c.from, *c.to));
        d["changes_24h"] = {{"changed", !changes.empty()}, {"changes", ch}};
        if (!changes.empty())
          dw.push_back(fmt::format("The address set of {} changed {} time(s) within 24 hours of the login.", what,
                                   changes.size()));
        for (const auto& a : d["window"]["addresses"]) {
          auto& e = uni[a["address"].get<std::string>()];
          e.domains.insert(what);
          e.in_window = true;
        }
        for (const auto* side : {&with_before, &with_after})
          for (const auto& [res, r] : *side)
            for (const auto& a : r->addresses) uni[a].domains.insert(what);
        d["warnings"] = dw;
        for (const auto& w : dw) warnings.push_back(w);
        domains.push_back(std::move(d));
      }
    }
    lt["domains"] = std::move(domains);
    // What resolvers the selection leaves out saw in this window that the included ones did not.
    for (auto& w : excluded_observation_warnings(rows, options, lo, hi)) warnings.push_back(std::move(w));
    std::vector<const std::pair<const std::string, UnionEntry>*> ordered;
    for (const auto& e : uni) ordered.push_back(&e);
    std::sort(ordered.begin(), ordered.end(),
              [](const auto* x, const auto* y) { return address_less(x->first, y->first); });
    json u = json::array();
    for (const auto* entry : ordered) {
      const auto& [a, e] = *entry;
      u.push_back({{"address", a},
                   {"family", family_of(a)},
                   {"domains", e.domains},
                   {"basis", e.in_window ? "seen in the window" : "nearest observation outside the window"}});
    }
    lt["union"] = {{"destination_port", 443}, {"protocol", "tcp"}, {"addresses", u}};
    lt["carrier_list"] = carrier_list(login, lt["domains"], lt["union"]["addresses"], options.domains);
    if (uni.empty())
      warnings.push_back("No destination IP candidate at all: the ledger holds no observation with an address for "
                         "the selected domains and resolvers, inside the window or on either side of it.");
    lt["warnings"] = std::move(warnings);
    login_tables.push_back(std::move(lt));
  }
  out["logins"] = std::move(login_tables);
  out["selection"] = selection_disclosure(logins, rows, options);

  if (options.from_ns && options.until_ns) {
    json p = {{"from", t3339(*options.from_ns)}, {"until", t3339(*options.until_ns)}};
    json ds = json::array();
    for (const auto& q : options.domains)
      for (const auto& type : options.types) {
        json d = address_stats(rows_of(q, type), *options.from_ns, *options.until_ns);
        d["qname"] = q;
        d["qtype"] = type;
        ds.push_back(std::move(d));
      }
    p["domains"] = ds;
    out["period"] = p;
  }
  return out;
}

std::vector<std::uint64_t> leaves_needed_for_login(std::int64_t login_ns, std::span<const ObservationRow> rows,
                                                   const CandidateOptions& options) {
  std::vector<const ObservationRow*> sorted;
  for (const auto& r : rows)
    if (wanted(options.resolvers, r.resolver)) sorted.push_back(&r);
  std::sort(sorted.begin(), sorted.end(), row_before);
  std::set<std::uint64_t> out;
  const std::int64_t lo = login_ns - options.before_ns, hi = login_ns + options.after_ns;
  for (const ObservationRow* r : sorted)
    if (r->time_ns >= lo && r->time_ns <= hi) out.insert(r->leaf_index);
  bool window_address = false;
  for (const ObservationRow* r : sorted)
    if (r->time_ns >= lo && r->time_ns <= hi && !r->addresses.empty()) window_address = true;
  for (const bool before : {true, false}) {
    for (const auto& [res, r] : nearest_per_resolver(sorted, login_ns, before)) out.insert(r->leaf_index);
    if (!window_address)
      for (const auto& [res, r] : nearest_per_resolver(sorted, login_ns, before, true)) out.insert(r->leaf_index);
  }
  for (const auto& c : changes_within(sorted, login_ns)) {
    out.insert(c.from->leaf_index);
    out.insert(c.to->leaf_index);
  }
  return {out.begin(), out.end()};
}

}  // namespace dnswitness
