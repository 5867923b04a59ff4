// Source-IP classification: every special-purpose range at its edges, with the usable flag.
#include <doctest/doctest.h>

#include <string>

#include "reports/source_ip.h"

using namespace dnswitness;

namespace {

void expect(const char* text, SourceIpClass cls, bool usable, const char* reason_part = "") {
  const SourceIpCheck c = classify_source_ip(text);
  INFO(text << " -> " << source_ip_class_name(c.cls) << ": " << c.reason);
  CHECK(c.cls == cls);
  CHECK(c.usable_for_carrier_request == usable);
  CHECK(c.reason.find(reason_part) != std::string::npos);
  CHECK(!c.reason.empty());
  CHECK(c.reason.back() == '.');
}

}  // namespace

TEST_CASE("public IPv4 is usable, including the neighbours of every special range") {
  for (const char* ip : {"223.216.231.10", "1.1.1.1", "8.8.8.8", "9.255.255.255", "11.0.0.0", "100.63.255.255",
                         "100.128.0.0", "126.255.255.255", "128.0.0.0", "169.253.255.255", "169.255.0.0",
                         "172.15.255.255", "172.32.0.0", "192.0.1.0", "192.0.3.0", "192.88.98.255", "192.167.255.255",
                         "192.169.0.0", "198.17.255.255", "198.20.0.0", "198.51.99.255", "198.51.101.0",
                         "203.0.112.255", "203.0.114.0", "223.255.255.255", "104.244.42.1"}) {
    expect(ip, SourceIpClass::public_ipv4, true, "Public IPv4 address");
    CHECK(classify_source_ip(ip).family == 4);
  }
}

TEST_CASE("every unusable IPv4 class, at both ends of its range") {
  expect("10.0.0.0", SourceIpClass::private_use, false, "RFC 1918");
  expect("10.255.255.255", SourceIpClass::private_use, false, "10.0.0.0/8");
  expect("172.16.0.0", SourceIpClass::private_use, false, "172.16.0.0/12");
  expect("172.31.255.255", SourceIpClass::private_use, false, "RFC 1918");
  expect("192.168.0.1", SourceIpClass::private_use, false, "192.168.0.0/16");
  expect("192.168.255.255", SourceIpClass::private_use, false, "RFC 1918");
  expect("100.64.0.0", SourceIpClass::shared_cgnat, false, "RFC 6598");
  expect("100.127.255.255", SourceIpClass::shared_cgnat, false, "CGNAT");
  expect("127.0.0.1", SourceIpClass::loopback, false, "RFC 1122");
  expect("127.255.255.254", SourceIpClass::loopback, false, "Loopback");
  expect("169.254.0.0", SourceIpClass::link_local, false, "RFC 3927");
  expect("169.254.255.255", SourceIpClass::link_local, false, "Link-local");
  expect("192.0.2.0", SourceIpClass::documentation, false, "TEST-NET-1, RFC 5737");
  expect("192.0.2.255", SourceIpClass::documentation, false, "RFC 5737");
  expect("198.51.100.7", SourceIpClass::documentation, false, "TEST-NET-2, RFC 5737");
  expect("203.0.113.255", SourceIpClass::documentation, false, "TEST-NET-3, RFC 5737");
  expect("198.18.0.0", SourceIpClass::benchmarking, false, "RFC 2544");
  expect("198.19.255.255", SourceIpClass::benchmarking, false, "198.18.0.0/15");
  expect("224.0.0.1", SourceIpClass::multicast, false, "RFC 5771");
  expect("239.255.255.255", SourceIpClass::multicast, false, "Multicast");
  expect("240.0.0.0", SourceIpClass::reserved, false, "240.0.0.0/4");
  expect("255.255.255.254", SourceIpClass::reserved, false, "RFC 1112");
  expect("255.255.255.255", SourceIpClass::broadcast, false, "broadcast");
  expect("0.0.0.0", SourceIpClass::unspecified, false, "RFC 6890");
  expect("0.255.255.255", SourceIpClass::unspecified, false, "This network");
  expect("192.0.0.8", SourceIpClass::reserved, false, "192.0.0.0/24");
  expect("192.88.99.1", SourceIpClass::reserved, false, "RFC 7526");
  CHECK(classify_source_ip("10.1.2.3").reason.find("cannot be used in a request to a carrier") != std::string::npos);
}

