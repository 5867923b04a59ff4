// Vantage facts without the network: which whoami questions a resolver set leads to (never sent
// here), how egress addresses are read from answers, the interface list, and the JSON records.
#include <doctest/doctest.h>

#include "model/record_json.h"
#include "model/resolver_spec.h"
#include "model/vantage.h"
#include "resolvers/whoami.h"
#include "vantage/interfaces.h"

using namespace dnswitness;

namespace {

std::vector<ResolverSpec> specs(std::initializer_list<const char*> texts) {
  std::vector<ResolverSpec> out;
  for (const char* t : texts) out.push_back(parse_resolver_spec(t));
  return out;
}

}  // namespace

TEST_CASE("whoami goes only to resolvers of the set that are the public service itself") {
  // Lab and private resolvers, Quad9 (no whoami name), and look-alike addresses: nothing.
  CHECK(plan_whoami(specs({"127.0.0.1:5300", "lab=[::1]:53", "10.0.0.1", "quad9=9.9.9.9", "8.8.8.9", "1.1.1.2",
                           "208.67.222.223", "2001:4860:4860::8889"}))
            .empty());
  CHECK(plan_whoami({}).empty());

  const auto q = plan_whoami(specs({"lab=127.0.0.1:5300", "google=8.8.8.8", "cloudflare=1.1.1.1",
                                    "opendns=208.67.222.222", "g6=[2001:4860:4860:0:0:0:0:8888]",
                                    "tcp://1.0.0.1", "o6=[2620:119:35::35]"}));
  REQUIRE(q.size() == 6);
  CHECK(q[0].service == "google");
  CHECK(q[0].resolver.name == "google");
  CHECK(q[0].qname == "o-o.myaddr.l.google.com");
  CHECK(q[0].qtype == 16);
  CHECK(q[0].qclass == 1);
  CHECK(q[1].service == "cloudflare");
  CHECK(q[1].qname == "whoami.cloudflare");
  CHECK(q[1].qtype == 16);
  CHECK(q[1].qclass == 3);  // CH
  CHECK(q[2].service == "opendns");
  CHECK(q[2].qname == "myip.opendns.com");
  CHECK(q[2].qtype == 1);
  CHECK(q[3].service == "google");  // the same address written out in full
  CHECK(q[3].resolver.name == "g6");
  CHECK(q[4].service == "cloudflare");  // over TCP in the set: still that service (asked over UDP)
  CHECK(q[4].resolver.address == "1.0.0.1");
  // OpenDNS over IPv6 is asked for AAAA: it answers in the family the question came over.
  CHECK(q[5].service == "opendns");
  CHECK(q[5].qtype == 28);

  // Every address of the table is matched, and the default resolver set asks Google and Cloudflare.
  for (const auto& s : whoami_services())
    for (const auto& a : s.addresses) {
      ResolverSpec r;
      r.name = "r";
      r.address = a;
      const auto one = plan_whoami({r});
      REQUIRE(one.size() == 1);
      CHECK(one[0].service == std::string(s.service));
    }
  std::vector<ResolverSpec> defaults;
  for (const auto& t : default_resolver_specs())
    if (t != "system") defaults.push_back(parse_resolver_spec(t));
  std::vector<std::string> services;
  for (const auto& w : plan_whoami(defaults)) services.push_back(w.service);
  CHECK(services == std::vector<std::string>{"google", "cloudflare"});
}

TEST_CASE("egress addresses are read from A, AAAA and TXT answers, nothing else") {
  const std::vector<ResourceRecord> answers = {
      {"o-o.myaddr.l.google.com.", "TXT", 60, "\"203.0.113.7\""},
      {"o-o.myaddr.l.google.com.", "TXT", 60, "\"edns0-client-subnet 198.51.100.0/24\""},
      {"whoami.cloudflare.", "TXT", 0, "\"2001:db8::7\""},
      {"myip.opendns.com.", "A", 0, "192.0.2.9"},
      {"x.", "CNAME", 0, "10.0.0.1.example."},
      {"x.", "TXT", 0, "\"not an address\" \"192.0.2.300\""},
  };
  CHECK(egress_addresses(answers) == std::vector<std::string>{"192.0.2.9", "203.0.113.7", "2001:db8::7"});
}

