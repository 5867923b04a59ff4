// A probe fleet on real networks (issue 20): three probes, each in a network namespace the test
// creates with an address of its own, ask one authoritative server (a Knot with the geoip module,
// started by the test) that answers each client network with its own address, and push to a
// collector on a real PostgreSQL with `watch --push`. One probe loses its way to the collector for
// several runs (a blackhole route in its namespace) and pushes its backlog when it is back. The
// fleet report shows each probe's own answer, names each probe, verifies, and says the vantages
// differ.
#include <doctest/doctest.h>

#include <filesystem>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "support/child_process.h"
#include "support/collector_process.h"
#include "support/lab.h"
#include "support/postgres.h"
#include "support/probe_netns.h"
#include "support/published_log.h"
#include "support/report_pdfs.h"
#include "timeutil/timestamp.h"

using namespace dnswitness;
using namespace dnswitness::test;
namespace fs = std::filesystem;

namespace {

constexpr int kGeoPort = 25353;

// A Knot serving geo.test on the bridge's DNS address, answering www.geo.test by the client's
// address: probe 1's network 198.51.100.10, probe 2's 198.51.100.20, anyone else the zone's
// 192.0.2.100.
class GeoKnot {
 public:
  explicit GeoKnot(const fs::path& dir) : dir_(dir) {
    fs::create_directories(dir / "zones");
    fs::create_directories(dir / "db");
    fs::create_directories(dir / "run");
    fs::copy_file(fs::path(DNSWITNESS_TESTDATA_DIR) / ".." / "lab" / "geo" / "geo.test.zone", dir / "zones" / "geo.test.zone");
    write_file(dir / "subnets.conf",
               "www.geo.test:\n  - net: 10.201.1.0/24\n    A: 198.51.100.10\n  - net: 10.201.2.0/24\n"
               "    A: 198.51.100.20\n");
    const std::string d = dir.string();
    write_file(dir / "knot.conf", "server:\n    rundir: \"" + d + "/run\"\n    listen: [ \"" +
                                      ProbeNetwork::kDnsAddress + "@" + std::to_string(kGeoPort) +
                                      "\" ]\n    udp-workers: 1\n    tcp-workers: 1\n    background-workers: 1\n"
                                      "log:\n  - target: stderr\n    any: info\ndatabase:\n    storage: \"" + d +
                                      "/db\"\ncontrol:\n    listen: \"" + d + "/knot.sock\"\nmod-geoip:\n"
                                      "  - id: subnets\n    config-file: \"" + d + "/subnets.conf\"\n    ttl: 60\n"
                                      "    mode: subnet\ntemplate:\n  - id: default\n    storage: \"" + d +
                                      "/zones\"\n    file: \"%s.zone\"\n    zonefile-sync: -1\n"
                                      "    zonefile-load: whole\n    journal-content: none\nzone:\n"
                                      "  - domain: geo.test\n    module: mod-geoip/subnets\n");
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      const std::string log = (dir / "knot.log").string();
      ::execl("/bin/sh", "sh", "-c", ("exec knotd -c '" + d + "/knot.conf' >'" + log + "' 2>&1").c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 200; ++i) {
      const auto r = run_command("kdig @" + std::string(ProbeNetwork::kDnsAddress) + " -p " + std::to_string(kGeoPort) +
                                 " +short +timeout=1 +retry=0 www.geo.test A");
      if (r.out.find("192.0.2.100") != std::string::npos) return;
      ::usleep(50000);
    }
    FAIL("the test's Knot did not answer: " << read_file(dir / "knot.log"));
  }
  ~GeoKnot() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      (void)wait_child_exit(pid_, std::chrono::seconds(30));
    }
  }
  GeoKnot(const GeoKnot&) = delete;
  GeoKnot& operator=(const GeoKnot&) = delete;

 private:
  fs::path dir_;
  pid_t pid_ = -1;
};

}  // namespace

