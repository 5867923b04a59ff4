// dnswitness report against a ledger built from the lab over simulated time (libfaketime): five
// runs half an hour apart, moving.twitter.com's address changed in Knot between the second and third.
// Candidates for login times before all runs, between runs, exactly at a run's time, after all runs
// and far outside them; the report files, refusal to overwrite, bad input writing nothing; verify
// accepting the fresh bundle.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "support/lab.h"

using namespace dnswitness::test;
using nlohmann::json;

namespace {

const char* kFaketimeLib = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

std::string sql(const std::string& db, const std::string& statement) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  std::string first;
  sqlite3_exec(
      h, statement.c_str(),
      [](void* out, int n, char** values, char**) {
        auto* s = static_cast<std::string*>(out);
        if (s->empty() && n > 0 && values[0]) *s = values[0];
        return 0;
      },
      &first, nullptr);
  sqlite3_close(h);
  return first;
}

void set_moving_name(const Lab& lab, const std::string& address) {
  const std::string c = "knotc -s " + lab.get("KNOT_CONTROL");
  const auto r = run_command(c + " zone-begin twitter.com && (" + c + " zone-unset twitter.com moving A || true) && " + c +
                             " zone-set twitter.com moving 300 A " + address + " && " + c + " zone-commit twitter.com");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
}

// resolve-snapshot as if the clock said `when` (UTC, "YYYY-MM-DD HH:MM:SS"). Knot only: Unbound
// would serve a cached answer for up to 5 s after a change.
void run_at(const Lab& lab, const std::string& ledger, const std::string& when) {
  REQUIRE_MESSAGE(std::filesystem::exists(kFaketimeLib), "libfaketime is missing: run scripts/setup.sh");
  const std::string env = std::string("FAKETIME='@") + when + "' DONT_FAKE_MONOTONIC=1 TZ=UTC " +
                          "ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 LD_PRELOAD=" + kFaketimeLib + " ";
  const auto r = run_command(env + DNSWITNESS_BINARY + " resolve-snapshot --ledger " + ledger + " --resolver knot=" +
                             lab.knot() + " --resolver auth2=" + lab.knot() +
                             " --domains moving.twitter.com,x.com --types A -q --origin lab.test/report");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
}

struct SimulatedLedger {
  TempDir dir;
  std::string ledger = dir / "ledger";
  std::string db = ledger + "/ledger.sqlite";
  SimulatedLedger() {
    const Lab lab;
    set_moving_name(lab, "104.244.42.3");
    run_at(lab, ledger, "2023-11-21 01:00:00");
    run_at(lab, ledger, "2023-11-21 01:30:00");
    set_moving_name(lab, "104.244.42.99");
    run_at(lab, ledger, "2023-11-21 02:00:00");
    run_at(lab, ledger, "2023-11-21 02:30:00");
    run_at(lab, ledger, "2023-11-21 03:00:00");
    set_moving_name(lab, "104.244.42.3");
  }
};

SimulatedLedger& simulated() {
  static SimulatedLedger s;
  return s;
}

const json& domain(const json& login_table, const std::string& qname) {
  for (const auto& d : login_table["domains"])
    if (d["qname"] == qname) return d;
  FAIL("no table for " << qname);
  static json none;
  return none;
}

}  // namespace

TEST_CASE("the simulated ledger has five runs at the faked times") {
  auto& s = simulated();
  CHECK(sql(s.db, "SELECT count(*) FROM checkpoints") == "5");
  CHECK(sql(s.db, "SELECT count(DISTINCT time_ns / 1800000000000) FROM observation_index") == "5");
  // 2023-11-21T01:00:00Z = 1700528400 s
  CHECK(std::stoll(sql(s.db, "SELECT min(time_ns) FROM observation_index")) / 1000000000LL == 1700528400LL);
}

