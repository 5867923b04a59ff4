#include "reports/source_ip.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <cstring>

namespace dnswitness {
namespace {

constexpr const char* kNotUsable =
    " It does not identify a subscriber on the Internet, so it cannot be used in a request to a carrier or ISP.";

struct V4Range {
  std::uint32_t base;
  int prefix;
  SourceIpClass cls;
  const char* reason;
};

constexpr std::uint32_t v4(unsigned a, unsigned b, unsigned c, unsigned d) { return (a << 24) | (b << 16) | (c << 8) | d; }

// Checked in order; the first match wins (255.255.255.255 before 240/4).
constexpr std::array<V4Range, 17> kV4Ranges = {{
    {v4(255, 255, 255, 255), 32, SourceIpClass::broadcast, "Limited broadcast address 255.255.255.255 (RFC 919, RFC 8190)."},
    {v4(0, 0, 0, 0), 8, SourceIpClass::unspecified, "\"This network\" address in 0.0.0.0/8 (RFC 791, RFC 6890), never a real source."},
    {v4(10, 0, 0, 0), 8, SourceIpClass::private_use, "Private address in 10.0.0.0/8 (RFC 1918), often X's own internal network or a home/company LAN."},
    {v4(100, 64, 0, 0), 10, SourceIpClass::shared_cgnat, "Shared address in 100.64.0.0/10 (RFC 6598), used inside a carrier's CGNAT; only the carrier's public address after translation is visible outside."},
    {v4(127, 0, 0, 0), 8, SourceIpClass::loopback, "Loopback address in 127.0.0.0/8 (RFC 1122): the machine itself."},
    {v4(169, 254, 0, 0), 16, SourceIpClass::link_local, "Link-local address in 169.254.0.0/16 (RFC 3927), valid only on one network segment."},
    {v4(172, 16, 0, 0), 12, SourceIpClass::private_use, "Private address in 172.16.0.0/12 (RFC 1918), often X's own internal network or a home/company LAN."},
    {v4(192, 0, 0, 0), 24, SourceIpClass::reserved, "IETF protocol assignment in 192.0.0.0/24 (RFC 6890), not a subscriber's address."},
    {v4(192, 0, 2, 0), 24, SourceIpClass::documentation, "Documentation address in 192.0.2.0/24 (TEST-NET-1, RFC 5737), used only in examples."},
    {v4(192, 88, 99, 0), 24, SourceIpClass::reserved, "Former 6to4 relay anycast address in 192.88.99.0/24 (RFC 7526)."},
    {v4(192, 168, 0, 0), 16, SourceIpClass::private_use, "Private address in 192.168.0.0/16 (RFC 1918), often a home/company LAN."},
    {v4(198, 18, 0, 0), 15, SourceIpClass::benchmarking, "Benchmarking address in 198.18.0.0/15 (RFC 2544), used only in test networks."},
    {v4(198, 51, 100, 0), 24, SourceIpClass::documentation, "Documentation address in 198.51.100.0/24 (TEST-NET-2, RFC 5737), used only in examples."},
    {v4(203, 0, 113, 0), 24, SourceIpClass::documentation, "Documentation address in 203.0.113.0/24 (TEST-NET-3, RFC 5737), used only in examples."},
    {v4(224, 0, 0, 0), 4, SourceIpClass::multicast, "Multicast address in 224.0.0.0/4 (RFC 5771), never the source of a login."},
    {v4(240, 0, 0, 0), 4, SourceIpClass::reserved, "Reserved address in 240.0.0.0/4 (RFC 1112, RFC 6890), not in use on the Internet."},
    {0, 0, SourceIpClass::public_ipv4, nullptr},
}};

bool in_v4(std::uint32_t a, std::uint32_t base, int prefix) {
  if (prefix == 0) return true;
  const std::uint32_t mask = prefix == 32 ? 0xFFFFFFFFu : ~((1u << (32 - prefix)) - 1);
  return (a & mask) == (base & mask);
}

std::string v4_text(std::uint32_t a) {
  return fmt::format("{}.{}.{}.{}", a >> 24, (a >> 16) & 0xFF, (a >> 8) & 0xFF, a & 0xFF);
}

SourceIpCheck classify_v4(std::uint32_t a) {
  SourceIpCheck r;
  r.address = v4_text(a);
  r.family = 4;
  for (const auto& range : kV4Ranges) {
    if (!range.reason) break;
    if (in_v4(a, range.base, range.prefix)) {
      r.cls = range.cls;
      r.reason = std::string(range.reason) + kNotUsable;
      return r;
    }
  }
  r.cls = SourceIpClass::public_ipv4;
  r.usable_for_carrier_request = true;
  r.reason =
      "Public IPv4 address. A mobile carrier behind CGNAT needs the source IP, the time to the second and the "
      "destination IP to find the subscriber.";
  return r;
}

// True if the first `bits` bits of `a` equal those of `prefix` (both 16 bytes).
bool in_v6(const std::array<unsigned char, 16>& a, std::array<unsigned char, 16> prefix, int bits) {
  for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    const unsigned mask = bits >= 8 ? 0xFFu : (0xFFu << (8 - bits)) & 0xFFu;
    if ((a[static_cast<std::size_t>(i)] & mask) != (prefix[static_cast<std::size_t>(i)] & mask)) return false;
  }
  return true;
}

std::uint32_t low_v4(const std::array<unsigned char, 16>& a) {
  return (static_cast<std::uint32_t>(a[12]) << 24) | (static_cast<std::uint32_t>(a[13]) << 16) |
         (static_cast<std::uint32_t>(a[14]) << 8) | a[15];
}

SourceIpCheck classify_v6(const std::array<unsigned char, 16>& a, std::string canonical) {
  SourceIpCheck r;
  r.address = std::move(canonical);
  r.family = 6;
  auto flag = [&](SourceIpClass cls, std::string reason) {
    r.cls = cls;
    r.reason = std::move(reason) + kNotUsable;
    return r;
  };
  const std::array<unsigned char, 16> zero{};
  std::array<unsigned char, 16> one{};
  one[15] = 1;
  if (a == zero) return flag(SourceIpClass::unspecified, "Unspecified address :: (RFC 4291), never a real source.");
  if (a == one) return flag(SourceIpClass::loopback, "Loopback address ::1 (RFC 4291): the machine itself.");
  if (in_v6(a, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF}, 96)) {
    const SourceIpCheck inner = classify_v4(low_v4(a));
    r.cls = SourceIpClass::ipv4_mapped;
    r.embedded_ipv4 = inner.address;
    r.usable_for_carrier_request = inner.usable_for_carrier_request;
    r.reason = fmt::format(
        "IPv4 address {} written in IPv6 form (IPv4-mapped, RFC 4291); use {} in a request. For that address: {}",
        inner.address, inner.address, inner.reason);
    return r;
  }
  if (in_v6(a, {0x00, 0x64, 0xFF, 0x9B}, 96) || in_v6(a, {0x00, 0x64, 0xFF, 0x9B, 0x00, 0x01}, 48)) {
    r.embedded_ipv4 = v4_text(low_v4(a));
    return flag(SourceIpClass::nat64,
                fmt::format("NAT64 address (RFC 6052, RFC 8215) that stands for the IPv4 address {} inside a "
                            "translator; it is not the address the subscriber was seen from.",
                            *r.embedded_ipv4));
  }
  if (in_v6(a, {0x20, 0x01, 0x0D, 0xB8}, 32) || in_v6(a, {0x3F, 0xFF}, 20))
    return flag(SourceIpClass::documentation,
                "Documentation address in 2001:db8::/32 (RFC 3849) or 3fff::/20 (RFC 9637), used only in examples.");
  if (in_v6(a, {0x20, 0x01, 0x00, 0x02, 0x00, 0x00}, 48))
    return flag(SourceIpClass::benchmarking, "Benchmarking address in 2001:2::/48 (RFC 5180), used only in test networks.");
  if (in_v6(a, {0x20, 0x01, 0x00, 0x00}, 32))
    return flag(SourceIpClass::reserved, "Teredo tunnel address in 2001::/32 (RFC 4380), not a carrier's subscriber address.");
  if (in_v6(a, {0x20, 0x01, 0x00, 0x00}, 23))
    return flag(SourceIpClass::reserved, "IETF protocol assignment in 2001::/23 (RFC 2928, RFC 6890).");
  if (in_v6(a, {0x20, 0x02}, 16))
    return flag(SourceIpClass::reserved, "6to4 tunnel address in 2002::/16 (RFC 3056, deprecated by RFC 7526).");
  if (in_v6(a, {0xFE, 0x80}, 10))
    return flag(SourceIpClass::link_local, "Link-local address in fe80::/10 (RFC 4291), valid only on one network segment.");
  if (in_v6(a, {0xFC, 0x00}, 7))
    return flag(SourceIpClass::unique_local, "Unique local address in fc00::/7 (RFC 4193), private to one network.");
  if (in_v6(a, {0xFF}, 8)) return flag(SourceIpClass::multicast, "Multicast address in ff00::/8 (RFC 4291), never the source of a login.");
  if (!in_v6(a, {0x20}, 3))
    return flag(SourceIpClass::reserved, "Address outside 2000::/3, the only IPv6 range allocated for global unicast (RFC 4291).");
  r.cls = SourceIpClass::public_ipv6;
  r.usable_for_carrier_request = true;
  r.reason =
      "Public IPv6 address. IPv6 addresses are normally not shared between subscribers, so the carrier may find the "
      "subscriber from the source IP and time alone; the destination IP may not be needed.";
  return r;
}

}  // namespace

