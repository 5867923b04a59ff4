// Probes pushing to a collector (issue 20), on real parts: the lab's Knot answers the probes' runs,
// a real PostgreSQL 15 started by the test holds the collector's database, and `collector serve`
// runs as a process on a loopback port. Checked: what a push stores (entries, cosigned checkpoints,
// the index of observations with their addresses), that a repeated push stores nothing twice, that
// the probe's tiles are a complete log an outsider mirrors with the probe's key and that carries the
// collector's cosignature, that an unregistered key gets 403, that a probe whose collector was down
// pushes its backlog later (also after PostgreSQL restarted), that a forked probe is refused and the
// refusal kept with both checkpoints, that a collector killed before or after its commit, or while
// writing tiles, loses nothing and duplicates nothing, and that a fleet report over two probes shows
// each probe's own answers, verifies, and fails verify when a vantage's value is changed.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "crypto/ed25519.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "ledger/sqlite.h"
#include "support/collector_process.h"
#include "support/lab.h"
#include "support/postgres.h"
#include "support/published_log.h"
#include "support/timed_log.h"
#include "support/report_pdfs.h"
#include "timeutil/timestamp.h"
#include "tlog/cosignature.h"

using namespace dnswitness;
using namespace dnswitness::test;
namespace fs = std::filesystem;

namespace {

// A fleet: PostgreSQL with the collector's database and identity, and a folder for probes' ledgers.
struct Fleet {
  PostgresServer pg;
  TempDir dir;
  Lab lab;
  std::string db;
  std::string cosignature_key;
  Fleet() {
    pg.create_database("fleet");
    db = pg.uri("fleet");
    const auto r = run_dnswitness("collector init --db '" + db + "' --name collector.example.jp/fleet --key-file " +
                                  key_file().string());
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    const auto at = r.out.find("cosigns with the key ");
    REQUIRE(at != std::string::npos);
    cosignature_key = r.out.substr(at + 21, r.out.find('\n', at) - at - 21);
  }
  fs::path key_file() const { return dir.path() / "collector.key"; }
  fs::path tiles() const { return dir.path() / "tiles"; }
  fs::path ledger(const std::string& name) const { return dir.path() / name; }

  // One run of the probe `name` against the lab's Knot (its ledger made with `origin` if new).
  void run(const std::string& name, const std::string& domains = "x.com,t.co",
           const std::string& origin = "") const {
    const auto r = run_dnswitness("resolve-snapshot -q --ledger " + ledger(name).string() +
                                  (origin.empty() ? "" : " --origin " + origin) + " --resolver knot=" + lab.knot() +
                                  " --domains " + domains + " --types A --ntp none");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }
  void add_probe(const std::string& name, const std::string& description) const {
    const auto r = run_dnswitness("collector add-probe " + name + " --db '" + db + "' --key '" +
                                  verifier_key_of(ledger(name)) + "' --description '" + description + "'");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }
  CommandResult push(const std::string& name, const std::string& url) const {
    return run_dnswitness("push " + url + " --ledger " + ledger(name).string());
  }
  std::uint64_t count(const std::string& sql) const { return std::stoull(pg.sql("fleet", sql)); }
  std::uint64_t ledger_size(const std::string& name) const {
    LedgerStore store(LedgerPaths{ledger(name)}, LedgerStore::Mode::read_only);
    return store.size();
  }
  fs::path tiles_of(const std::string& name) const {
    LedgerStore store(LedgerPaths{ledger(name)}, LedgerStore::Mode::read_only);
    const Hash h = sha256(as_bytes(store.origin()));
    return tiles() / hex_encode(ByteView(h.data(), h.size()));
  }
  // Everything the collector holds of `probe` matches its ledger: one entry per leaf (none twice),
  // a cosigned checkpoint per run head, an index row per observation leaf; and its tiles are the
  // ledger's tree, cosigned by the collector.
  void check_level(const std::string& probe) const {
    const std::uint64_t size = ledger_size(probe);
    const std::string p = "'" + probe + "'";
    CHECK(count("SELECT count(*) FROM entries WHERE probe = " + p) == size);
    CHECK(count("SELECT count(DISTINCT leaf_index) FROM entries WHERE probe = " + p) == size);
    CHECK(count("SELECT coalesce(max(leaf_index) + 1, 0) FROM entries WHERE probe = " + p) == size);
    Db ledger_db(LedgerPaths{ledger(probe)}.database(), true, false);
    Stmt heads(ledger_db, "SELECT count(*) FROM checkpoints");
    REQUIRE(heads.step("counting"));
    CHECK(count("SELECT count(*) FROM checkpoints WHERE cosignature IS NOT NULL AND probe = " + p) ==
          static_cast<std::uint64_t>(heads.i64(0)));
    Stmt rows(ledger_db, "SELECT count(*) FROM observation_index");
    REQUIRE(rows.step("counting"));
    CHECK(count("SELECT count(*) FROM observations WHERE probe = " + p) == static_cast<std::uint64_t>(rows.i64(0)));
    std::uint64_t tiles_size = 0;
    const auto problem = published_folder_problem(tiles_of(probe), verifier_key_of(ledger(probe)), &tiles_size);
    CHECK_MESSAGE(!problem, problem.value_or(""));
    CHECK(tiles_size == size);
    const std::string note = read_file(tiles_of(probe) / "checkpoint");
    const CosignatureVerifier collector = parse_cosignature_verifier_key(cosignature_key);
    const auto check = verify_cosignatures(note, std::span(&collector, 1));
    CHECK(check.status == CosignatureStatus::ok);
    CHECK(check.verified.size() == 1);
  }
};

}  // namespace

