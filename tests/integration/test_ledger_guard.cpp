// The tree-head guard (keys/checkpoint, ledger/guard.h): a ledger database that is emptied,
// replaced by a foreign SQLite file, deleted or rolled back (a lost WAL) while the guard stays is
// refused with exit 4 and nothing is signed; a deleted or edited guard is a warning and a refusal
// to sign until `verify-ledger --restore-guard`; a kill between the commit and the guard's write is
// caught up; `--new-ledger` starts over without deleting anything.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>

#include "support/lab.h"

using namespace dnswitness::test;
namespace fs = std::filesystem;

namespace {

// One value from the ledger's database (read-only), "" when there is no row.
std::string guard_test_query(const std::string& ledger, const std::string& sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open_v2((ledger + "/ledger.sqlite").c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(h, sql.c_str(), -1, &s, nullptr) == SQLITE_OK);
  std::string out;
  if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
    out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  sqlite3_finalize(s);
  sqlite3_close(h);
  return out;
}

std::string last_note(const std::string& ledger) {
  return guard_test_query(ledger, "SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1");
}
std::string checkpoint_count(const std::string& ledger) {
  return guard_test_query(ledger, "SELECT count(*) FROM checkpoints");
}
std::string guard_of(const std::string& ledger) { return read_file(ledger + "/keys/checkpoint"); }

struct GuardLedger {
  const Lab lab;
  TempDir dir;
  std::string ledger = dir / "ledger";
  std::string run_args = "resolve-snapshot -q --ledger " + ledger + " --resolver knot=" + lab.knot() +
                         " --domains x.com";
  CommandResult run() const { return run_dnswitness(run_args); }
  void runs(int n) const {
    for (int i = 0; i < n; ++i) REQUIRE(run().exit_code == 0);
  }
};

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("the guard follows every run and verify-ledger checks the database against it") {
  const GuardLedger g;
  for (int i = 1; i <= 5; ++i) {
    const auto r = g.run();
    REQUIRE(r.exit_code == 0);
    CHECK(!has(r.err, "guard"));
    CHECK(guard_of(g.ledger) == last_note(g.ledger));
  }
  CHECK(guard_test_query(g.ledger, "SELECT value FROM meta WHERE key = 'guard_issued'") == "1");
  // Four writers at once: each commits in turn, and the guard ends at the last tree head, never behind.
  std::string four;
  for (int i = 0; i < 4; ++i) four += std::string(DNSWITNESS_BINARY) + " " + g.run_args + " & ";
  REQUIRE(run_command(four + "wait").exit_code == 0);
  CHECK(checkpoint_count(g.ledger) == "9");
  CHECK(guard_of(g.ledger) == last_note(g.ledger));
  CHECK((fs::status(g.ledger + "/keys/checkpoint").permissions() & fs::perms::others_read) == fs::perms::none);
  const auto v = run_dnswitness("verify-ledger --ledger " + g.ledger);
  CHECK_MESSAGE(v.exit_code == 0, v.err);
  CHECK(has(v.out, "tree-head guard"));
  CHECK(v.err.empty());
}

TEST_CASE("a ledger database emptied, replaced, deleted or rolled back under the guard: exit 4, nothing signed") {
  const GuardLedger g;
  g.runs(2);
  const std::string db = g.ledger + "/ledger.sqlite";
  const std::string kept_db = g.dir / "two-runs.sqlite";
  fs::copy_file(db, kept_db);
  g.runs(3);
  const std::string guard = guard_of(g.ledger);
  REQUIRE(checkpoint_count(g.ledger) == "5");
  const std::string size = guard_test_query(g.ledger, "SELECT max(size) FROM checkpoints");
  const std::string saved = g.dir / "saved.sqlite";
  fs::copy_file(db, saved);

  const auto expect_refused = [&](const char* what, const std::string& holds) {
    CAPTURE(what);
    const auto r = g.run();
    CHECK(r.exit_code == 4);
    CHECK_MESSAGE(has(r.err, "last signed tree head " + size), r.err);
    CHECK_MESSAGE(has(r.err, holds), r.err);
    CHECK(has(r.err, "nothing was signed"));
    CHECK(has(r.err, "--new-ledger"));
    CHECK(guard_of(g.ledger) == guard);
    const auto v = run_dnswitness("verify-ledger --ledger " + g.ledger);
    CHECK(v.exit_code == 4);
    CHECK_MESSAGE(has(v.err, "NOT intact"), v.err);
    CHECK(has(v.err, "tree head " + size));
  };

  SUBCASE("emptied") {
    write_file(db, "");
    expect_refused("emptied", "is empty");
    CHECK(fs::file_size(db) == 0);
  }
  SUBCASE("replaced by an SQLite file without the ledger's tables") {
    fs::remove(db);
    REQUIRE(run_command("sqlite3 " + db + " 'CREATE TABLE t(x)'").exit_code == 0);
    expect_refused("foreign", "holds no ledger");
    CHECK(guard_test_query(g.ledger, "SELECT count(*) FROM sqlite_master") == "1");
  }
  SUBCASE("deleted") {
    fs::remove(db);
    expect_refused("deleted", "does not exist");
    CHECK(!fs::exists(db));
  }
  SUBCASE("rolled back: the WAL holding the last three runs is lost") {
    // What deleting a WAL with committed runs leaves: the main file as of an earlier checkpoint.
    fs::copy_file(kept_db, db, fs::copy_options::overwrite_existing);
    fs::remove(db + "-wal");
    fs::remove(db + "-shm");
    expect_refused("rolled back", "lost signed leaves");
    CHECK(checkpoint_count(g.ledger) == "2");
  }

  // Putting the right database back resolves it; the guard was never touched.
  fs::copy_file(saved, db, fs::copy_options::overwrite_existing);
  fs::remove(db + "-wal");
  fs::remove(db + "-shm");
  CHECK(g.run().exit_code == 0);
  CHECK(checkpoint_count(g.ledger) == "6");
  CHECK(guard_of(g.ledger) == last_note(g.ledger));
}

TEST_CASE("the guard deleted: a warning, no signature, until verify-ledger --restore-guard") {
  const GuardLedger g;
  g.runs(2);
  fs::remove(g.ledger + "/keys/checkpoint");
  const auto r = g.run();
  CHECK(r.exit_code == 4);
  CHECK_MESSAGE(has(r.err, "is missing although this ledger had one"), r.err);
  CHECK(has(r.err, "nothing was signed"));
  CHECK(has(r.err, "verify-ledger --restore-guard"));
  CHECK(checkpoint_count(g.ledger) == "2");
  CHECK(!fs::exists(g.ledger + "/keys/checkpoint"));

  const auto v = run_dnswitness("verify-ledger --ledger " + g.ledger);
  CHECK(v.exit_code == 0);
  CHECK_MESSAGE(has(v.err, "warning: the tree-head guard"), v.err);
  CHECK(!fs::exists(g.ledger + "/keys/checkpoint"));

  const auto restore = run_dnswitness("verify-ledger --restore-guard --ledger " + g.ledger);
  CHECK_MESSAGE(restore.exit_code == 0, restore.err);
  CHECK(has(restore.out, "written again"));
  CHECK(guard_of(g.ledger) == last_note(g.ledger));
  CHECK(g.run().exit_code == 0);
  CHECK(checkpoint_count(g.ledger) == "3");
}

TEST_CASE("the guard edited: a warning, no signature, until verify-ledger --restore-guard keeps it aside") {
  const GuardLedger g;
  g.runs(2);
  std::string edited = guard_of(g.ledger);
  const auto nl = edited.find('\n');
  REQUIRE(nl != std::string::npos);
  edited[nl + 1] = edited[nl + 1] == '1' ? '2' : '1';  // the tree size
  write_file(g.ledger + "/keys/checkpoint", edited);
  const auto r = g.run();
  CHECK(r.exit_code == 4);
  CHECK_MESSAGE(has(r.err, "is damaged"), r.err);
  CHECK(has(r.err, "nothing was signed"));
  CHECK(has(r.err, "verify-ledger --restore-guard"));
  CHECK(checkpoint_count(g.ledger) == "2");
  CHECK(guard_of(g.ledger) == edited);

  const auto v = run_dnswitness("verify-ledger --ledger " + g.ledger);
  CHECK(v.exit_code == 0);
  CHECK_MESSAGE(has(v.err, "is damaged"), v.err);

  const auto restore = run_dnswitness("verify-ledger --restore-guard --ledger " + g.ledger);
  CHECK_MESSAGE(restore.exit_code == 0, restore.err);
  CHECK(guard_of(g.ledger) == last_note(g.ledger));
  int kept = 0;
  for (const auto& e : fs::directory_iterator(g.ledger + "/keys"))
    if (e.path().filename().string().starts_with("checkpoint.damaged-")) {
      ++kept;
      CHECK(read_file(e.path()) == edited);
    }
  CHECK(kept == 1);
  CHECK(g.run().exit_code == 0);
}

TEST_CASE("killed between the commit and the guard's write: the database extends the guard, which is brought forward") {
  const GuardLedger g;
  g.runs(2);
  const std::string older = guard_of(g.ledger);
  g.runs(2);
  write_file(g.ledger + "/keys/checkpoint", older);
  const auto v = run_dnswitness("verify-ledger --ledger " + g.ledger);
  CHECK_MESSAGE(v.exit_code == 0, v.err);
  CHECK(has(v.out, "the ledger extends it"));
  const auto r = g.run();
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(has(r.err, "brought the tree-head guard"));
  CHECK(guard_of(g.ledger) == last_note(g.ledger));
  CHECK(checkpoint_count(g.ledger) == "5");
}

TEST_CASE("a ledger made before guards gets one once, with one notice; an older guard restored with it is refused") {
  const GuardLedger g;
  g.runs(2);
  fs::remove(g.ledger + "/keys/checkpoint");
  REQUIRE(run_command("sqlite3 " + g.ledger + "/ledger.sqlite \"DELETE FROM meta WHERE key = 'guard_issued'\"")
              .exit_code == 0);
  const auto v = run_dnswitness("verify-ledger --ledger " + g.ledger);
  CHECK(v.exit_code == 0);
  CHECK(v.err.empty());
  const auto first = g.run();
  CHECK_MESSAGE(first.exit_code == 0, first.err);
  CHECK(has(first.err, "note: kept the last signed tree head"));
  CHECK(guard_of(g.ledger) == last_note(g.ledger));
  const auto second = g.run();
  CHECK(second.exit_code == 0);
  CHECK(!has(second.err, "note:"));
  CHECK(guard_test_query(g.ledger, "SELECT value FROM meta WHERE key = 'guard_issued'") == "1");
}

TEST_CASE("--new-ledger moves the old database and keys away and starts a new origin") {
  const GuardLedger g;
  g.runs(2);
  const std::string old_origin = guard_test_query(g.ledger, "SELECT value FROM meta WHERE key = 'origin'");
  const std::string old_key = read_file(g.ledger + "/keys/ledger.key");
  write_file(g.ledger + "/ledger.sqlite", "");  // the fork case: refused until a deliberate fresh start
  REQUIRE(g.run().exit_code == 4);
  const auto r = run_dnswitness(g.run_args + " --new-ledger");
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(has(r.err, "moved the old ledger's database and keys to " + g.ledger + "/retired-"));
  std::string retired;
  for (const auto& e : fs::directory_iterator(g.ledger))
    if (e.path().filename().string().starts_with("retired-")) retired = e.path().string();
  REQUIRE(!retired.empty());
  CHECK(read_file(retired + "/keys/ledger.key") == old_key);
  CHECK(fs::exists(retired + "/keys/checkpoint"));
  CHECK(fs::exists(retired + "/ledger.sqlite"));
  CHECK(read_file(g.ledger + "/keys/ledger.key") != old_key);
  CHECK(guard_test_query(g.ledger, "SELECT value FROM meta WHERE key = 'origin'") != old_origin);
  CHECK(checkpoint_count(g.ledger) == "1");
  CHECK(guard_of(g.ledger) == last_note(g.ledger));
  CHECK(run_dnswitness("verify-ledger -q --ledger " + g.ledger).exit_code == 0);
  CHECK(run_dnswitness(g.run_args + " --new-ledger --no-ledger").exit_code == 2);
}

TEST_CASE("watch refuses to sign over an emptied database too, and --new-ledger starts it over") {
  const GuardLedger g;
  g.runs(2);
  const std::string guard = guard_of(g.ledger);
  write_file(g.ledger + "/ledger.sqlite", "");
  const std::string watch = "watch --once -q --timeout 1000 --retries 0 --ledger " + g.ledger +
                            " --resolver knot=" + g.lab.knot() + " --domains x.com";
  const auto r = run_dnswitness(watch);
  CHECK(r.exit_code == 4);
  CHECK_MESSAGE(has(r.err, "is empty"), r.err);
  CHECK(has(r.err, "nothing was signed"));
  CHECK(guard_of(g.ledger) == guard);
  CHECK(fs::file_size(g.ledger + "/ledger.sqlite") == 0);
  const auto fresh = run_dnswitness(watch + " --new-ledger");
  CHECK_MESSAGE(fresh.exit_code == 0, fresh.err);
  CHECK(has(fresh.err, "retired-"));
  CHECK(checkpoint_count(g.ledger) == "1");
  CHECK(guard_of(g.ledger) == last_note(g.ledger));
}
