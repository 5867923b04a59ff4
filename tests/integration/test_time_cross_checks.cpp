// Time cross-checks (issue 16, item 4) on real runs: a run with the clock set 90 s fast by
// libfaketime, checked against the lab's chronyd and time-stamped by the lab's TSA, gives the
// TSA-before-the-run and clock-offset warnings in its run facts, on page 1 of the PDF, in the login
// section and in verify; two runs with the clock set back an hour between them are out of order.
// verify re-derives every finding: a finding removed or a figure changed is exit 4.
#include <doctest/doctest.h>

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "support/chronyd.h"
#include "support/lab.h"
#include "support/report_pdfs.h"

using namespace dnswitness::test;
using nlohmann::json;

namespace {

const char* kTcFaketimeLib = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

std::string tc_faked(const std::string& faketime) {
  REQUIRE_MESSAGE(std::filesystem::exists(kTcFaketimeLib), "libfaketime is missing: run scripts/setup.sh");
  return "FAKETIME='" + faketime + "' DONT_FAKE_MONOTONIC=1 TZ=UTC " +
         "ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 LD_PRELOAD=" + kTcFaketimeLib + " ";
}

// One run against the lab's Knot; its run record from --json.
json tc_snapshot(const Lab& lab, const std::string& env, const std::string& ledger, const std::string& extra) {
  const auto r = run_command(env + DNSWITNESS_BINARY + " resolve-snapshot -q --json --ledger " + ledger +
                             " --resolver knot=" + lab.knot() + " --domains x.com --types A --timeout 300 " + extra);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json doc = json::parse(r.out, nullptr, false);
  REQUIRE(doc.is_object());
  return doc["run"];
}

std::string tc_squeezed(const std::string& s) {
  std::string out;
  for (const char c : s)
    if (c != ' ' && c != '\n' && c != '\f') out += c;
  return out;
}

std::string tc_pdf(const std::filesystem::path& dir) { return exhibit_pdf(dir); }

const json& tc_run(const json& bundle, const std::string& run_id) {
  for (const auto& r : bundle["runs"])
    if (r["run_id"] == run_id) return r;
  FAIL("no run " << run_id);
  static json none;
  return none;
}

std::vector<std::string> tc_checks(const json& facts) {
  std::vector<std::string> out;
  for (const auto& f : facts["time_checks"]["findings"]) out.push_back(f["check"].get<std::string>());
  return out;
}

// verify of report.json alone, changed by `edit`.
int tc_verify_changed(const std::filesystem::path& report, const std::function<void(json&)>& edit, std::string* err) {
  json b = json::parse(read_file(report));
  edit(b);
  TempDir d;
  write_file(d / "report.json", b.dump(1));
  const auto r = run_dnswitness("verify " + d / "report.json");
  if (err) *err = r.out + r.err;
  return r.exit_code;
}

}  // namespace