TEST_CASE("collector: pushes stored once, tiles an outsider mirrors, 403, a backlog after downtime and restarts") {
  Fleet f;
  f.run("docomo-tokyo", "x.com,t.co", "probe.example.jp/docomo-tokyo");
  f.run("docomo-tokyo");
  f.add_probe("docomo-tokyo", "docomo LTE, Tokyo");
  // Each probe's ledger folder bears its registered name.
  const std::string probe = "docomo-tokyo";
  auto collector = std::make_unique<CollectorProcess>(f.db, f.key_file(), f.tiles(), f.dir.path() / "c1.log");

  auto r = f.push("docomo-tokyo", collector->url);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("Pushed 2 run(s)") != std::string::npos);
  const auto level = [&] {
    const std::uint64_t size = f.ledger_size("docomo-tokyo");
    const std::string p = "'" + probe + "'";
    CHECK(f.count("SELECT count(*) FROM entries WHERE probe = " + p) == size);
    CHECK(f.count("SELECT count(DISTINCT leaf_index) FROM entries WHERE probe = " + p) == size);
    CHECK(f.count("SELECT size FROM probe_trees WHERE probe = " + p) == size);
  };
  level();
  // The index holds the addresses the lab's Knot gave, as the probe's own index does.
  {
    std::set<std::string> mine;
    Db ledger_db(LedgerPaths{f.ledger("docomo-tokyo")}.database(), true, false);
    Stmt s(ledger_db, "SELECT addresses FROM observation_index WHERE qname = 'x.com'");
    while (s.step("reading")) mine.insert(std::string(s.text(0)));
    REQUIRE(!mine.empty());
    const std::string theirs =
        f.pg.sql("fleet", "SELECT DISTINCT array_to_string(ARRAY(SELECT host(a) FROM unnest(addresses) a ORDER BY a), "
                          "' ') FROM observations WHERE qname = 'x.com'");
    for (const auto& m : mine) CHECK(theirs.find(m) != std::string::npos);
  }

  // history --collector answers from the collector's index as history answers from the ledger.
  {
    const auto mine = run_dnswitness("history x.com t.co --json --ledger " + f.ledger("docomo-tokyo").string());
    const auto theirs = run_dnswitness("history x.com t.co --json --collector " + collector->url +
                                       " --probe docomo-tokyo");
    REQUIRE_MESSAGE(theirs.exit_code == 0, theirs.err);
    const auto bindings = [](const nlohmann::json& histories) {
      std::set<std::string> out;
      for (const auto& h : histories) {
        out.insert(h["qname"].get<std::string>() + " " + std::to_string(h["observations"].get<int>()));
        for (const auto& b : h["bindings"])
          out.insert(fmt::format("{} {} {} {} {}", h["qname"].get<std::string>(), b["qtype"].get<std::string>(),
                                 b["address"].get<std::string>(), b["count"].get<int>(), b["resolvers"].dump()));
      }
      return out;
    };
    const auto doc = nlohmann::json::parse(theirs.out);
    REQUIRE(doc["probes"].size() == 1);
    CHECK(doc["probes"][0]["description"] == "docomo LTE, Tokyo");
    CHECK(bindings(doc["probes"][0]["histories"]) == bindings(nlohmann::json::parse(mine.out)));
    CHECK(!bindings(nlohmann::json::parse(mine.out)).empty());
  }

  // Again: nothing new, nothing stored twice.
  r = f.push("docomo-tokyo", collector->url);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("already holds") != std::string::npos);
  level();

  // An outsider mirrors the probe's tiles with the probe's key alone.
  {
    const auto m = run_dnswitness("mirror " + f.tiles_of("docomo-tokyo").string() + " --to " +
                                  (f.dir.path() / "mirror").string() + " --log-key '" +
                                  verifier_key_of(f.ledger("docomo-tokyo")) + "'");
    CHECK_MESSAGE(m.exit_code == 0, m.err);
  }

  // A probe nobody registered: 403, exit 4.
  f.run("stranger", "x.com", "probe.example.jp/stranger");
  r = f.push("stranger", collector->url);
  CHECK(r.exit_code == 4);
  CHECK(r.err.find("HTTP 403") != std::string::npos);
  CHECK(r.err.find("no probe is registered with the origin 'probe.example.jp/stranger'") != std::string::npos);

  // The collector goes down; three runs are recorded all the same, each a warning.
  const std::string old_url = collector->url;
  CHECK(collector->stop() == 0);
  for (int i = 0; i < 3; ++i) {
    const auto w = run_dnswitness("watch --once --ledger " + f.ledger("docomo-tokyo").string() + " --resolver knot=" +
                                  f.lab.knot() + " --domains x.com,t.co --types A --ntp none --push " + old_url);
    CHECK_MESSAGE(w.exit_code == 0, w.err);
    CHECK(w.err.find("did not answer") != std::string::npos);
    CHECK(w.err.find("The run is recorded.") != std::string::npos);
  }
  const auto status = run_dnswitness("status --ledger " + f.ledger("docomo-tokyo").string());
  CHECK(status.out.find("collector " + old_url + ": PUSH FAILING: holds 6 leaves, " +
                        std::to_string(f.ledger_size("docomo-tokyo") - 6) + " waiting") != std::string::npos);
  // PostgreSQL restarts meanwhile; the collector comes back on another port.
  f.pg.restart();
  collector = std::make_unique<CollectorProcess>(f.db, f.key_file(), f.tiles(), f.dir.path() / "c2.log");
  r = f.push("docomo-tokyo", collector->url);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("Pushed 3 run(s)") != std::string::npos);
  CHECK(r.out.find("(it held 6)") != std::string::npos);
  level();

  // PostgreSQL restarts under a running collector: its next push reconnects.
  f.pg.restart();
  f.run("docomo-tokyo");
  r = f.push("docomo-tokyo", collector->url);
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  f.check_level(probe);
}

