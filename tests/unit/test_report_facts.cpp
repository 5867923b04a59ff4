// The run facts and resolver summary a report carries (reports/run_facts.h,
// reports/resolver_facts.h), from records made by the model's own serialisers: --insecure said
// plainly, skipped SNTP addresses not counted as asked, the offset's own delay and stratum picked,
// warnings gathered, a run without vantage or clock facts left without them; per resolver the TLS
// chains counted once per distinct chain, AA counted over responses only, scopes and answers of a
// client-subnet view, and a leaf given twice counted once.
#include <doctest/doctest.h>

#include "model/record_json.h"
#include "reports/resolver_facts.h"
#include "reports/run_facts.h"

using namespace dnswitness;
using nlohmann::json;

namespace {

RunRecord base_run() {
  RunRecord r;
  r.run_id = std::string(32, 'a');
  r.started_at = UtcTime{1'700'000'000'000'000'000};
  r.finished_at = UtcTime{1'700'000'001'000'000'000};
  r.tool_version = "0.1.0";
  r.tool_commit = "abc";
  r.config_hash = std::string(64, 'c');
  r.hostname = "probe";
  r.os = "Linux 6.1 x86_64";
  return r;
}

SntpResult sntp(const std::string& address, const std::string& outcome, std::optional<std::int64_t> offset,
                std::optional<std::int64_t> delay, int stratum) {
  SntpResult s;
  s.server = address;
  s.address = address;
  s.outcome = outcome;
  s.sent_at = UtcTime{1'700'000'000'000'000'000};
  s.offset_ns = offset;
  s.delay_ns = delay;
  s.stratum = stratum;
  return s;
}

}  // namespace

TEST_CASE("run facts: insecure, clock of the chosen answer, warnings, and absent facts left out") {
  RunRecord r = base_run();
  const json plain = run_facts_of(run_json(r));
  CHECK_FALSE(plain.contains("vantage"));
  CHECK_FALSE(plain.contains("clock"));
  CHECK_FALSE(plain.contains("insecure"));
  CHECK(plain["host"]["hostname"] == "probe");
  CHECK(plain["warnings"].empty());

  r.https = true;
  r.insecure = true;
  r.vantage = VantageFacts{};
  r.vantage->interfaces.push_back({"eth0", "ipv4", "192.0.2.5", 24});
  ClockFacts c;
  c.servers = {"a", "b"};
  c.results = {sntp("198.51.100.1", "answer", 40'000'000, 9'000'000, 2),
               sntp("198.51.100.2", "answer", 1'200'000'000, 2'000'000, 3),
               sntp("198.51.100.3", "skipped", std::nullopt, std::nullopt, -1)};
  c.offset_ns = 1'200'000'000;
  c.offset_server = "198.51.100.2";
  c.warnings = {"The clock is off by 1.2 s."};
  r.clock = c;
  r.authoritative = AuthoritativeRunFacts{};
  r.authoritative->problems = {"x.example: no NS set found."};
  const json f = run_facts_of(run_json(r));
  CHECK(f["insecure"] == true);
  CHECK(f["vantage"]["interfaces"][0]["address"] == "192.0.2.5");
  CHECK(f["vantage"]["whoami"].empty());
  CHECK(f["clock"]["offset_ns"] == 1'200'000'000);
  CHECK(f["clock"]["delay_ns"] == 2'000'000);  // of the answer the offset came from, not the first
  CHECK(f["clock"]["stratum"] == 3);
  CHECK(f["clock"]["addresses_asked"] == 2);  // the skipped address was not asked
  CHECK(f["clock"]["addresses_answered"] == 2);
  CHECK(f["warnings"] == json::array({"The clock is off by 1.2 s.", "x.example: no NS set found."}));
}

TEST_CASE("resolver summary: TLS chains, AA over responses, client-subnet scopes, a leaf counted once") {
  const json doh = json::parse(R"J({"kind":"observation","resolver":{"name":"doh","protocol":"https","address":"localhost",
    "port":443,"url":"https://localhost/dns-query"},"transport":"https","outcome":"answer","response_wire":"AA==",
    "https":{"tls_version":"TLSv1.3","tls_cipher":"TLS_AES_256_GCM_SHA384","http_status":200,
    "certificate_check":"verified (chain and host name)",
    "certificates":[{"sha256":"aa","subject":"CN=localhost"},{"sha256":"bb","subject":"CN=ca"}]}})J");
  json other_chain = doh;
  other_chain["https"]["certificates"][0]["sha256"] = "cc";
  const json auth = json::parse(R"({"kind":"observation","qname":"www.geo.test","qtype":"A",
    "resolver":{"name":"ns@1/ecs=49.96.0.0/24","protocol":"udp","address":"127.0.0.1","port":53},"transport":"udp",
    "outcome":"answer","response_wire":"AA==","flags":["qr","aa"],"addresses":["198.51.100.10"],
    "authoritative":{"zone":"geo.test","server":"ns"},
    "client_subnet":{"sent":"49.96.0.0/24","preset":"docomo","scope_prefix":12,"returned":"49.96.0.0/24"}})");
  json timeout = auth;
  timeout["outcome"] = "timeout";
  timeout.erase("response_wire");
  timeout.erase("flags");
  timeout["client_subnet"].erase("scope_prefix");
  timeout.erase("addresses");
  json ignores = auth;
  ignores["resolver"]["name"] = "plain@1/ecs=10.0.0.0/8";
  ignores["client_subnet"] = {{"sent", "10.0.0.0/8"}};
  ignores["flags"] = json::array({"qr"});

  ResolverFactsBuilder b;
  b.add(1, doh);
  b.add(1, doh);  // the same leaf again
  b.add(2, doh);
  b.add(3, other_chain);
  b.add(4, auth);
  b.add(5, timeout);
  b.add(6, ignores);
  const json r = b.result();
  REQUIRE(r.size() == 3);
  const json& d = r[0];
  CHECK(d["name"] == "doh");
  CHECK(d["observations"] == 3);
  CHECK(d["url"] == "https://localhost/dns-query");
  REQUIRE(d["https"]["certificate_chains"].size() == 2);
  CHECK(d["https"]["certificate_chains"][0]["observations"] == 2);
  CHECK(d["https"]["certificate_chains"][0]["certificates"][1]["subject"] == "CN=ca");
  CHECK(d["https"]["http_statuses"] == json::parse(R"([{"http_status":200,"observations":3}])"));
  const json& a = r[1];
  CHECK(a["name"] == "ns@1/ecs=49.96.0.0/24");
  CHECK(a["authoritative"]["responses"] == 1);  // the timeout had no response
  CHECK(a["authoritative"]["aa"] == 1);
  CHECK(a["client_subnet"]["preset"] == "docomo");
  CHECK(a["client_subnet"]["scope_prefixes"] == json::parse(R"([{"scope_prefix":12,"observations":1}])"));
  CHECK(a["client_subnet"]["responses_without_option"] == 0);
  CHECK(a["client_subnet"]["answers"][0]["addresses"] == json::array({"198.51.100.10"}));
  const json& p = r[2];
  CHECK(p["authoritative"]["aa"] == 0);
  CHECK(p["client_subnet"]["scope_prefixes"].empty());
  CHECK(p["client_subnet"]["responses_without_option"] == 1);
  CHECK_FALSE(p["client_subnet"].contains("preset"));
}
