// A login window that holds only NXDOMAIN (issue 16, item 7): gone.lab.test existed at 01:00, was
// removed from Knot for the 01:30 run and came back with other addresses for 02:00 (simulated time,
// libfaketime). The window around 01:30:30 takes its candidates from the 01:00 and 02:00 answers,
// says so in a warning naming those leaves, lists every address in numeric order, and verify
// accepts the bundle but rejects it (exit 4) once its candidates are edited.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/lab.h"
#include "support/report_pdfs.h"

using namespace dnswitness::test;
using nlohmann::json;

namespace {

const char* kNxFaketimeLib = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

// Replaces every record of gone.lab.test in Knot by `records` ("A 192.0.2.9", ...); none removes
// the name, so Knot answers NXDOMAIN.
void set_gone(const Lab& lab, const std::vector<std::string>& records) {
  const std::string c = "knotc -s " + lab.get("KNOT_CONTROL");
  std::string cmd = c + " zone-begin lab.test && (" + c + " zone-unset lab.test gone || true)";
  for (const auto& r : records) cmd += " && " + c + " zone-set lab.test gone 300 " + r;
  cmd += " && " + c + " zone-commit lab.test";
  const auto r = run_command(cmd);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
}

void snapshot_at(const Lab& lab, const std::string& ledger, const std::string& when) {
  REQUIRE_MESSAGE(std::filesystem::exists(kNxFaketimeLib), "libfaketime is missing: run scripts/setup.sh");
  const std::string env = std::string("FAKETIME='@") + when + "' DONT_FAKE_MONOTONIC=1 TZ=UTC " +
                          "ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 LD_PRELOAD=" + kNxFaketimeLib + " ";
  const auto r = run_command(env + DNSWITNESS_BINARY + " resolve-snapshot --ledger " + ledger + " --resolver knot=" +
                             lab.knot() + " --resolver auth2=" + lab.knot() +
                             " --domains gone.lab.test,x.com --types A,AAAA -q --ntp none --origin lab.test/nxdomain");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
}

const json& table_of(const json& login, const std::string& qname, const std::string& qtype) {
  for (const auto& d : login["domains"])
    if (d["qname"] == qname && d["qtype"] == qtype) return d;
  FAIL("no table for " << qname << " " << qtype);
  static json none;
  return none;
}

// "leaf 3 (auth2, 30 min earlier), leaf 4 (knot, 30 min earlier)" from a side of the bundle (gaps
// between 2 min and 2 h are said in whole minutes).
std::string side_words(const json& side, const char* direction) {
  std::string out;
  for (const auto& r : side["by_resolver"])
    out += (out.empty() ? "" : ", ") + std::string("leaf ") + std::to_string(r["leaf_index"].get<std::uint64_t>()) +
           " (" + r["resolver"].get<std::string>() + ", " +
           std::to_string(r["gap_seconds"].get<std::int64_t>() / 60) + " min " + direction + ")";
  return out;
}

}  // namespace

