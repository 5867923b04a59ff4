#pragma once
// Source-IP checks for login records: is the address X disclosed one a carrier or ISP can look up?
// Private, loopback, link-local, shared (CGNAT), documentation and other special-purpose addresses
// (IANA special-purpose registries, RFC 6890) are flagged with the reason. Pure functions: safe to
// call from any thread.
#include <optional>
#include <string>
#include <string_view>

namespace dnswitness {

enum class SourceIpClass {
  public_ipv4,    // usable: the carrier needs source IP, time and destination IP
  public_ipv6,    // usable: the destination IP may not be needed
  private_use,    // 10/8, 172.16/12, 192.168/16 (RFC 1918)
  shared_cgnat,   // 100.64/10 (RFC 6598)
  loopback,       // 127/8, ::1
  link_local,     // 169.254/16 (RFC 3927), fe80::/10
  documentation,  // 192.0.2/24, 198.51.100/24, 203.0.113/24 (RFC 5737), 2001:db8::/32 (RFC 3849), 3fff::/20
  benchmarking,   // 198.18/15 (RFC 2544), 2001:2::/48 (RFC 5180)
  multicast,      // 224/4, ff00::/8
  broadcast,      // 255.255.255.255
  unspecified,    // 0/8 ("this network"), ::
  reserved,       // 240/4, 192.0.0/24, 192.88.99/24, other IPv6 outside 2000::/3, 6to4, Teredo
  unique_local,   // fc00::/7 (RFC 4193)
  ipv4_mapped,    // ::ffff:0:0/96 (RFC 4291): judged by the IPv4 address inside
  nat64,          // 64:ff9b::/96, 64:ff9b:1::/48 (RFC 6052, RFC 8215)
  invalid,        // not an IPv4 or IPv6 address
};

struct SourceIpCheck {
  std::string address;  // canonical text (inet_ntop): lower case, shortest IPv6 form
  int family = 0;       // 4 or 6; 0 when invalid
  SourceIpClass cls = SourceIpClass::invalid;
  bool usable_for_carrier_request = false;
  std::string reason;  // one plain English sentence, e.g. "Private address (RFC 1918): ..."
  std::optional<std::string> embedded_ipv4;  // for ipv4_mapped and nat64
};

// Classifies one address as written (surrounding spaces allowed; no port, no zone index).
SourceIpCheck classify_source_ip(std::string_view text);

// Stable lower-case names for JSON and tables: "public_ipv4", "private_use", "shared_cgnat", ...
std::string_view source_ip_class_name(SourceIpClass cls);
// Short labels for people: "public IPv4", "private (RFC 1918)", "shared CGNAT (RFC 6598)", ...
std::string_view source_ip_class_label(SourceIpClass cls);

}  // namespace dnswitness