TEST_CASE("candidates before, between, exactly at and after runs, and far outside them") {
  auto& s = simulated();
  const std::string exact_ns =
      sql(s.db, "SELECT time_ns FROM observation_index WHERE qname='moving.twitter.com' AND resolver='knot' "
                "ORDER BY time_ns LIMIT 1 OFFSET 2");  // knot's observation in the 02:00 run
  REQUIRE(!exact_ns.empty());
  const long long ens = std::stoll(exact_ns);
  char exact[64];
  std::snprintf(exact, sizeof exact, "2023-11-21T02:00:%02lld.%09lldZ", (ens / 1000000000LL) % 60,
                ens % 1000000000LL);
  TempDir out;
  const auto r = run_dnswitness("report --ledger " + s.ledger +
                                " --domains moving.twitter.com,x.com --types A --case 'case 1' --operator 'Lab Law'"
                                " --at 2023-11-21T00:30:00Z --at '2023/11/21 10:45:00' --at " +
                                std::string(exact) + " --at 2023-11-21T03:20:00Z --at 2023-12-25T00:00:00Z --tz JST "
                                "--out " + out / "r");
  // '2023/11/21 10:45:00' in JST is 01:45:00Z.
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json b = json::parse(read_file(out / "r/report.json"));
  const auto& logins = b["tables"]["logins"];
  REQUIRE(logins.size() == 5);
  CHECK(b["case"] == "case 1");
  CHECK(b["operator"] == "Lab Law");
  CHECK(b["observations"]["first"].get<std::string>().rfind("2023-11-21T01:00:00.", 0) == 0);
  CHECK(b["created_at"].get<std::string>().rfind("2023-11-21", 0) != 0);  // the real time, not the runs'

  // Before every run: nothing before (warned), the 01:00 run 30 min after (warned: > 10m).
  const json& early = domain(logins[0], "moving.twitter.com");
  CHECK(logins[0]["time"] == "2023-11-21T00:30:00.000000000Z");
  CHECK(early["before"]["by_resolver"].empty());
  CHECK(early["after"]["addresses"] == json::array({"104.244.42.3"}));
  CHECK(early["after"]["gap_seconds"] == 1800);
  CHECK(early["window"]["observations"] == 0);
  CHECK(early["warnings"].dump().find("No observation of moving.twitter.com A at or before") != std::string::npos);
  CHECK(early["warnings"].dump().find("outside the 10m window") != std::string::npos);
  CHECK(logins[0]["union"]["addresses"][0]["basis"] == "nearest observation outside the window");

  // Between the 01:30 and 02:00 runs: the old address before, the new one after; both in the window.
  const json& mid = domain(logins[1], "moving.twitter.com");
  CHECK(logins[1]["time"] == "2023-11-21T01:45:00.000000000Z");
  CHECK(mid["before"]["addresses"] == json::array({"104.244.42.3"}));
  CHECK(mid["before"]["by_resolver"].size() == 2);
  CHECK(mid["before"]["gap_seconds"] == 899);
  CHECK(mid["after"]["addresses"] == json::array({"104.244.42.99"}));
  // The window 00:45..01:55 holds the 01:00 and 01:30 runs only: the old address, 4 observations.
  REQUIRE(mid["window"]["addresses"].size() == 1);
  CHECK(mid["window"]["addresses"][0]["count"] == 4);
  CHECK(mid["changes_24h"]["changed"] == true);
  CHECK(mid["changes_24h"]["changes"].size() == 2);  // one per resolver
  CHECK(domain(logins[1], "x.com")["changes_24h"]["changed"] == false);
  CHECK(domain(logins[1], "x.com")["window"]["addresses"].size() == 4);
  CHECK(domain(logins[1], "x.com")["window"]["addresses"][0]["ttls"] == json::array({300}));
  CHECK(domain(logins[1], "x.com")["window"]["addresses"][0]["all_resolvers_agree"] == true);

  // Exactly at knot's observation of the 02:00 run: that observation is 'before', gap 0.
  const json& at = domain(logins[2], "moving.twitter.com");
  bool found = false;
  for (const auto& br : at["before"]["by_resolver"])
    if (br["resolver"] == "knot") {
      found = true;
      CHECK(br["gap_seconds"] == 0);
      CHECK(br["addresses"] == json::array({"104.244.42.99"}));
    }
  CHECK(found);
  CHECK(at["before"]["gap_ns"] == 0);

  // After every run: the 03:00 run 20 min before; nothing after (warned).
  const json& late = domain(logins[3], "moving.twitter.com");
  CHECK(late["before"]["gap_seconds"] == 1199);  // the run started a few ms after 03:00:00
  CHECK(late["after"]["by_resolver"].empty());
  CHECK(late["warnings"].dump().find("No observation of moving.twitter.com A after") != std::string::npos);

  // A month later: the nearest is 34 days away, said plainly.
  const json& far = domain(logins[4], "x.com");
  CHECK(far["window"]["observations"] == 0);
  CHECK(far["warnings"].dump().find("days earlier, outside the 1h window") != std::string::npos);
  CHECK(far["changes_24h"]["changed"] == false);

  for (const auto& l : logins) {
    CHECK(l["union"]["destination_port"] == 443);
    CHECK(l["union"]["protocol"] == "tcp");
  }
  // Every selected observation's run leaf and its tree head are in the bundle.
  CHECK(b["runs"].size() == 5);
  CHECK(b["checkpoints"].size() == 5);

  const auto v = run_dnswitness("verify " + out / "r/report.json");
  CHECK_MESSAGE(v.exit_code == 0, v.err);
  CHECK(v.out.find("is valid") != std::string::npos);
  CHECK(v.out.find(b["ledger"]["key_fingerprint_sha256"].get<std::string>()) != std::string::npos);
  CHECK(v.out.find("report.sha256: every listed file matches") != std::string::npos);
  const auto sums = run_command("cd " + out / "r" + " && sha256sum -c report.sha256");
  CHECK_MESSAGE(sums.exit_code == 0, sums.out << sums.err);
}

