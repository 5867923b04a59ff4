// `dnswitness resolve-snapshot` as a user runs it: exit codes, messages, the JSON schema, the
// config file, and bad input, against the lab's real servers.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "crypto/encoding.h"
#include "resolvers/wire.h"
#include "support/lab.h"
#include "timeutil/timestamp.h"

using namespace dnswitness;
using dnswitness::test::Lab;
using dnswitness::test::run_dnswitness;
using dnswitness::test::TempDir;
using dnswitness::test::write_file;

namespace {

// Every command in these tests names the lab's resolvers and keeps the ledger out of the way:
// nothing here may ever reach the default public resolvers.
std::string lab_args(const Lab& lab) {
  return "--resolver knot=" + lab.knot() + " --resolver unbound=" + lab.unbound() + " --timeout 500 --retries 0";
}

// A DNS server on loopback that holds the client still while its replies arrive: once it has
// `expected` A queries, it stops the process named in `pid_file` (SIGSTOP), sends the replies at
// least 150 ms apart (d0.test first, then d1, d2), and lets the process go on 150 ms after the last
// (SIGCONT). The client then reads every reply in one batch, and only the kernel's arrival stamps
// can tell their times apart.
class StallingServer {
 public:
  StallingServer(std::string pid_file, std::size_t expected) : pid_file_(std::move(pid_file)), expected_(expected) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~StallingServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  struct Pending {
    std::vector<unsigned char> reply;
    sockaddr_in client{};
    int order = 0;
  };
  void serve() {
    std::vector<Pending> pending;
    unsigned char q[1500];
    while (!stop_ && pending.size() < expected_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      Pending r;
      socklen_t len = sizeof r.client;
      const ssize_t n = ::recvfrom(fd_, q, sizeof q, 0, reinterpret_cast<sockaddr*>(&r.client), &len);
      if (n < 17 || q[12] != 2 || q[13] != 'd') continue;  // only d0.test, d1.test, d2.test
      std::size_t end = 12;
      while (end < static_cast<std::size_t>(n) && q[end] != 0) end += q[end] + 1u;
      end += 5;
      if (end > static_cast<std::size_t>(n)) continue;
      r.order = q[14] - '0';
      r.reply.assign(q, q + end);
      r.reply[2] = static_cast<unsigned char>(0x84 | (q[2] & 0x01));
      r.reply[3] = 0x80;
      r.reply[4] = 0, r.reply[5] = 1, r.reply[6] = 0, r.reply[7] = 1, r.reply[8] = r.reply[9] = 0;
      r.reply[10] = r.reply[11] = 0;
      const unsigned char rr[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2,
                                  static_cast<unsigned char>(10 + r.order)};
      r.reply.insert(r.reply.end(), rr, rr + sizeof rr);
      pending.push_back(std::move(r));
    }
    if (stop_) return;
    std::sort(pending.begin(), pending.end(), [](const Pending& a, const Pending& b) { return a.order < b.order; });
    pid_t pid = 0;
    std::ifstream(pid_file_) >> pid;
    if (pid > 0) ::kill(pid, SIGSTOP);
    // The kernel turns its receive stamps on a moment after the first socket asks for them (a
    // deferred switch); a datagram arriving before that is stamped when it is read.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    for (std::size_t i = 0; i < pending.size(); ++i) {
      // sleep_for only ever sleeps longer: the gaps are at least 150 ms however loaded the machine.
      if (i) std::this_thread::sleep_for(std::chrono::milliseconds(150));
      ::sendto(fd_, pending[i].reply.data(), pending[i].reply.size(), 0,
               reinterpret_cast<const sockaddr*>(&pending[i].client), sizeof pending[i].client);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    if (pid > 0) ::kill(pid, SIGCONT);
  }

