// `dnswitness resolve-snapshot` with DNS-over-HTTPS and DNS-over-TLS resolvers, as a user runs it
// against the lab: --ca-file and --insecure recorded in the run, tls_error in the table and the
// JSON, exit codes, bad --ca-file input and bad tls:// specs, and DoH and DoT observations in a
// ledger that verifies.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>

#include "support/lab.h"

using namespace dnswitness;
using dnswitness::test::Lab;
using dnswitness::test::run_command;
using dnswitness::test::run_dnswitness;
using dnswitness::test::TempDir;

namespace {

// Only the lab's DoH endpoints: nothing here may reach the default public resolvers.
std::string doh_args(const Lab& lab) {
  return "--domains twitter.com,x.com --types A --timeout 2000 --retries 0 --resolver doh=" + lab.get("DOH_URL") +
         " --resolver bad=" + lab.get("DOH_BAD_URL") + " --ca-file " + lab.get("LAB_CA");
}

const nlohmann::json& observation(const nlohmann::json& doc, const std::string& qname, const std::string& resolver) {
  for (const auto& o : doc["observations"])
    if (o["qname"] == qname && o["resolver"]["name"] == resolver) return o;
  FAIL("no observation for " << qname << " via " << resolver);
  throw std::logic_error("unreachable");
}

// The port of an "address:port" or "[v6]:port".
std::string port_of(const std::string& endpoint) { return endpoint.substr(endpoint.rfind(':') + 1); }

}  // namespace

TEST_CASE("a DoH snapshot records TLS facts, the CA file and tls_error for the untrusted server") {
  Lab lab;
  const auto r = run_dnswitness("resolve-snapshot --no-ledger --json " + doh_args(lab));
  REQUIRE(r.exit_code == 0);
  const auto doc = nlohmann::json::parse(r.out);
  const auto& run = doc["run"];
  CHECK(run["certificate_verification"] == "enforced");
  CHECK(run["ca_file"]["path"] == lab.get("LAB_CA"));
  const auto digest = run_command("sha256sum " + lab.get("LAB_CA"));
  CHECK(run["ca_file"]["sha256"] == digest.out.substr(0, 64));
  CHECK(run["resolvers"][0]["protocol"] == "https");
  CHECK(run["resolvers"][0]["url"] == lab.get("DOH_URL"));
  CHECK(run["outcomes"]["answer"] == 2);
  CHECK(run["outcomes"]["tls_error"] == 2);

  const auto& good = observation(doc, "twitter.com", "doh");
  CHECK(good["outcome"] == "answer");
  CHECK(good["transport"] == "https");
  CHECK(good["query_id"] == 0);
  CHECK(good["https"]["http_status"] == 200);
  CHECK(good["https"]["http_version"] == "2");
  CHECK(good["https"]["certificate_check"] == "verified (chain and host name)");
  CHECK(good["https"]["certificates"][0]["subject"] == "CN=localhost,O=dnswitness lab");
  CHECK(good.contains("response_wire"));

  const auto& bad = observation(doc, "twitter.com", "bad");
  CHECK(bad["outcome"] == "tls_error");
  CHECK_FALSE(bad.contains("rcode"));
  CHECK_FALSE(bad.contains("response_wire"));
  CHECK(bad["error"].get<std::string>().find("self-signed certificate") != std::string::npos);
  CHECK(bad["https"]["certificate_check"] == "failed: self-signed certificate");
  CHECK(bad["https"]["certificates"][0]["subject"] == "CN=localhost,O=nobody trusts this");

  // The table says it too.
  const auto table = run_dnswitness("resolve-snapshot --no-ledger " + doh_args(lab));
  CHECK(table.exit_code == 0);
  CHECK(table.out.find("tls_error") != std::string::npos);
  CHECK(table.out.find("2 answer, 2 tls_error") != std::string::npos);
}

TEST_CASE("only untrusted DoH servers: no response at all, exit 3, the run still reported") {
  Lab lab;
  const auto r = run_dnswitness("resolve-snapshot --no-ledger --json --domains x.com --types A --retries 0 "
                                "--resolver bad=" + lab.get("DOH_BAD_URL"));
  CHECK(r.exit_code == 3);
  const auto doc = nlohmann::json::parse(r.out);
  CHECK(doc["observations"][0]["outcome"] == "tls_error");
}

TEST_CASE("--insecure accepts the untrusted certificate and is recorded in the run and its config hash") {
  Lab lab;
  const auto strict = run_dnswitness("resolve-snapshot --no-ledger --json " + doh_args(lab));
  const auto loose = run_dnswitness("resolve-snapshot --no-ledger --json --insecure " + doh_args(lab));
  REQUIRE(strict.exit_code == 0);
  REQUIRE(loose.exit_code == 0);
  const auto s = nlohmann::json::parse(strict.out), l = nlohmann::json::parse(loose.out);
  CHECK(l["run"]["certificate_verification"] == "not enforced (--insecure)");
  CHECK(l["run"]["config_hash"] != s["run"]["config_hash"]);
  CHECK(l["run"]["outcomes"]["answer"] == 4);
  const auto& bad = observation(l, "x.com", "bad");
  CHECK(bad["outcome"] == "answer");
  CHECK(bad["https"]["certificate_check"].get<std::string>().starts_with("not enforced (--insecure)"));
}