TEST_CASE("collector: a forked probe is refused and kept; a collector killed mid-push loses and doubles nothing") {
  Fleet f;
  f.run("au-osaka", "x.com,t.co", "probe.example.jp/au-osaka");
  f.add_probe("au-osaka", "au 5G, Osaka");
  auto collector = std::make_unique<CollectorProcess>(f.db, f.key_file(), f.tiles(), f.dir.path() / "c1.log");
  REQUIRE(f.push("au-osaka", collector->url).exit_code == 0);

  // The same key grows two trees: a copy of the ledger records another, larger run.
  fs::copy(f.ledger("au-osaka"), f.ledger("au-osaka-fork"), fs::copy_options::recursive);
  f.run("au-osaka");
  f.run("au-osaka-fork", "x.com,t.co,api.x.com");
  REQUIRE(f.ledger_size("au-osaka-fork") > f.ledger_size("au-osaka"));
  REQUIRE(f.push("au-osaka", collector->url).exit_code == 0);
  auto r = f.push("au-osaka-fork", collector->url);
  CHECK(r.exit_code == 4);
  CHECK(r.err.find("HTTP 422") != std::string::npos);
  CHECK(r.err.find("fork") != std::string::npos);
  CHECK(f.count("SELECT count(*) FROM refusals WHERE probe = 'au-osaka' AND held_note IS NOT NULL") == 1);
  // Both checkpoints are kept: the one held (the probe's own) and the one offered (the fork's).
  const std::string held = f.pg.sql("fleet", "SELECT held_note FROM refusals");
  const std::string offered = f.pg.sql("fleet", "SELECT offered_note FROM refusals");
  CHECK(held != offered);
  CHECK(read_file(f.tiles_of("au-osaka") / "checkpoint").starts_with(held.substr(0, held.find("\n\n"))));
  f.check_level("au-osaka");

  // Killed before its commit: nothing of that push is kept; the next collector takes it whole.
  for (const std::string moment : {"before-commit", "after-commit"}) {
    CAPTURE(moment);
    CHECK(collector->stop() == 0);
    collector = std::make_unique<CollectorProcess>(f.db, f.key_file(), f.tiles(), f.dir.path() / (moment + ".log"),
                                                   "DNSWITNESS_TEST_COLLECTOR_KILL=" + moment);
    const std::uint64_t before = f.count("SELECT count(*) FROM entries");
    f.run("au-osaka");
    r = f.push("au-osaka", collector->url);
    CHECK(r.exit_code == 1);
    CHECK(wait_child_exit(collector->pid, std::chrono::seconds(30)) == 128 + SIGKILL);
    collector->pid = -1;
    const std::uint64_t after = f.count("SELECT count(*) FROM entries");
    if (moment == std::string("before-commit"))
      CHECK(after == before);
    else
      CHECK(after == f.ledger_size("au-osaka"));  // committed: only the tiles lag behind
    collector = std::make_unique<CollectorProcess>(f.db, f.key_file(), f.tiles(), f.dir.path() / (moment + "2.log"));
    r = f.push("au-osaka", collector->url);
    CHECK_MESSAGE(r.exit_code == 0, r.err);
    f.check_level("au-osaka");
  }

  // Killed while writing the probe's tiles, at several steps: the folder is whole afterwards.
  int killed = 0;
  for (int step : {2, 5}) {
    CAPTURE(step);
    CHECK(collector->stop() == 0);
    collector = std::make_unique<CollectorProcess>(f.db, f.key_file(), f.tiles(),
                                                   f.dir.path() / ("tiles" + std::to_string(step) + ".log"),
                                                   "DNSWITNESS_TEST_PUBLISH_KILL_AT=" + std::to_string(step));
    f.run("au-osaka");
    if (f.push("au-osaka", collector->url).exit_code == 1) {
      CHECK(wait_child_exit(collector->pid, std::chrono::seconds(30)) == 128 + SIGKILL);
      ++killed;
      collector->pid = -1;
    }
    (void)collector->stop();
    // Whatever the folder holds now verifies with the probe's key (its checkpoint came last).
    if (fs::exists(f.tiles_of("au-osaka") / "checkpoint")) {
      const auto problem = published_folder_problem(f.tiles_of("au-osaka"), verifier_key_of(f.ledger("au-osaka")));
      CHECK_MESSAGE(!problem, problem.value_or(""));
    }
    collector = std::make_unique<CollectorProcess>(f.db, f.key_file(), f.tiles(),
                                                   f.dir.path() / ("tiles" + std::to_string(step) + "b.log"));
    REQUIRE(f.push("au-osaka", collector->url).exit_code == 0);
    f.check_level("au-osaka");
  }
  CHECK(killed == 2);
}