  std::string pid_file_;
  std::size_t expected_;
  int fd_ = -1;
  unsigned short port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace

TEST_CASE("queries sent and replies read in one batch keep their own times: the kernel's stamps give each its RTT") {
  TempDir dir;
  const std::string pid_file = dir / "pid";
  const StallingServer server(pid_file, 3);
  const auto r = dnswitness::test::run_command(
      std::string(DNSWITNESS_BINARY) + " resolve-snapshot --no-ledger --json --types A --timeout 3000 --retries 0"
      " --resolver stall=" + server.address() + " d0.test d1.test d2.test & echo $! > " + pid_file + "; wait $!");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j["run"]["udp_receive_times"] == "kernel");
  CHECK(j["run"]["udp_send_times"] == "kernel");
  std::map<std::string, std::int64_t> received_ns;
  std::set<std::string> sent;
  for (const auto& o : j["observations"]) {
    const auto at = dnswitness::parse_rfc3339(o["sent_at"].get<std::string>());
    REQUIRE(at);
    received_ns[o["qname"]] = at->ns + o["rtt_us"].get<std::int64_t>() * 1000;
    sent.insert(o["sent_at"].get<std::string>());
  }
  REQUIRE(received_ns.size() == 3);
  // The three queries left in one sendmmsg; each keeps the kernel's stamp of its own datagram.
  CHECK(sent.size() == 3);
  // The replies left the server 150 ms or more apart while the client was stopped. Timed when the
  // client woke and read them in one batch, all three would arrive within a millisecond; stamped
  // by the kernel, each keeps its own arrival. The bound is far from both so that a loaded machine
  // (a preempted sendmmsg, a late softirq) cannot move an answer across it.
  CHECK(received_ns["d1.test"] - received_ns["d0.test"] >= 75'000'000);
  CHECK(received_ns["d2.test"] - received_ns["d1.test"] >= 75'000'000);
}

TEST_CASE("-v says each retry, each truncation asked again over TCP and each TLS handshake as it happens") {
  Lab lab;
  const auto r = run_dnswitness(
      "resolve-snapshot --no-ledger -q -v --types AAAA --timeout 300ms --retries 1 --resolver knot=" + lab.knot() +
      " --resolver silent=127.0.0.1:" + lab.get("SILENT_PORT") + " --resolver dot=tls://127.0.0.1:" +
      lab.get("DOT_PORT") + " --ca-file " + lab.get("LAB_CA") + " bigv6.x.com");
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("dnswitness: bigv6.x.com AAAA via knot: truncated over UDP (TC=1") != std::string::npos);
  CHECK(r.err.find("; asking again over TCP") != std::string::npos);
  CHECK(r.err.find("dnswitness: bigv6.x.com AAAA via silent: timeout (") != std::string::npos);
  CHECK(r.err.find("; asking again, attempt 2") != std::string::npos);
  CHECK(r.err.find("dnswitness: DoT: TLS handshake with 127.0.0.1:" + lab.get("DOT_PORT") + " done: TLSv1.") !=
        std::string::npos);
  // Without -v, none of it.
  const auto quiet = run_dnswitness("resolve-snapshot --no-ledger -q --types AAAA --resolver knot=" + lab.knot() +
                                    " bigv6.x.com");
  CHECK(quiet.err.find("asking again") == std::string::npos);
}

TEST_CASE("the preset snapshot against the lab prints a table and exits 0") {
  Lab lab;
  const auto r = run_dnswitness("resolve-snapshot --no-ledger " + lab_args(lab));
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("DOMAIN") != std::string::npos);
  // 11 preset domains x 2 types x 2 resolvers.
  CHECK(r.out.find("44 queries to 2 resolver(s)") != std::string::npos);
  CHECK(r.out.find("twitter.com      A     knot      answer") != std::string::npos);
  CHECK(r.out.find("104.244.42.1 104.244.42.65 104.244.42.129 104.244.42.193") != std::string::npos);
}

