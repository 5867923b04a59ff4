// Faults against a real ledger file and the lab: kill -9 while a run waits for DNS and while a
// large run is being committed, two runs at once, a held lock, a read-only folder, a full disk and
// a corrupt database file. After each, the ledger is valid (verify-ledger exits 0) and holds every
// run whole or not at all.
#include <doctest/doctest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "support/lab.h"

using namespace dnswitness::test;

namespace {

std::string count(const std::string& ledger, const char* table) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open_v2((ledger + "/ledger.sqlite").c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(h, (std::string("SELECT count(*) FROM ") + table).c_str(), -1, &s, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(s) == SQLITE_ROW);
  const std::string n = std::to_string(sqlite3_column_int64(s, 0));
  sqlite3_finalize(s);
  sqlite3_close(h);
  return n;
}

void expect_valid(const std::string& ledger) {
  const auto v = run_dnswitness("verify-ledger -q --ledger " + ledger);
  CHECK_MESSAGE(v.exit_code == 0, v.err);
}

// Holds the ledger's write lock (BEGIN IMMEDIATE) until destroyed or released.
class LockHolder {
 public:
  explicit LockHolder(const std::string& ledger) {
    REQUIRE(sqlite3_open((ledger + "/ledger.sqlite").c_str(), &db_) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  }
  void release() {
    if (db_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(db_);
    db_ = nullptr;
  }
  ~LockHolder() { release(); }
  LockHolder(const LockHolder&) = delete;
  LockHolder& operator=(const LockHolder&) = delete;

 private:
  sqlite3* db_ = nullptr;
};

// Starts dnswitness in the background; returns its pid.
pid_t spawn(const std::string& args, const std::string& log) {
  const auto r = run_command(std::string(DNSWITNESS_BINARY) + " " + args + " >" + log + " 2>&1 & echo $!");
  REQUIRE(r.exit_code == 0);
  return static_cast<pid_t>(std::stol(r.out));
}

bool alive(pid_t pid) {
  // The shell that started it is gone, so the child is an orphan reaped by init; poll /proc.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const auto close = line.rfind(')');
  return close != std::string::npos && line.size() > close + 2 && line[close + 2] != 'Z';
}

void kill9(pid_t pid) {
  ::kill(pid, SIGKILL);
  for (int i = 0; i < 500 && alive(pid); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

std::string many_names(const TempDir& dir) {
  const std::string path = dir / "names.txt";
  std::ofstream out(path);
  for (int i = 0; i < 200; ++i) out << "n" << i << ".lab.test\n";
  return path;
}

}  // namespace

TEST_CASE("kill -9 while a run waits for DNS: the run is absent, the ledger valid, the next run lands") {
  const Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger";
  REQUIRE(run_dnswitness("resolve-snapshot -q --ledger " + ledger + " --resolver knot=" + lab.knot() +
                         " --domains x.com").exit_code == 0);
  const pid_t pid = spawn("resolve-snapshot -q --ledger " + ledger + " --resolver silent=" + lab.odd("SILENT_PORT") +
                              " --domains x.com --timeout 20000 --retries 0",
                          dir / "log");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  REQUIRE(alive(pid));
  kill9(pid);
  CHECK(count(ledger, "checkpoints") == "1");
  expect_valid(ledger);
  REQUIRE(run_dnswitness("resolve-snapshot -q --ledger " + ledger + " --resolver knot=" + lab.knot() +
                         " --domains x.com").exit_code == 0);
  CHECK(count(ledger, "checkpoints") == "2");
  expect_valid(ledger);
}

TEST_CASE("kill -9 at several moments of appending a large run: each run is whole or absent") {
  const Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger";
  const std::string big = "resolve-snapshot -q --ledger " + ledger + " --domains-file " + many_names(dir) +
                          " --types A,AAAA --resolver knot=" + lab.knot() + " --resolver unbound=" + lab.unbound() +
                          " --resolver knot-tcp=tcp://" + lab.knot() + " --resolver unbound-tcp=tcp://" +
                          lab.unbound();
  const std::size_t leaves_per_run = 1 + 200 * 2 * 4;
  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(run_dnswitness(big).exit_code == 0);
  const auto duration = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  MESSAGE("one run of " << leaves_per_run << " leaves takes " << duration.count() << " ms");
  int absent = 0, whole = 0;
  // Kill at moments spread over a run's length: during DNS, while the 1,601 leaves are written,
  // during the commit, and just after it.
  for (int percent : {20, 40, 50, 60, 70, 80, 90, 100, 110}) {
    CAPTURE(percent);
    const auto before = std::stoul(count(ledger, "checkpoints"));
    const pid_t pid = spawn(big, dir / "log");
    std::this_thread::sleep_for(duration * percent / 100);
    kill9(pid);
    const auto after = std::stoul(count(ledger, "checkpoints"));
    const auto leaves = std::stoul(count(ledger, "leaves"));
    CHECK(leaves == after * leaves_per_run);  // no partial run
    CHECK(after - before <= 1);
    (after == before ? absent : whole) += 1;
    expect_valid(ledger);
  }
  MESSAGE("killed runs: " << absent << " absent, " << whole << " whole");
  REQUIRE(run_dnswitness(big).exit_code == 0);
  expect_valid(ledger);
}

TEST_CASE("two runs started at the same moment both land and the ledger stays valid") {
  const Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger";
  const std::string run = std::string(DNSWITNESS_BINARY) + " resolve-snapshot -q --ledger " + ledger +
                          " --resolver knot=" + lab.knot() + " --domains-file " + many_names(dir);
  // Both start on an empty folder: they must also agree on one key and one origin.
  const auto r = run_command("(" + run + "; echo $? > " + (dir / "rc1") + ") & (" + run + "; echo $? > " +
                             (dir / "rc2") + ") & (" + run + "; echo $? > " + (dir / "rc3") + ") & wait");
  CHECK(r.exit_code == 0);
  for (const char* rc : {"rc1", "rc2", "rc3"}) {
    std::ifstream in(dir / rc);
    std::string code;
    in >> code;
    CHECK_MESSAGE(code == "0", rc << ": " << r.err);
  }
  CHECK(count(ledger, "checkpoints") == "3");
  CHECK(count(ledger, "leaves") == std::to_string(3 * (1 + 200 * 2)));
  expect_valid(ledger);
}

TEST_CASE("a lock held too long gives a clear error, exit 1, and leaves the ledger as it was") {
  const Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger";
  const std::string run = "resolve-snapshot -q --ledger " + ledger + " --resolver knot=" + lab.knot() +
                          " --domains x.com --lock-timeout 1";
  REQUIRE(run_dnswitness(run).exit_code == 0);
  {
    LockHolder lock(ledger);
    const auto r = run_dnswitness(run);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("locked by another dnswitness process") != std::string::npos);
  }
  CHECK(count(ledger, "checkpoints") == "1");
  expect_valid(ledger);
}

TEST_CASE("a read-only ledger folder and a full disk give exit 1 and an unchanged ledger") {
  const Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger";
  const std::string run = std::string(DNSWITNESS_BINARY) + " resolve-snapshot -q --ledger " + ledger +
                          " --resolver knot=" + lab.knot() + " --domains x.com,t.co";
  if (::geteuid() == 0) {
    // root ignores file modes: make the folder read-only with a private read-only bind mount.
    REQUIRE(run_command(run).exit_code == 0);
    const auto r = run_command("unshare -m sh -c 'mount --bind " + ledger + " " + ledger + " && mount -o remount,ro,bind " +
                               ledger + " " + ledger + " && " + run + "'");
    CHECK(r.exit_code == 1);
    CHECK_MESSAGE(r.err.find(ledger) != std::string::npos, r.err);
    CHECK(r.err.find("internal error") == std::string::npos);
    CHECK(count(ledger, "checkpoints") == "1");
    expect_valid(ledger);

    // A full disk: a small tmpfs holding a ledger, filled up before the next run.
    const std::string tiny = dir / "tiny";
    std::filesystem::create_directories(tiny);
    const std::string in_tiny = std::string(DNSWITNESS_BINARY) + " resolve-snapshot -q --ledger " + tiny +
                                "/ledger --resolver knot=" + lab.knot() + " --domains x.com,t.co";
    const auto full = run_command(
        "unshare -m sh -c 'mount -t tmpfs -o size=512k tmpfs " + tiny + " && " + in_tiny + " && " +
        "(dd if=/dev/zero of=" + tiny + "/fill bs=1k 2>/dev/null; true) && " + in_tiny + "; rc=$?; " +
        "rm -f " + tiny + "/fill; " + DNSWITNESS_BINARY + " verify-ledger -q --ledger " + tiny + "/ledger; " +
        "echo rc=$rc verify=$?'");
    CHECK_MESSAGE(full.out.find("rc=1 verify=0") != std::string::npos, (full.out + full.err));
    CHECK(full.err.find("full") != std::string::npos);
  } else {
    REQUIRE(run_command(run).exit_code == 0);
    std::filesystem::permissions(ledger, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    std::filesystem::permissions(ledger + "/ledger.sqlite", std::filesystem::perms::owner_read);
    const auto r = run_command(run);
    std::filesystem::permissions(ledger, std::filesystem::perms::owner_all);
    std::filesystem::permissions(ledger + "/ledger.sqlite",
                                 std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    CHECK(r.exit_code == 1);
    CHECK(count(ledger, "checkpoints") == "1");
    expect_valid(ledger);
    MESSAGE("not root: the full-disk case needs a private tmpfs mount and was not run");
  }
}

TEST_CASE("a corrupt or foreign database file gives a clear error and exit 1, never a crash") {
  const Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger";
  const std::string run = "resolve-snapshot -q --ledger " + ledger + " --resolver knot=" + lab.knot() +
                          " --domains x.com";
  REQUIRE(run_dnswitness(run).exit_code == 0);
  {
    std::fstream f(ledger + "/ledger.sqlite", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(0);
    f << "this is not an SQLite database header, it was overwritten";
  }
  for (const std::string& cmd : {run, "verify-ledger --ledger " + ledger, "history --ledger " + ledger + " x.com",
                                 "reindex --ledger " + ledger}) {
    CAPTURE(cmd);
    const auto r = run_dnswitness(cmd);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("damaged") != std::string::npos);
    CHECK(r.err.find("internal error") == std::string::npos);
  }
  // An SQLite file that is not a ledger.
  const std::string foreign = dir / "foreign";
  std::filesystem::create_directories(foreign);
  REQUIRE(run_command("sqlite3 " + foreign + "/ledger.sqlite 'CREATE TABLE t(x)'").exit_code == 0);
  const auto r = run_dnswitness("verify-ledger --ledger " + foreign);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("not a dnswitness ledger") != std::string::npos);
}
