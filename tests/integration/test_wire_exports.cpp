// export --format pcap | dnstap | rfc8427 and `show`, read back by the experts' own tools (tshark,
// dnstap-read, kdig) over one lab run with every kind of exchange: UDP over IPv4 and IPv6, TCP, a
// truncated UDP answer asked again over TCP, DNS over HTTPS and over TLS, and a resolver that never
// answers. Then the RFC 8427 object and the dig-style text of single messages against kdig itself: kdig
// asks, writes the exact bytes to a dnstap file (-E) and prints its +json object and, from the
// dnstap file (-G), its text; rfc8427_message() of the same bytes must equal kdig's object less
// kdig's time members, and dig_text()'s record lines must equal kdig's, whitespace aside.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "crypto/encoding.h"
#include "reports/exports/dig_text.h"
#include "reports/exports/rfc8427.h"
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
  bool drawable = true;  // pcap, dnstap need the server address: a DoH/DoT query never connected has none
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
      if (x.transport == "https" || x.transport == "tls")
        x.drawable = e.value(x.transport, nlohmann::json::object()).contains("peer_address");
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
                    dot_port = lab.get("DOT_PORT"), silent_port = lab.get("SILENT_PORT");
  const auto run = run_dnswitness(
      "resolve-snapshot -q --ledger " + ledger + " --resolver knot=127.0.0.1:" + knot_port +
      " --resolver knot6=[::1]:" +
      knot_port + " --resolver knottcp=tcp://127.0.0.1:" + knot_port + " --resolver doh=" + lab.get("DOH_URL") +
      " --ca-file " + lab.get("LAB_CA") + " --resolver dot=tls://127.0.0.1:" + dot_port +
      " --resolver silent=127.0.0.1:" + silent_port +
      " --timeout 1s --retries 1 --types A,AAAA x.com bigv6.x.com");
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
  // 24 observations; bigv6 AAAA is truncated over UDP and asked again over TCP (two resolvers); the
  // silent resolver's four queries are each tried twice. (A loaded machine may retry more.)
  CHECK(std::count_if(expected.begin(), expected.end(), [](const auto& x) { return x.resolver == "silent"; }) == 8);
  REQUIRE(expected.size() >= 24 + 2 + 4);
  CHECK(responses >= 20 + 2);
  CHECK(transports == std::set<std::string>{"udp", "tcp", "https", "tls"});
  std::size_t drawn = 0, drawn_responses = 0;
  for (const auto& x : expected) {
    drawn += x.drawable;
    drawn_responses += x.drawable && x.response;
  }
  std::set<std::uint64_t> leaves;
  for (const auto& x : expected) leaves.insert(x.leaf);
  REQUIRE(leaves.size() == 24);
  const std::string decode = " -d udp.port==" + knot_port + ",dns -d tcp.port==" + knot_port + ",dns -d tcp.port==" +
                             doh_port + ",dns -d tcp.port==" + dot_port + ",dns -d udp.port==" + silent_port + ",dns";

  {  // pcap: tshark finds every query and response with its ID, name and nanosecond time; checksums valid
    const std::string pcap = dir / "run.pcap";
    const auto r = run_dnswitness("export --ledger " + ledger + " --format pcap --out " + pcap);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.err.find(fmt::format("exported 24 observation(s) of 1 run(s), {} exchange(s)", expected.size())) !=
          std::string::npos);
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
    CHECK(lines.size() == drawn + drawn_responses);
    const std::multiset<std::string> seen(lines.begin(), lines.end());
    for (const auto& x : expected) {
      if (!x.sent || !x.drawable) continue;  // after a truncation the final time is estimated
      const std::string line = fmt::format("{},0x{:04x},0,{}", *x.sent, x.id, x.qname);
      CHECK_MESSAGE(seen.count(line) == 1, line);
    }
    std::size_t answered = 0;
    for (const auto& l : lines) answered += l.find(",1,") != std::string::npos;
    CHECK(answered == drawn_responses);
  }

  {  // dnstap: dnstap-read and kdig -G read every message
    const std::string tap = dir / "run.tap";
    const auto r = run_dnswitness("export -q --ledger " + ledger + " --format dnstap --out " + tap);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    const auto read = run_command("TZ=UTC dnstap-read " + tap);
    REQUIRE_MESSAGE(read.exit_code == 0, read.err);
    const auto lines = split_lines(read.out);
    CHECK(lines.size() == drawn + drawn_responses);
    std::size_t queries = 0;
    for (const auto& l : lines) queries += l.find(" TQ ") != std::string::npos;
    CHECK(queries == drawn);
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

  {  // rfc8427: one object per message with its recorded time; show prints the leaf as dig does
    const auto r = run_dnswitness("export -q --ledger " + ledger + " --format rfc8427");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    const auto lines = split_lines(r.out);
    CHECK(lines.size() == expected.size() + responses);
    std::size_t first_queries = 0;
    for (const auto& line : lines) {
      const auto m = nlohmann::json::parse(line);
      REQUIRE(m.contains("dnswitness"));
      const auto& ours = m["dnswitness"];
      if (ours["message"] == "query") CHECK(m["QR"] == 0);
      if (ours["message"] == "response") CHECK(m["QR"] == 1);
      // A query's dateString is the exchange's sent_at, to the nanosecond.
      for (const auto& x : expected)
        if (x.sent && x.leaf == ours["leaf_index"] && ours["message"] == "query" && ours["exchange"] == 0 &&
            m["ID"] == x.id) {
          CHECK(epoch_text(m["dateString"]) == *x.sent);
          ++first_queries;
          break;
        }
    }
    CHECK(first_queries >= 24);

    std::uint64_t knot_leaf = 0;
    std::istringstream in(jsonl.out);
    for (std::string line; std::getline(in, line);) {
      const auto o = nlohmann::json::parse(line);
      if (o["resolver"]["name"] == "knot" && o["qname"] == "x.com" && o["qtype"] == "A") knot_leaf = o["leaf_index"];
    }
    REQUIRE(knot_leaf > 0);
    const auto show = run_dnswitness("show --ledger " + ledger + " " + std::to_string(knot_leaf));
    REQUIRE_MESSAGE(show.exit_code == 0, show.err);
    CHECK(show.out.find(";; leaf " + std::to_string(knot_leaf) + ": x.com A via knot (udp 127.0.0.1:" + knot_port) !=
          std::string::npos);
    CHECK(show.out.find(";; ANSWER SECTION:\nx.com.\t\t\t300\tIN\tA\t104.244.42.1\n") != std::string::npos);
    const auto run_leaf = run_dnswitness("show --ledger " + ledger + " 0");
    CHECK(run_leaf.exit_code == 2);
    CHECK(run_leaf.err.find("Leaf 0 is a run record, not an observation") != std::string::npos);
    const auto beyond = run_dnswitness("show --ledger " + ledger + " 100000");
    CHECK(beyond.exit_code == 2);
  }
}