TEST_CASE("local interface addresses include loopback with its prefix") {
  const auto list = local_interface_addresses();
  bool lo4 = false;
  for (const auto& a : list) {
    CHECK((a.family == "ipv4" || a.family == "ipv6"));
    if (a.address == "127.0.0.1") {
      lo4 = true;
      CHECK(a.prefix_length == 8);
      CHECK(a.family == "ipv4");
    }
  }
  CHECK(lo4);
  for (std::size_t i = 1; i < list.size(); ++i) CHECK(list[i - 1].interface <= list[i].interface);
}

TEST_CASE("the run record carries vantage and clock only when gathered, in canonical form") {
  RunRecord run;
  run.run_id = "00";
  CHECK_FALSE(run_json(run).contains("vantage"));
  CHECK_FALSE(run_json(run).contains("clock"));

  VantageFacts v;
  v.interfaces = {{"lo", "ipv4", "127.0.0.1", 8}};
  WhoamiResult w;
  w.query = plan_whoami(specs({"cloudflare=1.1.1.1"})).at(0);
  w.outcome = "answer";
  w.rcode = 0;
  w.rtt_us = 1234;
  w.answers = {"\"203.0.113.7\""};
  w.egress = {"203.0.113.7"};
  w.query_wire = {1, 2};
  w.response_wire = {3, 4};
  v.whoami = {w};
  run.vantage = v;
  ClockFacts c;
  c.servers = {"127.0.0.1:4123"};
  SntpResult s;
  s.server = "127.0.0.1:4123";
  s.address = "127.0.0.1";
  s.port = 4123;
  s.outcome = "answer";
  s.request = Bytes(48, 0x23);
  s.response = Bytes(48, 0x24);
  s.offset_ns = -3'000'100'000;
  s.delay_ns = 200'000;
  s.stratum = 8;
  s.leap = 0;
  s.version = 4;
  s.rtt_us = 210;
  s.reference_id = "127.127.1.1";
  c.results = {s};
  finish_clock_facts(c);
  run.clock = c;

  const auto j = run_json(run);
  const auto& wj = j["vantage"]["whoami"][0];
  CHECK(wj["service"] == "cloudflare");
  CHECK(wj["qclass"] == "CH");
  CHECK(wj["qtype"] == "TXT");
  CHECK(wj["rcode"] == "NOERROR");
  CHECK(wj["egress"][0] == "203.0.113.7");
  CHECK(wj["query_wire"] == "AQI=");
  CHECK(wj["response_wire"] == "AwQ=");
  CHECK(j["vantage"]["interfaces"][0]["prefix_length"] == 8);
  const auto& cj = j["clock"];
  CHECK(cj["offset_ns"] == -3'000'100'000);
  CHECK(cj["offset_server"] == "127.0.0.1");
  CHECK(cj["results"][0]["stratum"] == 8);
  CHECK(cj["results"][0]["request"].get<std::string>().size() == 64);  // base64 of 48 bytes
  REQUIRE(cj["warnings"].size() == 1);
  CHECK(cj["warnings"][0].get<std::string>().find("3.000 s ahead") != std::string::npos);
  // Canonical: integers and strings only (no floats, booleans or nulls anywhere).
  const std::string text = canonical_dump(j);
  CHECK(text.find("true") == std::string::npos);
  CHECK(text.find("null") == std::string::npos);
  CHECK(text.find('.') != std::string::npos);  // addresses, of course; but no float values:
  std::function<void(const nlohmann::json&)> walk = [&](const nlohmann::json& x) {
    CHECK_FALSE(x.is_number_float());
    CHECK_FALSE(x.is_boolean());
    CHECK_FALSE(x.is_null());
    if (x.is_structured())
      for (const auto& item : x) walk(item);
  };
  walk(j);
}
