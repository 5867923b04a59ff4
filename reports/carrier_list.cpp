#include "reports/carrier_list.h"

#include <algorithm>
#include <cctype>

#include "reports/source_ip.h"

namespace dnswitness {
namespace {

using nlohmann::json;

std::string carrier_lower_name(std::string_view name) {
  std::string out(name);
  if (!out.empty() && out.back() == '.') out.pop_back();
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// "x.com A" (a union entry's domain) to its name.
std::string_view carrier_qname_of(std::string_view domain_and_type) {
  return domain_and_type.substr(0, domain_and_type.rfind(' '));
}

}  // namespace

bool is_login_host(std::string_view qname) {
  const std::string name = carrier_lower_name(qname);
  return std::find(kLoginHosts.begin(), kLoginHosts.end(), name) != kLoginHosts.end();
}

json carrier_list(const LoginRecord& login, const json& domains, const json& candidates,
                  std::span<const std::string> selected) {
  json out = {{"status", "listed"}, {"family", nullptr}, {"addresses", json::array()}, {"other_hosts", json::array()}};
  if (login.source_ip) {
    const SourceIpCheck c = classify_source_ip(*login.source_ip);
    if (!c.usable_for_carrier_request) {
      out["status"] = "withheld";
      out["family"] = c.family == 0 ? json(nullptr) : json(c.family);
      out["reason"] = c.reason;
      return out;
    }
    // An IPv4 address inside ::ffff:0:0/96 is judged, and answered, as that IPv4 address.
    out["family"] = c.embedded_ipv4 ? 4 : c.family;
  }
  const int family = out["family"].is_null() ? 0 : out["family"].get<int>();

  // The split applies when the report asks for at least one login host; a report about other
  // names (a test zone, another service) keeps all of them in one list.
  const bool split = std::any_of(selected.begin(), selected.end(), [](const std::string& q) { return is_login_host(q); });
  const auto listed_name = [split](std::string_view qname) { return !split || is_login_host(qname); };

  for (const auto& a : candidates) {
    if (family != 0 && a.at("family").get<int>() != family) continue;
    json entry = a;
    const SourceIpCheck dest = classify_source_ip(a.at("address").get<std::string>());
    if (dest.cls != SourceIpClass::public_ipv4 && dest.cls != SourceIpClass::public_ipv6)
      entry["special"] = std::string(source_ip_class_name(dest.cls));
    bool login_host = false;
    for (const auto& d : a.at("domains")) login_host = login_host || listed_name(carrier_qname_of(d.get<std::string>()));
    out[login_host ? "addresses" : "other_hosts"].push_back(std::move(entry));
  }

  // No observation with an address of the listed names, of the family's type, at or before the
  // login: what the list shows was seen only afterwards. (An empty list says so itself: no label.)
  bool before = false;
  for (const auto& d : domains) {
    const std::string qtype = d.at("qtype").get<std::string>();
    if (family == 4 && qtype != "A") continue;
    if (family == 6 && qtype != "AAAA") continue;
    if (!listed_name(d.at("qname").get<std::string>())) continue;
    before = before || !d.at("before").at("addresses").empty();
    const json& fallback = d.at("nearest_with_address");
    if (fallback.is_object()) before = before || !fallback.at("before").at("addresses").empty();
  }
  if (!before && !out["addresses"].empty()) out["status"] = "after_only";
  return out;
}

}  // namespace dnswitness
