#include "reports/rdap_summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <nlohmann/json.hpp>
#include <utility>

namespace dnswitness {
namespace {

using RdapJson = nlohmann::json;

// Members are read only when they have the type RFC 9083 gives them: a registry's odd value leaves
// the field empty instead of throwing.
std::string rdap_text(const RdapJson& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool rdap_has_role(const RdapJson& entity, std::string_view role) {
  const auto roles = entity.find("roles");
  if (roles == entity.end() || !roles->is_array()) return false;
  return std::any_of(roles->begin(), roles->end(),
                     [&](const RdapJson& r) { return r.is_string() && r.get<std::string>() == role; });
}

// jCard (RFC 7095 §3.3): ["vcard", [[name, {params}, type, value...], ...]]. A structured value
// (an "org" with units) is an array: its first part is the organisation's name.
void rdap_vcard_names(const RdapJson& entity, std::vector<RdapName>& out) {
  const auto vcard = entity.find("vcardArray");
  if (vcard == entity.end() || !vcard->is_array() || vcard->size() < 2 || !(*vcard)[1].is_array()) return;
  for (const auto& property : (*vcard)[1]) {
    if (!property.is_array() || property.size() < 4 || !property[0].is_string()) continue;
    const std::string name = property[0].get<std::string>();
    if (name != "org" && name != "fn") continue;
    const RdapJson* value = &property[3];
    if (value->is_array() && !value->empty()) value = &(*value)[0];
    if (!value->is_string() || value->get<std::string>().empty()) continue;
    std::string language;
    if (property[1].is_object()) language = rdap_text(property[1], "language");
    out.push_back(RdapName{name, value->get<std::string>(), std::move(language)});
  }
}

// Registrants among the entities, breadth first: the network's own entities before those nested
// in them (RFC 9083 §5.1 allows entities inside entities). Depth is bounded against hostile input.
void rdap_collect_registrants(const RdapJson& object, std::vector<RdapName>& names) {
  std::vector<const RdapJson*> level{&object};
  for (int depth = 0; depth < 4 && !level.empty(); ++depth) {
    std::vector<const RdapJson*> next;
    for (const RdapJson* o : level) {
      const auto entities = o->find("entities");
      if (entities == o->end() || !entities->is_array()) continue;
      for (const auto& e : *entities) {
        if (!e.is_object()) continue;
        if (rdap_has_role(e, "registrant")) rdap_vcard_names(e, names);
        next.push_back(&e);
      }
    }
    level = std::move(next);
  }
}

std::string rdap_lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

std::string rdap_registry_name(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  std::string_view host = url.substr(scheme + 3);
  host = host.substr(0, host.find('/'));
  if (const auto at = host.rfind('@'); at != std::string_view::npos) host.remove_prefix(at + 1);
  if (!host.empty() && host.front() == '[') {
    host = host.substr(0, host.find(']') + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  if (host.empty()) return {};
  const std::string h = rdap_lower(std::string(host));
  const auto has_label = [&](std::string_view label) {
    std::size_t start = 0;
    for (;;) {
      const auto dot = h.find('.', start);
      if (std::string_view(h).substr(start, dot - start) == label) return true;
      if (dot == std::string::npos) return false;
      start = dot + 1;
    }
  };
  // NIRs first: JPNIC's service is jpnic.rdap.apnic.net, inside APNIC's name.
  static constexpr std::array<std::pair<const char*, const char*>, 9> kLabels = {{{"jpnic", "JPNIC"},
                                                                                  {"krnic", "KRNIC"},
                                                                                  {"kisa", "KRNIC"},
                                                                                  {"twnic", "TWNIC"},
                                                                                  {"apnic", "APNIC"},
                                                                                  {"arin", "ARIN"},
                                                                                  {"ripe", "RIPE NCC"},
                                                                                  {"lacnic", "LACNIC"},
                                                                                  {"afrinic", "AFRINIC"}}};
  if (h == "nic.ad.jp" || (h.size() > 10 && h.ends_with(".nic.ad.jp"))) return "JPNIC";
  for (const auto& [label, name] : kLabels)
    if (has_label(label)) return name;
  return std::string(host);
}

RdapSummary summarize_rdap_ip_network(std::string_view body, std::string_view url) {
  RdapSummary s;
  s.registry = rdap_registry_name(url);
  const RdapJson j = RdapJson::parse(body.begin(), body.end(), nullptr, false);
  if (j.is_discarded()) {
    s.error = "The answer is not JSON, so it is not an RDAP answer.";
    return s;
  }
  if (!j.is_object()) {
    s.error = "The answer is JSON but not an object, so it is not an RDAP answer.";
    return s;
  }
  // RFC 9083 §6: an error answer carries "errorCode" and usually a "title".
  if (const auto code = j.find("errorCode"); code != j.end() && code->is_number_integer()) {
    const std::string title = rdap_text(j, "title");
    s.error = fmt::format("The registry answered with RDAP error {}{}.", code->get<long long>(),
                          title.empty() ? "" : " (" + title + ")");
    return s;
  }
  const std::string object_class = rdap_text(j, "objectClassName");
  if (object_class != "ip network") {
    s.error = object_class.empty()
                  ? "The answer has no \"objectClassName\", so it is not an RDAP IP network."
                  : fmt::format("The answer is an RDAP \"{}\", not an IP network.", object_class);
    return s;
  }
  s.ok = true;
  s.handle = rdap_text(j, "handle");
  s.name = rdap_text(j, "name");
  s.type = rdap_text(j, "type");
  s.country = rdap_text(j, "country");
  s.start_address = rdap_text(j, "startAddress");
  s.end_address = rdap_text(j, "endAddress");
  s.parent_handle = rdap_text(j, "parentHandle");
  if (const auto cidrs = j.find("cidr0_cidrs"); cidrs != j.end() && cidrs->is_array()) {
    for (const auto& c : *cidrs) {
      if (!c.is_object()) continue;
      std::string prefix = rdap_text(c, "v4prefix");
      if (prefix.empty()) prefix = rdap_text(c, "v6prefix");
      const auto length = c.find("length");
      if (prefix.empty() || length == c.end() || !length->is_number_unsigned()) continue;
      s.cidrs.push_back(fmt::format("{}/{}", prefix, length->get<unsigned long long>()));
    }
  }
  if (const auto as = j.find("arin_originas0_originautnums"); as != j.end() && as->is_array()) {
    for (const auto& n : *as)
      if (n.is_number_unsigned() && n.get<unsigned long long>() <= 0xFFFFFFFFull)
        s.origin_as.push_back(static_cast<std::uint32_t>(n.get<unsigned long long>()));
  }
  if (const auto events = j.find("events"); events != j.end() && events->is_array()) {
    for (const auto& e : *events)
      if (e.is_object() && rdap_text(e, "eventAction") == "last changed") s.last_changed = rdap_text(e, "eventDate");
  }
  rdap_collect_registrants(j, s.registrant_names);
  const auto org = std::find_if(s.registrant_names.begin(), s.registrant_names.end(),
                                [](const RdapName& n) { return n.property == "org"; });
  if (org != s.registrant_names.end()) {
    s.registrant = org->text;
  } else if (!s.registrant_names.empty()) {
    s.registrant = s.registrant_names.front().text;
  }
  return s;
}

}  // namespace dnswitness