TEST_CASE("fleet: three probes in their own network namespaces, one offline for a while, one fleet report") {
  ProbeNetwork net(3);
  TempDir dir;
  GeoKnot knot(dir.path() / "knot");
  PostgresServer pg;
  pg.create_database("fleet");
  const std::string db = pg.uri("fleet");
  const fs::path key = dir.path() / "collector.key";
  auto r = run_dnswitness("collector init --db '" + db + "' --name collector.example.jp/fleet --key-file " +
                          key.string());
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto at = r.out.find("cosigns with the key ");
  const std::string ckey = r.out.substr(at + 21, r.out.find('\n', at) - at - 21);

  const std::vector<std::string> names = {"docomo-tokyo", "au-osaka", "public-dns"};
  const std::vector<std::string> descriptions = {"docomo LTE, Tokyo", "au 5G, Osaka", "a public resolver"};
  const auto ledger = [&](int k) { return (dir.path() / names[static_cast<std::size_t>(k - 1)]).string(); };
  const std::string resolver = std::string(" --resolver geo=") + ProbeNetwork::kDnsAddress + ":" +
                               std::to_string(kGeoPort) + " --domains www.geo.test --types A --ntp none";
  // One run of probe k inside its namespace; the first makes its ledger under its own origin.
  const auto probe_run = [&](int k, const std::string& push) {
    const bool first = !fs::exists(fs::path(ledger(k)) / "ledger.sqlite");
    const std::string cmd = std::string(DNSWITNESS_BINARY) + " watch --once -q --ledger " + ledger(k) + resolver +
                            (first ? " --origin probe.example.jp/" + names[static_cast<std::size_t>(k - 1)] : "") +
                            (push.empty() ? "" : " --push " + push);
    return run_command("HOME=" + dir.path().string() + " " + net.exec(k, cmd));
  };
  for (int k = 1; k <= 3; ++k) {
    const auto first = probe_run(k, "");
    REQUIRE_MESSAGE(first.exit_code == 0, first.err);
    REQUIRE(run_dnswitness("collector add-probe " + names[static_cast<std::size_t>(k - 1)] + " --db '" + db +
                           "' --key '" + verifier_key_of(ledger(k)) + "' --description '" +
                           descriptions[static_cast<std::size_t>(k - 1)] + "'")
                .exit_code == 0);
  }
  const fs::path tiles = dir.path() / "tiles";
  CollectorProcess collector(db, key, tiles, dir.path() / "collector.log", "", ProbeNetwork::kCollectorAddress);
  const std::string& url = collector.url;

  // Probe 3 loses its way to the collector: three runs are recorded all the same.
  net.cut_collector(3, true);
  for (int round = 0; round < 3; ++round)
    for (int k = 1; k <= 3; ++k) {
      const auto w = probe_run(k, url);
      CHECK_MESSAGE(w.exit_code == 0, w.err);
      if (k == 3) CHECK(w.err.find("did not answer") != std::string::npos);
    }
  CHECK(pg.sql("fleet", "SELECT count(*) FROM probe_trees WHERE probe = 'public-dns'") == "0");
  const std::string login = format_rfc3339_s(utc_now());
  ::sleep(1);
  // Back: its next run pushes the backlog, in order, with nothing lost.
  net.cut_collector(3, false);
  for (int k = 1; k <= 3; ++k) CHECK(probe_run(k, url).exit_code == 0);
  for (int k = 1; k <= 3; ++k) {
    LedgerStore store(LedgerPaths{ledger(k)}, LedgerStore::Mode::read_only);
    const std::string p = "'" + names[static_cast<std::size_t>(k - 1)] + "'";
    CHECK(pg.sql("fleet", "SELECT size FROM probe_trees WHERE probe = " + p) == std::to_string(store.size()));
    CHECK(pg.sql("fleet", "SELECT count(*) FROM checkpoints WHERE probe = " + p) == "5");
  }

  // Each probe saw its own network's answer; the fleet report says so, per probe, and verifies.
  const fs::path logins = dir.path() / "logins.txt";
  write_file(logins, login + "\n");
  const fs::path out = dir.path() / "report";
  r = run_dnswitness("report --collector " + url + " --collector-key '" + ckey + "' --logins " + logins.string() +
                     " --domains www.geo.test --types A --case fleet --operator 'Test Operator' --out " + out.string());
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto v = run_dnswitness("verify " + (out / "report.json").string());
  CHECK_MESSAGE(v.exit_code == 0, v.err);
  for (std::size_t k = 0; k < 3; ++k)
    CHECK(v.out.find("probe " + names[k] + " (" + descriptions[k] + ")") != std::string::npos);
  const auto doc = nlohmann::json::parse(read_file(out / "report.json"));
  std::set<std::string> seen;
  for (const auto& part : doc["logs"])
    for (const auto& a : part["bundle"]["tables"]["logins"][0]["carrier_list"]["addresses"])
      seen.insert(part["vantage"]["probe"].get<std::string>() + "=" + a["address"].get<std::string>());
  CHECK(seen == std::set<std::string>{"au-osaka=198.51.100.20", "docomo-tokyo=198.51.100.10",
                                      "public-dns=192.0.2.100"});
  const std::string pdf = squeezed_text(pdf_text(exhibit_pdf(out)));
  CHECK(pdf.find("観測点によって候補が異なります（すべてに共通：0件、いずれかに現れたもの：3件）") != std::string::npos);

  CHECK(collector.stop() == 0);
}