TEST_CASE("--json writes the documented schema to stdout") {
  Lab lab;
  const auto r = run_dnswitness("resolve-snapshot --no-ledger --json --domains x.com,nope.x.com " + lab_args(lab));
  REQUIRE(r.exit_code == 0);
  const auto doc = nlohmann::json::parse(r.out);
  REQUIRE(doc.contains("run"));
  CHECK(doc["run"]["kind"] == "run");
  CHECK(doc["run"]["observation_count"] == 8);
  CHECK(doc["run"]["config_hash"].get<std::string>().size() == 64);
  REQUIRE(doc["observations"].size() == 8);
  for (const auto& o : doc["observations"]) {
    for (const char* key : {"qname", "qtype", "resolver", "sent_at", "rtt_us", "transport", "outcome", "rcode",
                            "flags", "answers", "addresses", "query_wire", "response_wire", "run_id"})
      CHECK_MESSAGE(o.contains(key), key);
    for (const char* key : {"name", "protocol", "address", "port"}) CHECK(o["resolver"].contains(key));
    const std::string sent = o["sent_at"];
    CHECK(sent.size() == 30);  // 2026-11-28T11:49:13.244687087Z
    CHECK(sent.back() == 'Z');
    const auto wire = base64_decode(o["response_wire"].get<std::string>());
    REQUIRE(wire);
    const auto decoded = decode_response(*wire, o["qname"], o["qtype"] == "A" ? 1 : 28);
    CHECK(decoded.ok);
    CHECK(nlohmann::json(decoded.addresses) == o["addresses"]);
  }
  CHECK(doc["observations"][0]["qname"] == "x.com");
  CHECK(doc["observations"][0]["outcome"] == "answer");
  CHECK(doc["observations"][4]["qname"] == "nope.x.com");
  CHECK(doc["observations"][4]["outcome"] == "nxdomain");
  CHECK(doc["observations"][4]["rcode"] == "NXDOMAIN");
}

TEST_CASE("--json --out FILE writes the file and the table still goes to stdout") {
  Lab lab;
  TempDir dir;
  const auto r = run_dnswitness("resolve-snapshot --no-ledger --domains t.co --types A --json --out " + (dir / "s.json") + " " +
                                lab_args(lab));
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("t.co") != std::string::npos);
  std::ifstream in(dir / "s.json");
  const auto doc = nlohmann::json::parse(in);
  CHECK(doc["observations"].size() == 2);
  CHECK(doc["observations"][0]["addresses"] == nlohmann::json({"104.244.42.5", "104.244.42.69"}));
}

TEST_CASE("exit 3 when no resolver gives any DNS response; the run is still reported") {
  Lab lab;
  const auto r = run_dnswitness("resolve-snapshot --no-ledger --json --domains x.com --types A --timeout 200 --retries 0 "
                                "--resolver silent=" + lab.odd("SILENT_PORT") + " --resolver closed=" +
                                lab.odd("CLOSED_PORT"));
  CHECK(r.exit_code == 3);
  const auto doc = nlohmann::json::parse(r.out);
  REQUIRE(doc["observations"].size() == 2);
  CHECK(doc["observations"][0]["outcome"] == "timeout");
  CHECK(doc["observations"][1]["outcome"] == "network_error");
  CHECK_FALSE(doc["observations"][0].contains("response_wire"));
  CHECK(r.err.find("no resolver gave any DNS response") != std::string::npos);
}

TEST_CASE("many queries to a closed port are all network errors at once, none a timeout") {
  // UDP datagrams leave in batches (one sendmmsg); the port-unreachable error the kernel reports
  // for one of them must still reach every query of the socket, as with one send per query.
  Lab lab;
  const auto started = std::chrono::steady_clock::now();
  const auto r = run_dnswitness("resolve-snapshot --no-ledger --json --domains a.test,b.test,c.test,d.test,e.test,"
                                "f.test,g.test,h.test --types A,AAAA --timeout 3000 --retries 1 --resolver closed=" +
                                lab.odd("CLOSED_PORT"));
  const auto elapsed = std::chrono::steady_clock::now() - started;
  CHECK(r.exit_code == 3);
  const auto doc = nlohmann::json::parse(r.out);
  REQUIRE(doc["observations"].size() == 16);
  for (const auto& o : doc["observations"]) {
    CAPTURE(o.dump());
    CHECK(o["outcome"] == "network_error");
    CHECK(o["attempts"] == 2);
    // Both attempts ended in the kernel's error, neither waited for the 3 s timeout: read from
    // the recorded exchanges, not from a stopwatch, so a slow machine cannot make it fail.
    REQUIRE(o["prior_exchanges"].size() == 1);
    CHECK(o["prior_exchanges"][0]["result"] == "network_error");
  }
  MESSAGE("16 queries to a closed port in " << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()
                                           << " ms");
}

