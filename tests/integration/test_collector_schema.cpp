// The collector's database (issue 20, first part) on a real PostgreSQL 15 started by the test:
// `collector init` applies the versioned migrations once, again is a no-op, and a database newer
// than the build is refused; the observations table is partitioned by month; `collector add-probe`
// registers a probe under its verifier key and refuses bad names, keys and duplicates with one
// sentence; what was registered survives a restart of PostgreSQL; an unreachable database is exit 1.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <string>

#include "collector/pg_session.h"
#include "collector/schema.h"
#include "support/lab.h"
#include "support/postgres.h"

using namespace dnswitness;
using namespace dnswitness::test;

namespace {

const int kNewest = collector_migrations().back().version;

// A probe's verifier key, made the way a probe makes its own (keygen on a fresh ledger).
std::string probe_key(const TempDir& dir, const std::string& name, const std::string& origin) {
  const auto r = run_dnswitness("keygen --ledger " + dir / name + " --origin " + origin);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto show = run_dnswitness("keygen --show --ledger " + dir / name);
  const auto at = show.out.find("verifier key: ");
  REQUIRE(at != std::string::npos);
  const auto end = show.out.find('\n', at);
  return show.out.substr(at + 14, end - at - 14);
}

}  // namespace

TEST_CASE("collector init and add-probe on a real PostgreSQL") {
  PostgresServer pg;
  pg.create_database("fleet");
  const std::string db = " --db '" + pg.uri("fleet") + "'";

  // Before init: add-probe says what to do.
  TempDir keys;
  const std::string docomo = probe_key(keys, "docomo", "probe.example.jp/docomo-tokyo");
  auto r = run_dnswitness("collector add-probe docomo-tokyo --key '" + docomo + "' --description 'docomo LTE, Tokyo'" + db);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("run 'dnswitness collector init") != std::string::npos);

  // init: every migration once; again, nothing.
  r = run_dnswitness("collector init" + db);
  INFO(r.out, r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find(fmt::format("from schema version 0 to {} ({} migration(s) applied)", kNewest, kNewest)) != std::string::npos);
  CHECK(pg.sql("fleet", "SELECT count(*) FROM schema_migrations") == std::to_string(kNewest));
  r = run_dnswitness("collector init" + db);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find(fmt::format("up to date (schema version {})", kNewest)) != std::string::npos);
  CHECK(pg.sql("fleet", "SELECT count(*) FROM schema_migrations") == std::to_string(kNewest));
  // observations is partitioned by time; a month's partition is made on demand and takes its rows.
  CHECK(pg.sql("fleet", "SELECT partstrat FROM pg_partitioned_table WHERE partrelid = 'observations'::regclass") ==
        "r");
  {
    PgSession s(pg.uri("fleet"));
    CHECK(ensure_observation_partition(s, "2026-12-06T07:00:00Z") == "observations_2026_12");
    CHECK(ensure_observation_partition(s, "2026-12-31T23:59:59Z") == "observations_2026_12");
    CHECK(ensure_observation_partition(s, "2027-01-01T00:00:00Z") == "observations_2027_01");
  }
  CHECK(pg.sql("fleet", "SELECT count(*) FROM pg_inherits WHERE inhparent = 'observations'::regclass") == "2");

  // add-probe: registered under its key's origin; listed.
  r = run_dnswitness("collector add-probe docomo-tokyo --key '" + docomo + "' --description 'docomo LTE, Tokyo'" + db);
  INFO(r.out, r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "Registered the probe docomo-tokyo (origin probe.example.jp/docomo-tokyo): docomo LTE, Tokyo.\n");
  CHECK(pg.sql("fleet", "SELECT origin FROM probes WHERE name = 'docomo-tokyo'") == "probe.example.jp/docomo-tokyo");

  // Refused with one sentence, nothing written: a bad name, a bad key, an empty description, the
  // same name, the same key under another name.
  const std::string au = probe_key(keys, "au", "probe.example.jp/au-osaka");
  struct Bad {
    std::string args, says;
  };
  const Bad bads[] = {
      {"Docomo_Tokyo --key '" + au + "' --description x", "is not a probe name"},
      {"au-osaka --key 'not a key' --description x", "--key is not a verifier key"},
      {"au-osaka --key '" + au + "' --description ''", "--description: the value is empty"},
      {"docomo-tokyo --key '" + au + "' --description x", "already registered with this name"},
      {"docomo-2 --key '" + docomo + "' --description x", "already registered with this origin"},
  };
  for (const auto& b : bads) {
    CAPTURE(b.args);
    r = run_dnswitness("collector add-probe " + b.args + db);
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.err.find(b.says) != std::string::npos, r.err);
  }
  CHECK(pg.sql("fleet", "SELECT count(*) FROM probes") == "1");

  // A restart of PostgreSQL loses nothing; the second probe registers after it.
  pg.restart();
  CHECK(run_dnswitness("collector add-probe au-osaka --key '" + au + "' --description 'au 5G, Osaka'" + db).exit_code ==
        0);
  r = run_dnswitness("collector probes" + db);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("au-osaka  au 5G, Osaka") != std::string::npos);
  CHECK(r.out.find("docomo-tokyo  docomo LTE, Tokyo") != std::string::npos);
  CHECK(r.out.find(docomo) != std::string::npos);

  // A database newer than this build is refused, not downgraded.
  pg.sql("fleet", "INSERT INTO schema_migrations (version, description) VALUES (99, 'from the future')");
  r = run_dnswitness("collector init" + db);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find(fmt::format("schema version 99, newer than this dnswitness knows ({})", kNewest)) != std::string::npos);

  // The server down: exit 1, one sentence naming what to check.
  pg.stop();
  r = run_dnswitness("collector probes" + db);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("Cannot connect to the collector's database") != std::string::npos);
  pg.start();
}
