// watch against the lab: the number of runs at a 1 s interval, one event per changed address set
// with --on-change, SIGTERM in the middle of a run, a resolver outage and its recovery, and a gap
// left by a suspended watch that status and events report. Names under h7w*.lab.test are this
// file's own (added and removed through Knot's control socket), so other tests are not disturbed.
#include <doctest/doctest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "support/child_process.h"
#include "support/lab.h"

using namespace dnswitness::test;
using namespace std::chrono_literals;

namespace {

std::string knotc(const Lab& lab) { return "knotc -s " + lab.get("KNOT_CONTROL"); }

// Replaces every A record of NAME.lab.test in Knot by `addresses` (none: the name goes away).
void set_a(const Lab& lab, const std::string& name, const std::vector<std::string>& addresses) {
  const std::string c = knotc(lab);
  std::string cmd = c + " zone-begin lab.test && (" + c + " zone-unset lab.test " + name + " A || true)";
  for (const auto& a : addresses) cmd += " && " + c + " zone-set lab.test " + name + " 300 A " + a;
  cmd += " && " + c + " zone-commit lab.test";
  const auto r = run_command(cmd + " >/dev/null");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
}

// Each test's own limits, on the shared helpers (support/child_process.h).
pid_t start(const std::string& args, const std::string& log) { return start_dnswitness(args, log); }
int wait_exit(pid_t pid, std::chrono::milliseconds limit = 20s) { return wait_child_exit(pid, limit); }
void wait_for(const std::string& file, const std::string& what, std::size_t n, std::chrono::milliseconds limit = 10s) {
  wait_for_text(file, what, n, limit);
}

std::int64_t scalar(const std::string& ledger, const std::string& sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open_v2((ledger + "/ledger.sqlite").c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(h, sql.c_str(), -1, &s, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(s) == SQLITE_ROW);
  const auto v = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(h);
  return v;
}

std::int64_t runs_in(const std::string& ledger) { return scalar(ledger, "SELECT count(*) FROM checkpoints"); }

void expect_valid(const std::string& ledger) {
  const auto v = run_dnswitness("verify-ledger -q --ledger " + ledger);
  CHECK_MESSAGE(v.exit_code == 0, v.err);
}

// A UDP relay on loopback in front of the lab's Knot that can be switched off: a resolver whose
// outage the test controls without touching the lab's shared servers.
class Relay {
 public:
  explicit Relay(int upstream_port) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    up_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    upstream_.sin_family = AF_INET;
    upstream_.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    upstream_.sin_port = htons(static_cast<std::uint16_t>(upstream_port));
    thread_ = std::thread([this] { loop(); });
  }
  ~Relay() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
    ::close(up_);
  }
  int port() const { return port_; }
  void set_down(bool down) { down_ = down; }

 private:
  void loop() {
    char buf[4096];
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      sockaddr_in client{};
      socklen_t len = sizeof client;
      const ssize_t n = ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&client), &len);
      if (n <= 0 || down_) continue;  // down: the query is swallowed, the client times out
      ::sendto(up_, buf, static_cast<std::size_t>(n), 0, reinterpret_cast<sockaddr*>(&upstream_), sizeof upstream_);
      pollfd q{up_, POLLIN, 0};
      if (::poll(&q, 1, 1000) <= 0) continue;
      const ssize_t m = ::recv(up_, buf, sizeof buf, 0);
      if (m > 0) ::sendto(fd_, buf, static_cast<std::size_t>(m), 0, reinterpret_cast<sockaddr*>(&client), len);
    }
  }
  int fd_ = -1, up_ = -1, port_ = 0;
  sockaddr_in upstream_{};
  std::atomic<bool> down_{false}, stop_{false};
  std::thread thread_;
};

}  // namespace

