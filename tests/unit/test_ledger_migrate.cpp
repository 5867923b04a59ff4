// Schema versions on real files: a version 1 ledger made by dnswitness before version 2 existed
// (tests/data/ledger-v1, copied before use) is refused by every open without a byte changing, a
// newer one too; migrate keeps every leaf, tree head, token and signature, records itself, leaves a
// version 1 backup, gives the schema of a new ledger, and does nothing the second time.
#include <doctest/doctest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <iterator>
#include <string>
#include <vector>

#include "crypto/ed25519.h"
#include "dnswitness/version.h"
#include "ledger/cosignatures.h"
#include "ledger/migrate.h"
#include "ledger/store.h"
#include "ledger/cosignatures.h"
#include "ledger/timestamps.h"
#include "ledger/verify.h"
#include "support/lab.h"

using namespace dnswitness;
using dnswitness::test::read_file;
using dnswitness::test::TempDir;

namespace fs = std::filesystem;

namespace {

// A private copy of the version 1 ledger (git keeps no file modes: the key is made 0600 again).
LedgerPaths copy_of_v1(const TempDir& dir) {
  const LedgerPaths paths{dir.path() / "ledger"};
  fs::copy(fs::path(DNSWITNESS_TESTDATA_DIR) / "ledger-v1", paths.dir, fs::copy_options::recursive);
  fs::remove(paths.dir / "README.md");
  fs::permissions(paths.dir, fs::perms::owner_all);
  fs::permissions(paths.keys_dir(), fs::perms::owner_all);
  fs::permissions(paths.private_key(), fs::perms::owner_read | fs::perms::owner_write);
  return paths;
}

// Every row of `sql`, one line per row, columns separated by '|'.
std::string dump(const fs::path& db_file, const std::string& sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open_v2(db_file.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  REQUIRE_MESSAGE(sqlite3_prepare_v2(h, sql.c_str(), -1, &s, nullptr) == SQLITE_OK, sqlite3_errmsg(h));
  std::string out;
  while (sqlite3_step(s) == SQLITE_ROW) {
    for (int i = 0; i < sqlite3_column_count(s); ++i) {
      const auto* t = sqlite3_column_text(s, i);
      out += (i ? "|" : "") + std::string(t ? reinterpret_cast<const char*>(t) : "NULL");
    }
    out += '\n';
  }
  sqlite3_finalize(s);
  sqlite3_close(h);
  return out;
}

void exec(const fs::path& db_file, const std::string& sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db_file.c_str(), &h) == SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &err);
  INFO(sql << " -> " << (err ? err : ""));
  sqlite3_free(err);
  sqlite3_close(h);
  REQUIRE(rc == SQLITE_OK);
}

// Everything signed or derived from what was signed, byte for byte.
constexpr const char* kSigned =
    "SELECT 'leaf', idx, hex(hash), hex(data) FROM leaves UNION ALL "
    "SELECT 'tree head', size, hex(root), note || hex(compact_range) || run_id FROM checkpoints UNION ALL "
    "SELECT 'index', leaf_index, qname, addresses FROM observation_index UNION ALL "
    "SELECT 'token', id, status, hex(response) || hex(chain) FROM timestamps";
constexpr const char* kSchemaSql = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name";

// The message of the LedgerError that opening `paths` in `mode` throws, after checking its kind.
std::string refusal(const LedgerPaths& paths, LedgerStore::Mode mode) {
  try {
    LedgerStore store(paths, mode);
  } catch (const LedgerError& e) {
    CHECK(e.kind() == LedgerError::Kind::usage);
    return e.what();
  }
  FAIL("the ledger was opened");
  return {};
}

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

std::ptrdiff_t entries_in(const fs::path& dir) {
  return std::distance(fs::directory_iterator(dir), fs::directory_iterator());
}

}  // namespace

TEST_CASE("a version 1 ledger is refused by every kind of open, and not a byte of it changes") {
  TempDir dir;
  const LedgerPaths paths = copy_of_v1(dir);
  const std::string before = read_file(paths.database());
  REQUIRE(dump(paths.database(), "SELECT value FROM meta WHERE key = 'schema_version'") == "1\n");
  for (const auto mode : {LedgerStore::Mode::read_only, LedgerStore::Mode::read_write}) {
    const std::string why = refusal(paths, mode);
    CHECK(why.find("has schema version 1 and this dnswitness uses version 3") != std::string::npos);
    CHECK(why.find("run 'dnswitness migrate --ledger " + paths.dir.string() + "'") != std::string::npos);
    CHECK(why.find("backup first") != std::string::npos);
  }
  CHECK(read_file(paths.database()) == before);
}