TEST_CASE("collector: a fleet report compares two probes' answers, verifies, and fails verify when a value changes") {
  Fleet f;
  // Two vantage points: the zone's own server gives each client subnet its own address (the lab's
  // geoip Knot), as a carrier's network is given its own answer.
  const auto probe_run = [&](const std::string& name, const std::string& subnet, const std::string& origin) {
    const auto r = run_dnswitness("resolve-snapshot -q --ledger " + f.ledger(name).string() +
                                  (origin.empty() ? "" : " --origin " + origin) +
                                  " --resolver u=" + f.lab.unbound() + " --resolver authoritative --authoritative-port " +
                                  f.lab.get("GEO_KNOT_PORT") +
                                  " --client-subnet " + subnet + " --domains www.geo.test --types A --ntp none");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  };
  probe_run("docomo-tokyo", "49.96.0.0/24", "probe.example.jp/docomo-tokyo");
  probe_run("au-osaka", "106.128.0.0/24", "probe.example.jp/au-osaka");
  const std::string login = format_rfc3339_s(utc_now());
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  probe_run("docomo-tokyo", "49.96.0.0/24", "");
  probe_run("au-osaka", "106.128.0.0/24", "");
  f.add_probe("docomo-tokyo", "docomo LTE, Tokyo");
  f.add_probe("au-osaka", "au 5G, Osaka");
  CollectorProcess collector(f.db, f.key_file(), f.tiles(), f.dir.path() / "c.log");
  REQUIRE(f.push("docomo-tokyo", collector.url).exit_code == 0);
  REQUIRE(f.push("au-osaka", collector.url).exit_code == 0);

  const fs::path logins = f.dir.path() / "logins.txt";
  write_file(logins, login + "\n");
  const fs::path out = f.dir.path() / "fleet";
  const std::string base = "report --collector " + collector.url + " --logins " + logins.string() +
                           " --domains www.geo.test --types A --case fleet --operator 'Test Operator' --out ";
  // Without the collector's key: exit 2, naming the key the collector advertises.
  auto r = run_dnswitness(base + out.string());
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("the collector advertises " + f.cosignature_key) != std::string::npos);
  // A probe it does not list.
  r = run_dnswitness(base + out.string() + " --collector-key '" + f.cosignature_key + "' --probe softbank");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("it lists au-osaka, docomo-tokyo") != std::string::npos);

  r = run_dnswitness(base + out.string() + " --collector-key '" + f.cosignature_key + "'");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  // Each probe's log was read through the run summaries the collector signed (one per pushed run).
  std::size_t parts_read = 0;
  for (auto at = r.out.find("read from " + collector.url + "/tiles/"); at != std::string::npos;
       at = r.out.find("read from " + collector.url + "/tiles/", at + 1)) {
    ++parts_read;
    const std::string line = r.out.substr(at, r.out.find('\n', at) - at);
    CAPTURE(line);
    CHECK(line.find(" run summaries") != std::string::npos);
    CHECK(line.find(" 0 run summaries") == std::string::npos);
  }
  CHECK(parts_read == 2);
  auto v = run_dnswitness("verify " + (out / "report.json").string());
  CHECK_MESSAGE(v.exit_code == 0, v.err);
  CHECK(v.out.find("probe docomo-tokyo (docomo LTE, Tokyo), registered and cosigned by the collector "
                   "collector.example.jp/fleet") != std::string::npos);
  CHECK(v.out.find("probe au-osaka (au 5G, Osaka)") != std::string::npos);

  // Each probe's own answer (and the recursive resolver's, the same for both), and the PDF says
  // they differ.
  const auto doc = nlohmann::json::parse(read_file(out / "report.json"));
  std::set<std::string> seen;
  for (const auto& part : doc["logs"])
    for (const auto& a : part["bundle"]["tables"]["logins"][0]["carrier_list"]["addresses"])
      seen.insert(part["vantage"]["probe"].get<std::string>() + "=" + a["address"].get<std::string>());
  CHECK(seen == std::set<std::string>{"au-osaka=192.0.2.100", "au-osaka=198.51.100.20", "docomo-tokyo=192.0.2.100",
                                      "docomo-tokyo=198.51.100.10"});
  const std::string text = squeezed_text(pdf_text(exhibit_pdf(out)));
  CHECK(text.find("観測点によって候補が異なります（すべてに共通：1件、いずれかに現れたもの：3件）") != std::string::npos);
  CHECK(text.find("docomoLTE,Tokyo") != std::string::npos);

  // Any value of a vantage changed: verify refuses the report.
  for (const auto& [path, value] : std::vector<std::pair<std::string, nlohmann::json>>{
           {"/logs/0/vantage/description", "docomo LTE, Osaka"},
           {"/logs/1/vantage/probe", "softbank-nagoya"},
           {"/logs/0/vantage/collector_cosignature_key", nlohmann::json(f.cosignature_key + "x")},
           {"/logs/1/vantage/registration", doc["logs"][0]["vantage"]["registration"]},
           {"/logs/0/vantage/cosigned_checkpoint", doc["logs"][1]["vantage"]["cosigned_checkpoint"]}}) {
    CAPTURE(path);
    nlohmann::json changed = doc;
    changed[nlohmann::json::json_pointer(path)] = value;
    const fs::path copy = f.dir.path() / "changed.json";
    write_file(copy, changed.dump(1) + "\n");
    const auto bad = run_dnswitness("verify " + copy.string());
    CHECK(bad.exit_code == 4);
    CHECK((bad.out + bad.err).find("vantage") != std::string::npos);
  }
}

