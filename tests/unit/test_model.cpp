// Names, record types, resolver specs and resolv.conf expansion.
#include <doctest/doctest.h>

#include <fstream>

#include "config/domain_list.h"
#include "model/address.h"
#include "model/errors.h"
#include "model/observation.h"
#include "model/resolver_spec.h"
#include "model/target.h"
#include "support/lab.h"

using namespace dnswitness;

TEST_CASE("domain names are checked and canonicalised") {
  CHECK(check_domain_name("Twitter.COM.").name == "twitter.com");
  CHECK(check_domain_name("_dmarc.x.com").name == "_dmarc.x.com");
  CHECK(check_domain_name("xn--eckwd4c7c.xn--zckzah").name.has_value());
  CHECK_FALSE(check_domain_name("").name);
  CHECK_FALSE(check_domain_name(".").name);
  CHECK_FALSE(check_domain_name("a..b").name);
  CHECK_FALSE(check_domain_name("-a.com").name);
  CHECK_FALSE(check_domain_name("a-.com").name);
  CHECK_FALSE(check_domain_name("a b.com").name);
  CHECK_FALSE(check_domain_name("ツイッター.com").name);
  CHECK(check_domain_name("ツイッター.com").problem.find("punycode") != std::string::npos);
  CHECK(check_domain_name(std::string(63, 'a') + ".com").name);
  CHECK_FALSE(check_domain_name(std::string(64, 'a') + ".com").name);
  std::string long_name;
  for (int i = 0; i < 4; ++i) long_name += std::string(63, 'a') + ".";
  CHECK_FALSE(check_domain_name(long_name).name);  // 256 characters
}

TEST_CASE("record types") {
  CHECK(parse_qtype("a") == 1);
  CHECK(parse_qtype("AAAA") == 28);
  CHECK(parse_qtype("https") == 65);
  CHECK_FALSE(parse_qtype("BOGUS"));
  CHECK(qtype_name(28) == "AAAA");
  CHECK(qtype_name(999) == "TYPE999");
}

