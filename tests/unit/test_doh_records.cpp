// DNS over HTTPS in the model: https:// resolver specs, the default DoH resolvers, the config
// keys ca_file and insecure, and the frozen JSON of a DoH observation (TLS facts, tls_error) as
// both the reference encoder and the fixed-order leaf writer produce it.
#include <doctest/doctest.h>

#include "config/snapshot_settings.h"
#include "model/errors.h"
#include "model/observation_writer.h"
#include "model/record_json.h"
#include "model/resolver_spec.h"

using namespace dnswitness;

TEST_CASE("https:// resolver specs") {
  auto r = parse_resolver_spec("lab=https://localhost:8443/dns-query");
  CHECK(r.protocol == Protocol::https);
  CHECK(r.name == "lab");
  CHECK(r.address == "localhost");
  CHECK(r.port == 8443);
  CHECK(r.url == "https://localhost:8443/dns-query");
  r = parse_resolver_spec("https://DNS.Google/dns-query");
  CHECK(r.port == 443);
  CHECK(r.address == "dns.google");
  CHECK(r.url == "https://dns.google/dns-query");
  CHECK(r.name == "https://dns.google/dns-query");
  r = parse_resolver_spec("https://dns.google:443/resolve/x-y_z.~1");
  CHECK(r.url == "https://dns.google/resolve/x-y_z.~1");
  r = parse_resolver_spec("https://[::1]:8443/dns-query");
  CHECK(r.address == "::1");
  CHECK(r.url == "https://[::1]:8443/dns-query");
  r = parse_resolver_spec("https://127.0.0.1/q");
  CHECK(r.address == "127.0.0.1");
  CHECK(r.url == "https://127.0.0.1/q");
  for (const char* bad : {"https://", "https://dns.google", "https:///dns-query", "https://dns.google:0/q",
                          "https://dns.google:99999/q", "https://dns.google:x/q", "https://user@dns.google/q",
                          "https://dns.google/q?dns=AAAB", "https://dns.google/q#f", "https://dns .google/q",
                          "https://dns..google/q", "https://dns.google./q", "https://[::1/q", "https://[1.2.3.4]/q",
                          "https://-/q x", "http://dns.google/dns-query"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(parse_resolver_spec(bad), UsageError);
  }
}

TEST_CASE("the default resolvers include Google, Cloudflare and IIJ over HTTPS") {
  std::vector<ResolverSpec> doh;
  for (const auto& text : default_resolver_specs()) {
    const ResolverSpec r = parse_resolver_spec(text);
    if (r.protocol == Protocol::https) doh.push_back(r);
  }
  REQUIRE(doh.size() == 3);
  CHECK(doh[0].url == "https://dns.google/dns-query");
  CHECK(doh[1].url == "https://cloudflare-dns.com/dns-query");
  CHECK(doh[2].url == "https://public.dns.iij.jp/dns-query");
  CHECK(doh[2].name == "iij-doh");
}

TEST_CASE("config keys ca_file and insecure") {
  const auto s = parse_settings_json(nlohmann::json{{"ca_file", "/x/ca.pem"}, {"insecure", true}}, "cfg");
  CHECK(s.ca_file == "/x/ca.pem");
  CHECK(s.insecure == true);
  CHECK_THROWS_AS(parse_settings_json(nlohmann::json{{"insecure", "yes"}}, "cfg"), UsageError);
  CHECK_THROWS_AS(parse_settings_json(nlohmann::json{{"ca_file", 1}}, "cfg"), UsageError);
  SnapshotSettings base;
  base.insecure = false;
  base.override_with(s);
  CHECK(base.insecure == true);
}

namespace {

Observation doh_observation() {
  Observation o;
  o.qname = "x.com";
  o.qtype = 1;
  o.resolver = parse_resolver_spec("lab=https://localhost:8443/dns-query");
  o.sent_at = UtcTime{1700532615123456789};
  o.transport = Transport::https;
  o.outcome = Outcome::tls_error;
  o.query_wire = Bytes{0x00, 0x00, 0x01};
  o.error = "SSL certificate problem: self-signed certificate";
  Exchange down;
  down.transport = Transport::https;
  down.sent_at = o.sent_at;
  down.result = "network_error";
  down.query_wire = o.query_wire;
  down.https = HttpsFacts{};  // nothing reached: an empty object
  Exchange bad;
  bad.transport = Transport::https;
  bad.sent_at = UtcTime{o.sent_at.ns + 1'000'000};
  bad.result = "tls_error";
  bad.query_wire = o.query_wire;
  bad.local_address = "127.0.0.1:40000";
  HttpsFacts h;
  h.peer_address = "127.0.0.1:8443";
  h.certificate_check = "failed: self-signed certificate";
  h.certificates = {{"ab01", "CN=localhost,O=nobody trusts this", "CN=localhost,O=nobody trusts this",
                     "2026-11-28T14:00:00Z", "2026-12-28T14:00:00Z"}};
  bad.https = h;
  o.exchanges = {down, bad};
  return o;
}

}  // namespace

TEST_CASE("golden DoH observation leaf (frozen bytes): TLS facts and tls_error") {
  const Observation o = doh_observation();
  const std::string golden =
      R"({"addresses":[],"answers":[],"attempts":2,"error":"SSL certificate problem: self-signed certificate",)"
      R"("flags":[],"https":{"certificate_check":"failed: self-signed certificate","certificates":[{"issuer":)"
      R"("CN=localhost,O=nobody trusts this","not_after":"2026-12-28T14:00:00Z","not_before":"2026-11-28T14:00:00Z",)"
      R"("sha256":"ab01","subject":"CN=localhost,O=nobody trusts this"}],"peer_address":"127.0.0.1:8443"},)"
      R"("kind":"observation","local_address":"127.0.0.1:40000","outcome":"tls_error","prior_exchanges":[{"https":{},)"
      R"("query_id":0,"query_wire":"AAAB","result":"network_error","sent_at":"2023-11-21T02:10:15.123456789Z",)"
      R"("transport":"https"}],"qname":"x.com","qtype":"A","query_id":0,"query_wire":"AAAB","resolver":)"
      R"({"address":"localhost","name":"lab","port":8443,"protocol":"https","url":"https://localhost:8443/dns-query"},)"
      R"("run_id":"run-1","sent_at":"2023-11-21T02:10:15.123456789Z","transport":"https"})";
  CHECK(canonical_dump(observation_json(o, "run-1")) == golden);
  std::string s;
  REQUIRE(write_observation_leaf(o, "run-1", s));
  CHECK(s == golden);
}

TEST_CASE("a DoH answer with every HTTPS fact: the writer equals the reference") {
  Observation o = doh_observation();
  o.outcome = Outcome::answer;
  o.error.clear();
  o.rcode = 0;
  o.flags = {"qr", "rd", "ra"};
  o.addresses = {"104.244.42.1"};
  o.response_wire = Bytes{0x00, 0x00, 0x81, 0x80};
  o.rtt_us = 900;
  Exchange& last = o.exchanges.back();
  last.result = "response";
  last.rtt_us = 900;
  last.response_wire = o.response_wire;
  last.https->http_status = 200;
  last.https->http_version = "2";
  last.https->content_type = "application/dns-message";
  last.https->tls_version = "TLSv1.3";
  last.https->tls_cipher = "TLS_AES_256_GCM_SHA384";
  last.https->certificate_check = "verified (chain and host name)";
  last.https->certificates.push_back(last.https->certificates.front());
  const auto j = observation_json(o, "r");
  CHECK(j["https"]["http_status"] == 200);
  CHECK(j["https"]["certificates"].size() == 2);
  std::string s;
  REQUIRE(write_observation_leaf(o, "r", s));
  CHECK(s == canonical_dump(j));
}

TEST_CASE("the run says how certificates were checked, only when it matters") {
  RunRecord r;
  CHECK_FALSE(run_json(r).contains("certificate_verification"));
  CHECK_FALSE(run_json(r).contains("ca_file"));
  r.https = true;
  CHECK(run_json(r)["certificate_verification"] == "enforced");
  r.insecure = true;
  r.ca_file = "/lab/ca.pem";
  r.ca_file_sha256 = "00ff";
  const auto j = run_json(r);
  CHECK(j["certificate_verification"] == "not enforced (--insecure)");
  CHECK(j["ca_file"]["path"] == "/lab/ca.pem");
  CHECK(j["ca_file"]["sha256"] == "00ff");
  CHECK(outcome_name(Outcome::tls_error) == "tls_error");
  CHECK_FALSE(outcome_has_response(Outcome::tls_error));
  CHECK(transport_name(Transport::https) == "https");
}
