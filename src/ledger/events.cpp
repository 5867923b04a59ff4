#include "ledger/events.h"

#include <algorithm>
#include <iterator>

#include "model/target.h"

namespace dnswitness {
namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < s.size()) {
    const auto sp = s.find(' ', pos);
    const auto end = sp == std::string::npos ? s.size() : sp;
    if (end > pos) out.push_back(s.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

// Elements of `a` not in `b` (both small; order of `a` kept).
std::vector<std::string> minus(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::string> out;
  for (const auto& x : a)
    if (std::find(b.begin(), b.end(), x) == b.end()) out.push_back(x);
  return out;
}

}  // namespace

bool outcome_is_conclusive(Outcome o) {
  return o == Outcome::answer || o == Outcome::nodata || o == Outcome::nxdomain;
}

nlohmann::json binding_change_json(const BindingChange& c) {
  nlohmann::json previous = {{"addresses", c.old_addresses},
                             {"outcome", c.old_outcome},
                             {"observed_at", format_rfc3339_ns(UtcTime{c.old_seen_ns})}};
  if (c.old_leaf) previous["leaf_index"] = *c.old_leaf;
  return {{"kind", "event"},
          {"event", "binding_change"},
          {"run_id", c.run_id},
          {"qname", c.qname},
          {"qtype", c.qtype},
          {"resolver", c.resolver},
          {"previous", previous},
          {"current",
           {{"addresses", c.new_addresses},
            {"outcome", c.new_outcome},
            {"observed_at", format_rfc3339_ns(UtcTime{c.new_seen_ns})}}},
          {"added", minus(c.new_addresses, c.old_addresses)},
          {"removed", minus(c.old_addresses, c.new_addresses)}};
}

nlohmann::json delayed_run_json(const DelayedRun& d) {
  return {{"kind", "event"},
          {"event", "delayed_run"},
          {"run_id", d.run_id},
          {"interval_ms", d.interval_ms},
          {"scheduled_at", format_rfc3339_ns(UtcTime{d.scheduled_ns})},
          {"started_at", format_rfc3339_ns(UtcTime{d.started_ns})},
          {"missed_runs", d.missed_runs},
          {"reason", d.reason}};
}

nlohmann::json clock_step_json(const ClockStep& c) {
  return {{"kind", "event"},
          {"event", "clock_step"},
          {"run_id", c.run_id},
          {"step_ns", c.step_ns},
          {"direction", c.step_ns < 0 ? "backward" : "forward"},
          {"before", format_rfc3339_ns(UtcTime{c.before_ns})},
          {"after", format_rfc3339_ns(UtcTime{c.after_ns})},
          {"elapsed_ns", c.elapsed_ns}};
}

nlohmann::json on_change_problems_json(const OnChangeProblems& p) {
  return {{"kind", "event"},
          {"event", "on_change_problems"},
          {"run_id", p.run_id},
          {"dropped", p.dropped},
          {"timed_out", p.timed_out},
          {"failed", p.failed},
          {"queue_limit", p.queue_limit},
          {"concurrency", p.concurrency},
          {"since", format_rfc3339_ns(UtcTime{p.since_ns})},
          {"until", format_rfc3339_ns(UtcTime{p.until_ns})}};
}

std::vector<BindingChange> ChangeDetector::compare(LedgerStore& store, std::span<const Observation> observations,
                                                   const std::string& run_id) {
  std::vector<BindingChange> changes;
  std::optional<Stmt> lookup;
  for (const auto& o : observations) {
    if (!outcome_is_conclusive(o.outcome)) continue;
    Key key{o.qname, qtype_name(o.qtype), o.resolver.name};
    auto it = seen_.find(key);
    if (it == seen_.end()) {
      // Not seen by this process yet: the newest conclusive observation in the ledger, if any.
      if (!lookup)
        lookup.emplace(store.db(),
                       "SELECT addresses, outcome, time_ns, leaf_index FROM observation_index "
                       "WHERE qname = ?1 AND qtype = ?2 AND resolver = ?3 "
                       "AND outcome IN ('answer', 'nodata', 'nxdomain') "
                       "ORDER BY time_ns DESC, leaf_index DESC LIMIT 1");
      lookup->reset();
      lookup->bind(1, std::get<0>(key)).bind(2, std::get<1>(key)).bind(3, std::get<2>(key));
      Seen s;
      if (lookup->step("looking up the previous answer")) {
        s.known = true;
        s.addresses = std::string(lookup->text(0));
        s.outcome = std::string(lookup->text(1));
        s.time_ns = lookup->i64(2);
        s.leaf = static_cast<std::uint64_t>(lookup->i64(3));
      }
      it = seen_.emplace(key, std::move(s)).first;
    }
    const Seen& prev = it->second;
    if (!prev.known) continue;
    const std::string now = join(o.addresses);
    if (now == prev.addresses) continue;
    BindingChange c;
    c.run_id = run_id;
    c.qname = o.qname;
    c.qtype = std::get<1>(key);
    c.resolver = o.resolver.name;
    c.old_addresses = split(prev.addresses);
    c.new_addresses = o.addresses;
    c.old_outcome = prev.outcome;
    c.new_outcome = std::string(outcome_name(o.outcome));
    c.old_seen_ns = prev.time_ns;
    c.new_seen_ns = o.sent_at.ns;
    c.old_leaf = prev.leaf;
    changes.push_back(std::move(c));
  }
  return changes;
}

void ChangeDetector::remember(std::span<const Observation> observations, std::uint64_t run_leaf) {
  for (std::size_t i = 0; i < observations.size(); ++i) {
    const auto& o = observations[i];
    if (!outcome_is_conclusive(o.outcome)) continue;
    Seen& s = seen_[Key{o.qname, qtype_name(o.qtype), o.resolver.name}];
    s.known = true;
    s.addresses = join(o.addresses);
    s.outcome = std::string(outcome_name(o.outcome));
    s.time_ns = o.sent_at.ns;
    s.leaf = run_leaf + 1 + i;
  }
}

std::vector<ListedEvent> list_events(LedgerStore& store, std::optional<std::int64_t> since_ns,
                                     std::optional<std::int64_t> until_ns) {
  std::vector<ListedEvent> out;
  // Canonical JSON escapes every quote inside a string, so this byte pattern only matches the
  // top-level "kind" member; the parse below checks it anyway.
  Stmt scan(store.db(),
            "SELECT idx, data FROM leaves WHERE instr(data, CAST('\"kind\":\"event\"' AS BLOB)) > 0 ORDER BY idx");
  const std::uint64_t size = store.size();
  while (scan.step("reading the events")) {
    const auto idx = static_cast<std::uint64_t>(scan.i64(0));
    if (idx >= size) break;  // not yet covered by a signed tree head
    const ByteView b = scan.blob(1);
    auto j = nlohmann::json::parse(b.begin(), b.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object() || j.value("kind", "") != "event") continue;
    std::string when;
    const std::string kind = j.value("event", "");
    if (kind == "binding_change" && j.contains("current") && j["current"].is_object())
      when = j["current"].value("observed_at", "");
    else if (kind == "clock_step")
      when = j.value("after", "");
    else if (kind == "on_change_problems")
      when = j.value("until", "");
    else
      when = j.value("started_at", "");
    const auto t = parse_rfc3339(when);
    if (!t) continue;
    if ((since_ns && t->ns < *since_ns) || (until_ns && t->ns > *until_ns)) continue;
    out.push_back(ListedEvent{idx, t->ns, std::move(j)});
  }
  return out;
}

}  // namespace dnswitness
