#include "ledger/migrate.h"

#include <fmt/format.h>

#include <iterator>

#include "dnswitness/version.h"
#include "ledger/cosignatures.h"
#include "ledger/timestamps.h"

namespace dnswitness {
namespace {

namespace fs = std::filesystem;

constexpr const char* kMigrationsSchema = R"sql(
CREATE TABLE migrations(id INTEGER PRIMARY KEY, from_version INTEGER NOT NULL, to_version INTEGER NOT NULL,
                        migrated_at TEXT NOT NULL, backup TEXT NOT NULL, tool_version TEXT NOT NULL);
CREATE TRIGGER migrations_append_only_u BEFORE UPDATE ON migrations BEGIN SELECT RAISE(ABORT, 'migrations are append-only'); END;
CREATE TRIGGER migrations_append_only_d BEFORE DELETE ON migrations BEGIN SELECT RAISE(ABORT, 'migrations are append-only'); END;
)sql";

// One step from `from` to from + 1; the steps run in order, in the caller's transaction.
struct Step {
  int from;
  void (*apply)(Db&);
};

constexpr Step kSteps[] = {
    {1,
     [](Db& db) {
       // Many version 1 ledgers have it already (it used to be added silently): IF NOT EXISTS.
       db.exec(timestamps_schema());
       db.exec(kMigrationsSchema);
     }},
    {2, [](Db& db) { db.exec(cosignatures_schema()); }},
};
static_assert(static_cast<int>(std::size(kSteps)) == kLedgerSchemaVersion - 1,
              "one step per schema version after the first");

// What must come through the copy unchanged: the number of leaves and the last signed tree head.
struct Contents {
  std::int64_t leaves = 0;
  std::int64_t size = 0;
  std::string root;
  bool operator==(const Contents&) const = default;
};

Contents contents_of(Db& db) {
  Stmt s(db,
         "SELECT (SELECT count(*) FROM leaves), (SELECT coalesce(max(size), 0) FROM checkpoints), "
         "(SELECT hex(root) FROM checkpoints ORDER BY size DESC LIMIT 1)");
  s.step("reading the ledger");
  return Contents{s.i64(0), s.i64(1), std::string(s.text(2))};
}

int version_of(Db& db, const fs::path& dir) {
  const auto v = stored_schema_version(db);
  if (!v)
    throw LedgerError(LedgerError::Kind::unreadable,
                      fmt::format("{} is an SQLite file but not a dnswitness ledger (it has no meta table); check "
                                  "the --ledger folder.",
                                  db.path().string()));
  if (*v < 1)
    throw LedgerError(LedgerError::Kind::unreadable,
                      fmt::format("The ledger {} has schema version {}, which no dnswitness ever made; check the "
                                  "--ledger folder.",
                                  dir.string(), *v));
  if (*v > kLedgerSchemaVersion) require_current_schema(*v, dir);  // throws: a newer dnswitness is needed
  return *v;
}

}  // namespace

const char* migrations_schema() { return kMigrationsSchema; }

fs::path migration_backup_folder(const LedgerPaths& paths, int from_version, UtcTime now) {
  fs::path dir = fs::absolute(paths.dir).lexically_normal();
  if (!dir.has_filename()) dir = dir.parent_path();  // "ledger/" names the folder "ledger"
  std::string stamp = format_rfc3339_s(now);        // 2026-11-28T14:23:54Z
  std::erase_if(stamp, [](char c) { return c == '-' || c == ':'; });
  return dir.parent_path() / fmt::format("{}-schema{}-backup-{}", dir.filename().string(), from_version, stamp);
}

MigrationResult migrate_ledger(const LedgerPaths& paths, int busy_timeout_ms, const fs::path& backup_to) {
  std::error_code ec;
  if (!fs::exists(paths.database(), ec))
    throw LedgerError(LedgerError::Kind::io,
                      fmt::format("There is no ledger at {} (no ledger.sqlite); pass --ledger with the folder that "
                                  "holds the ledger to upgrade.",
                                  paths.dir.string()));
  Db db(paths.database(), false, false);
  sqlite3_busy_timeout(db.get(), busy_timeout_ms);
  MigrationResult result;
  result.to_version = kLedgerSchemaVersion;
  result.from_version = version_of(db, paths.dir);
  if (result.from_version == kLedgerSchemaVersion) {
    result.already_current = true;
    return result;
  }

  WriteTransaction tx(db);
  // Another `migrate` may have finished while this one waited for the lock.
  result.from_version = version_of(db, paths.dir);
  if (result.from_version == kLedgerSchemaVersion) {
    result.already_current = true;
    return result;
  }
  const Contents before = contents_of(db);
  const UtcTime now = utc_now();
  // The copy reads through its own connection: this one holds the write lock, which keeps every
  // writer out until the commit but does not stop readers, so the copy is exactly what is upgraded.
  try {
    result.backup = copy_ledger(
        paths, backup_to.empty() ? migration_backup_folder(paths, result.from_version, now) : backup_to,
        busy_timeout_ms);
  } catch (const LedgerError& e) {
    if (e.kind() != LedgerError::Kind::io || !backup_to.empty()) throw;
    throw LedgerError(LedgerError::Kind::io,
                      fmt::format("{} The ledger was not upgraded; name a folder for the backup that you may write "
                                  "with --backup-to FOLDER.",
                                  e.what()));
  }
  {
    Db copy(LedgerPaths{result.backup.dir}.database(), true, false);
    if (contents_of(copy) != before || stored_schema_version(copy) != result.from_version)
      throw LedgerError(LedgerError::Kind::io,
                        fmt::format("The backup {} does not hold what the ledger holds, so the ledger was not "
                                    "upgraded; check the disk, then remove that folder and run migrate again.",
                                    result.backup.dir.string()));
  }

  const std::string backup_path = fs::absolute(result.backup.dir).lexically_normal().string();
  const std::string migrated_at = format_rfc3339_ns(now);
  for (const Step& step : kSteps) {
    if (step.from < result.from_version) continue;
    step.apply(db);
    Stmt row(db,
             "INSERT INTO migrations(from_version, to_version, migrated_at, backup, tool_version) "
             "VALUES (?1, ?2, ?3, ?4, ?5)");
    row.bind(1, std::int64_t{step.from})
        .bind(2, std::int64_t{step.from + 1})
        .bind(3, migrated_at)
        .bind(4, backup_path)
        .bind(5, kToolVersion);
    row.run("recording the migration");
  }
  {
    Stmt version(db, "UPDATE meta SET value = ?1 WHERE key = 'schema_version'");
    version.bind(1, std::to_string(kLedgerSchemaVersion)).run("recording the new schema version");
  }
  tx.commit();
  return result;
}

}  // namespace dnswitness