TEST_CASE("a clock 90 s fast during a run with a lab TSA token: warnings in the facts, on page 1, in the login and in verify") {
  const Lab lab;
  Chronyd chronyd;
  TempDir dir;
  const std::string ledger = dir / "ledger";
  const std::string tsa = " --tsa " + lab.get("TSA_URL") + " --tsa-ca " + lab.get("TSA_CA");
  const json first = tc_snapshot(lab, "", ledger, "--ntp none" + tsa);
  const json fast = tc_snapshot(lab, tc_faked("+90s"), ledger, "--ntp " + chronyd.address() + tsa);
  const std::string id = fast["run_id"].get<std::string>();
  const std::string at = fast["started_at"].get<std::string>().substr(0, 19) + "Z";

  TempDir out;
  const auto r = run_dnswitness("report --ledger " + ledger + " --domains x.com --types A --case time --at " + at +
                                " --before 10m --after 10m --out " + out / "r");
  REQUIRE_MESSAGE(r.exit_code == 0, (r.out + r.err));
  const json b = json::parse(read_file(out / "r/report.json"));

  // The run facts: the token's time about 90 s before the finish, the NTP offset about -90 s.
  const json& facts = tc_run(b, id)["facts"];
  CHECK(tc_checks(facts) == std::vector<std::string>{"clock_offset", "tsa_before_run"});
  const json& checks = facts["time_checks"];
  CHECK(checks["tolerance_ns"] == 2'000'000'000);
  CHECK(checks["order"]["checked"] == true);
  CHECK(checks["order"]["previous_run_id"] == first["run_id"]);
  REQUIRE(checks["tokens"].size() == 1);
  CHECK(checks["tokens"][0]["accuracy_ns"] == 1'000'000'000);  // the lab TSA states accuracy secs:1
  const json& offset = checks["findings"][0];
  CHECK(offset["offset_ns"].get<std::int64_t>() < -89'000'000'000LL);
  CHECK(offset["offset_ns"].get<std::int64_t>() > -91'000'000'000LL);
  const json& token = checks["findings"][1];
  CHECK(token["tsa_url"] == lab.get("TSA_URL"));
  CHECK(token["by_ns"].get<std::int64_t>() > 88'000'000'000LL);
  CHECK(token["by_ns"].get<std::int64_t>() < 92'000'000'000LL);
  const std::string sentence = token["warning"].get<std::string>();
  CHECK(sentence.rfind("The RFC 3161 time-stamp from " + lab.get("TSA_URL") + " dates the run's tree head at ", 0) == 0);
  CHECK(sentence.find("more than the token's accuracy (1.000 s) and the 2 s tolerance allow: the host clock was ahead "
                      "of the TSA's.") != std::string::npos);
  CHECK(std::find(facts["warnings"].begin(), facts["warnings"].end(), token["warning"]) != facts["warnings"].end());
  // The first run, with the right clock and its own token, has no finding; it is the ledger's first.
  const json& calm = tc_run(b, first["run_id"].get<std::string>())["facts"]["time_checks"];
  CHECK(calm["findings"].empty());
  CHECK(calm["order"]["why"] == "it is the ledger's first run");

  // The login section whose window touches the run.
  const json& lw = b["tables"]["logins"][0]["warnings"];
  const std::string line = "Run " + id + " (started " + fast["started_at"].get<std::string>() + "): " + sentence;
  CHECK(std::find(lw.begin(), lw.end(), json(line)) != lw.end());

  // Page 1 of the PDF, and the login section, in Japanese.
  const auto page1 = run_command("pdftotext -f 1 -l 1 '" + tc_pdf(out / "r") + "' -");
  REQUIRE(page1.exit_code == 0);
  const std::string p1 = tc_squeezed(page1.out);
  CHECK(p1.find("時刻の矛盾（2件）") != std::string::npos);
  CHECK(p1.find(tc_squeezed("のタイムスタンプ（RFC 3161）の時刻")) != std::string::npos);
  CHECK(p1.find("計算機の時計が時刻認証局の時計より進んでいたことを示します。") != std::string::npos);
  CHECK(p1.find("時刻の照合で許容する1秒を超えています。") != std::string::npos);
  // The clock line of page 1: the largest NTP offset, and the largest gap to a TSA time.
  CHECK(p1.find("時計のずれ：最大90.0秒（NTP）、時刻認証との差：最大") != std::string::npos);
  CHECK(p1.find("計算機の時計が基準時刻（NTP）より約90.0秒進んでいた") != std::string::npos);
  const auto all = run_command("pdftotext -f 2 '" + tc_pdf(out / "r") + "' -");
  CHECK(tc_squeezed(all.out).find("計算機の時計が時刻認証局の時計より進んでいたことを示します。") != std::string::npos);
  // In English too.
  TempDir en;
  REQUIRE(run_dnswitness("report --ledger " + ledger + " --domains x.com --types A --case time --lang en --at " + at +
                         " --before 10m --after 10m --out " + en / "r")
              .exit_code == 0);
  const auto en1 = run_command("pdftotext -f 1 -l 1 '" + tc_pdf(en / "r") + "' -");
  CHECK(tc_squeezed(en1.out).find(tc_squeezed("Time contradictions (2)")) != std::string::npos);
  CHECK(tc_squeezed(en1.out).find(tc_squeezed("the host clock was ahead of the TSA's.")) != std::string::npos);

  // verify passes and says it.
  const auto v = run_dnswitness("verify " + out / "r/report.json");
  CHECK_MESSAGE(v.exit_code == 0, (v.out + v.err));
  CHECK(v.out.find("The RFC 3161 time-stamp from " + lab.get("TSA_URL")) != std::string::npos);
  CHECK(v.out.find("ahead of NTP time") != std::string::npos);

  // A finding removed, a figure or a sentence changed, or the login's line dropped: exit 4.
  std::size_t k = 0;
  for (std::size_t i = 0; i < b["runs"].size(); ++i)
    if (b["runs"][i]["run_id"] == id) k = i;
  const std::vector<std::pair<std::string, std::function<void(json&)>>> edits = {
      {"findings dropped", [&](json& x) { x["runs"][k]["facts"]["time_checks"]["findings"] = json::array(); }},
      {"token finding dropped", [&](json& x) { x["runs"][k]["facts"]["time_checks"]["findings"].erase(1); }},
      {"by_ns", [&](json& x) { x["runs"][k]["facts"]["time_checks"]["findings"][1]["by_ns"] = 1'000'000'000; }},
      {"warning", [&](json& x) { x["runs"][k]["facts"]["warnings"] = json::array(); }},
      {"tolerance", [&](json& x) { x["runs"][k]["facts"]["time_checks"]["tolerance_ns"] = 100'000'000'000LL; }},
      {"login line", [&](json& x) { x["tables"]["logins"][0]["warnings"] = json::array(); }},
  };
  for (const auto& [what, edit] : edits) {
    std::string err;
    CHECK_MESSAGE(tc_verify_changed(out / "r/report.json", edit, &err) == 4, (what + ": " + err));
  }
}

TEST_CASE("runs out of order: the clock set back an hour between two runs") {
  const Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger";
  const json later = tc_snapshot(lab, tc_faked("@2026-11-20 10:00:00"), ledger, "--ntp none");
  const json earlier = tc_snapshot(lab, tc_faked("@2026-11-20 09:00:00"), ledger, "--ntp none");
  TempDir out;
  const auto r = run_dnswitness("report --ledger " + ledger +
                                " --domains x.com --types A --at 2026-11-20T09:30:00Z --before 1h --after 1h --out " +
                                out / "r");
  REQUIRE_MESSAGE(r.exit_code == 0, (r.out + r.err));
  const json b = json::parse(read_file(out / "r/report.json"));
  const json& facts = tc_run(b, earlier["run_id"].get<std::string>())["facts"];
  REQUIRE(tc_checks(facts) == std::vector<std::string>{"out_of_order"});
  const json& f = facts["time_checks"]["findings"][0];
  CHECK(f["before_previous_start"] == true);
  CHECK(f["previous_run_id"] == later["run_id"]);
  CHECK(f["by_ns"].get<std::int64_t>() > 3'590'000'000'000LL);
  CHECK(f["warning"].get<std::string>().find("before the previous run in the ledger (" +
                                             later["run_id"].get<std::string>() + ") started at 2026-11-20T10:00:0") !=
        std::string::npos);
  CHECK(tc_run(b, later["run_id"].get<std::string>())["facts"]["time_checks"]["findings"].empty());
  const auto v = run_dnswitness("verify " + out / "r/report.json");
  CHECK_MESSAGE(v.exit_code == 0, (v.out + v.err));
  CHECK(v.out.find("the runs are out of order") != std::string::npos);
  const auto page1 = run_command("pdftotext -f 1 -l 1 '" + tc_pdf(out / "r") + "' -");
  CHECK(tc_squeezed(page1.out).find("実行の順序が時刻と矛盾しており") != std::string::npos);
  std::string err;
  CHECK(tc_verify_changed(out / "r/report.json",
                          [&](json& x) {
                            for (auto& run : x["runs"])
                              if (run["run_id"] == earlier["run_id"]) run["facts"]["time_checks"]["findings"] = json::array();
                          },
                          &err) == 4);
  CHECK(err.find("differ from its run leaf and the time cross-checks") != std::string::npos);
}