TEST_CASE("a bad --ca-file stops before anything is sent or written") {
  Lab lab;
  TempDir dir;
  test::write_file(dir / "not.pem", "this is not a certificate\n");
  for (const std::string& file : {dir / "absent.pem", dir / "not.pem"}) {
    CAPTURE(file);
    const auto r = run_dnswitness("resolve-snapshot --ledger " + (dir / "ledger") + " --json --out " + (dir / "out.json") +
                                  " --resolver doh=" + lab.get("DOH_URL") + " --ca-file " + file);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find("CA file") != std::string::npos);
    CHECK(r.err.find('\n') == r.err.size() - 1);  // one sentence
  }
  CHECK_FALSE(std::filesystem::exists(dir / "ledger"));
  CHECK_FALSE(std::filesystem::exists(dir / "out.json"));
}

TEST_CASE("DoH observations go into the ledger and the ledger verifies") {
  Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger";
  const auto r = run_dnswitness("resolve-snapshot --quiet --ledger " + ledger + " " + doh_args(lab));
  REQUIRE(r.exit_code == 0);
  const auto v = run_dnswitness("verify-ledger --ledger " + ledger);
  CHECK(v.exit_code == 0);
  const auto h = run_dnswitness("history --ledger " + ledger + " twitter.com");
  CHECK(h.exit_code == 0);
  CHECK(h.out.find("104.244.42.1") != std::string::npos);
  // --since and --until in the forms every time option takes: relative, a date alone, the printed form.
  for (const std::string range : {"--since 1h", "--since 2d --until now", "--until now",
                                  "--since '2000/01/01 09:00:00(JST)' --until 2099-12-31"}) {
    CAPTURE(range);
    const auto ranged = run_dnswitness("history --ledger " + ledger + " twitter.com " + range);
    CHECK(ranged.exit_code == 0);
    CHECK(ranged.out.find("104.244.42.1") != std::string::npos);
  }
  const auto future = run_dnswitness("history --ledger " + ledger + " twitter.com --since 2099-01-01");
  CHECK(future.out.find("104.244.42.1") == std::string::npos);
  const auto bad = run_dnswitness("events --ledger " + ledger + " --since yesterday");
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("--since 'yesterday' is not a time; write it like") != std::string::npos);
}

// --- DNS over TLS (RFC 7858) ----------------------------------------------------------------------

TEST_CASE("a DoT snapshot over Unbound's tls-port: Knot's answers, TLS facts, one pipelined connection") {
  Lab lab;
  TempDir dir;
  const std::string dot = "tls://127.0.0.1:" + lab.get("DOT_PORT");
  const std::vector<std::string> names = {"twitter.com", "x.com",       "t.co",       "a.lab.test",
                                          "n0.lab.test", "n1.lab.test", "n2.lab.test"};
  std::string domains;
  for (const auto& n : names) domains += (domains.empty() ? "" : ",") + n;
  const std::string args = "--domains " + domains + " --types A --timeout 2000 --retries 0 --resolver dot=" + dot +
                           " --resolver byname=tls://localhost:" + lab.get("DOT_PORT") + " --resolver knot=udp://" +
                           lab.get("KNOT_ADDR") + ":" + lab.get("KNOT_PORT") + " --ca-file " + lab.get("LAB_CA");
  const std::string ledger = dir / "ledger";
  const auto r = run_dnswitness("resolve-snapshot --ledger " + ledger + " --json " + args);
  REQUIRE(r.exit_code == 0);
  const auto doc = nlohmann::json::parse(r.out);
  const auto& run = doc["run"];
  CHECK(run["certificate_verification"] == "enforced");
  CHECK(run["resolvers"][0] == nlohmann::json{{"name", "dot"}, {"protocol", "tls"}, {"address", "127.0.0.1"},
                                              {"port", std::stoi(lab.get("DOT_PORT"))}});
  CHECK(run["resolvers"][1]["address"] == "localhost");

  // What `openssl x509 -noout -fingerprint -sha256` says of the lab certificate, as the leaf writes it.
  const auto fp = run_command("openssl x509 -noout -fingerprint -sha256 -in " + lab.get("DOH_CERT"));
  REQUIRE(fp.exit_code == 0);
  std::string sha256;
  for (const char c : fp.out.substr(fp.out.find('=') + 1))
    if (std::isxdigit(static_cast<unsigned char>(c))) sha256 += static_cast<char>(std::tolower(c));
  REQUIRE(sha256.size() == 64);

  std::set<std::string> local_ports;
  for (const auto& name : names) {
    CAPTURE(name);
    const auto& o = observation(doc, name, "dot");
    const auto& knot = observation(doc, name, "knot");
    CHECK(o["outcome"] == "answer");
    CHECK(o["addresses"] == knot["addresses"]);
    CHECK(o["transport"] == "tls");
    CHECK(o["resolver"]["protocol"] == "tls");
    CHECK(o["attempts"] == 1);
    CHECK(o.contains("response_wire"));
    CHECK(o.contains("rtt_us"));
    CHECK_FALSE(o.contains("https"));
    const auto& tls = o["tls"];
    CHECK((tls["tls_version"] == "TLSv1.3" || tls["tls_version"] == "TLSv1.2"));
    CHECK_FALSE(tls["tls_cipher"].get<std::string>().empty());
    CHECK(tls["peer_address"] == "127.0.0.1:" + lab.get("DOT_PORT"));
    CHECK(tls["certificate_check"] == "verified (chain and host name)");
    CHECK(tls["certificates"][0]["sha256"] == sha256);
    CHECK(tls["certificates"][0]["subject"] == "CN=localhost,O=dnswitness lab");
    local_ports.insert(port_of(o["local_address"].get<std::string>()));
    // The host name is resolved (getaddrinfo) and checked against the certificate's DNS name.
    // "localhost" is the loopback addresses without asking anyone (RFC 6761), whatever /etc/hosts says.
    const auto& by_name = observation(doc, name, "byname");
    CHECK_MESSAGE(by_name["outcome"] == "answer", by_name.value("error", ""));
    CHECK(by_name["addresses"] == knot["addresses"]);
    CHECK(by_name.value("tls", nlohmann::json::object()).value("certificate_check", "") ==
          "verified (chain and host name)");
  }
  // Every query of the run went over one connection: one local port.
  CHECK(local_ports.size() == 1);

  CHECK(run_dnswitness("verify-ledger --ledger " + ledger).exit_code == 0);
  const auto h = run_dnswitness("history --ledger " + ledger + " twitter.com");
  CHECK(h.exit_code == 0);
  CHECK(h.out.find("104.244.42.1") != std::string::npos);
}

