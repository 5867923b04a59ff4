#include "collector/schema.h"

#include <fmt/format.h>

#include <stdexcept>

namespace dnswitness {
namespace {

// One key for every collector: pg_advisory_xact_lock(kMigrationLock) serialises migrations.
constexpr const char* kMigrationLock = "7223510944";

// Version 1: probes (each its own log, by origin and key), the accepted checkpoints and entries,
// refused pushes kept as evidence, and the index of observations, partitioned by month.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE probes (
  name          text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  origin        text NOT NULL UNIQUE,
  verifier_key  text NOT NULL UNIQUE,
  description   text NOT NULL,
  added_at      timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE checkpoints (
  probe        text NOT NULL REFERENCES probes(name),
  size         bigint NOT NULL CHECK (size >= 0),
  root_hash    bytea NOT NULL CHECK (length(root_hash) = 32),
  note         text NOT NULL,
  cosignature  text,
  accepted_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (probe, size)
);
CREATE TABLE entries (
  probe       text NOT NULL REFERENCES probes(name),
  leaf_index  bigint NOT NULL CHECK (leaf_index >= 0),
  leaf_hash   bytea NOT NULL CHECK (length(leaf_hash) = 32),
  data        bytea NOT NULL,
  PRIMARY KEY (probe, leaf_index)
);
CREATE TABLE refusals (
  id               bigserial PRIMARY KEY,
  probe            text REFERENCES probes(name),
  reason           text NOT NULL,
  held_note        text,
  offered_note     text NOT NULL,
  refused_at       timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE observations (
  probe       text NOT NULL,
  time        timestamptz NOT NULL,
  qname       text NOT NULL,
  qtype       text NOT NULL,
  resolver    text NOT NULL,
  outcome     text NOT NULL,
  addresses   inet[] NOT NULL,
  leaf_index  bigint NOT NULL,
  PRIMARY KEY (probe, time, leaf_index)
) PARTITION BY RANGE (time);
CREATE INDEX observations_by_name ON observations (qname, time);
)sql";

// Version 2: the collector's own identity (the name and key it cosigns with) and, per probe, the
// newest accepted tree: its size, root, signed note and open tiles (the incomplete hash tile of
// each level, level 0 first), from which the next push is checked without reading old entries.
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE collector_identity (
  id            integer PRIMARY KEY CHECK (id = 1),
  name          text NOT NULL,
  verifier_key  text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE probe_trees (
  probe        text PRIMARY KEY REFERENCES probes(name),
  size         bigint NOT NULL CHECK (size > 0),
  root_hash    bytea NOT NULL CHECK (length(root_hash) = 32),
  note         text NOT NULL,
  open_tiles   bytea NOT NULL CHECK (length(open_tiles) % 32 = 0),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
)sql";

}  // namespace

const std::vector<Migration>& collector_migrations() {
  static const std::vector<Migration> all = {
      {1, "probes, checkpoints, entries, refusals, observations by month", kSchemaV1},
      {2, "the collector's identity, each probe's newest tree", kSchemaV2},
  };
  return all;
}

int collector_schema_version(PgSession& db) {
  const PgRows exists = db.exec("SELECT to_regclass('public.schema_migrations') IS NOT NULL");
  if (exists.empty() || exists[0][0] != "t") return 0;
  const PgRows v = db.exec("SELECT coalesce(max(version), 0) FROM schema_migrations");
  return v.empty() || !v[0][0] ? 0 : std::stoi(*v[0][0]);
}

MigrationResult migrate_collector(PgSession& db) {
  MigrationResult out;
  db.exec_script(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, description text NOT NULL, "
      "applied_at timestamptz NOT NULL DEFAULT now())");
  out.from = collector_schema_version(db);
  const int newest = collector_migrations().back().version;
  if (out.from > newest)
    throw std::runtime_error(fmt::format("The collector's database is at schema version {}, newer than this "
                                         "dnswitness knows ({}); use the newer dnswitness that made it.",
                                         out.from, newest));
  for (const auto& m : collector_migrations()) {
    const bool applied = in_transaction(db, [&] {
      db.exec(std::string("SELECT pg_advisory_xact_lock(") + kMigrationLock + ")");
      // Another collector may have applied it while this one waited for the lock.
      if (!db.exec("SELECT 1 FROM schema_migrations WHERE version = $1", {std::to_string(m.version)}).empty())
        return false;
      db.exec_script(m.sql);
      db.exec("INSERT INTO schema_migrations (version, description) VALUES ($1, $2)",
              {std::to_string(m.version), std::string(m.description)});
      return true;
    });
    if (applied) out.applied.push_back(m.version);
  }
  out.to = collector_schema_version(db);
  return out;
}

std::string ensure_observation_partition(PgSession& db, const std::string& time) {
  if (time.size() < 7) throw std::invalid_argument("ensure_observation_partition: not a time: " + time);
  const int year = std::stoi(time.substr(0, 4)), month = std::stoi(time.substr(5, 2));
  const std::string name = fmt::format("observations_{:04}_{:02}", year, month);
  const std::string from = fmt::format("{:04}-{:02}-01", year, month);
  const std::string until =
      month == 12 ? fmt::format("{:04}-01-01", year + 1) : fmt::format("{:04}-{:02}-01", year, month + 1);
  // The values are made from two integers above: nothing from outside reaches the statement.
  db.exec_script(fmt::format("CREATE TABLE IF NOT EXISTS {} PARTITION OF observations FOR VALUES FROM ('{}') TO "
                             "('{}')",
                             name, from, until));
  return name;
}

}  // namespace dnswitness
