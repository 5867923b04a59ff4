#pragma once
// The collector's database schema, as numbered migrations applied in order (docs/fleet.md,
// "Schema"). Each migration runs in its own transaction under an advisory lock, and its number is
// recorded in schema_migrations, so running `collector init` again, or two collectors starting at
// once, applies each migration exactly once. A database whose recorded version is newer than this
// build knows is refused, never downgraded.
// Thread-safety: as PgSession.
#include <string>
#include <vector>

#include "collector/pg_session.h"

namespace dnswitness {

struct Migration {
  int version;
  const char* description;
  const char* sql;
};

// Every migration this build knows, oldest first.
const std::vector<Migration>& collector_migrations();

// The newest version applied to the database (0 for an empty one).
int collector_schema_version(PgSession& db);

struct MigrationResult {
  int from = 0, to = 0;
  std::vector<int> applied;
};

// Applies the pending migrations. Throws PgError, or std::runtime_error for a database newer than
// this build.
MigrationResult migrate_collector(PgSession& db);

// The monthly partition of observations holding `time` (an RFC 3339 UTC time), made when missing:
// observations_YYYY_MM. Returns its name.
std::string ensure_observation_partition(PgSession& db, const std::string& time);

}  // namespace dnswitness
