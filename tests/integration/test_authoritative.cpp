// `--resolver authoritative` and `--client-subnet` against the lab: the zone's servers found
// through Unbound (and recorded), asked directly with RD=0, AA in their answers; the geoip Knot's
// per-subnet answers and scopes; the main Knot ignoring ECS; bad input refused with exit 2.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "crypto/encoding.h"
#include "resolvers/client_subnet.h"
#include "resolvers/wire.h"
#include "support/lab.h"

using namespace dnswitness;
using namespace dnswitness::test;
using nlohmann::json;

namespace {

json snapshot(const std::string& args) {
  const auto r = run_dnswitness("resolve-snapshot --no-ledger --quiet --json " + args);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

std::vector<json> with(const json& doc, const std::function<bool(const json&)>& pred) {
  std::vector<json> out;
  for (const auto& o : doc["observations"])
    if (pred(o)) out.push_back(o);
  return out;
}

Bytes wire(const json& o, const char* key) {
  const auto b = base64_decode(o.at(key).get<std::string>());
  REQUIRE(b);
  return *b;
}

bool has_flag(const json& o, const std::string& flag) {
  for (const auto& f : o["flags"])
    if (f == flag) return true;
  return false;
}

}  // namespace

TEST_CASE("authoritative answers come from the zone's own server, with AA, asked with RD=0") {
  const Lab lab;
  const json doc = snapshot("--resolver u=" + lab.unbound() + " --resolver authoritative --authoritative-port " +
                            lab.get("KNOT_PORT") + " --domains twitter.com,api.twitter.com,t.co --types A,AAAA");
  CHECK(doc["run"]["authoritative"]["port"] == lab.port("KNOT_PORT"));
  CHECK(doc["run"]["authoritative"]["client_subnets"].empty());
  CHECK_FALSE(doc["run"]["authoritative"].contains("problems"));

  // How the servers were found: NS of each name (walking up from api.twitter.com), then the
  // NS name's addresses, all through Unbound, all marked as discovery.
  const auto discovery = with(doc, [](const json& o) { return o.value("purpose", "") == "authoritative_discovery"; });
  auto find = [&](const std::string& qname, const std::string& qtype) {
    for (const auto& o : discovery)
      if (o["qname"] == qname && o["qtype"] == qtype) return o;
    FAIL("no discovery observation for ", qname, " ", qtype);
    return json();
  };
  CHECK(find("twitter.com", "NS")["answers"][0]["data"] == "ns.lab.test.");
  CHECK(find("api.twitter.com", "NS")["outcome"] == "nodata");  // a CNAME: one label up
  CHECK(find("t.co", "NS")["outcome"] == "answer");
  CHECK(find("ns.lab.test", "A")["addresses"] == json::array({"127.0.0.1"}));
  CHECK(find("ns.lab.test", "AAAA")["outcome"] == "nodata");
  for (const auto& o : discovery) {
    CHECK(o["resolver"]["name"] == "u");
    CHECK(has_flag(o, "rd"));
  }
  CHECK(discovery.size() == 5);  // each name asked once, though two zones share ns.lab.test

  const auto auth = with(doc, [](const json& o) { return o.contains("authoritative"); });
  REQUIRE(auth.size() == 6);  // 3 domains x 2 types x 1 server address
  for (const auto& o : auth) {
    CAPTURE(o.dump());
    CHECK(o["resolver"]["address"] == "127.0.0.1");
    CHECK(o["resolver"]["port"] == lab.port("KNOT_PORT"));
    CHECK(o["resolver"]["name"] == "ns.lab.test@127.0.0.1");
    CHECK(o["authoritative"]["server"] == "ns.lab.test");
    CHECK(o["authoritative"]["zone"] == (o["qname"] == "t.co" ? "t.co" : "twitter.com"));
    CHECK(has_flag(o, "aa"));
    CHECK_FALSE(has_flag(o, "rd"));
    const Bytes q = wire(o, "query_wire");
    const auto h = read_header(q);
    REQUIRE(h);
    CHECK((h->flags & 0x0100) == 0);  // RD clear in the bytes actually sent
    CHECK_FALSE(o.contains("client_subnet"));
    CHECK_FALSE(read_client_subnet_option(q).option);
  }
  const auto api = with(doc, [](const json& o) {
    return o.contains("authoritative") && o["qname"] == "api.twitter.com" && o["qtype"] == "A";
  });
  REQUIRE(api.size() == 1);
  CHECK(api[0]["addresses"] == json::array({"104.244.42.66"}));
  // The run's own targets through Unbound are still there, untouched.
  CHECK(with(doc, [](const json& o) { return o["resolver"]["name"] == "u" && !o.contains("purpose"); }).size() == 6);
}

TEST_CASE("client subnets: the geoip server answers per subnet with a scope; the plain Knot ignores ECS") {
  const Lab lab;
  const json geo = snapshot("--resolver u=" + lab.unbound() + " --resolver authoritative --authoritative-port " +
                            lab.get("GEO_KNOT_PORT") +
                            " --domains www.geo.test --types A --client-subnet 49.96.0.0/24 "
                            "--client-subnet 106.128.0.0/12 --client-subnet 10.0.0.0/8");
  CHECK(geo["run"]["authoritative"]["client_subnets"] ==
        json::parse(R"([{"prefix":"49.96.0.0/24"},{"prefix":"106.128.0.0/12"},{"prefix":"10.0.0.0/8"}])"));
  std::map<std::string, json> by_subnet;
  for (const auto& o : with(geo, [](const json& o) { return o.contains("authoritative"); }))
    by_subnet[o["client_subnet"]["sent"]] = o;
  REQUIRE(by_subnet.size() == 3);
  const json& a = by_subnet["49.96.0.0/24"];
  const json& b = by_subnet["106.128.0.0/12"];
  const json& none = by_subnet["10.0.0.0/8"];
  CHECK(a["addresses"] == json::array({"198.51.100.10"}));
  CHECK(b["addresses"] == json::array({"198.51.100.20"}));
  CHECK(none["addresses"] == json::array({"192.0.2.100"}));
  CHECK(a["client_subnet"]["scope_prefix"] == 12);  // the answer depends on the client's network
  CHECK(a["client_subnet"]["returned"] == "49.96.0.0/24");
  CHECK(b["client_subnet"]["scope_prefix"] == 12);
  CHECK(none["client_subnet"]["scope_prefix"] == 0);  // valid for every client
  for (const auto* o : {&a, &b, &none}) {
    CHECK(has_flag(*o, "aa"));
    CHECK((*o)["authoritative"]["zone"] == "geo.test");
    CHECK((*o)["resolver"]["name"] == "ns.geo.test@127.0.0.1/ecs=" + (*o)["client_subnet"]["sent"].get<std::string>());
    // The option sent is in the query bytes, and the scope recorded is the one in the response bytes.
    const auto sent = read_client_subnet_option(wire(*o, "query_wire"));
    REQUIRE(sent.option);
    CHECK(sent.option->scope_prefix == 0);
    const auto got = read_client_subnet_option(wire(*o, "response_wire"));
    REQUIRE(got.option);
    CHECK(got.option->scope_prefix == (*o)["client_subnet"]["scope_prefix"].get<int>());
  }

  // The main Knot has ECS off: same query, no option in the reply, and no scope recorded.
  const json plain = snapshot("--resolver u=" + lab.unbound() + " --resolver authoritative --authoritative-port " +
                              lab.get("KNOT_PORT") + " --domains twitter.com --types A --client-subnet 49.96.0.0/24");
  const auto auth = with(plain, [](const json& o) { return o.contains("authoritative"); });
  REQUIRE(auth.size() == 1);
  CHECK(auth[0]["client_subnet"] == json::parse(R"({"sent":"49.96.0.0/24"})"));
  CHECK(auth[0]["outcome"] == "answer");
  CHECK(read_client_subnet_option(wire(auth[0], "query_wire")).option);
  const auto reply = read_client_subnet_option(wire(auth[0], "response_wire"));
  CHECK(reply.has_opt);
  CHECK_FALSE(reply.option);
}

TEST_CASE("authoritative runs go into the ledger and verify") {
  const Lab lab;
  const TempDir dir;
  const auto r = run_dnswitness("resolve-snapshot --quiet --ledger " + (dir / "ledger") + " --resolver u=" +
                                lab.unbound() + " --resolver authoritative --authoritative-port " +
                                lab.get("GEO_KNOT_PORT") + " --domains www.geo.test --types A --client-subnet docomo");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto v = run_dnswitness("verify-ledger --ledger " + (dir / "ledger"));
  INFO(v.out, v.err);
  CHECK(v.exit_code == 0);
}

TEST_CASE("bad authoritative and client-subnet input: exit 2, one sentence, nothing written") {
  const Lab lab;
  const TempDir dir;
  const std::string out = dir / "never.json";
  const std::string u = " --resolver u=" + lab.unbound();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {u + " --resolver authoritative --client-subnet 49.97.0.0/12", "the network address is 49.96.0.0/12"},
      {u + " --resolver authoritative --client-subnet 49.96.0.0", "no prefix length"},
      {u + " --resolver authoritative --client-subnet 49.96.0.0/40", "from 0 to 32"},
      {u + " --resolver authoritative --client-subnet docomoo", "preset (docomo, au, softbank, rakuten)"},
      {u + " --client-subnet 49.96.0.0/12", "applies to authoritative queries only"},
      {u + " --authoritative-port 5300", "applies to authoritative queries only"},
      {" --resolver authoritative", "through a recursive resolver"},
      {u + " --resolver authoritative --resolver a2=authoritative", "only once"},
  };
  for (const auto& [args, message] : cases) {
    CAPTURE(args);
    const auto r = run_dnswitness("resolve-snapshot --no-ledger --json --out " + out + args);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(message) != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK_FALSE(std::filesystem::exists(out));
  }
}