TEST_CASE("watch at 1 s: the expected runs, one event per changed address set passed to --on-change, and "
          "every run's summary to --on-run") {
  Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger", log = dir / "watch.log", hook_out = dir / "hooks";
  const std::string run_out = dir / "runs", jsonl = dir / "leaves.jsonl";
  set_a(lab, "h7wa", {"192.0.2.71"});
  set_a(lab, "h7wb", {"192.0.2.81"});
  // The hook appends each event it gets on stdin to one file, one JSON per line.
  const pid_t pid = start("watch --interval 1s --count 3 --jitter 0 --ledger " + ledger + " --resolver knot=" +
                              lab.knot() + " --domains h7wa.lab.test,h7wb.lab.test --types A --log " + log +
                              " --on-change 'cat >> " + hook_out + "' --on-run 'cat >> " + run_out + "' --jsonl --out " + jsonl,
                          dir / "out");
  wait_for(log, " recorded: ", 1);
  set_a(lab, "h7wa", {"192.0.2.72", "192.0.2.73"});  // h7wb stays as it is
  CHECK(wait_exit(pid) == 0);
  set_a(lab, "h7wa", {});
  set_a(lab, "h7wb", {});

  CHECK(runs_in(ledger) == 3);
  CHECK(count_of(read_file(log), " recorded: ") == 3);
  // --on-run: one summary per run, in order, each recorded with its tree size.
  {
    std::istringstream lines(read_file(run_out));
    std::string line;
    std::vector<nlohmann::json> runs;
    while (std::getline(lines, line)) runs.push_back(nlohmann::json::parse(line));
    REQUIRE(runs.size() == 3);
    std::set<std::string> ids;
    for (std::size_t i = 0; i < runs.size(); ++i) {
      CAPTURE(i);
      CHECK(runs[i]["event"] == "run");
      CHECK(runs[i]["recorded"] == true);
      CHECK(runs[i]["responded"] == true);
      CHECK(runs[i]["observations"] == 2);
      CHECK(runs[i]["outcomes"]["answer"] == 2);
      ids.insert(runs[i]["run_id"].get<std::string>());
      CHECK(read_file(log).find("run " + runs[i]["run_id"].get<std::string>() + " recorded") != std::string::npos);
    }
    CHECK(ids.size() == 3);
    CHECK(runs[0]["tree_size"] == 3);
    CHECK(runs[1]["tree_size"] > runs[0]["tree_size"]);
    CHECK(runs[2]["tree_size"] > runs[1]["tree_size"]);
    CHECK(runs[0]["changes"].get<int>() + runs[1]["changes"].get<int>() + runs[2]["changes"].get<int>() == 1);
  }
  const std::string hooks = read_file(hook_out);
  REQUIRE(count_of(hooks, "\n") == 1);
  const auto e = nlohmann::json::parse(hooks);
  CHECK(e["event"] == "binding_change");
  CHECK(e["qname"] == "h7wa.lab.test");
  CHECK(e["resolver"] == "knot");
  CHECK(e["previous"]["addresses"] == nlohmann::json::array({"192.0.2.71"}));
  CHECK(e["current"]["addresses"] == nlohmann::json::array({"192.0.2.72", "192.0.2.73"}));
  CHECK(e["added"] == nlohmann::json::array({"192.0.2.72", "192.0.2.73"}));
  CHECK(e["removed"] == nlohmann::json::array({"192.0.2.71"}));
  CHECK(read_file(dir / "out").find("change: h7wa.lab.test A at knot: 192.0.2.71 -> 192.0.2.72 192.0.2.73") !=
        std::string::npos);

  // The event is a leaf of the ledger, listed by `events`, and the ledger verifies.
  const auto listed = run_dnswitness("events --json --ledger " + ledger);
  REQUIRE(listed.exit_code == 0);
  const auto events = nlohmann::json::parse(listed.out);
  REQUIRE(events.size() == 1);
  CHECK(events[0]["leaf_index"] == e["leaf_index"]);
  CHECK(events[0]["current"] == e["current"]);
  const auto none = run_dnswitness("events --since 2099-01-01T00:00:00Z --ledger " + ledger);
  CHECK(none.out.find("No event") != std::string::npos);
  expect_valid(ledger);

  // --jsonl --out: every leaf of the ledger once, as its exact bytes, per run its observations, its
  // events, then its run record; a later watch appends, and --jsonl alone writes on stdout.
  const auto leaves_of = [&ledger] {
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open_v2((ledger + "/ledger.sqlite").c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    REQUIRE(sqlite3_prepare_v2(h, "SELECT data FROM leaves ORDER BY idx", -1, &s, nullptr) == SQLITE_OK);
    std::vector<std::string> out;
    while (sqlite3_step(s) == SQLITE_ROW)
      out.emplace_back(static_cast<const char*>(sqlite3_column_blob(s, 0)),
                       static_cast<std::size_t>(sqlite3_column_bytes(s, 0)));
    sqlite3_finalize(s);
    sqlite3_close(h);
    return out;
  };
  const auto lines_of = [](const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  };
  const auto kinds_of = [](const std::vector<std::string>& lines) {
    std::string k;
    for (const auto& l : lines) k += nlohmann::json::parse(l)["kind"].get<std::string>().substr(0, 1);
    return k;
  };
  std::vector<std::string> streamed = lines_of(read_file(jsonl));
  std::vector<std::string> stored = leaves_of();
  REQUIRE(stored.size() == 10);  // 3 runs of 2 observations, and the one change
  CHECK(kinds_of(streamed) == "oorooeroor");
  CHECK(std::multiset<std::string>(streamed.begin(), streamed.end()) ==
        std::multiset<std::string>(stored.begin(), stored.end()));
  CHECK(nlohmann::json::parse(streamed[5])["event"] == "binding_change");
  const auto once = run_dnswitness("watch --once -q --jsonl --ledger " + ledger + " --resolver knot=" + lab.knot() +
                                   " --domains a.lab.test --types A");
  REQUIRE_MESSAGE(once.exit_code == 0, once.err);
  const auto printed = lines_of(once.out);
  CHECK(kinds_of(printed) == "or");
  stored = leaves_of();
  REQUIRE(stored.size() == 12);
  CHECK(printed[0] == stored[11]);  // a run's leaves are its run record, then its observations
  CHECK(printed[1] == stored[10]);
  const auto again = run_dnswitness("watch --once -q --jsonl --out " + jsonl + " --ledger " + ledger +
                                    " --resolver knot=" + lab.knot() + " --domains a.lab.test --types A");
  REQUIRE_MESSAGE(again.exit_code == 0, again.err);
  CHECK(again.out.empty());
  streamed = lines_of(read_file(jsonl));
  CHECK(kinds_of(streamed) == "oorooerooror");
  CHECK(streamed.back() == leaves_of()[12]);
  const auto stray = run_dnswitness("watch --once --out " + jsonl + " --ledger " + ledger);
  CHECK(stray.exit_code == 2);
  CHECK(stray.err.find("add --jsonl") != std::string::npos);
}

TEST_CASE("SIGTERM in the middle of a run: the run is finished and recorded, the ledger verifies, exit 0") {
  Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger", log = dir / "watch.log";
  // Each run waits 1.5 s for the silent server, so most of every 2 s interval is spent inside a run.
  const pid_t pid = start("watch --interval 2s --jitter 0 --timeout 1500 --retries 0 --ledger " + ledger +
                              " --resolver silent=" + lab.odd("SILENT_PORT") + " --resolver knot=" + lab.knot() +
                              " --domains t.co --types A --log " + log,
                          dir / "out");
  wait_for(log, " recorded: ", 1);
  std::this_thread::sleep_for(800ms);  // the second run started 0.5 s after the first was recorded
  ::kill(pid, SIGTERM);
  CHECK(wait_exit(pid) == 0);
  CHECK(runs_in(ledger) == 2);
  CHECK(read_file(log).find("watch stopped by SIGTERM after 2 run(s)") != std::string::npos);
  expect_valid(ledger);
}

TEST_CASE("a resolver outage is recorded as timeouts, makes no event, and the resolver recovers") {
  Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger";
  Relay relay(lab.port("KNOT_PORT"));
  const std::string once = "watch --once -q --timeout 300 --retries 0 --ledger " + ledger +
                           " --resolver relay=127.0.0.1:" + std::to_string(relay.port()) + " --resolver knot=" +
                           lab.knot() + " --domains t.co --types A";
  CHECK(run_dnswitness(once).exit_code == 0);
  relay.set_down(true);
  const auto down = run_dnswitness(once);
  CHECK(down.exit_code == 0);  // knot still answered
  CHECK(down.err.empty());
  const auto status = run_dnswitness("status --ledger " + ledger);
  CHECK(status.out.find("relay: 1 of 1 without a response (1 timeout)") != std::string::npos);
  relay.set_down(false);
  CHECK(run_dnswitness(once).exit_code == 0);

  CHECK(scalar(ledger, "SELECT count(*) FROM observation_index WHERE resolver='relay' AND outcome='timeout'") == 1);
  CHECK(scalar(ledger, "SELECT count(*) FROM observation_index WHERE resolver='relay' AND outcome='answer'") == 2);
  CHECK(run_dnswitness("status --ledger " + ledger).out.find("none in the last run") != std::string::npos);
  // The outage is not a change of binding: no event at all.
  CHECK(run_dnswitness("events --json --ledger " + ledger).out.find("binding_change") == std::string::npos);

  // Every resolver down: the run is still recorded, and --once says so with exit 3.
  relay.set_down(true);
  const auto all_down = run_dnswitness("watch --once -q --timeout 300 --retries 0 --ledger " + ledger +
                                       " --resolver relay=127.0.0.1:" + std::to_string(relay.port()) +
                                       " --domains t.co --types A");
  CHECK(all_down.exit_code == 3);
  CHECK(all_down.err.find("no resolver gave any DNS response") != std::string::npos);
  CHECK(runs_in(ledger) == 4);
  expect_valid(ledger);
}

TEST_CASE("a suspended watch leaves a gap that status reports, and a delayed_run event") {
  Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger", log = dir / "watch.log";
  const pid_t pid = start("watch --interval 1s --jitter 0 --ledger " + ledger + " --resolver knot=" + lab.knot() +
                              " --domains t.co --types A --log " + log,
                          dir / "out");
  wait_for(log, " recorded: ", 1);
  ::kill(pid, SIGSTOP);
  std::this_thread::sleep_for(2500ms);
  ::kill(pid, SIGCONT);
  wait_for(log, " recorded: ", 3);
  ::kill(pid, SIGINT);
  CHECK(wait_exit(pid) == 0);

  const auto status = run_dnswitness("status --interval 1s --ledger " + ledger);
  REQUIRE(status.exit_code == 0);
  INFO(status.out);
  CHECK(status.out.find("gaps:             1 longer than 2 x 1s (--interval)") != std::string::npos);
  const auto json = nlohmann::json::parse(run_dnswitness("status --json --interval 1s --ledger " + ledger).out);
  REQUIRE(json["gaps"].size() == 1);
  CHECK(json["gaps"][0]["seconds"].get<int>() >= 2);
  const auto events = nlohmann::json::parse(run_dnswitness("events --json --ledger " + ledger).out);
  REQUIRE(events.size() == 1);
  CHECK(events[0]["event"] == "delayed_run");
  CHECK(events[0]["missed_runs"].get<int>() >= 1);
  expect_valid(ledger);
}

TEST_CASE("watch --tsa: each run's signed tree head is time-stamped by the lab's TSA") {
  Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger";
  const auto r = run_dnswitness("watch --once -q --ledger " + ledger + " --resolver knot=" + lab.knot() +
                                " --domains t.co --types A --tsa " + lab.get("TSA_URL") + " --tsa-ca " +
                                lab.get("TSA_CA"));
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(scalar(ledger, "SELECT count(*) FROM timestamps WHERE size = 2 AND gen_time IS NOT NULL") == 1);
  expect_valid(ledger);
}

TEST_CASE("watch takes resolve-snapshot's run options: DoH with --ca-file, authoritative with --client-subnet, pacing") {
  Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger";
  const auto r = run_dnswitness("watch --once -q --ledger " + ledger + " --resolver u=" + lab.unbound() +
                                " --resolver doh=" + lab.get("DOH_URL") + " --ca-file " + lab.get("LAB_CA") +
                                " --resolver authoritative --authoritative-port " + lab.get("GEO_KNOT_PORT") +
                                " --client-subnet 49.96.0.0/24 --domains www.geo.test --types A --concurrency 2 --qps 50");
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  // The DoH server's certificate verified against --ca-file (else the outcome would be tls_error).
  CHECK(scalar(ledger, "SELECT count(*) FROM observation_index WHERE resolver='doh' AND qname='www.geo.test' "
                       "AND outcome='answer'") == 1);
  // The geoip server's answer for the subnet sent, not the one every other client gets.
  CHECK(scalar(ledger, "SELECT count(*) FROM observation_index WHERE resolver LIKE '%/ecs=49.96.0.0/24' "
                       "AND addresses='198.51.100.10'") == 1);
  expect_valid(ledger);
}

TEST_CASE("SIGHUP reloads --config; a broken config is reported and the previous settings stay") {
  Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger", log = dir / "watch.log", config = dir / "config.json";
  const auto settings = [&](const std::string& domain) {
    return R"({"resolvers": ["knot=)" + lab.knot() + R"("], "domains": [")" + domain + R"("], "types": ["A"]})";
  };
  write_file(config, settings("t.co"));
  const pid_t pid = start("watch --interval 1s --jitter 0 --ledger " + ledger + " --config " + config + " --log " + log,
                          dir / "out");
  wait_for(log, " recorded: ", 1);
  write_file(config, "{\"domains\": 5}");
  ::kill(pid, SIGHUP);
  wait_for(log, "settings not reloaded", 1);
  write_file(config, settings("x.com"));
  ::kill(pid, SIGHUP);
  wait_for(log, "settings reloaded on SIGHUP (changed)", 1);
  const auto before = count_of(read_file(log), " recorded: ");
  wait_for(log, " recorded: ", before + 1);
  ::kill(pid, SIGTERM);
  CHECK(wait_exit(pid) == 0);
  CHECK(read_file(dir / "out").find("settings not reloaded, the previous ones stay in use") != std::string::npos);
  CHECK(scalar(ledger, "SELECT count(*) FROM observation_index WHERE qname = 'x.com'") >= 1);
  CHECK(scalar(ledger, "SELECT count(*) FROM observation_index WHERE qname = 't.co'") >= 1);
  expect_valid(ledger);
}