TEST_CASE("a ledger newer than this dnswitness is refused, naming both versions; migrate refuses it too") {
  TempDir dir;
  const LedgerPaths paths{dir.path() / "ledger"};
  { LedgerStore store(paths, LedgerStore::Mode::read_write, "future"); }
  exec(paths.database(), "UPDATE meta SET value = '4' WHERE key = 'schema_version'");
  const std::string before = read_file(paths.database());
  for (const auto mode : {LedgerStore::Mode::read_only, LedgerStore::Mode::read_write}) {
    const std::string why = refusal(paths, mode);
    CHECK(why.find("has schema version 4, newer than version 3 that this dnswitness uses") != std::string::npos);
    CHECK(why.find("use a newer dnswitness") != std::string::npos);
  }
  try {
    migrate_ledger(paths, 1000);
    FAIL("migrate changed a newer ledger");
  } catch (const LedgerError& e) {
    CHECK(e.kind() == LedgerError::Kind::usage);
    CHECK(std::string(e.what()).find("use a newer dnswitness") != std::string::npos);
  }
  CHECK(read_file(paths.database()) == before);
  CHECK(entries_in(dir.path()) == 1);  // no backup was made

  exec(paths.database(), "UPDATE meta SET value = 'two' WHERE key = 'schema_version'");
  try {
    LedgerStore store(paths, LedgerStore::Mode::read_only);
    FAIL("opened a ledger without a readable version");
  } catch (const LedgerError& e) {
    CHECK(e.kind() == LedgerError::Kind::unreadable);
    CHECK(std::string(e.what()).find("no readable schema version") != std::string::npos);
  }
}

TEST_CASE("migrate 1 -> 2 keeps every leaf, tree head, token and signature, records itself, backs up first") {
  TempDir dir;
  const LedgerPaths paths = copy_of_v1(dir);
  const std::string signed_before = dump(paths.database(), kSigned);
  REQUIRE(signed_before.find("tree head|") != std::string::npos);
  REQUIRE(signed_before.find("token|1|granted") != std::string::npos);
  const UtcTime started = utc_now();

  const MigrationResult m = migrate_ledger(paths, 5000);
  CHECK_FALSE(m.already_current);
  CHECK(m.from_version == 1);
  CHECK(m.to_version == 3);
  CHECK(m.backup.dir.parent_path() == fs::absolute(paths.dir).parent_path());
  CHECK(m.backup.dir.filename().string().rfind("ledger-schema1-backup-", 0) == 0);
  CHECK(m.backup.key_files == std::vector<std::string>{"ledger.key", "ledger.pub"});

  // What was signed is untouched, and checks out with the ledger's own key.
  CHECK(dump(paths.database(), kSigned) == signed_before);
  {
    LedgerStore store(paths, LedgerStore::Mode::read_only);
    const auto v = verify_ledger(store, Ed25519PublicKey::load_pem_file(paths.public_key()));
    CHECK_MESSAGE(v.ok, v.failure);
    CHECK(v.leaves == 11);
    CHECK(v.signatures == 2);
    CHECK(v.consistency_proofs == 1);
    CHECK(read_timestamps(store.db()).size() == 1);
  }
  // The migration's own row.
  const std::string backup_path = fs::absolute(m.backup.dir).lexically_normal().string();
  CHECK(dump(paths.database(), "SELECT from_version, to_version, backup, tool_version FROM migrations") ==
        "1|2|" + backup_path + "|" + kToolVersion + "\n2|3|" + backup_path + "|" + kToolVersion + "\n");
  const auto at = parse_rfc3339(dump(paths.database(), "SELECT migrated_at FROM migrations").substr(0, 30));
  REQUIRE(at);
  CHECK(at->ns >= started.ns - 1'000'000'000);
  // Bookkeeping rows are append-only, like leaves.
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(paths.database().c_str(), &h) == SQLITE_OK);
  CHECK(sqlite3_exec(h, "UPDATE migrations SET backup = 'elsewhere'", nullptr, nullptr, nullptr) != SQLITE_OK);
  CHECK(sqlite3_exec(h, "DELETE FROM migrations", nullptr, nullptr, nullptr) != SQLITE_OK);
  sqlite3_close(h);

  // The backup is the ledger as it was: version 1, the same contents, keys for the owner only.
  const LedgerPaths backup{m.backup.dir};
  CHECK(dump(backup.database(), "SELECT value FROM meta WHERE key = 'schema_version'") == "1\n");
  CHECK(dump(backup.database(), kSigned) == signed_before);
  CHECK(dump(backup.database(), "SELECT count(*) FROM sqlite_master WHERE name = 'migrations'") == "0\n");
  CHECK(mode_of(backup.keys_dir()) == 0700);
  CHECK(mode_of(backup.private_key()) == 0600);
  CHECK(read_file(backup.private_key()) == read_file(paths.private_key()));
  // Being a plain (rollback journal) file, it would show any write at once, even a switch to WAL:
  // this dnswitness refuses it before that.
  const std::string backup_bytes = read_file(backup.database());
  CHECK(refusal(backup, LedgerStore::Mode::read_write).find("has schema version 1") != std::string::npos);
  CHECK(read_file(backup.database()) == backup_bytes);
  CHECK(dump(backup.database(), "PRAGMA journal_mode") == "delete\n");

  // The upgraded ledger has exactly the schema of a new one.
  TempDir fresh;
  { LedgerStore store(LedgerPaths{fresh.path()}, LedgerStore::Mode::read_write, "fresh"); }
  CHECK(dump(paths.database(), kSchemaSql) == dump(LedgerPaths{fresh.path()}.database(), kSchemaSql));

  // The second time there is nothing to do, and no second backup.
  const MigrationResult again = migrate_ledger(paths, 5000);
  CHECK(again.already_current);
  CHECK(again.from_version == 3);
  CHECK(again.backup.dir.empty());
  CHECK(entries_in(dir.path()) == 2);
}