TEST_CASE("resolver specs") {
  auto r = parse_resolver_spec("lab=127.0.0.1:5300");
  CHECK(r.name == "lab");
  CHECK(r.protocol == Protocol::udp);
  CHECK(r.address == "127.0.0.1");
  CHECK(r.port == 5300);
  r = parse_resolver_spec("tcp://[::1]:5300");
  CHECK(r.protocol == Protocol::tcp);
  CHECK(r.address == "::1");
  CHECK(r.port == 5300);
  CHECK(r.name == "::1#5300");
  r = parse_resolver_spec("udp://8.8.8.8");
  CHECK(r.port == 53);
  CHECK(r.name == "8.8.8.8");
  r = parse_resolver_spec("2001:db8::53");
  CHECK(r.address == "2001:db8::53");
  CHECK(parse_resolver_spec("system").protocol == Protocol::system);
  CHECK(parse_resolver_spec("mine=system").name == "mine");
  CHECK(parse_resolver_spec("authoritative").protocol == Protocol::authoritative);
  CHECK(parse_resolver_spec("authoritative").name == "authoritative");
  CHECK(parse_resolver_spec("zones=authoritative").name == "zones");
  for (const char* bad : {"", "x", "1.2.3.4:0", "1.2.3.4:65536", "1.2.3.4:53x", "[::1", "[::1]x", "[1.2.3.4]:53",
                          "authoritativ", "ftp://1.2.3.4",
                          "bad name=1.2.3.4", "=1.2.3.4", "dns.google"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(parse_resolver_spec(bad), UsageError);
  }
}

TEST_CASE("DNS-over-TLS resolver specs: tls://HOST[:PORT], port 853, the host as written") {
  auto r = parse_resolver_spec("dot=tls://127.0.0.1:8853");
  CHECK(r.name == "dot");
  CHECK(r.protocol == Protocol::tls);
  CHECK(protocol_name(r.protocol) == "tls");
  CHECK(r.address == "127.0.0.1");
  CHECK(r.port == 8853);
  CHECK(r.url.empty());
  r = parse_resolver_spec("tls://[::1]");
  CHECK(r.address == "::1");
  CHECK(r.port == 853);
  CHECK(r.name == "tls://[::1]");
  r = parse_resolver_spec("tls://Dns.Example:853");
  CHECK(r.address == "dns.example");
  CHECK(r.name == "tls://dns.example");
  CHECK(parse_resolver_spec("tls://localhost:5353").name == "tls://localhost:5353");
  CHECK(transport_name(Transport::tls) == "tls");
  // Each refusal is one sentence that says what to write instead.
  for (const char* bad : {"tls://", "tls://127.0.0.1:0", "tls://127.0.0.1:853x", "tls://::1", "tls://[::1",
                          "tls://[1.2.3.4]", "tls://127.0.0.1/dns-query", "tls://user@dns.example", "tls://bad_host",
                          "tls://-.example..", "tls://:853"}) {
    CAPTURE(bad);
    try {
      parse_resolver_spec(bad);
      FAIL("a bad spec was taken");
    } catch (const UsageError& e) {
      const std::string m = e.what();
      CHECK(m.starts_with("The resolver '"));
      CHECK(m.back() == '.');
      CHECK(m.find('\n') == std::string::npos);
    }
  }
}

TEST_CASE("system expands to the nameservers of the given resolv.conf") {
  test::TempDir dir;
  {
    std::ofstream f(dir / "resolv.conf");
    f << "# comment\nsearch example\nnameserver 127.0.0.1\nnameserver ::1\nnameserver fe80::1%eth0\n"
         "nameserver not-an-ip\noptions ndots:1\n";
  }
  auto specs = expand_system_resolvers({parse_resolver_spec("system"), parse_resolver_spec("k=127.0.0.2:5300")},
                                       dir / "resolv.conf");
  REQUIRE(specs.size() == 4);
  CHECK(specs[0].name == "system-1");
  CHECK(specs[0].address == "127.0.0.1");
  CHECK(specs[1].address == "::1");
  CHECK(specs[2].address == "fe80::1");
  CHECK(specs[3].name == "k");
  {
    std::ofstream f(dir / "empty.conf");
    f << "search example\n";
  }
  CHECK_THROWS_AS(expand_system_resolvers({parse_resolver_spec("system")}, dir / "empty.conf"), UsageError);
  CHECK_THROWS_AS(expand_system_resolvers({parse_resolver_spec("system")}, dir / "absent.conf"), UsageError);
  CHECK_THROWS_AS(expand_system_resolvers({parse_resolver_spec("a=1.2.3.4"), parse_resolver_spec("a=1.2.3.5")},
                                          dir / "absent.conf"),
                  UsageError);
}

TEST_CASE("addresses order numerically, IPv4 before IPv6, text last") {
  CHECK(address_less("104.244.42.65", "104.244.42.129"));
  CHECK_FALSE(address_less("104.244.42.129", "104.244.42.65"));
  CHECK(address_less("255.255.255.255", "::1"));
  CHECK(address_less("2001:db8::9", "2001:db8::10"));
  CHECK(address_less("2001:db8::ffff", "not-an-address"));
  CHECK_FALSE(address_less("10.0.0.1", "10.0.0.1"));
}

TEST_CASE("unique_names keeps the first of each name, in order") {
  // Long names live on the heap, short ones inside the string: both must survive being moved up.
  const std::string long_a(40, 'a'), long_b(40, 'b');
  std::vector<std::string> names = {"x.com", long_a, "x.com", "t.co", long_a, long_b, "t.co", "api.x.com", long_b};
  CHECK(dnswitness::unique_names(names) == std::vector<std::string>{"x.com", long_a, "t.co", long_b, "api.x.com"});
  std::vector<std::string> many;
  for (int i = 0; i < 5000; ++i) many.push_back("n" + std::to_string(i % 3000) + ".example");
  const auto unique = dnswitness::unique_names(many);
  REQUIRE(unique.size() == 3000);
  for (int i = 0; i < 3000; ++i) CHECK(unique[static_cast<std::size_t>(i)] == "n" + std::to_string(i) + ".example");
}