TEST_CASE("collector: a probe of many runs gets the run index publish writes, and a fleet report goes through it") {
  Fleet f;
  // 40 runs of 60 observations, 10 minutes apart, pushed in two parts: the second push continues
  // the run index file the first wrote (2,440 leaves: 9 full bundles, one file).
  const fs::path ledger = f.dir.path() / "bulk";
  const std::string origin = "probe.example.jp/bulk";
  constexpr std::int64_t kTenMinutes = 600'000'000'000;
  std::vector<std::int64_t> starts;
  for (int k = 0; k < 40; ++k) starts.push_back(kTimedLogStart + k * kTenMinutes);
  const std::vector<std::size_t> sizes(20, 60);
  append_timed_runs(ledger, sizes, std::vector<std::int64_t>(starts.begin(), starts.begin() + 20), origin);
  REQUIRE(run_dnswitness("collector add-probe bulk --db '" + f.db + "' --key '" + verifier_key_of(ledger) +
                         "' --description 'many runs'")
              .exit_code == 0);
  CollectorProcess collector(f.db, f.key_file(), f.tiles(), f.dir.path() / "c.log");
  REQUIRE(f.push("bulk", collector.url).exit_code == 0);
  append_timed_runs(ledger, sizes, std::vector<std::int64_t>(starts.begin() + 20, starts.end()), origin);
  REQUIRE(f.push("bulk", collector.url).exit_code == 0);

  // The same files as `publish` of the whole ledger writes (the collector's tiles also keep the
  // narrower file of the first push).
  const fs::path tiles = f.tiles_of("bulk");
  const fs::path published = f.dir.path() / "published";
  REQUIRE(run_dnswitness("publish --ledger " + ledger.string() + " --to " + published.string()).exit_code == 0);
  const std::string name = "dnswitness/runs/index/000.p/9";
  REQUIRE(fs::exists(published / name));
  CHECK(read_file(tiles / name) == read_file(published / name));
  CHECK(fs::exists(tiles / "dnswitness/runs/index/000.p/4"));  // 1,220 leaves after the first push

  // A fleet report of a login in the middle finds the runs around it through the run index, and
  // verifies.
  const fs::path out = f.dir.path() / "fleet";
  const auto r = run_dnswitness("report --collector " + collector.url + " --collector-key '" + f.cosignature_key +
                                "' --at " + format_rfc3339_s(UtcTime{starts[25] + 90'000'000'000}) +
                                " --domains api.x.com --format json --out " + out.string());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find(", 40 run summaries") != std::string::npos);
  CHECK(run_dnswitness("verify " + (out / "report.json").string()).exit_code == 0);
}