TEST_CASE("'system' reads the resolv.conf it is given") {
  Lab lab;
  // The lab's resolv.conf names 127.0.0.1 (port 53, where nothing listens): a recorded failure.
  const auto r = run_dnswitness("resolve-snapshot --no-ledger --json --domains x.com --types A --timeout 200 "
                                "--retries 0 --resolver system --resolv-conf " + lab.get("RESOLV_CONF"));
  CHECK(r.exit_code == 3);
  const auto doc = nlohmann::json::parse(r.out);
  REQUIRE(doc["observations"].size() == 1);
  CHECK(doc["observations"][0]["resolver"]["name"] == "system");
  CHECK(doc["observations"][0]["resolver"]["address"] == "127.0.0.1");
  CHECK(doc["observations"][0]["resolver"]["port"] == 53);
}

TEST_CASE("--resolvers-file: one spec a line with comments, added to --resolver; an empty or bad file is exit 2") {
  Lab lab;
  TempDir dir;
  const std::string file = dir / "resolvers.txt";
  write_file(file, "# the lab's two resolvers\n\n  unbound=" + lab.unbound() + "\t\n");
  auto r = run_dnswitness("resolve-snapshot --no-ledger --json --domains x.com --types A --resolver knot=" +
                          lab.knot() + " --resolvers-file " + file);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto doc = nlohmann::json::parse(r.out);
  REQUIRE(doc["observations"].size() == 2);
  CHECK(doc["observations"][0]["resolver"]["name"] == "knot");
  CHECK(doc["observations"][1]["resolver"]["name"] == "unbound");
  write_file(file, "# nothing but a comment\n\n");
  r = run_dnswitness("resolve-snapshot --no-ledger --domains x.com --resolvers-file " + file);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(file + " names no resolver") != std::string::npos);
  write_file(file, "knot=" + lab.knot() + "\n# fine so far\nx.com\n");
  r = run_dnswitness("resolve-snapshot --no-ledger --domains x.com --resolvers-file " + file);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(file + " line 3: ") != std::string::npos);
  r = run_dnswitness("resolve-snapshot --no-ledger --domains x.com --resolvers-file " + (dir / "missing.txt"));
  CHECK(r.exit_code == 2);
}

TEST_CASE("a config file supplies settings and the command line wins") {
  Lab lab;
  TempDir dir;
  {
    std::ofstream cfg(dir / "c.json");
    cfg << R"({"domains": ["t.co"], "types": ["A"], "resolvers": ["knot=)" << lab.knot()
        << R"("], "timeout_ms": 500, "retries": 0})";
  }
  const auto from_file = run_dnswitness("resolve-snapshot --no-ledger --json --config " + (dir / "c.json"));
  REQUIRE(from_file.exit_code == 0);
  auto doc = nlohmann::json::parse(from_file.out);
  REQUIRE(doc["observations"].size() == 1);
  CHECK(doc["observations"][0]["qname"] == "t.co");
  CHECK(doc["run"]["timeout_ms"] == 500);

  const auto overridden = run_dnswitness("resolve-snapshot --no-ledger --json --config " + (dir / "c.json") +
                                         " --domains x.com --types AAAA");
  REQUIRE(overridden.exit_code == 0);
  doc = nlohmann::json::parse(overridden.out);
  REQUIRE(doc["observations"].size() == 1);
  CHECK(doc["observations"][0]["qname"] == "x.com");
  CHECK(doc["observations"][0]["qtype"] == "AAAA");
}

