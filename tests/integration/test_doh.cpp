// DNS over HTTPS (RFC 8484) against the lab's real servers: Unbound's https-port with a lab CA's
// certificate, dnsdist's DoH frontend with an untrusted self-signed one, and a closed port.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "model/errors.h"
#include "resolvers/doh_tls.h"
#include "resolvers/wire.h"
#include "scheduler/snapshot.h"
#include "support/lab.h"

using namespace dnswitness;
using dnswitness::test::Lab;

namespace {

ResolverSpec https_resolver(const std::string& name, const std::string& url) {
  ResolverSpec r = parse_resolver_spec(name + "=" + url);
  REQUIRE(r.protocol == Protocol::https);
  return r;
}

ResolverSpec udp_resolver(const std::string& name, int port) {
  return parse_resolver_spec(name + "=127.0.0.1:" + std::to_string(port));
}

std::shared_ptr<const TrustAnchors> lab_ca(const Lab& lab) {
  return std::make_shared<const TrustAnchors>(
      TrustAnchors::from_pem(test::read_file(lab.get("LAB_CA")), lab.get("LAB_CA")));
}

SnapshotPlan plan_for(std::vector<std::string> domains, std::vector<std::uint16_t> types,
                      std::vector<ResolverSpec> resolvers, std::shared_ptr<const TrustAnchors> anchors,
                      bool insecure = false, int retries = 0) {
  SnapshotPlan plan;
  plan.domains = std::move(domains);
  plan.types = std::move(types);
  plan.resolvers = std::move(resolvers);
  plan.engine.timeout_ms = 2000;
  plan.engine.retries = retries;
  plan.engine.ca_anchors = std::move(anchors);
  plan.engine.insecure = insecure;
  plan.config_hash = "test";
  return plan;
}

const Observation& find(const SnapshotResult& r, const std::string& qname, std::uint16_t qtype,
                        const std::string& resolver_name) {
  for (const auto& o : r.observations)
    if (o.qname == qname && o.qtype == qtype && o.resolver.name == resolver_name) return o;
  FAIL("no observation for " << qname << " " << qtype << " via " << resolver_name);
  throw std::logic_error("unreachable");
}

// What `openssl x509 -fingerprint -sha256` says, as lower-case hex without colons.
std::string openssl_fingerprint(const std::string& pem_path) {
  const auto r = test::run_command("openssl x509 -noout -fingerprint -sha256 -in " + pem_path);
  REQUIRE(r.exit_code == 0);
  std::string hex = r.out.substr(r.out.find('=') + 1);
  std::string out;
  for (const char c : hex)
    if (std::isxdigit(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(c));
  REQUIRE(out.size() == 64);
  return out;
}

}  // namespace

TEST_CASE("DoH answers equal UDP answers from the same Unbound, with their raw bytes and TLS facts") {
  Lab lab;
  const std::vector<std::string> names = {"twitter.com", "api.twitter.com", "chain.x.com", "x.com",
                                          "nonexistent.twitter.com"};
  const auto result = run_snapshot(plan_for(
      names, {1, 28}, {udp_resolver("udp", lab.port("UNBOUND_PORT")), https_resolver("doh", lab.get("DOH_URL"))},
      lab_ca(lab)));
  REQUIRE(result.observations.size() == names.size() * 2 * 2);
  const std::string fingerprint = openssl_fingerprint(lab.get("DOH_CERT"));
  const std::string doh_port = lab.get("DOH_PORT");
  for (const auto& name : names)
    for (const std::uint16_t type : {1, 28}) {
      CAPTURE(name);
      CAPTURE(type);
      const Observation& udp = find(result, name, type, "udp");
      const Observation& doh = find(result, name, type, "doh");
      REQUIRE(outcome_has_response(udp.outcome));
      CHECK(doh.outcome == udp.outcome);
      CHECK(doh.rcode == udp.rcode);
      CHECK(doh.addresses == udp.addresses);
      CHECK(doh.transport == Transport::https);
      CHECK(doh.resolver.url == lab.get("DOH_URL"));
      REQUIRE(doh.exchanges.size() == 1);
      const Exchange& ex = doh.exchanges[0];
      CHECK(ex.query_id == 0);  // RFC 8484 §4.1
      CHECK(ex.result == "response");
      // The raw bytes are the DNS messages themselves: the query as UDP sends it but with ID 0,
      // the response decodable to the same answer.
      REQUIRE(doh.query_wire.size() == udp.query_wire.size());
      CHECK(std::equal(doh.query_wire.begin() + 2, doh.query_wire.end(), udp.query_wire.begin() + 2));
      const DecodedResponse decoded = decode_response(doh.response_wire, name, type);
      REQUIRE(decoded.ok);
      CHECK(decoded.header.id == 0);
      CHECK(decoded.addresses == doh.addresses);
      CHECK(doh.rtt_us > 0);
      CHECK_FALSE(ex.local_address.empty());
      // The TLS and HTTP facts of the connection that carried it.
      REQUIRE(ex.https);
      const HttpsFacts& h = *ex.https;
      CHECK(h.http_status == 200);
      CHECK(h.http_version == "2");  // Unbound serves DoH over HTTP/2 only
      CHECK(h.content_type == "application/dns-message");
      CHECK((h.peer_address == "127.0.0.1:" + doh_port || h.peer_address == "[::1]:" + doh_port));
      CHECK((h.tls_version == "TLSv1.3" || h.tls_version == "TLSv1.2"));
      CHECK_FALSE(h.tls_cipher.empty());
      CHECK(h.certificate_check == "verified (chain and host name)");
      REQUIRE_FALSE(h.certificates.empty());
      CHECK(h.certificates[0].sha256 == fingerprint);
      CHECK(h.certificates[0].subject == "CN=localhost,O=dnswitness lab");
      CHECK(h.certificates[0].issuer == "CN=dnswitness lab CA,O=dnswitness lab");
      CHECK(h.certificates[0].not_before.size() == 20);
      CHECK(h.certificates[0].not_after > h.certificates[0].not_before);
    }
  CHECK(find(result, "nonexistent.twitter.com", 1, "doh").outcome == Outcome::nxdomain);
  CHECK(find(result, "chain.x.com", 1, "doh").answers.size() == 3);
}

TEST_CASE("a certificate that does not verify is a tls_error observation, kept with what was presented") {
  Lab lab;
  const std::string bad_fingerprint = openssl_fingerprint(lab.get("DOH_BAD_CERT"));
  SUBCASE("self-signed: refused, not retried, the presented certificate recorded") {
    const auto result = run_snapshot(plan_for({"twitter.com"}, {1}, {https_resolver("bad", lab.get("DOH_BAD_URL"))},
                                              lab_ca(lab), false, /*retries=*/2));
    REQUIRE(result.observations.size() == 1);
    const Observation& o = result.observations[0];
    CHECK(o.outcome == Outcome::tls_error);
    CHECK_FALSE(o.rcode);
    CHECK(o.response_wire.empty());
    CHECK(o.exchanges.size() == 1);  // a certificate does not get better by asking again
    CHECK(o.error.find("self-signed certificate") != std::string::npos);
    CHECK(o.exchanges[0].result == "tls_error");
    REQUIRE(o.exchanges[0].https);
    const HttpsFacts& h = *o.exchanges[0].https;
    CHECK(h.http_status == 0);
    CHECK(h.certificate_check == "failed: self-signed certificate");
    REQUIRE(h.certificates.size() == 1);
    CHECK(h.certificates[0].sha256 == bad_fingerprint);
    CHECK(h.certificates[0].subject == "CN=localhost,O=nobody trusts this");
    CHECK(h.peer_address == "127.0.0.1:" + lab.get("DOH_BAD_PORT"));
    CHECK_FALSE(result.any_response());
  }
  SUBCASE("the lab's good server without the lab CA: its issuer is unknown") {
    const auto result =
        run_snapshot(plan_for({"twitter.com"}, {1}, {https_resolver("doh", lab.get("DOH_URL"))}, nullptr));
    const Observation& o = result.observations.at(0);
    CHECK(o.outcome == Outcome::tls_error);
    CHECK(o.error.find("unable to get local issuer certificate") != std::string::npos);
  }
  SUBCASE("--insecure accepts it and says the check was not enforced") {
    const auto result = run_snapshot(
        plan_for({"twitter.com"}, {1}, {https_resolver("bad", lab.get("DOH_BAD_URL"))}, lab_ca(lab), true));
    const Observation& o = result.observations.at(0);
    CHECK(o.outcome == Outcome::answer);
    CHECK(o.addresses.size() == 4);
    REQUIRE(o.exchanges.at(0).https);
    const HttpsFacts& h = *o.exchanges[0].https;
    CHECK(h.certificate_check == "not enforced (--insecure): self-signed certificate, host name not checked");
    CHECK(h.certificates.at(0).sha256 == bad_fingerprint);
    CHECK(h.http_version == "2");  // dnsdist offers h2 and http/1.1: ALPN picks h2
    CHECK(h.http_status == 200);
  }
}

TEST_CASE("a DoH server that is down is a network_error after every retry") {
  Lab lab;
  const std::string url = "https://127.0.0.1:" + lab.get("CLOSED_PORT") + "/dns-query";
  const auto result = run_snapshot(plan_for({"twitter.com"}, {1}, {https_resolver("down", url)}, lab_ca(lab), false, 1));
  const Observation& o = result.observations.at(0);
  CHECK(o.outcome == Outcome::network_error);
  CHECK(o.exchanges.size() == 2);
  for (const auto& ex : o.exchanges) CHECK(ex.result == "network_error");
  CHECK(o.error.find("onnect") != std::string::npos);  // libcurl: "Failed to connect to 127.0.0.1 port ..."
  CHECK_FALSE(result.any_response());
}

TEST_CASE("200 DoH queries run concurrently, 100 at a time over one HTTP/2 connection") {
  Lab lab;
  std::vector<std::string> names;
  for (int i = 0; i < 200; ++i) names.push_back("n" + std::to_string(i) + ".lab.test");
  // The default cap, 100 in flight per resolver, is also HTTP/2's usual stream limit (Unbound's
  // http-max-streams): one connection carries them all.
  const SnapshotPlan plan = plan_for(names, {1}, {https_resolver("doh", lab.get("DOH_URL"))}, lab_ca(lab), false, 0);
  REQUIRE(plan.engine.max_in_flight == 100);
  const auto t0 = std::chrono::steady_clock::now();
  const auto result = run_snapshot(plan);
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  REQUIRE(result.observations.size() == 200);
  std::set<std::string> connections;
  std::vector<std::int64_t> sent;
  std::int64_t first_done = INT64_MAX;
  for (int i = 0; i < 200; ++i) {
    const Observation& o = result.observations[static_cast<std::size_t>(i)];
    CAPTURE(o.qname);
    REQUIRE(o.outcome == Outcome::answer);
    CHECK(o.addresses == std::vector<std::string>{"198.51.100." + std::to_string(i % 250 + 1)});
    CHECK(o.exchanges.at(0).https->http_version == "2");
    connections.insert(o.exchanges.at(0).local_address);
    sent.push_back(o.sent_at.ns);
    first_done = std::min(first_done, o.sent_at.ns + o.rtt_us * 1000);
  }
  // The first 100 were all handed over before any answer came back: concurrent, not one by one.
  std::sort(sent.begin(), sent.end());
  CHECK(sent[99] < first_done);
  CHECK(sent[100] >= first_done);  // and the cap held the rest back
  CHECK(connections.size() == 1);  // multiplexed (CURLOPT_PIPEWAIT): one TLS handshake
  MESSAGE("200 DoH queries over " << connections.size() << " connection(s) in "
                                  << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << " ms");
}

TEST_CASE("--ca-file contents are checked before anything is sent") {
  CHECK_THROWS_AS(TrustAnchors::from_pem("not a certificate\n", "x.pem"), UsageError);
  CHECK_THROWS_AS(TrustAnchors::from_pem("", "x.pem"), UsageError);
  Lab lab;
  const std::string pem = test::read_file(lab.get("LAB_CA"));
  CHECK(TrustAnchors::from_pem(pem, "ca.pem").size() == 1);
  CHECK(TrustAnchors::from_pem(pem + test::read_file(lab.get("DOH_CERT")), "two.pem").size() == 2);
  std::string damaged = pem;
  damaged[damaged.size() / 2] = '!';
  CHECK_THROWS_AS(TrustAnchors::from_pem(damaged, "damaged.pem"), UsageError);
}