TEST_CASE("IPv6: public marked as IPv6 (destination may not be needed); special ranges flagged") {
  const SourceIpCheck pub = classify_source_ip("2400:4050:A0E1:2900:0000:0000:0000:0001");
  CHECK(pub.cls == SourceIpClass::public_ipv6);
  CHECK(pub.family == 6);
  CHECK(pub.usable_for_carrier_request);
  CHECK(pub.address == "2400:4050:a0e1:2900::1");
  CHECK(pub.reason.find("the destination IP may not be needed") != std::string::npos);
  expect("2001:240:2433:1::50", SourceIpClass::public_ipv6, true, "IPv6");
  expect("2001:200::1", SourceIpClass::public_ipv6, true, "IPv6");  // just past 2001::/23
  expect("3ffe:ffff::1", SourceIpClass::public_ipv6, true, "IPv6");

  expect("::", SourceIpClass::unspecified, false, "RFC 4291");
  expect("::1", SourceIpClass::loopback, false, "::1");
  expect("fe80::1", SourceIpClass::link_local, false, "fe80::/10");
  expect("febf:ffff::1", SourceIpClass::link_local, false, "fe80::/10");
  expect("fec0::1", SourceIpClass::reserved, false, "2000::/3");
  expect("fc00::1", SourceIpClass::unique_local, false, "RFC 4193");
  expect("fdff:ffff::1", SourceIpClass::unique_local, false, "fc00::/7");
  expect("ff02::1", SourceIpClass::multicast, false, "ff00::/8");
  expect("2001:db8::1", SourceIpClass::documentation, false, "RFC 3849");
  expect("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", SourceIpClass::documentation, false, "2001:db8::/32");
  expect("3fff:0fff::1", SourceIpClass::documentation, false, "RFC 9637");
  expect("2001:2::1", SourceIpClass::benchmarking, false, "RFC 5180");
  expect("2001:0:4136:e378::1", SourceIpClass::reserved, false, "Teredo");
  expect("2001:10::1", SourceIpClass::reserved, false, "2001::/23");
  expect("2002:c000:0204::1", SourceIpClass::reserved, false, "6to4");
  expect("100::1", SourceIpClass::reserved, false, "2000::/3");
  expect("4000::1", SourceIpClass::reserved, false, "2000::/3");
}

TEST_CASE("IPv4-mapped and NAT64 carry the IPv4 address inside") {
  const SourceIpCheck m = classify_source_ip("::ffff:223.216.231.10");
  CHECK(m.cls == SourceIpClass::ipv4_mapped);
  CHECK(m.family == 6);
  CHECK(m.usable_for_carrier_request);
  REQUIRE(m.embedded_ipv4);
  CHECK(*m.embedded_ipv4 == "223.216.231.10");
  CHECK(m.reason.find("use 223.216.231.10 in a request") != std::string::npos);
  CHECK(m.reason.find("Public IPv4 address") != std::string::npos);

  const SourceIpCheck mp = classify_source_ip("::ffff:10.0.0.1");
  CHECK(mp.cls == SourceIpClass::ipv4_mapped);
  CHECK_FALSE(mp.usable_for_carrier_request);
  CHECK(mp.reason.find("RFC 1918") != std::string::npos);

  const SourceIpCheck n = classify_source_ip("64:ff9b::c000:221");
  CHECK(n.cls == SourceIpClass::nat64);
  CHECK_FALSE(n.usable_for_carrier_request);
  REQUIRE(n.embedded_ipv4);
  CHECK(*n.embedded_ipv4 == "192.0.2.33");
  CHECK(classify_source_ip("64:ff9b:1::1").cls == SourceIpClass::nat64);
}

TEST_CASE("what is not an address") {
  for (const char* bad : {"", "   ", "223.216.231", "223.216.231.300", "223.216.231.10:443", "010.1.1.1",
                          "[2001:db8::1]", "fe80::1%eth0", "2001:db8::g", "example.com", "1.2.3.4/24"}) {
    const SourceIpCheck c = classify_source_ip(bad);
    CAPTURE(bad);
    CHECK(c.cls == SourceIpClass::invalid);
    CHECK(c.family == 0);
    CHECK_FALSE(c.usable_for_carrier_request);
  }
  CHECK(classify_source_ip("1.2.3.4/24").reason == "'1.2.3.4/24' is not an IPv4 or IPv6 address.");
  CHECK(classify_source_ip("").reason == "No address was given.");
  CHECK(classify_source_ip(" 223.216.231.10 ").address == "223.216.231.10");
}

TEST_CASE("class names are stable (they appear in JSON)") {
  CHECK(source_ip_class_name(SourceIpClass::public_ipv4) == "public_ipv4");
  CHECK(source_ip_class_name(SourceIpClass::public_ipv6) == "public_ipv6");
  CHECK(source_ip_class_name(SourceIpClass::private_use) == "private_use");
  CHECK(source_ip_class_name(SourceIpClass::shared_cgnat) == "shared_cgnat");
  CHECK(source_ip_class_name(SourceIpClass::loopback) == "loopback");
  CHECK(source_ip_class_name(SourceIpClass::link_local) == "link_local");
  CHECK(source_ip_class_name(SourceIpClass::documentation) == "documentation");
  CHECK(source_ip_class_name(SourceIpClass::benchmarking) == "benchmarking");
  CHECK(source_ip_class_name(SourceIpClass::multicast) == "multicast");
  CHECK(source_ip_class_name(SourceIpClass::broadcast) == "broadcast");
  CHECK(source_ip_class_name(SourceIpClass::unspecified) == "unspecified");
  CHECK(source_ip_class_name(SourceIpClass::reserved) == "reserved");
  CHECK(source_ip_class_name(SourceIpClass::unique_local) == "unique_local");
  CHECK(source_ip_class_name(SourceIpClass::ipv4_mapped) == "ipv4_mapped");
  CHECK(source_ip_class_name(SourceIpClass::nat64) == "nat64");
  CHECK(source_ip_class_name(SourceIpClass::invalid) == "invalid");
  CHECK(source_ip_class_label(SourceIpClass::shared_cgnat) == "shared CGNAT (RFC 6598)");
}