namespace {

Bytes from_hex(const std::string& hex) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// What kdig saw and printed for one query.
struct KdigRun {
  nlohmann::json object;  // {"queryMessage": ..., "responseMessage": ...}
  Bytes query, response;  // exact bytes, from the dnstap file
  std::string text;       // kdig -G: the response as kdig's text
};

// dnstap-read -x prints each message's hex on the line after its summary (TQ: query, TR:
// response). It skips a message it cannot parse; kdig's messageOctetsHEX has those bytes.
KdigRun kdig(int port, const std::string& args, const std::string& server = "127.0.0.1") {
  TempDir dir;
  const std::string tap = (dir.path() / "k.tap").string();
  const auto r = run_command("kdig +json +qr +retry=0 +timeout=3 -E " + tap + " @" + server + " -p " +
                             std::to_string(port) + " " + args);
  KdigRun run;
  run.object = nlohmann::json::parse(r.out);
  std::istringstream lines(run_command("dnstap-read -x " + tap).out);
  std::string line, role;
  while (std::getline(lines, line)) {
    if (line.find(" TQ ") != std::string::npos) role = "q";
    else if (line.find(" TR ") != std::string::npos) role = "r";
    else if (role == "q") run.query = from_hex(line), role.clear();
    else if (role == "r") run.response = from_hex(line), role.clear();
  }
  const auto& response = run.object.at("responseMessage");
  if (run.response.empty() && response.contains("messageOctetsHEX"))
    run.response = from_hex(response.at("messageOctetsHEX").get<std::string>());
  run.text = run_command("kdig -G " + tap).out;
  return run;
}

nlohmann::json without_time(nlohmann::json message) {
  message.erase("dateString");
  message.erase("dateSeconds");
  return message;
}

std::string squeeze(const std::string& line) {
  std::istringstream words(line);
  std::string word, out;
  while (words >> word) out += (out.empty() ? "" : " ") + word;
  return out;
}

// Record lines by section title (ANSWER, AUTHORITY, ADDITIONAL), whitespace squeezed. Both kdig's
// and our text put the records of a section, without ';', under ";; <TITLE> SECTION:".
std::map<std::string, std::vector<std::string>> record_lines(const std::string& text) {
  std::map<std::string, std::vector<std::string>> out;
  std::istringstream lines(text);
  std::string line, section;
  while (std::getline(lines, line)) {
    if (line.rfind(";; ", 0) == 0 && line.find(" SECTION:") != std::string::npos) {
      section = line.substr(3, line.find(' ', 3) - 3);
    } else if (line.empty()) {
      section.clear();
    } else if (line[0] != ';' && !section.empty()) {
      out[section].push_back(squeeze(line));
    }
  }
  return out;
}

struct LabCase {
  const char* port_key;
  const char* args;
};

const LabCase kCases[] = {
    {"KNOT_PORT", "x.com A"},                          // four A records
    {"KNOT_PORT", "x.com AAAA"},                       //
    {"KNOT_PORT", "chain.x.com A"},                    // CNAME chain
    {"KNOT_PORT", "nope.x.com A"},                     // NXDOMAIN, SOA in authority (compressed rdata names)
    {"KNOT_PORT", "twitter.com AAAA +nsid"},           // NODATA, OPT with NSID
    {"KNOT_PORT", "lab.test NS"},                      // NS with glue in additional
    {"KNOT_PORT", "id.server CH TXT"},                 // TXT, class CH
    {"KNOT_PORT", "x.com A +subnet=1.2.3.4/24 +cookie +dnssec"},  // EDNS options in the query
    {"KNOT_PORT", "x.com A +edns=1"},                  // BADVERS: extended RCODE in the OPT TTL
    {"KNOT_PORT", "big.x.com A +noedns +ignore"},      // TC=1, no records
    {"KNOT_PORT", "bigv6.x.com AAAA +tcp"},            // 100 AAAA over TCP
    {"UNBOUND_PORT", "www.x.com A"},                   // recursion: RA, TTLs counted down
    {"UNBOUND_PORT", "nope.x.com A +dnssec"},          //
    {"GEO_KNOT_PORT", "www.geo.test A +subnet=49.96.1.0/24"},  // ECS echoed with scope /12
    {"GEO_KNOT_PORT", "www.geo.test A +subnet=2001:db8:1::/48"},
    {"REFUSED_PORT", "x.com A"},
    {"MALFORMED_PORT", "x.com A"},                     // cut-short answer: messageOctetsHEX
    {"GARBAGE_PORT", "x.com A"},                       // random bytes after the ID: header only
};

}  // namespace

