// watch under faults it must ride out (issue 15, item 2): the wall clock stepped back and forward
// under libfaketime while runs go on at the interval; --on-change commands that hang while every
// run brings dozens of changes; and SIGHUP with the config replaced by a folder, a FIFO, a file
// that is too big, a dangling link or broken JSON. Timing checks are counts with wide slack.
#include <doctest/doctest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support/child_process.h"
#include "support/lab.h"

using namespace dnswitness::test;
using namespace std::chrono_literals;

namespace {

const char* kFaketimeLib = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

// Replaces the libfaketime control file in one step (never seen empty or half written).
void set_fake_offset(const std::string& control, const std::string& offset) {
  write_file(control + ".new", offset + "\n");
  std::filesystem::rename(control + ".new", control);
}

// This file's limits, on the shared helpers (support/child_process.h).
pid_t start_watch(const std::string& env, const std::string& args, const std::string& out) {
  return start_dnswitness(args, out, env);
}
int wait_watch_exit(pid_t pid, std::chrono::milliseconds limit = 30s) { return wait_child_exit(pid, limit); }
std::size_t occurrences(const std::string& text, const std::string& what) { return count_of(text, what); }
void wait_for_log(const std::string& file, const std::string& what, std::size_t n,
                  std::chrono::milliseconds limit = 20s) {
  wait_for_text(file, what, n, limit);
}

std::vector<std::int64_t> column(const std::string& ledger, const std::string& sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open_v2((ledger + "/ledger.sqlite").c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(h, sql.c_str(), -1, &s, nullptr) == SQLITE_OK);
  std::vector<std::int64_t> out;
  while (sqlite3_step(s) == SQLITE_ROW) out.push_back(sqlite3_column_int64(s, 0));
  sqlite3_finalize(s);
  sqlite3_close(h);
  return out;
}

std::int64_t count_in(const std::string& ledger, const std::string& sql) {
  const auto v = column(ledger, sql);
  REQUIRE(v.size() == 1);
  return v[0];
}

nlohmann::json events_of(const std::string& ledger) {
  const auto listed = run_dnswitness("events --json --ledger " + ledger);
  REQUIRE_MESSAGE(listed.exit_code == 0, listed.err);
  return nlohmann::json::parse(listed.out);
}

void expect_ledger_valid(const std::string& ledger) {
  const auto v = run_dnswitness("verify-ledger -q --ledger " + ledger);
  CHECK_MESSAGE(v.exit_code == 0, v.err);
}

// A DNS server on loopback that answers every A query with a new address (192.0.2.1, .2, ...):
// every run then changes the binding of every name it asks, as many changes as names.
class ChangingServer {
 public:
  ChangingServer() {
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
  ~ChangingServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  void serve() {
    unsigned char q[1500];
    unsigned counter = 0;
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      sockaddr_in client{};
      socklen_t len = sizeof client;
      const ssize_t n = ::recvfrom(fd_, q, sizeof q, 0, reinterpret_cast<sockaddr*>(&client), &len);
      if (n < 17) continue;
      std::size_t end = 12;  // the question's name, then type and class
      while (end < static_cast<std::size_t>(n) && q[end] != 0) end += q[end] + 1u;
      end += 5;
      if (end > static_cast<std::size_t>(n)) continue;
      std::vector<unsigned char> r(q, q + end);
      r[2] = static_cast<unsigned char>(0x84 | (q[2] & 0x01));  // QR, AA, the query's RD
      r[3] = 0x80;                                               // RA, NOERROR
      r[4] = 0, r[5] = 1, r[6] = 0, r[7] = 1, r[8] = r[9] = r[10] = r[11] = 0;
      const bool type_a = q[end - 4] == 0 && q[end - 3] == 1;
      if (type_a) {
        ++counter;
        const unsigned char rr[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 192, 0, 2,
                                    static_cast<unsigned char>(1 + counter % 250)};
        r.insert(r.end(), rr, rr + sizeof rr);
      } else {
        r[7] = 0;
      }
      ::sendto(fd_, r.data(), r.size(), 0, reinterpret_cast<sockaddr*>(&client), len);
    }
  }
  int fd_ = -1, port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace

TEST_CASE("the wall clock stepped back 40 s and forward 40 s: runs go on at the interval, each step is a clock_step event") {
  REQUIRE_MESSAGE(std::filesystem::exists(kFaketimeLib), "libfaketime is missing: run scripts/setup.sh");
  Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger", log = dir / "watch.log", control = dir / "faketime.rc";
  // libfaketime re-reads the offset from `control` at every clock call (FAKETIME_NO_CACHE); the
  // monotonic clocks stay real (FAKETIME_DONT_FAKE_MONOTONIC), as on a machine whose clock is set.
  set_fake_offset(control, "+0");
  const std::string env = "ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 LD_PRELOAD=" +
                          std::string(kFaketimeLib) + " FAKETIME_TIMESTAMP_FILE=" + control +
                          " FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1 DONT_FAKE_MONOTONIC=1";
  const pid_t pid = start_watch(env,
                                "watch --interval 1s --jitter 0 --ntp none --ledger " + ledger + " --resolver knot=" +
                                    lab.knot() + " --domains t.co --types A --log " + log,
                                dir / "out");
  wait_for_log(log, " recorded: ", 2);

  // Back 40 s: before, the watch waited for the wall clock to reach its slot again (40 s, no run).
  std::size_t before = occurrences(read_file(log), " recorded: ");
  auto t0 = std::chrono::steady_clock::now();
  set_fake_offset(control, "-40");
  wait_for_log(log, " recorded: ", before + 4);
  const auto after_back = std::chrono::steady_clock::now() - t0;
  CHECK_MESSAGE(after_back < 15s, "4 runs at a 1 s interval took " << std::chrono::duration<double>(after_back).count()
                                                                   << " s after the clock was stepped back");

  // Forward 40 s: no burst of runs and no delayed run that claims 40 missed runs.
  before = occurrences(read_file(log), " recorded: ");
  t0 = std::chrono::steady_clock::now();
  set_fake_offset(control, "+0");
  wait_for_log(log, " recorded: ", before + 4);
  const auto after_forward = std::chrono::steady_clock::now() - t0;
  CHECK(after_forward < 15s);
  CHECK(after_forward > 2s);  // 4 runs at a 1 s interval, not a burst of missed ones
  ::kill(pid, SIGTERM);
  CHECK(wait_watch_exit(pid) == 0);

  const std::string text = read_file(log);
  INFO(text);
  // About 40 s each way: the step is measured between two readings, so it may print as 39.999 s.
  const auto stepped = [&](const std::string& direction) {
    const std::string said = "the wall clock was stepped " + direction + " by ";
    return text.find(said + "39.") != std::string::npos || text.find(said + "40.") != std::string::npos;
  };
  CHECK(stepped("backward"));
  CHECK(stepped("forward"));
  const auto events = events_of(ledger);
  int backward = 0, forward = 0;
  for (const auto& e : events) {
    if (e["event"] == "clock_step") {
      const auto step = e["step_ns"].get<std::int64_t>();
      if (e["direction"] == "backward" && step < -38'000'000'000 && step > -42'000'000'000) ++backward;
      if (e["direction"] == "forward" && step > 38'000'000'000 && step < 42'000'000'000) ++forward;
      CHECK(e["elapsed_ns"].get<std::int64_t>() >= 0);
      CHECK(e["run_id"].is_string());
    }
    if (e["event"] == "delayed_run") CHECK(e["missed_runs"].get<int>() < 5);
  }
  CHECK(backward == 1);
  CHECK(forward == 1);
  CHECK(count_in(ledger, "SELECT count(*) FROM checkpoints") >= 10);
  const auto listed = run_dnswitness("events --ledger " + ledger);
  // About 40 s, measured between two readings: it may print as 39.999 s (as in the log check above).
  CHECK((listed.out.find("the wall clock was stepped backward by 39.") != std::string::npos ||
         listed.out.find("the wall clock was stepped backward by 40.") != std::string::npos));
  expect_ledger_valid(ledger);
}

TEST_CASE("--on-change commands that hang while every run has 60 changes: runs keep their interval, drops are counted") {
  Lab lab;
  TempDir dir;
  ChangingServer server;
  const std::string ledger = dir / "ledger", log = dir / "watch.log";
  std::string domains;
  for (int i = 0; i < 60; ++i) domains += (domains.empty() ? "" : ",") + ("c" + std::to_string(i) + ".h7f.test");
  // Each call hangs until its 2 s timeout; 4 run at once, so about 2 calls end per second while
  // 60 come per second: the queue of 256 is full after a few runs and the rest are dropped.
  const pid_t pid = start_watch("DNSWITNESS_NTP=none",
                                "watch --interval 1s --jitter 0 --timeout 1000 --retries 0 --ledger " + ledger +
                                    " --resolver changing=" + server.address() + " --domains " + domains +
                                    " --types A --log " + log +
                                    " --on-change 'sleep 100; true h7fmarker' --on-change-timeout 2",
                                dir / "out");
  // Before, the second run's 60 calls alone held the loop for 120 s.
  wait_for_log(log, " recorded: ", 10, 40s);
  wait_for_log(log, "were dropped because 256 were already waiting", 1, 20s);
  wait_for_log(log, "--on-change since", 1, 20s);  // the count recorded with a later run
  ::kill(pid, SIGTERM);
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(wait_watch_exit(pid) == 0);
  CHECK(std::chrono::steady_clock::now() - t0 < 20s);  // running calls get at most 2 s more, then are killed

  const std::string text = read_file(log);
  INFO(text);
  CHECK(text.find("did not finish within 2 s and was stopped") != std::string::npos);
  CHECK(text.find("still running (killed)") != std::string::npos);
  // No hook outlives the watch.
  CHECK(run_command("pgrep -f 'h7f[m]arker'").exit_code == 1);

  std::uint64_t dropped = 0, timed_out = 0;
  for (const auto& e : events_of(ledger)) {
    if (e["event"] != "on_change_problems") continue;
    dropped += e["dropped"].get<std::uint64_t>();
    timed_out += e["timed_out"].get<std::uint64_t>();
    CHECK(e["queue_limit"] == 256);
    CHECK(e["concurrency"] == 4);
  }
  CHECK(dropped > 0);
  CHECK(timed_out > 0);
  // Runs kept coming: the recorded times of one name show no gap of more than a few intervals.
  const auto times = column(ledger, "SELECT time_ns FROM observation_index WHERE qname = 'c0.h7f.test' ORDER BY time_ns");
  REQUIRE(times.size() >= 10);
  std::int64_t longest = 0;
  for (std::size_t i = 1; i < times.size(); ++i) longest = std::max(longest, times[i] - times[i - 1]);
  CHECK_MESSAGE(longest < 6'000'000'000, "longest gap between runs: " << longest / 1e9 << " s");
  expect_ledger_valid(ledger);
}

TEST_CASE("SIGHUP with the config replaced by a folder, a FIFO, a huge file, a dangling link, broken JSON, or naming a FIFO") {
  Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger", log = dir / "watch.log", config = dir / "config.json";
  const auto settings = [&](const std::string& domain) {
    return R"({"resolvers": ["knot=)" + lab.knot() + R"("], "domains": [")" + domain + R"("], "types": ["A"]})";
  };
  write_file(config, settings("t.co"));
  const pid_t pid = start_watch("DNSWITNESS_NTP=none",
                                "watch --interval 1s --jitter 0 --ledger " + ledger + " --config " + config +
                                    " --log " + log,
                                dir / "out");
  wait_for_log(log, " recorded: ", 1);
  std::size_t refused = 0;
  // Each odd config is refused with a sentence saying why, and the watch records on with the old one.
  const auto hup_refused = [&](const std::string& why) {
    ::kill(pid, SIGHUP);
    wait_for_log(log, "settings not reloaded, the previous ones stay in use", ++refused);
    const std::string text = read_file(log);
    CHECK_MESSAGE(text.find(why) != std::string::npos, "no '" << why << "' in " << text);
    wait_for_log(log, " recorded: ", occurrences(text, " recorded: ") + 2);
  };

  std::filesystem::remove(config);
  std::filesystem::create_directory(config);
  hup_refused("The config file " + config + " is a folder");
  std::filesystem::remove(config);

  REQUIRE(::mkfifo(config.c_str(), 0600) == 0);  // no writer: a blocking open would wait for ever
  hup_refused("The config file " + config + " is not a regular file (it is a FIFO)");
  std::filesystem::remove(config);

  write_file(config, "{\"domains\": [\"" + std::string(2 * 1024 * 1024, 'a') + "\"]}");
  hup_refused("The config file " + config + " is larger than 1024 KiB");
  std::filesystem::remove(config);

  std::filesystem::create_symlink(dir / "gone.json", config);
  hup_refused("Cannot read the config file " + config + ": it does not exist");
  std::filesystem::remove(config);

  if (::geteuid() != 0) {  // root reads any file whatever its mode
    write_file(config, settings("t.co"));
    std::filesystem::permissions(config, std::filesystem::perms::none);
    hup_refused("Cannot read the config file " + config + " (");
    std::filesystem::remove(config);
  }

  write_file(config, R"({"resolvers": [)");
  hup_refused("The config file " + config + " is not valid JSON");

  // Files the config names are read on SIGHUP too: a FIFO there is refused just as well.
  const std::string fifo = dir / "named.fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  write_file(config, R"({"resolvers": ["knot=)" + lab.knot() + R"("], "domains_file": ")" + fifo + R"("})");
  hup_refused("The domain list " + fifo + " is not a regular file (it is a FIFO)");
  write_file(config, settings("t.co").substr(0, settings("t.co").size() - 1) + R"(, "ca_file": ")" + fifo + R"("})");
  hup_refused("The CA file " + fifo + " is not a regular file (it is a FIFO)");

  write_file(config, settings("x.com"));
  ::kill(pid, SIGHUP);
  wait_for_log(log, "settings reloaded on SIGHUP (changed)", 1);
  wait_for_log(log, " recorded: ", occurrences(read_file(log), " recorded: ") + 1);
  ::kill(pid, SIGTERM);
  CHECK(wait_watch_exit(pid) == 0);
  CHECK(read_file(log).find("internal error") == std::string::npos);
  CHECK(count_in(ledger, "SELECT count(*) FROM observation_index WHERE qname = 't.co'") >= 10);
  CHECK(count_in(ledger, "SELECT count(*) FROM observation_index WHERE qname = 'x.com'") >= 1);
  expect_ledger_valid(ledger);
}

TEST_CASE("--config naming a folder, a FIFO or a huge file: exit 2 with one sentence, at once, nothing written") {
  Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger", fifo = dir / "fifo.json", huge = dir / "huge.json";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  write_file(huge, std::string(1024 * 1024 + 1, ' '));
  const std::string run = "timeout 20 " + std::string(DNSWITNESS_BINARY) +
                          " resolve-snapshot --ntp none --ledger " + ledger + " --resolver knot=" + lab.knot() +
                          " --domains t.co --types A --config ";
  for (const auto& [config, why] : {std::pair{dir.path().string(), "is a folder"},
                                    std::pair{fifo, "is not a regular file (it is a FIFO)"},
                                    std::pair{std::string("/dev/zero"), "is not a regular file (it is a device)"},
                                    std::pair{huge, "is larger than 1024 KiB"}}) {
    const auto r = run_command(run + config);
    INFO(config << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(why) != std::string::npos);
    CHECK(r.err.find("internal error") == std::string::npos);
  }
  CHECK_FALSE(std::filesystem::exists(std::filesystem::path(ledger) / "ledger.sqlite"));
}
