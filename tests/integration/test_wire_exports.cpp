// export --format pcap | dnstap | rfc8427 and `show`, read back by the experts' own tools (tshark,
// dnstap-read, kdig) over one lab run with every kind of exchange: UDP over IPv4 and IPv6, TCP, a
// truncated UDP answer asked again over TCP, DNS over HTTPS, and a resolver that never answers.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "crypto/encoding.h"
#include "support/lab.h"
#include "timeutil/timestamp.h"

using namespace dnswitness;
using namespace dnswitness::test;

namespace {

// One exchange as the JSON Lines export says it happened.
struct ExpectedExchange {
  std::uint64_t leaf = 0;
  std::string qname, transport, resolver;
  unsigned id = 0;
  std::optional<std::string> sent;  // "seconds.nanoseconds", when the leaf records it
  bool response = false;
};

unsigned wire_id(const std::string& base64) {
  const auto bytes = base64_decode(base64);
  REQUIRE((bytes && bytes->size() >= 2));
  return (static_cast<unsigned>((*bytes)[0]) << 8) | (*bytes)[1];
}

std::string epoch_text(const std::string& rfc3339) {
  const auto t = parse_rfc3339(rfc3339);
  REQUIRE(t);
  return fmt::format("{}.{:09}", t->ns / 1'000'000'000, t->ns % 1'000'000'000);
}

std::vector<ExpectedExchange> expected_exchanges(const std::string& jsonl) {
  std::vector<ExpectedExchange> out;
  std::istringstream lines(jsonl);
  for (std::string line; std::getline(lines, line);) {
    const auto o = nlohmann::json::parse(line);
    const auto add = [&](const nlohmann::json& e, bool final_one) {
      ExpectedExchange x;
      x.leaf = o["leaf_index"];
      x.qname = o["qname"];
      x.resolver = o["resolver"]["name"];
      x.transport = e["transport"];
      x.id = wire_id(e["query_wire"]);
      if (!final_one || !o.contains("prior_exchanges")) x.sent = epoch_text(e["sent_at"]);
      x.response = e.contains("response_wire");
      out.push_back(x);
    };
    if (o.contains("prior_exchanges"))
      for (const auto& p : o["prior_exchanges"]) add(p, false);
    add(o, true);
  }
  return out;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("pcap, dnstap and RFC 8427 exports and show, read back by tshark, dnstap-read and kdig") {
  const Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger";
  const std::string knot_port = lab.get("KNOT_PORT"), doh_port = lab.get("DOH_PORT"),
                    silent_port = lab.get("SILENT_PORT");
  const auto run = run_dnswitness(
      "resolve-snapshot -q --ledger " + ledger + " --resolver knot=127.0.0.1:" + knot_port + " --resolver knot6=[::1]:" +
      knot_port + " --resolver knottcp=tcp://127.0.0.1:" + knot_port + " --resolver doh=" + lab.get("DOH_URL") +
      " --ca-file " + lab.get("LAB_CA") + " --resolver silent=127.0.0.1:" + silent_port +
      " --timeout 300 --retries 1 --types A,AAAA x.com bigv6.x.com");
  REQUIRE_MESSAGE(run.exit_code != 2, run.err);  // 1: the silent resolver's timeouts

  const auto jsonl = run_dnswitness("export -q --ledger " + ledger);
  REQUIRE(jsonl.exit_code == 0);
  const std::vector<ExpectedExchange> expected = expected_exchanges(jsonl.out);
  std::size_t responses = 0;
  std::set<std::string> transports;
  for (const auto& x : expected) {
    responses += x.response;
    transports.insert(x.transport);
  }
  // 20 observations; bigv6 AAAA is truncated over UDP and asked again over TCP (two resolvers); the
  // silent resolver's four queries are each tried twice.
  REQUIRE(expected.size() == 20 + 2 + 4);
  CHECK(responses == 16 + 2);
  CHECK(transports == std::set<std::string>{"udp", "tcp", "https"});
  const std::string decode = " -d udp.port==" + knot_port + ",dns -d tcp.port==" + knot_port + ",dns -d tcp.port==" +
                             doh_port + ",dns -d udp.port==" + silent_port + ",dns";

  SUBCASE("pcap: tshark finds every query and response with its ID, name and nanosecond time; checksums valid") {
    const std::string pcap = dir / "run.pcap";
    const auto r = run_dnswitness("export --ledger " + ledger + " --format pcap --out " + pcap);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.err.find("exported 20 observation(s) of 1 run(s), 26 exchange(s)") != std::string::npos);
    const std::string checks = " -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -o tcp.check_checksum:TRUE";
    const auto bad = run_command("tshark -r " + pcap + checks + decode +
                                 " -Y 'ip.checksum.status!=1 || udp.checksum.status!=1 || tcp.checksum.status!=1 || "
                                 "_ws.malformed || _ws.expert.severity >= \"Warning\"'");
    CHECK_MESSAGE(bad.exit_code == 0, bad.err);
    CHECK_MESSAGE(bad.out.empty(), bad.out);
    const auto fields = run_command("tshark -r " + pcap + decode +
                                    " -Y dns -T fields -E separator=, -e frame.time_epoch -e dns.id"
                                    " -e dns.flags.response -e dns.qry.name");
    REQUIRE(fields.exit_code == 0);
    const auto lines = split_lines(fields.out);
    CHECK(lines.size() == expected.size() + responses);
    const std::multiset<std::string> seen(lines.begin(), lines.end());
    for (const auto& x : expected) {
      if (!x.sent) continue;  // the final exchange after a truncation: its time is estimated
      const std::string line = fmt::format("{},0x{:04x},0,{}", *x.sent, x.id, x.qname);
      CHECK_MESSAGE(seen.count(line) == 1, line);
    }
    std::size_t answered = 0;
    for (const auto& l : lines) answered += l.find(",1,") != std::string::npos;
    CHECK(answered == responses);
  }

  SUBCASE("dnstap: dnstap-read and kdig -G read every message") {
    const std::string tap = dir / "run.tap";
    const auto r = run_dnswitness("export -q --ledger " + ledger + " --format dnstap --out " + tap);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    const auto read = run_command("TZ=UTC dnstap-read " + tap);
    REQUIRE_MESSAGE(read.exit_code == 0, read.err);
    const auto lines = split_lines(read.out);
    CHECK(lines.size() == expected.size() + responses);
    std::size_t queries = 0;
    for (const auto& l : lines) queries += l.find(" TQ ") != std::string::npos;
    CHECK(queries == expected.size());
    CHECK(read.out.find("-> 127.0.0.1:" + knot_port + " UDP ") != std::string::npos);
    CHECK(read.out.find("-> ::1:" + knot_port + " UDP ") != std::string::npos);
    CHECK(read.out.find("<- 127.0.0.1:" + knot_port + " TCP ") != std::string::npos);
    CHECK(read.out.find("bigv6.x.com/IN/AAAA") != std::string::npos);
    const auto yaml = run_command("dnstap-read -y " + tap);
    REQUIRE(yaml.exit_code == 0);
    CHECK(yaml.out.find("type: TOOL_QUERY") != std::string::npos);
    CHECK(yaml.out.find("type: TOOL_RESPONSE") != std::string::npos);
    const auto kdig = run_command("kdig -G " + tap);
    CHECK_MESSAGE(kdig.exit_code == 0, kdig.err);
    CHECK(kdig.out.find("From ::1@" + knot_port + "(UDP)") != std::string::npos);
    CHECK(kdig.out.find("From 127.0.0.1@" + knot_port + "(TCP)") != std::string::npos);
    // The same ledger gives the same bytes.
    REQUIRE(run_dnswitness("export -q --ledger " + ledger + " --format dnstap --out " + tap + ".2").exit_code == 0);
    CHECK(read_file(tap) == read_file(tap + ".2"));
  }
}
