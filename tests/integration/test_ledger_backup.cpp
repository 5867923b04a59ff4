// backup and migrate through the dnswitness binary: copies taken again and again while `watch`
// appends a run every second (each copy verifies on its own and holds a tree between the sizes
// before and after the copy), and the version 1 test ledger refused by the other commands without
// a byte changing, upgraded by `migrate`, then used like any ledger.
#include <doctest/doctest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "support/child_process.h"
#include "support/lab.h"

using namespace dnswitness::test;
using namespace std::chrono_literals;

namespace fs = std::filesystem;

namespace {

// The first column of the first row of `sql` on the ledger in `folder` ("" if none).
std::string first(const std::string& folder, const std::string& sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open_v2((folder + "/ledger.sqlite").c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_busy_timeout(h, 10000);
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(h, sql.c_str(), -1, &s, nullptr) == SQLITE_OK);
  std::string out;
  if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
    out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  sqlite3_finalize(s);
  sqlite3_close(h);
  return out;
}

std::uint64_t tree_size(const std::string& folder) {
  return std::stoull(first(folder, "SELECT coalesce(max(size), 0) FROM checkpoints"));
}

void exec(const std::string& folder, const std::string& sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open((folder + "/ledger.sqlite").c_str(), &h) == SQLITE_OK);
  const int rc = sqlite3_exec(h, sql.c_str(), nullptr, nullptr, nullptr);
  sqlite3_close(h);
  REQUIRE(rc == SQLITE_OK);
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

// Waits until `file` holds `n` occurrences of `what` (the limit is only a safety net against a
// watch that died, not a claim about speed).
void wait_for(const std::string& file, const std::string& what, std::size_t n) { wait_for_text(file, what, n, 120s); }

// SIGTERM, then the exit code once the run in progress is recorded.
int stop(pid_t pid) {
  ::kill(pid, SIGTERM);
  return wait_child_exit(pid, 120s);
}

// A private copy of the version 1 test ledger (git keeps no modes: the key is made 0600 again).
std::string copy_of_v1(const TempDir& dir) {
  const std::string ledger = dir / "ledger";
  fs::copy(fs::path(DNSWITNESS_TESTDATA_DIR) / "ledger-v1", ledger, fs::copy_options::recursive);
  fs::remove(ledger + "/README.md");
  fs::permissions(ledger + "/keys/ledger.key", fs::perms::owner_read | fs::perms::owner_write);
  return ledger;
}

}  // namespace

TEST_CASE("backup while watch appends a run every second: every copy verifies and lies between before and after") {
  const Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger", log = ledger + "/watch.log";
  fs::create_directory(ledger);
  fs::permissions(ledger, fs::perms::owner_all);
  const pid_t watch = start_dnswitness("watch --interval 1s --jitter 0 --ledger " + ledger + " --resolver knot=" + lab.knot() +
                                " --resolver unbound=" + lab.unbound() + " --domains x.com,t.co,api.x.com --log " + log,
                            dir / "watch.out");
  wait_for(log, " recorded: ", 1);

  for (int i = 0; i < 4; ++i) {
    const std::string copy = dir / ("copy-" + std::to_string(i));
    const std::uint64_t before = tree_size(ledger);
    const auto b = run_dnswitness("backup --ledger " + ledger + " --to " + copy);
    const std::uint64_t after = tree_size(ledger);
    REQUIRE_MESSAGE(b.exit_code == 0, (b.out + b.err));
    CHECK(b.err.find("holds the ledger's private signing key; store it as safely as the original") !=
          std::string::npos);
    CHECK(b.out.find("Not copied (not part of the ledger): watch.log") != std::string::npos);
    CHECK(b.out.find("The copy verifies.") != std::string::npos);

    const auto v = run_dnswitness("verify-ledger --ledger " + copy);
    CHECK_MESSAGE(v.exit_code == 0, (v.out + v.err));
    const std::uint64_t copied = tree_size(copy);
    CHECK(copied > 0);
    CHECK(before <= copied);
    CHECK(copied <= after);
    // backup printed the copy's tree head: the one verify-ledger finds.
    CHECK(b.out.find("  size:   " + std::to_string(copied) + "\n") != std::string::npos);
    const std::string intact = "The ledger is intact: tree size " + std::to_string(copied) + ", root ";
    const auto at = v.out.find(intact);
    REQUIRE_MESSAGE(at != std::string::npos, v.out);
    const auto root_at = at + intact.size();
    CHECK(b.out.find("  root:   " + v.out.substr(root_at, v.out.find(' ', root_at) - root_at) + "\n") !=
          std::string::npos);

    CHECK(mode_of(copy) == 0700);
    CHECK(mode_of(copy + "/keys") == 0700);
    CHECK(mode_of(copy + "/keys/ledger.key") == 0600);
    CHECK(mode_of(copy + "/keys/ledger.pub") == 0600);
    CHECK(read_file(copy + "/keys/ledger.key") == read_file(ledger + "/keys/ledger.key"));
    CHECK_FALSE(fs::exists(copy + "/watch.log"));
    // Let the watch record another run before the next copy.
    wait_for(log, " recorded: ", count_of(read_file(log), " recorded: ") + 1);
  }

  // A target that is there already is never written to; nor is one inside the ledger made.
  const std::string kept = read_file(dir / "copy-0/ledger.sqlite");
  const auto again = run_dnswitness("backup --ledger " + ledger + " --to " + (dir / "copy-0"));
  CHECK(again.exit_code == 2);
  CHECK(again.err.find("already exists and is not an empty folder") != std::string::npos);
  CHECK(count_of(again.err, "\n") == 1);
  CHECK(read_file(dir / "copy-0/ledger.sqlite") == kept);
  const auto inside = run_dnswitness("backup --ledger " + ledger + " --to " + ledger + "/copy");
  CHECK(inside.exit_code == 2);
  CHECK_FALSE(fs::exists(ledger + "/copy"));
  CHECK(run_dnswitness("backup --ledger " + ledger).exit_code == 2);  // --to is required

  CHECK(stop(watch) == 0);
  CHECK(run_dnswitness("verify-ledger -q --ledger " + ledger).exit_code == 0);
}

