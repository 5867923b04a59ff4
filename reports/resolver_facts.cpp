#include "reports/resolver_facts.h"

#include "model/address.h"

namespace dnswitness {
namespace {

using nlohmann::json;

const json* member(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  const auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

std::string text(const json& j, const char* key) {
  const json* v = member(j, key);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

template <typename K>
json counts(const std::map<K, std::uint64_t>& m, const char* key) {
  json out = json::array();
  for (const auto& [k, n] : m) out.push_back({{key, k}, {"observations", n}});
  return out;
}

bool has_flag(const json& o, const char* flag) {
  const json* f = member(o, "flags");
  if (!f || !f->is_array()) return false;
  for (const auto& x : *f)
    if (x.is_string() && x == flag) return true;
  return false;
}

}  // namespace

void ResolverFactsBuilder::add(std::uint64_t leaf_index, const json& o) {
  if (!seen_.insert(leaf_index).second) return;
  const json* res = member(o, "resolver");
  const std::string name = res ? text(*res, "name") : std::string();
  Facts& f = by_name_[name];
  if (f.observations++ == 0 && res) f.spec = *res;
  const std::string outcome = text(o, "outcome");
  const bool response = member(o, "response_wire") != nullptr && outcome != "malformed";
  if (const std::string t = text(o, "transport"); !t.empty()) ++f.transports[t];

  // DoH leaves carry their TLS facts under "https", DoT leaves under "tls" (the same members, no HTTP).
  const json* h = member(o, "https");
  if (h && h->is_object()) {
    f.https = true;
  } else if (h = member(o, "tls"); h && h->is_object()) {
    f.dot = true;
  } else {
    h = nullptr;
  }
  if (h) {
    if (const auto v = text(*h, "tls_version"); !v.empty()) ++f.tls_versions[v];
    if (const auto v = text(*h, "tls_cipher"); !v.empty()) ++f.tls_ciphers[v];
    if (const auto v = text(*h, "certificate_check"); !v.empty()) ++f.certificate_checks[v];
    if (const json* s = member(*h, "http_status"); s && s->is_number_integer()) ++f.http_statuses[s->get<std::int64_t>()];
    if (const json* certs = member(*h, "certificates"); certs && certs->is_array() && !certs->empty()) {
      json chain = json::array();
      std::string key;
      for (const auto& c : *certs) {
        json e = json::object();
        for (const char* k : {"sha256", "subject", "issuer", "not_before", "not_after"})
          if (const json* v = member(c, k)) e[k] = *v;
        key += text(c, "sha256") + " ";
        chain.push_back(std::move(e));
      }
      auto& slot = f.chains[key];
      if (slot.second++ == 0) slot.first = std::move(chain);
    }
  }
  if (const json* a = member(o, "authoritative"); a && a->is_object()) {
    f.authoritative = true;
    if (const auto z = text(*a, "zone"); !z.empty()) f.zones.insert(z);
    if (const auto s = text(*a, "server"); !s.empty()) f.servers.insert(s);
    if (response) {
      ++f.responses;
      if (has_flag(o, "aa")) ++f.aa;
    }
  }
  if (const json* c = member(o, "client_subnet"); c && c->is_object()) {
    f.client_subnet = true;
    if (f.sent.empty()) f.sent = text(*c, "sent");
    if (f.preset.empty()) f.preset = text(*c, "preset");
    if (const json* s = member(*c, "scope_prefix"); s && s->is_number_integer())
      ++f.scopes[s->get<std::int64_t>()];
    else if (response)
      ++f.without_option;
    if (outcome == "answer")
      if (const json* ad = member(o, "addresses"); ad && ad->is_array()) {
        auto& set = f.addresses[{text(o, "qname"), text(o, "qtype")}];
        for (const auto& x : *ad)
          if (x.is_string()) set.insert(x.get<std::string>());
      }
  }
}

json ResolverFactsBuilder::result() const {
  json out = json::array();
  for (const auto& [name, f] : by_name_) {
    json r = {{"name", name}, {"observations", f.observations}, {"transports", counts(f.transports, "transport")}};
    for (const char* k : {"protocol", "address", "port", "url"})
      if (const json* v = member(f.spec, k)) r[k] = *v;
    if (f.https || f.dot) {
      json chains = json::array();
      for (const auto& [key, c] : f.chains) chains.push_back({{"certificates", c.first}, {"observations", c.second}});
      json t = {{"tls_versions", counts(f.tls_versions, "tls_version")},
                {"tls_ciphers", counts(f.tls_ciphers, "tls_cipher")},
                {"certificate_checks", counts(f.certificate_checks, "certificate_check")},
                {"certificate_chains", std::move(chains)}};
      if (f.https) t["http_statuses"] = counts(f.http_statuses, "http_status");
      r[f.https ? "https" : "tls"] = std::move(t);
    }
    if (f.authoritative)
      r["authoritative"] = {{"zones", f.zones}, {"servers", f.servers}, {"responses", f.responses}, {"aa", f.aa}};
    if (f.client_subnet) {
      json answers = json::array();
      for (const auto& [key, set] : f.addresses) {
        std::vector<std::string> addresses(set.begin(), set.end());
        sort_addresses(addresses);  // numeric, like every address list of the report
        answers.push_back({{"qname", key.first}, {"qtype", key.second}, {"addresses", addresses}});
      }
      r["client_subnet"] = {{"sent", f.sent},
                            {"scope_prefixes", counts(f.scopes, "scope_prefix")},
                            {"responses_without_option", f.without_option},
                            {"answers", std::move(answers)}};
      if (!f.preset.empty()) r["client_subnet"]["preset"] = f.preset;
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace dnswitness
