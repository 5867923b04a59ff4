// Whoami mechanics against the lab's real Knot: the client sends the question (IN or CH class)
// over UDP on an Asio loop, keeps the raw bytes and reads the addresses out of the answer. The
// public whoami services themselves are never asked by any test: which of them a run would ask
// is the pure plan_whoami (tests/unit/test_vantage.cpp); here the questions are built by hand for
// the lab's own server, which is not one of them.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>

#include "resolvers/whoami.h"
#include "resolvers/wire.h"
#include "support/lab.h"

using namespace dnswitness;
using dnswitness::test::Lab;

namespace {

WhoamiQuery lab_query(const std::string& address_port, const std::string& qname, std::uint16_t qtype,
                      std::uint16_t qclass) {
  WhoamiQuery q;
  q.service = "lab";
  q.resolver = parse_resolver_spec("lab=" + address_port);
  q.qname = qname;
  q.qtype = qtype;
  q.qclass = qclass;
  return q;
}

}  // namespace

TEST_CASE("whoami questions get their answers, raw bytes and addresses; failures are recorded") {
  Lab lab;
  boost::asio::io_context io;
  WhoamiClient client(io, 300);
  std::vector<WhoamiResult> results;
  bool done = false;
  client.start({lab_query(lab.knot(), "x.com", 1, 1),
                // Knot answers the CH-class identity question as whoami.cloudflare is answered.
                lab_query(lab.knot(), "id.server", 16, 3),
                lab_query(lab.odd("SILENT_PORT"), "whoami.cloudflare", 16, 3),
                lab_query(lab.odd("CLOSED_PORT"), "myip.opendns.com", 1, 1),
                lab_query(lab.odd("BADID_PORT"), "myip.opendns.com", 1, 1)},
               [&](std::vector<WhoamiResult>&& r) {
                 results = std::move(r);
                 done = true;
               });
  io.run();
  REQUIRE(done);
  REQUIRE(results.size() == 5);

  const WhoamiResult& a = results[0];
  CHECK(a.outcome == "answer");
  CHECK(a.rcode == 0);
  CHECK(a.egress == std::vector<std::string>{"104.244.42.1", "104.244.42.65", "104.244.42.129", "104.244.42.193"});
  CHECK(a.rtt_us >= 0);
  const auto q = read_question(a.query_wire);
  REQUIRE(q);
  CHECK(q->qname == "x.com");
  CHECK(q->qclass == 1);
  CHECK(read_header(a.response_wire)->id == read_header(a.query_wire)->id);

  const WhoamiResult& ch = results[1];
  CHECK(ch.outcome == "answer");
  REQUIRE(ch.answers.size() == 1);
  CHECK(ch.answers[0] == "\"dnswitness-lab-knot\"");
  CHECK(ch.egress.empty());  // not an address
  CHECK(read_question(ch.query_wire)->qclass == 3);
  CHECK(read_question(ch.response_wire)->qclass == 3);

  CHECK(results[2].outcome == "timeout");
  CHECK(results[2].response_wire.empty());
  CHECK(results[3].outcome == "network_error");
  CHECK(results[4].outcome == "malformed");
  CHECK_FALSE(results[4].response_wire.empty());
  CHECK(results[4].error.find("query ID") != std::string::npos);
}

TEST_CASE("a run against lab resolvers records its interfaces and sends no whoami question") {
  Lab lab;
  const auto r = test::run_dnswitness("resolve-snapshot --no-ledger -q --json --ntp none --domains x.com --types A "
                                      "--resolver knot=" + lab.knot() + " --resolver unbound=" + lab.unbound());
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto doc = nlohmann::json::parse(r.out);
  const auto& vantage = doc["run"]["vantage"];
  CHECK(vantage["whoami"].empty());
  bool loopback = false;
  for (const auto& i : vantage["interfaces"]) loopback = loopback || i["address"] == "127.0.0.1";
  CHECK(loopback);
}
