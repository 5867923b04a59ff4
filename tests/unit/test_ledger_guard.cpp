// The tree-head guard (ledger/guard.h) on real files: atomic writes at mode 0600 without leftovers,
// a valid, an edited, a symlinked and an oversized guard, and the store's rules: the guard follows
// every append, an older guard the database extends is brought forward, a rolled-back or missing
// database under a guard is refused before anything is signed or created.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "ledger/backup.h"
#include "ledger/guard.h"
#include "ledger/leaves.h"
#include "ledger/store.h"
#include "support/lab.h"

using namespace dnswitness;
using dnswitness::test::read_file;
using dnswitness::test::TempDir;
using dnswitness::test::write_file;
namespace fs = std::filesystem;

namespace {

RunLeaves guard_unit_run(std::int64_t t0) {
  RunRecord record;
  record.run_id = new_run_id();
  record.started_at = UtcTime{t0};
  record.finished_at = UtcTime{t0 + 1'000'000};
  record.tool_version = "0.1.0";
  record.hostname = "test";
  return make_run_leaves(record, {});
}

Ed25519PrivateKey guard_unit_key(LedgerStore& store) {
  bool created = false;
  return store.load_or_create_key(&created);
}

}  // namespace

TEST_CASE("guard files: written atomically at 0600, read back valid; edited, symlinked, oversized are damaged") {
  TempDir dir;
  const auto key = Ed25519PrivateKey::generate();
  const std::string note = sign_checkpoint(Checkpoint{"guard.test/1", 3, Hash{}}, key);
  const fs::path file = dir.path() / "checkpoint";
  CHECK(read_guard_file(file, "guard.test/1", key.public_key()).state == GuardFile::State::absent);
  write_guard_file(file, note);
  write_guard_file(file, note);  // over an existing one
  CHECK(read_file(file) == note);
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path())) ++entries;
  CHECK(entries == 1);

  const GuardFile ok = read_guard_file(file, "guard.test/1", key.public_key());
  REQUIRE(ok.state == GuardFile::State::valid);
  CHECK(ok.head->size == 3);
  CHECK(!ok.written_at.empty());
  CHECK(read_guard_file(file, "other.origin", key.public_key()).state == GuardFile::State::damaged);
  CHECK(read_guard_file(file, "guard.test/1", Ed25519PrivateKey::generate().public_key()).state ==
        GuardFile::State::damaged);

  std::string edited = note;
  edited[edited.find("\n3\n") + 1] = '4';
  write_file(file, edited);
  const GuardFile bad = read_guard_file(file, "guard.test/1", key.public_key());
  CHECK(bad.state == GuardFile::State::damaged);
  CHECK(!bad.why.empty());
  REQUIRE(peek_guard_file(file));
  CHECK(peek_guard_file(file)->size == 4);  // messages can still say what it claims

  // A late writer never moves the guard back to a smaller tree head.
  write_guard_file(file, note);
  const std::string smaller = sign_checkpoint(Checkpoint{"guard.test/1", 2, Hash{}}, key);
  CHECK_FALSE(advance_guard_file(file, smaller, 2));
  CHECK(read_file(file) == note);
  const std::string larger = sign_checkpoint(Checkpoint{"guard.test/1", 5, Hash{}}, key);
  CHECK(advance_guard_file(file, larger, 5));
  CHECK(read_file(file) == larger);

  write_file(dir.path() / "real", note);
  fs::remove(file);
  fs::create_symlink(dir.path() / "real", file);
  CHECK(read_guard_file(file, "guard.test/1", key.public_key()).state == GuardFile::State::damaged);
  fs::remove(file);
  write_file(file, std::string(kMaxGuardBytes + 10, 'a'));
  CHECK(read_guard_file(file, "guard.test/1", key.public_key()).state == GuardFile::State::damaged);
}

TEST_CASE("the store keeps the guard at its last tree head and refuses a database that does not extend it") {
  TempDir dir;
  const LedgerPaths paths{dir.path() / "ledger"};
  std::string first_note;
  std::string third_note;
  {
    LedgerStore store(paths, LedgerStore::Mode::read_write, "guard.test/store");
    const auto key = guard_unit_key(store);
    first_note = store.append_run(guard_unit_run(1'700'000'000'000'000'000), key).note;
    CHECK(read_file(paths.checkpoint_guard()) == first_note);
    store.append_run(guard_unit_run(1'700'000'001'000'000'000), key);
    third_note = store.append_run(guard_unit_run(1'700'000'002'000'000'000), key).note;
    CHECK(read_file(paths.checkpoint_guard()) == third_note);

    // A kill between a commit and the guard's write: the database extends the older guard.
    write_file(paths.checkpoint_guard(), first_note);
    const auto fourth = store.append_run(guard_unit_run(1'700'000'003'000'000'000), key);
    CHECK(fourth.size == 4);
    CHECK(read_file(paths.checkpoint_guard()) == fourth.note);

    // A guard the database does not hold (signed by the key, but another tree): refused.
    const std::string other = sign_checkpoint(Checkpoint{"guard.test/store", 4, Hash{}}, key);
    write_file(paths.checkpoint_guard(), other);
    CHECK_THROWS_AS(store.append_run(guard_unit_run(1'700'000'004'000'000'000), key), LedgerError);
    CHECK(store.size() == 4);
    CHECK(read_file(paths.checkpoint_guard()) == other);
    write_file(paths.checkpoint_guard(), fourth.note);
  }
  // A backup carries the guard; its database equals it.
  const LedgerCopy copy = copy_ledger(paths, dir.path() / "backup", 5000);
  CHECK(copy.key_files == std::vector<std::string>{"checkpoint", "ledger.key", "ledger.pub"});
  CHECK(read_file(LedgerPaths{copy.dir}.checkpoint_guard()) == read_file(paths.checkpoint_guard()));
  {
    LedgerStore restored(LedgerPaths{copy.dir}, LedgerStore::Mode::read_write, {});
    const auto key = guard_unit_key(restored);
    CHECK(restored.append_run(guard_unit_run(1'700'000'009'000'000'000), key).size == 5);
  }
  // The database deleted under the guard: refused before anything is created.
  fs::rename(paths.database(), dir.path() / "moved.sqlite");
  try {
    LedgerStore again(paths, LedgerStore::Mode::read_write, {});
    FAIL("a missing database under a guard must be refused");
  } catch (const LedgerError& e) {
    CHECK(e.kind() == LedgerError::Kind::integrity);
    CHECK(std::string(e.what()).find("last signed tree head 4") != std::string::npos);
    CHECK(std::string(e.what()).find("does not exist") != std::string::npos);
  }
  CHECK(!fs::exists(paths.database()));

  // --new-ledger's move: everything into retired-<time>/, nothing deleted.
  const auto moved = retire_ledger_files(paths);
  REQUIRE(moved);
  CHECK(fs::exists(*moved / "keys" / "checkpoint"));
  CHECK(fs::exists(*moved / "keys" / "ledger.key"));
  CHECK(!fs::exists(paths.keys_dir()));
  CHECK(!retire_ledger_files(paths));
  LedgerStore fresh(paths, LedgerStore::Mode::read_write, "guard.test/new");
  const auto key = guard_unit_key(fresh);
  CHECK(fresh.append_run(guard_unit_run(1'700'000'005'000'000'000), key).size == 1);
}