SourceIpCheck classify_source_ip(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  const std::string s(text);
  // inet_pton rejects leading zeros in IPv4 ("010.1.1.1"), which some tools read as octal.
  unsigned char buf[16];
  if (::inet_pton(AF_INET, s.c_str(), buf) == 1)
    return classify_v4((static_cast<std::uint32_t>(buf[0]) << 24) | (static_cast<std::uint32_t>(buf[1]) << 16) |
                       (static_cast<std::uint32_t>(buf[2]) << 8) | buf[3]);
  if (::inet_pton(AF_INET6, s.c_str(), buf) == 1) {
    std::array<unsigned char, 16> a{};
    std::memcpy(a.data(), buf, 16);
    char out[INET6_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET6, buf, out, sizeof out);
    return classify_v6(a, out);
  }
  SourceIpCheck r;
  r.address = s;
  r.cls = SourceIpClass::invalid;
  r.reason = s.empty() ? "No address was given." : fmt::format("'{}' is not an IPv4 or IPv6 address.", s);
  return r;
}

std::string_view source_ip_class_name(SourceIpClass cls) {
  switch (cls) {
    case SourceIpClass::public_ipv4: return "public_ipv4";
    case SourceIpClass::public_ipv6: return "public_ipv6";
    case SourceIpClass::private_use: return "private_use";
    case SourceIpClass::shared_cgnat: return "shared_cgnat";
    case SourceIpClass::loopback: return "loopback";
    case SourceIpClass::link_local: return "link_local";
    case SourceIpClass::documentation: return "documentation";
    case SourceIpClass::benchmarking: return "benchmarking";
    case SourceIpClass::multicast: return "multicast";
    case SourceIpClass::broadcast: return "broadcast";
    case SourceIpClass::unspecified: return "unspecified";
    case SourceIpClass::reserved: return "reserved";
    case SourceIpClass::unique_local: return "unique_local";
    case SourceIpClass::ipv4_mapped: return "ipv4_mapped";
    case SourceIpClass::nat64: return "nat64";
    case SourceIpClass::invalid: return "invalid";
  }
  return "invalid";
}

std::string_view source_ip_class_label(SourceIpClass cls) {
  switch (cls) {
    case SourceIpClass::public_ipv4: return "public IPv4";
    case SourceIpClass::public_ipv6: return "public IPv6";
    case SourceIpClass::private_use: return "private (RFC 1918)";
    case SourceIpClass::shared_cgnat: return "shared CGNAT (RFC 6598)";
    case SourceIpClass::loopback: return "loopback";
    case SourceIpClass::link_local: return "link-local";
    case SourceIpClass::documentation: return "documentation";
    case SourceIpClass::benchmarking: return "benchmarking (RFC 2544)";
    case SourceIpClass::multicast: return "multicast";
    case SourceIpClass::broadcast: return "broadcast";
    case SourceIpClass::unspecified: return "unspecified";
    case SourceIpClass::reserved: return "reserved";
    case SourceIpClass::unique_local: return "unique local (RFC 4193)";
    case SourceIpClass::ipv4_mapped: return "IPv4-mapped IPv6";
    case SourceIpClass::nat64: return "NAT64 (RFC 6052)";
    case SourceIpClass::invalid: return "not an address";
  }
  return "not an address";
}

}  // namespace dnswitness