TEST_CASE("report: a login file, --from/--until, --resolver; refuses to overwrite; bad input writes nothing") {
  auto& s = simulated();
  TempDir out;
  {
    std::ofstream f(out / "logins.txt");
    f << "\xe2\x80\x9c" "createdAt" "\xe2\x80\x9d" " : " "\xe2\x80\x9c" "2023-11-21T01:45:00.000Z" "\xe2\x80\x9d"
      << ", \xe2\x80\x9cloginIp\xe2\x80\x9d : \xe2\x80\x9c" "10.0.0.1" "\xe2\x80\x9d\n";
  }
  const std::string base = "report --ledger " + s.ledger + " --domains moving.twitter.com --types A ";
  auto r = run_dnswitness(base + "--logins " + out / "logins.txt" + " --resolver knot --from 2023-11-21T01:00:00Z "
                          "--until 2023-11-21T02:10:00Z --out " + out / "r");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json b = json::parse(read_file(out / "r/report.json"));
  CHECK(b["logins"]["records"][0]["source_ip"] == "10.0.0.1");
  CHECK(b["tables"]["logins"][0]["usable_for_carrier_request"] == false);
  CHECK(b["tables"]["logins"][0]["warnings"].dump().find("cannot be used for a carrier request") != std::string::npos);
  CHECK(b["tables"]["period"]["domains"][0]["observations"] == 3);
  CHECK(b["tables"]["period"]["domains"][0]["resolvers"] == json::array({"knot"}));
  // The tables hold knot only; the bundle still carries auth2's answers of the runs in the period,
  // because a run inside a window is carried whole (completeness, docs/report.md).
  CHECK(b["tables"]["logins"].dump().find("auth2") == std::string::npos);
  CHECK(b["tables"]["period"].dump().find("auth2") == std::string::npos);
  // ... and the selection says what it left out.
  CHECK(b["tables"]["selection"]["windows"][0]["excluded"]["resolvers"].dump().find("auth2") != std::string::npos);
  CHECK(read_file(out / "r/report.json").find("auth2") != std::string::npos);
  CHECK(run_dnswitness("verify -q " + out / "r/report.json").exit_code == 0);

  const std::string before = read_file(out / "r/report.json");
  r = run_dnswitness(base + "--at 2023-11-21T01:45:00Z --out " + out / "r");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--force") != std::string::npos);
  CHECK(read_file(out / "r/report.json") == before);
  r = run_dnswitness(base + "--at 2023-11-21T01:45:00Z --force --out " + out / "r");
  CHECK(r.exit_code == 0);
  CHECK(read_file(out / "r/report.json") != before);

  for (const std::string& bad : std::vector<std::string>{"--at 2023-11-21T01:45Z", "--at 2023-11-21T01:45:00Z --before 1x",
                                "--at 2023-11-21T01:45:00Z --after 0s", "--from 2023-11-21T01:00:00Z",
                                "--at 2023-11-21T01:45:00Z --domains 'bad name'",
                                "--logins " + out / "missing.txt", "", "--at 2023-11-21T01:45:00Z --tz Mars/Base"}) {
    r = run_dnswitness("report --ledger " + s.ledger + " " + bad + " --out " + out / "bad");
    CHECK_MESSAGE(r.exit_code == 2, bad << ": " << r.err);
    CHECK_MESSAGE(!std::filesystem::exists(out / "bad"), bad);
  }
  r = run_dnswitness("report --ledger " + out / "no-ledger" + " --at 2023-11-21T01:45:00Z --out " + out / "bad");
  CHECK(r.exit_code == 1);
  CHECK(!std::filesystem::exists(out / "bad"));
}