TEST_CASE("rfc8427_message equals kdig +json for the same query and response bytes") {
  Lab lab;
  for (const auto& c : kCases) {
    CAPTURE(c.args);
    CAPTURE(c.port_key);
    const KdigRun run = kdig(lab.port(c.port_key), c.args);
    REQUIRE_FALSE(run.query.empty());
    REQUIRE_FALSE(run.response.empty());
    CHECK(rfc8427_message(run.query) == without_time(run.object.at("queryMessage")));
    CHECK(rfc8427_message(run.response) == without_time(run.object.at("responseMessage")));
  }
}

TEST_CASE("the same over IPv6 to Knot and Unbound") {
  Lab lab;
  if (lab.get("LAB_IPV6") != "1") return;
  for (const char* key : {"KNOT_PORT", "UNBOUND_PORT"}) {
    const KdigRun run = kdig(lab.port(key), "api.x.com AAAA", "::1");
    CHECK(rfc8427_message(run.response) == without_time(run.object.at("responseMessage")));
  }
}

TEST_CASE("dig_text's record lines equal kdig's, whitespace aside") {
  Lab lab;
  for (const auto& c : kCases) {
    CAPTURE(c.args);
    const KdigRun run = kdig(lab.port(c.port_key), c.args);
    const std::string ours = dig_text(run.response);
    if (run.object.at("responseMessage").contains("messageOctetsHEX")) {
      // kdig -G prints nothing for a message it cannot parse; ours says so, with the bytes.
      CHECK(ours.rfind(";; MALFORMED DNS message (", 0) == 0);
      continue;
    }
    CHECK(record_lines(ours) == record_lines(run.text));
  }
}

TEST_CASE("dig_text shows the ECS option as kdig and dig do") {
  Lab lab;
  const KdigRun run = kdig(lab.port("GEO_KNOT_PORT"), "www.geo.test A +subnet=49.96.1.0/24");
  CHECK(run.text.find(";; CLIENT-SUBNET: 49.96.1.0/24/12") != std::string::npos);
  const std::string ours = dig_text(run.response);
  CHECK(ours.find("\n; CLIENT-SUBNET: 49.96.1.0/24/12\n") != std::string::npos);
  CHECK(ours.find("\n;; OPT PSEUDOSECTION:\n; EDNS: version: 0, flags:; udp: 1232\n") != std::string::npos);
  CHECK(ours.find("\nwww.geo.test.\t\t60\tIN\tA\t198.51.100.10\n") != std::string::npos);
}
