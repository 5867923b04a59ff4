// copy_ledger on real files: the copy is one self-contained database file with the same signed
// contents, the keys are the owner's only, it verifies; a target that exists and is not empty, or
// lies inside the ledger, is refused without a file being touched. (Copies taken while `watch`
// writes: tests/integration/test_ledger_backup.cpp.)
#include <doctest/doctest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "crypto/ed25519.h"
#include "ledger/backup.h"
#include "ledger/migrate.h"
#include "ledger/store.h"
#include "ledger/verify.h"
#include "support/lab.h"

using namespace dnswitness;
using dnswitness::test::read_file;
using dnswitness::test::TempDir;
using dnswitness::test::write_file;

namespace fs = std::filesystem;

namespace {

// A current ledger with runs and a token in it: the version 1 test ledger, upgraded.
LedgerPaths ledger_in(const TempDir& dir) {
  const LedgerPaths paths{dir.path() / "ledger"};
  fs::copy(fs::path(DNSWITNESS_TESTDATA_DIR) / "ledger-v1", paths.dir, fs::copy_options::recursive);
  fs::remove(paths.dir / "README.md");
  fs::permissions(paths.private_key(), fs::perms::owner_read | fs::perms::owner_write);
  migrate_ledger(paths, 5000, dir.path() / "before-upgrade");
  return paths;
}

// The first column of every row of `sql`, one line each.
std::string query(const fs::path& db_file, const std::string& sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open_v2(db_file.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(h, sql.c_str(), -1, &s, nullptr) == SQLITE_OK);
  std::string out;
  while (sqlite3_step(s) == SQLITE_ROW) {
    const auto* t = sqlite3_column_text(s, 0);
    out += std::string(t ? reinterpret_cast<const char*>(t) : "NULL") + '\n';
  }
  sqlite3_finalize(s);
  sqlite3_close(h);
  return out;
}

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

constexpr const char* kSigned =
    "SELECT idx || hex(hash) || hex(data) FROM leaves UNION ALL "
    "SELECT size || hex(root) || note FROM checkpoints UNION ALL SELECT hex(response) FROM timestamps";

LedgerError::Kind refused_kind(const LedgerPaths& from, const fs::path& to) {
  try {
    copy_ledger(from, to, 1000);
  } catch (const LedgerError& e) {
    return e.kind();
  }
  FAIL("the copy was made");
  return LedgerError::Kind::io;
}

}  // namespace

TEST_CASE("a copy: one plain database file with the same signed contents, keys 0600 in a 0700 folder, verifies") {
  TempDir dir;
  const LedgerPaths from = ledger_in(dir);
  write_file(from.dir / "watch.log", "a log line\n");
  write_file(from.dir / "ntp-state.json", "{}");
  const fs::path to = dir.path() / "backups" / "monday";  // its parent is made too

  const LedgerCopy copy = copy_ledger(from, to, 5000);
  CHECK(copy.dir == to);
  CHECK(copy.key_files == std::vector<std::string>{"ledger.key", "ledger.pub"});
  CHECK(copy.left_out == std::vector<std::string>{"ntp-state.json", "watch.log"});
  CHECK(copy.warnings.empty());

  const LedgerPaths back{to};
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(to)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"keys", "ledger.sqlite"});  // no -wal, -journal or .partial
  CHECK(query(back.database(), "PRAGMA journal_mode") == "delete\n");
  CHECK(query(back.database(), kSigned) == query(from.database(), kSigned));
  CHECK(query(back.database(), "PRAGMA page_size") == query(from.database(), "PRAGMA page_size"));
  CHECK(mode_of(to) == 0700);
  CHECK(mode_of(back.keys_dir()) == 0700);
  CHECK(mode_of(back.private_key()) == 0600);
  CHECK(mode_of(back.public_key()) == 0600);
  CHECK(read_file(back.private_key()) == read_file(from.private_key()));
  CHECK(read_file(back.public_key()) == read_file(from.public_key()));

  LedgerStore store(back, LedgerStore::Mode::read_only);
  CHECK(store.origin() == "dnswitness.test/ledger-v1");
  const auto v = verify_ledger(store, Ed25519PublicKey::load_pem_file(back.public_key()));
  CHECK_MESSAGE(v.ok, v.failure);
  CHECK(v.leaves == 11);
}

TEST_CASE("an empty folder is a fine target; an existing file, a non-empty folder or the ledger's inside are not") {
  TempDir dir;
  const LedgerPaths from = ledger_in(dir);
  const std::string db_before = read_file(from.database());

  fs::create_directory(dir.path() / "empty");
  CHECK(copy_ledger(from, dir.path() / "empty", 5000).key_files.size() == 2);

  fs::create_directory(dir.path() / "full");
  write_file(dir.path() / "full" / "precious.txt", "keep me");
  CHECK(refused_kind(from, dir.path() / "full") == LedgerError::Kind::usage);
  CHECK(read_file(dir.path() / "full" / "precious.txt") == "keep me");
  CHECK_FALSE(fs::exists(dir.path() / "full" / "ledger.sqlite"));

  write_file(dir.path() / "a-file", "x");
  CHECK(refused_kind(from, dir.path() / "a-file") == LedgerError::Kind::usage);
  CHECK(read_file(dir.path() / "a-file") == "x");

  CHECK(refused_kind(from, from.dir / "backup") == LedgerError::Kind::usage);
  CHECK(refused_kind(from, from.dir / "." / "keys" / ".." / "x") == LedgerError::Kind::usage);
  CHECK(refused_kind(from, from.dir) == LedgerError::Kind::usage);
  CHECK_FALSE(fs::exists(from.dir / "backup"));

  // A folder that holds no ledger: nothing is made at the target.
  CHECK(refused_kind(LedgerPaths{dir.path() / "nothing"}, dir.path() / "copy") == LedgerError::Kind::io);
  CHECK_FALSE(fs::exists(dir.path() / "copy"));
  CHECK(read_file(from.database()) == db_before);
}
