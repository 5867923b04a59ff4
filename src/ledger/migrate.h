#pragma once
// Schema migrations of the ledger database, and the table that records them.
//
// Role: bring a ledger of an older schema version up to kLedgerSchemaVersion in place. The write
// lock is taken first (no run can slip in), then the ledger is copied with copy_ledger to a
// sibling folder named after the old version and the time, the copy is checked to hold the same
// leaves and last tree head, and every step runs in that one transaction together with its row in
// `migrations` and the new schema_version: the ledger is upgraded whole or not at all, and the
// copy stays as it was, readable by the dnswitness that made it.
//
// Migrations never touch leaves, checkpoints, index rows or time-stamp rows: what was signed stays
// byte for byte.
//
// Version 2 (from 1): the timestamps table and its triggers are part of the schema (a version 1
// ledger made before they existed gets them here), and `migrations` exists:
//   migrations(id INTEGER PRIMARY KEY, from_version INTEGER, to_version INTEGER,
//              migrated_at TEXT,     RFC 3339 (ns), this machine's clock
//              backup TEXT,          absolute path of the copy made before the migration
//              tool_version TEXT)    the dnswitness that migrated
// Rows are append-only (triggers). They are bookkeeping, not evidence: they are not in the tree.
//
// Ownership: opens its own connections. Thread-safety: none needed (no shared state); several
// processes are serialised by SQLite's write lock.
#include <filesystem>

#include "ledger/backup.h"
#include "ledger/store.h"
#include "timeutil/timestamp.h"

namespace dnswitness {

// The CREATE statements of `migrations` and its triggers, as in the schema of a new ledger.
const char* migrations_schema();

struct MigrationResult {
  int from_version = 0;
  int to_version = 0;
  bool already_current = false;  // nothing was done
  LedgerCopy backup;             // the copy made before migrating (empty when already current)
};

// "<ledger folder>-schema<from>-backup-<YYYYMMDDTHHMMSSZ>", beside the ledger folder.
std::filesystem::path migration_backup_folder(const LedgerPaths& paths, int from_version, UtcTime now);

// Upgrades the ledger in `paths` to kLedgerSchemaVersion (see above), backing it up to `backup_to`,
// or to migration_backup_folder() when that is empty (the ledger's parent folder may not be
// writable, e.g. /var/lib for the package's ledger). A ledger already at that version is left
// alone (already_current). Throws LedgerError: usage for a ledger newer than this dnswitness or a
// backup folder that exists and is not empty, io or unreadable when there is no ledger or it
// cannot be read or written, busy when the write lock is not had within busy_timeout_ms. The
// ledger is unchanged whenever it throws.
MigrationResult migrate_ledger(const LedgerPaths& paths, int busy_timeout_ms,
                               const std::filesystem::path& backup_to = {});

}  // namespace dnswitness