TEST_CASE("a window holding only NXDOMAIN: candidates from the nearest answers either side, verified") {
  const Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger";
  set_gone(lab, {"A 192.0.2.10", "A 192.0.2.9", "AAAA 2001:db8::10", "AAAA 2001:db8::2"});
  snapshot_at(lab, ledger, "2023-11-21 01:00:00");
  set_gone(lab, {});
  snapshot_at(lab, ledger, "2023-11-21 01:30:00");
  set_gone(lab, {"A 192.0.2.100", "A 192.0.2.20", "AAAA 2001:db8::a"});
  snapshot_at(lab, ledger, "2023-11-21 02:00:00");
  set_gone(lab, {});  // the lab's zone as it was

  const auto r = run_dnswitness("report --ledger " + ledger + " --domains gone.lab.test,x.com --types A,AAAA"
                                " --at 2023-11-21T01:30:30Z --before 5m --after 5m --case nx --out " + dir / "r");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json b = json::parse(read_file(dir / "r/report.json"));
  const json& login = b["tables"]["logins"][0];
  const json& gone = table_of(login, "gone.lab.test", "A");

  // The window [01:25:30, 01:35:30] holds the 01:30 run only: NXDOMAIN from both resolvers.
  CHECK(gone["window"]["observations"] == 2);
  CHECK(gone["window"]["addresses"].empty());
  CHECK(gone["window"]["without_address"] == json({{"nxdomain", 2}}));
  CHECK(gone["before"]["by_resolver"][0]["outcome"] == "nxdomain");
  const json& n = gone["nearest_with_address"];
  REQUIRE(n.is_object());
  REQUIRE(n["before"]["by_resolver"].size() == 2);
  REQUIRE(n["after"]["by_resolver"].size() == 2);
  CHECK(n["before"]["addresses"] == json::array({"192.0.2.9", "192.0.2.10"}));
  CHECK(n["after"]["addresses"] == json::array({"192.0.2.20", "192.0.2.100"}));
  // 01:00:00 and 02:00:00 plus however long the runs took to send their queries.
  CHECK(n["before"]["gap_seconds"].get<std::int64_t>() <= 1830);
  CHECK(n["before"]["gap_seconds"].get<std::int64_t>() >= 1800);
  CHECK(n["after"]["gap_seconds"].get<std::int64_t>() >= 1770);
  CHECK(n["after"]["gap_seconds"].get<std::int64_t>() < 1800);
  CHECK(table_of(login, "gone.lab.test", "AAAA")["nearest_with_address"]["before"]["addresses"] ==
        json::array({"2001:db8::2", "2001:db8::10"}));
  CHECK(table_of(login, "x.com", "A")["nearest_with_address"].is_null());

  // The warning names the leaves and how far they are.
  const std::string expected =
      "The window holds no observation of gone.lab.test A with an address (only 2 nxdomain); its candidates come "
      "from the nearest observations with an address on each side: before the login time, " +
      side_words(n["before"], "earlier") + "; after it, " + side_words(n["after"], "later") + ".";
  CHECK(gone["warnings"].dump().find(json(expected).dump()) != std::string::npos);
  CHECK(login["warnings"].dump().find("No destination IP candidate at all") == std::string::npos);

  // The union: x.com's window addresses and gone.lab.test's nearest ones, numeric, IPv4 first.
  std::vector<std::string> u;
  for (const auto& a : login["union"]["addresses"]) {
    u.push_back(a["address"].get<std::string>());
    const bool from_gone = a["domains"][0].get<std::string>().rfind("gone.lab.test", 0) == 0;
    CHECK(a["basis"] == (from_gone ? "nearest observation outside the window" : "seen in the window"));
  }
  CHECK(u == std::vector<std::string>{"104.244.42.1", "104.244.42.65", "104.244.42.129", "104.244.42.193",
                                      "192.0.2.9", "192.0.2.10", "192.0.2.20", "192.0.2.100", "2001:db8::2",
                                      "2001:db8::a", "2001:db8::10", "2606:1f80:f000::1", "2606:1f80:f000::2"});

  // The PDF says the same (line breaks and spaces taken out: pdftotext wraps table cells).
  const std::string text = report_pdfs_text(dir / "r");
  std::string flat;
  for (const char c : text)
    if (c != '\n' && c != ' ') flat += c;
  CHECK(flat.find("時間幅内の観測にアドレスがなく（NXDOMAIN・NODATA・エラーのみ）、候補を前後それぞれでアドレスを含む最も"
                  "近い観測から取っているもの") != std::string::npos);
  CHECK(flat.find("時間幅外・アドレスのある直前の観測") != std::string::npos);
  const auto box = flat.find("申立書別紙用の一覧");
  REQUIRE(box != std::string::npos);
  CHECK(flat.find("192.0.2.9*", box) < flat.find("192.0.2.10*", box));
  CHECK(flat.find("192.0.2.20*", box) < flat.find("192.0.2.100*", box));
  CHECK(flat.find("104.244.42.65", box) < flat.find("104.244.42.129", box));

  const auto ok = run_dnswitness("verify " + dir / "r/report.json");
  CHECK_MESSAGE(ok.exit_code == 0, ok.out << ok.err);
  CHECK(ok.out.find("its candidates come from the nearest observations with an address") != std::string::npos);

  // Edited candidates: the bundle alone in a folder (so report.sha256 does not catch it first).
  const auto rejects = [&](const json& edited, const std::string& what) {
    TempDir copy;
    write_file(copy / "report.json", edited.dump(1) + "\n");
    const auto v = run_dnswitness("verify " + copy / "report.json");
    CHECK_MESSAGE(v.exit_code == 4, what << ": " << v.out << v.err);
    CHECK_MESSAGE(v.err.find("does not re-derive") != std::string::npos, what << ": " << v.err);
  };
  std::size_t gone_a = 0;
  for (std::size_t i = 0; i < login["domains"].size(); ++i)
    if (login["domains"][i]["qname"] == "gone.lab.test" && login["domains"][i]["qtype"] == "A") gone_a = i;
  const std::string at = "/tables/logins/0/domains/" + std::to_string(gone_a);
  json e = b;
  e["tables"]["logins"][0]["union"]["addresses"].erase(4);  // drop 192.0.2.9
  rejects(e, "a candidate dropped");
  e = b;
  e["tables"]["logins"][0]["union"]["addresses"][5]["address"] = "192.0.2.11";
  rejects(e, "a candidate changed");
  e = b;
  e[json::json_pointer(at + "/nearest_with_address")] = nullptr;
  rejects(e, "the fallback removed");
  e = b;
  e[json::json_pointer(at + "/nearest_with_address/after/addresses/0")] = "192.0.2.21";
  rejects(e, "a nearest address changed");
  e = b;
  auto& warnings = e[json::json_pointer(at + "/warnings")];
  warnings.erase(std::remove_if(warnings.begin(), warnings.end(),
                                [](const json& w) { return w.get<std::string>().find("candidates come") != std::string::npos; }),
                 warnings.end());
  rejects(e, "the warning removed");
  e = b;
  std::swap(e["tables"]["logins"][0]["union"]["addresses"][4], e["tables"]["logins"][0]["union"]["addresses"][5]);
  rejects(e, "two candidates in text order");
}