TEST_CASE("a version 1 ledger made before the timestamps table gains it with the upgrade") {
  TempDir dir;
  const LedgerPaths paths = copy_of_v1(dir);
  exec(paths.database(),
       "DROP TRIGGER timestamps_append_only_u; DROP TRIGGER timestamps_append_only_d; DROP TABLE timestamps");
  const MigrationResult m = migrate_ledger(paths, 5000);
  CHECK(m.from_version == 1);
  TempDir fresh;
  { LedgerStore store(LedgerPaths{fresh.path()}, LedgerStore::Mode::read_write, "fresh"); }
  CHECK(dump(paths.database(), kSchemaSql) == dump(LedgerPaths{fresh.path()}.database(), kSchemaSql));
  LedgerStore store(paths, LedgerStore::Mode::read_only);
  CHECK(read_timestamps(store.db()).empty());
}

TEST_CASE("a version 2 ledger gains the cosignatures table, and nothing it held changes") {
  TempDir dir;
  const LedgerPaths paths = copy_of_v1(dir);
  REQUIRE_FALSE(migrate_ledger(paths, 5000).already_current);
  // The same ledger as version 2 made it: no cosignatures table, schema_version 2, one migration row.
  exec(paths.database(),
       "DROP TRIGGER cosignatures_append_only_u; DROP TRIGGER cosignatures_append_only_d; "
       "DROP INDEX cosignatures_by_size; DROP TABLE cosignatures; "
       "UPDATE meta SET value = '2' WHERE key = 'schema_version'");
  const std::string signed_before = dump(paths.database(), kSigned);
  CHECK(refusal(paths, LedgerStore::Mode::read_only).find("has schema version 2 and this dnswitness uses version 3") !=
        std::string::npos);
  const MigrationResult m = migrate_ledger(paths, 5000, dir.path() / "v2-backup");
  CHECK(m.from_version == 2);
  CHECK(m.to_version == 3);
  CHECK(dump(paths.database(), kSigned) == signed_before);
  // The row of the first upgrade (1 to 3 made a 2-to-3 row too) and this one's.
  CHECK(dump(paths.database(), "SELECT count(*) FROM migrations WHERE from_version = 2 AND to_version = 3") == "2\n");
  TempDir fresh;
  { LedgerStore store(LedgerPaths{fresh.path()}, LedgerStore::Mode::read_write, "fresh"); }
  CHECK(dump(paths.database(), kSchemaSql) == dump(LedgerPaths{fresh.path()}.database(), kSchemaSql));
  LedgerStore store(paths, LedgerStore::Mode::read_only);
  CHECK(read_cosignatures(store.db()).empty());
}

TEST_CASE("a backup folder that is there already stops the upgrade before anything changes") {
  TempDir dir;
  const LedgerPaths paths = copy_of_v1(dir);
  const std::string before = read_file(paths.database());
  fs::create_directory(dir.path() / "taken");
  test::write_file(dir.path() / "taken" / "file", "x");
  try {
    migrate_ledger(paths, 5000, dir.path() / "taken");
    FAIL("migrated without a backup");
  } catch (const LedgerError& e) {
    CHECK(e.kind() == LedgerError::Kind::usage);
  }
  CHECK(read_file(paths.database()) == before);
  CHECK(dump(paths.database(), "SELECT value FROM meta WHERE key = 'schema_version'") == "1\n");

  const MigrationResult m = migrate_ledger(paths, 5000, dir.path() / "chosen");
  CHECK(m.backup.dir == dir.path() / "chosen");
  CHECK(dump(LedgerPaths{dir.path() / "chosen"}.database(), "SELECT count(*) FROM leaves") == "11\n");
}

TEST_CASE("the backup folder of a migration is named after the ledger folder, the old version and the time") {
  const auto t = parse_rfc3339("2026-11-28T14:23:54.5Z");
  REQUIRE(t);
  CHECK(migration_backup_folder(LedgerPaths{"/srv/dnswitness/ledger"}, 1, *t) ==
        fs::path("/srv/dnswitness/ledger-schema1-backup-20261128T142354Z"));
  CHECK(migration_backup_folder(LedgerPaths{"/srv/dnswitness/ledger/"}, 1, *t) ==
        fs::path("/srv/dnswitness/ledger-schema1-backup-20261128T142354Z"));
}
