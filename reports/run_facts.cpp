#include "reports/run_facts.h"

#include <optional>

#include "reports/time_checks.h"

namespace dnswitness {
namespace {

using nlohmann::json;

// Copies `key` from `from` to `to` when present (any JSON type; the leaf's own value).
void copy(const json& from, json& to, const char* key) {
  if (!from.is_object()) return;
  const auto it = from.find(key);
  if (it != from.end()) to[key] = *it;
}

const json* member(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  const auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

json vantage_facts(const json& v) {
  json out = json::object();
  if (const json* ifs = member(v, "interfaces"); ifs && ifs->is_array()) {
    json list = json::array();
    for (const auto& i : *ifs) {
      json e = json::object();
      copy(i, e, "interface");
      copy(i, e, "family");
      copy(i, e, "address");
      copy(i, e, "prefix_length");
      list.push_back(std::move(e));
    }
    out["interfaces"] = std::move(list);
  }
  if (const json* who = member(v, "whoami"); who && who->is_array()) {
    // The question and its bytes stay in the leaf; the summary keeps who was asked and what it saw.
    json list = json::array();
    for (const auto& w : *who) {
      json e = json::object();
      copy(w, e, "service");
      if (const json* r = member(w, "resolver")) copy(*r, e["resolver"], "address");
      copy(w, e, "outcome");
      copy(w, e, "egress");
      copy(w, e, "sent_at");
      list.push_back(std::move(e));
    }
    out["whoami"] = std::move(list);
  }
  return out;
}

json clock_facts(const json& c) {
  json out = json::object();
  copy(c, out, "servers");
  copy(c, out, "offset_ns");
  copy(c, out, "offset_server");
  copy(c, out, "warnings");
  copy(c, out, "note");
  std::size_t asked = 0, answered = 0;
  if (const json* rs = member(c, "results"); rs && rs->is_array()) {
    for (const auto& r : *rs) {
      const json* outcome = member(r, "outcome");
      if (!outcome || !outcome->is_string() || *outcome == "skipped") continue;
      ++asked;
      if (*outcome == "answer") ++answered;
      // The answer the offset was taken from: its delay, stratum and reference, for the reader
      // to judge how good the measurement was.
      const json* addr = member(r, "address");
      const json* port = member(r, "port");
      const json* off = member(r, "offset_ns");
      if (*outcome == "answer" && addr && addr->is_string() && off && out.contains("offset_ns") &&
          *off == out["offset_ns"] && out.contains("offset_server") && out["offset_server"] == *addr &&
          !out.contains("delay_ns")) {
        copy(r, out, "delay_ns");
        copy(r, out, "stratum");
        copy(r, out, "reference_id");
        if (port) out["offset_port"] = *port;
      }
    }
  }
  out["addresses_asked"] = asked;
  out["addresses_answered"] = answered;
  return out;
}

}  // namespace

json run_facts_of(const json& run) {
  json out = json::object();
  copy(run, out, "run_id");
  copy(run, out, "started_at");
  copy(run, out, "finished_at");
  copy(run, out, "host");
  copy(run, out, "tool");
  copy(run, out, "config_hash");
  copy(run, out, "certificate_verification");
  // --insecure is recorded as the sentence below; the flag says it plainly for readers of the JSON.
  if (const json* cv = member(run, "certificate_verification"); cv && cv->is_string())
    out["insecure"] = cv->get<std::string>().rfind("not enforced", 0) == 0;
  if (const json* ca = member(run, "ca_file"))
    if (const json* h = member(*ca, "sha256")) out["ca_file_sha256"] = *h;
  json warnings = json::array();
  if (const json* v = member(run, "vantage"); v && v->is_object()) out["vantage"] = vantage_facts(*v);
  if (const json* c = member(run, "clock"); c && c->is_object()) {
    out["clock"] = clock_facts(*c);
    if (const json* w = member(*c, "warnings"); w && w->is_array())
      for (const auto& s : *w) warnings.push_back(s);
  }
  if (const json* a = member(run, "authoritative"))
    if (const json* p = member(*a, "problems"); p && p->is_array())
      for (const auto& s : *p) warnings.push_back(s);
  out["warnings"] = std::move(warnings);
  return out;
}

std::map<std::uint64_t, json> run_facts_of_bundle(const std::map<std::uint64_t, json>& run_records,
                                                 const json& checkpoints) {
  // A run's leaves are its run leaf and observation_count observations: it ends where the next
  // run's leaf is, and the tree head signed with it has that size.
  const auto end_of = [](std::uint64_t leaf, const json& run) -> std::optional<std::uint64_t> {
    const json* n = member(run, "observation_count");
    if (!n || !n->is_number_unsigned()) return std::nullopt;
    return leaf + 1 + n->get<std::uint64_t>();
  };
  std::map<std::uint64_t, const json*> by_end;
  for (const auto& [leaf, run] : run_records)
    if (const auto end = end_of(leaf, run)) by_end[*end] = &run;
  std::map<std::uint64_t, const json*> tokens_at;  // tree size -> its timestamps (or null)
  static const json no_tokens = json::array();
  if (checkpoints.is_array())
    for (const auto& cp : checkpoints) {
      const json* size = member(cp, "size");
      if (!size || !size->is_number_unsigned()) continue;
      const json* ts = member(cp, "timestamps");
      tokens_at[size->get<std::uint64_t>()] = ts ? ts : &no_tokens;
    }
  std::map<std::uint64_t, json> out;
  for (const auto& [leaf, run] : run_records) {
    json facts = run_facts_of(run);
    const auto p = by_end.find(leaf);
    const auto end = end_of(leaf, run);
    const auto t = end ? tokens_at.find(*end) : tokens_at.end();
    json checks = time_checks_of(run, leaf, p == by_end.end() ? nullptr : p->second,
                                 t == tokens_at.end() ? json() : *t->second);
    for (const auto& f : checks["findings"]) facts["warnings"].push_back(f["warning"]);
    facts["time_checks"] = std::move(checks);
    out[leaf] = std::move(facts);
  }
  return out;
}

}  // namespace dnswitness