TEST_CASE("DoT to a server nobody trusts: tls_error, not retried, the failed check recorded; --insecure accepts it") {
  Lab lab;
  const std::string bad = " --resolver bad=tls://127.0.0.1:" + lab.get("DOT_BAD_PORT");
  const std::string args = "--domains twitter.com,x.com --types A --timeout 2000 --retries 2" + bad;
  const auto r = run_dnswitness("resolve-snapshot --no-ledger --json " + args + " --ca-file " + lab.get("LAB_CA"));
  CHECK(r.exit_code == 3);  // no response at all
  const auto doc = nlohmann::json::parse(r.out);
  CHECK(doc["run"]["outcomes"]["tls_error"] == 2);
  const auto& o = observation(doc, "twitter.com", "bad");
  CHECK(o["outcome"] == "tls_error");
  CHECK(o["attempts"] == 1);  // --retries 2, yet no retry
  CHECK_FALSE(o.contains("prior_exchanges"));
  CHECK_FALSE(o.contains("rcode"));
  CHECK_FALSE(o.contains("response_wire"));
  CHECK(o["transport"] == "tls");
  CHECK(o["error"].get<std::string>().find("self-signed certificate") != std::string::npos);
  CHECK(o["tls"]["certificate_check"] == "failed: self-signed certificate");
  CHECK(o["tls"]["certificates"][0]["subject"] == "CN=localhost,O=nobody trusts this");
  CHECK(o["tls"]["peer_address"] == "127.0.0.1:" + lab.get("DOT_BAD_PORT"));

  const auto loose = run_dnswitness("resolve-snapshot --no-ledger --json --insecure " + args);
  REQUIRE(loose.exit_code == 0);
  const auto l = nlohmann::json::parse(loose.out);
  CHECK(l["run"]["certificate_verification"] == "not enforced (--insecure)");
  const auto& accepted = observation(l, "x.com", "bad");
  CHECK(accepted["outcome"] == "answer");
  CHECK(accepted["tls"]["certificate_check"] ==
        "not enforced (--insecure): self-signed certificate, host name not checked");
}

TEST_CASE("a bad tls:// spec stops the run with exit 2 and one clear sentence") {
  Lab lab;
  TempDir dir;
  for (const std::string spec : {"tls://", "tls://127.0.0.1:0", "tls://::1", "tls://127.0.0.1/dns-query",
                                 "tls://not_a_host"}) {
    CAPTURE(spec);
    const auto r = run_dnswitness("resolve-snapshot --ledger " + (dir / "ledger") + " --domains x.com --resolver '" +
                                  spec + "'");
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find("The resolver '" + spec + "'") != std::string::npos);
    CHECK(r.err.find('\n') == r.err.size() - 1);  // one sentence
  }
  CHECK_FALSE(std::filesystem::exists(dir / "ledger"));
}