TEST_CASE("bad input gives exit 2, one plain sentence, and writes nothing") {
  Lab lab;
  TempDir dir;
  {
    std::ofstream(dir / "broken.json") << "{\"domains\": [\"x.com\",";
    std::ofstream(dir / "unknown.json") << R"({"domain": ["x.com"]})";
    std::ofstream(dir / "wrongtype.json") << R"({"timeout_ms": "fast"})";
    std::ofstream(dir / "names.txt") << "x.com\n# fine\nbad..name\n";
  }
  const std::string out = dir / "never.json";
  struct Case {
    std::string args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"--domains 'exa mple.com'", "is not a valid domain name"},
      {"--domains bad..name", "empty label"},
      {"--domains " + std::string(64, 'a') + ".com", "longer than 63"},
      {"--preset nosuchpreset", "There is no preset named 'nosuchpreset'"},
      {"--resolver 127.0.0.1:99999", "invalid port"},
      {"--resolver not-an-address", "not a numeric IP address"},
      {"--resolver '[::1:53'", "without its closing"},
      {"--resolver https://dns.example", "has no path"},
      {"--resolver 'https://dns.example/q#x'", "no '?', '#' or spaces"},
      {"--resolver authoritative", "through a recursive resolver"},
      {"--resolver ftp://127.0.0.1", "unknown scheme"},
      {"--resolver a=" + lab.knot() + " --resolver a=" + lab.unbound(), "Two resolvers are named 'a'"},
      {"--types A,BOGUS", "'BOGUS' is not a record type"},
      {"--config " + (dir / "missing.json"), "Cannot read the config file"},
      {"--config " + (dir / "broken.json"), "is not valid JSON"},
      {"--config " + (dir / "unknown.json"), "unknown setting 'domain'"},
      {"--config " + (dir / "wrongtype.json"), "'timeout_ms' must be a whole number"},
      {"--domains-file " + (dir / "names.txt"), "line 3"},
      {"--domains-file " + (dir / "absent.txt"), "Cannot read the domain list"},
      {"--timeout 0", "--timeout"},
      {"--json --out /nonexistent-dir/x.json", "Cannot write to /nonexistent-dir/x.json"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.args);
    const bool has_resolver = c.args.find("--resolver") != std::string::npos ||
                              c.args.find("--config") != std::string::npos;
    const std::string resolver = has_resolver ? "" : " --resolver knot=" + lab.knot();
    const std::string json = c.args.find("--json") != std::string::npos ? "" : " --json --out " + out;
    const auto r = run_dnswitness("resolve-snapshot --no-ledger " + c.args + resolver + json);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(c.message) != std::string::npos);
    CHECK(r.out.empty());
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') <= 2);
    CHECK_FALSE(std::filesystem::exists(out));
  }
}

TEST_CASE("--help teaches: examples, defaults and exit codes") {
  const auto r = run_dnswitness("resolve-snapshot --help");
  CHECK(r.exit_code == 0);
  for (const char* text : {"--resolver", "--preset", "--json", "Examples:", "Exit codes:", "system"})
    CHECK_MESSAGE(r.out.find(text) != std::string::npos, text);
}

TEST_CASE("dnswitness alone prints the usage; a word that is no command names the commands") {
  const auto bare = run_dnswitness("");
  CHECK(bare.exit_code == 2);
  CHECK(bare.out.find("Usage: dnswitness") != std::string::npos);
  const auto typo = run_dnswitness("reslove-snapshot --domains x.com");
  CHECK(typo.exit_code == 2);
  CHECK(typo.err.find("'reslove-snapshot' is not a command") != std::string::npos);
  CHECK(typo.err.find("resolve-snapshot, ") != std::string::npos);
  CHECK(std::count(typo.err.begin(), typo.err.end(), '\n') == 1);
}

TEST_CASE("names as positionals, with --domains too, and a domain list on standard input") {
  Lab lab;
  TempDir dir;
  // Positionals after a repeatable option are names, not more resolvers.
  auto r = run_dnswitness("resolve-snapshot --no-ledger " + lab_args(lab) + " x.com t.co --types A");
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("4 queries to 2 resolver(s)") != std::string::npos);
  CHECK(r.out.find("t.co") != std::string::npos);
  r = run_dnswitness("resolve-snapshot --no-ledger " + lab_args(lab) + " --domains api.x.com x.com --types A");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("4 queries to 2 resolver(s)") != std::string::npos);
  // --domains-file - reads the names from standard input.
  const auto piped = dnswitness::test::run_command("printf 'x.com\\n# a comment\\nt.co\\napi.x.com\\n' | " +
                                                   std::string(DNSWITNESS_BINARY) + " resolve-snapshot --no-ledger " +
                                                   lab_args(lab) + " --domains-file - --types A");
  INFO(piped.err);
  CHECK(piped.exit_code == 0);
  CHECK(piped.out.find("6 queries to 2 resolver(s)") != std::string::npos);
  const auto empty = dnswitness::test::run_command(std::string(DNSWITNESS_BINARY) + " resolve-snapshot --no-ledger " +
                                                   lab_args(lab) + " --domains-file - < /dev/null");
  CHECK(empty.exit_code == 2);
  CHECK(empty.err.find("standard input names no domain") != std::string::npos);
  const auto watch = run_dnswitness("watch --once --ledger " + (dir.path() / "l").string() + " " + lab_args(lab) +
                                    " --domains-file -");
  CHECK(watch.exit_code == 2);
  CHECK(watch.err.find("cannot be used with it") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.path() / "l"));
}