TEST_CASE("a version 1 ledger: other commands refuse it untouched; migrate backs it up, upgrades and verifies it") {
  const Lab lab;
  TempDir dir;
  const std::string ledger = copy_of_v1(dir);
  const std::string bytes = read_file(ledger + "/ledger.sqlite");
  const std::uint64_t size = tree_size(ledger);
  const std::string root = first(ledger, "SELECT hex(root) FROM checkpoints ORDER BY size DESC LIMIT 1");
  const std::string snapshot = "resolve-snapshot -q --ledger " + ledger + " --resolver knot=" + lab.knot() +
                               " --domains x.com --types A";

  const std::vector<std::string> others = {"verify-ledger", "history x.com", "events", "keygen --show", "reindex",
                                           "backup --to " + (dir / "b")};
  for (const auto& command : others) {
    const auto r = run_dnswitness(command + " --ledger " + ledger);
    INFO(command << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("has schema version 1 and this dnswitness uses version 3; run 'dnswitness migrate --ledger " +
                     ledger + "' to upgrade it (it makes a backup first).") != std::string::npos);
  }
  const auto refused_run = run_dnswitness(snapshot);
  CHECK(refused_run.exit_code == 2);
  CHECK(refused_run.err.find("has schema version 1") != std::string::npos);
  CHECK(read_file(ledger + "/ledger.sqlite") == bytes);
  CHECK_FALSE(fs::exists(dir / "b"));

  const auto m = run_dnswitness("migrate --ledger " + ledger);
  REQUIRE_MESSAGE(m.exit_code == 0, (m.out + m.err));
  const std::string said = "Backed up the ledger (schema version 1) to ";
  const auto at = m.out.find(said);
  REQUIRE_MESSAGE(at != std::string::npos, m.out);
  const std::string backup = m.out.substr(at + said.size(), m.out.find(" before upgrading it.") - at - said.size());
  INFO("backup folder: " << backup);
  CHECK(backup.rfind(ledger + "-schema1-backup-", 0) == 0);
  CHECK(first(backup, "SELECT value FROM meta WHERE key = 'schema_version'") == "1");
  CHECK(read_file(backup + "/keys/ledger.key") == read_file(ledger + "/keys/ledger.key"));
  CHECK(m.out.find("Upgraded the ledger " + ledger + " from schema version 1 to 3.") != std::string::npos);
  CHECK(m.out.find("The upgraded ledger verifies.") != std::string::npos);
  CHECK(m.out.find("  size:   " + std::to_string(size) + "\n") != std::string::npos);
  CHECK(m.err.find("private signing key") != std::string::npos);
  CHECK(first(ledger, "SELECT from_version || '>' || to_version || ' ' || backup FROM migrations") == "1>2 " + backup);
  CHECK(first(ledger, "SELECT hex(root) FROM checkpoints WHERE size = " + std::to_string(size)) == root);

  // The upgraded ledger is an ordinary ledger: it verifies (its RFC 3161 token too), and runs extend it.
  const auto checked = run_dnswitness("verify-ledger --ledger " + ledger);
  CHECK_MESSAGE(checked.exit_code == 0, checked.err);
  CHECK(checked.out.find("1 RFC 3161 time-stamp tokens") != std::string::npos);
  const auto run = run_dnswitness(snapshot);
  CHECK_MESSAGE(run.exit_code == 0, run.err);
  CHECK(tree_size(ledger) > size);
  const auto v = run_dnswitness("verify-ledger -q --ledger " + ledger);
  CHECK_MESSAGE(v.exit_code == 0, v.err);

  const auto again = run_dnswitness("migrate --ledger " + ledger);
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("already has schema version 3, the one this dnswitness uses; nothing to do") !=
        std::string::npos);

  // A ledger from a later dnswitness.
  exec(ledger, "UPDATE meta SET value = '7' WHERE key = 'schema_version'");
  for (const std::string command : {"verify-ledger", "migrate"}) {
    const auto r = run_dnswitness(command + " --ledger " + ledger);
    INFO(command << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("has schema version 7, newer than version 3 that this dnswitness uses; use a newer "
                     "dnswitness") != std::string::npos);
  }
}
