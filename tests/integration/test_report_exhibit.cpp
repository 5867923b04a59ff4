// The exhibit and its technical material for a realistic case (issue 19): 23 runs over a simulated
// day and a half (libfaketime) against the lab's Knot and Unbound, with a seven-hour gap
// (the lab TSA's certificate is younger than the simulated days, so no time-stamps here: the
// 90-second clock and the TSA are test_time_cross_checks.cpp's); six logins as pasted from X's disclosure: an IPv4 and an IPv6
// mobile source, a private 10.x source, a second IPv4 source, one inside the gap and one before the
// first run. Checked: the per-login lists by family, the withheld and the 'after only' lists, the
// exhibit's page count, no English word in either Japanese PDF, 令和 dates in prose with 西暦 in the
// tables, the 証拠説明書 .docx read by LibreOffice, verify over all the files. Page 1 and the first
// login section of the exhibit are rendered to PNG in build/test-output/report_exhibit/.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "support/lab.h"
#include "support/report_pdfs.h"

using namespace dnswitness::test;
using nlohmann::json;

namespace {

const char* kExFaketimeLib = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

void ex_run_at(const Lab& lab, const std::string& ledger, const std::string& when) {
  REQUIRE_MESSAGE(std::filesystem::exists(kExFaketimeLib), "libfaketime is missing: run scripts/setup.sh");
  const std::string env = "FAKETIME='@" + when + "' DONT_FAKE_MONOTONIC=1 TZ=UTC " +
                          "ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 LD_PRELOAD=" + kExFaketimeLib + " ";
  const auto r = run_command(env + DNSWITNESS_BINARY + " resolve-snapshot -q --ledger " + ledger + " --resolver knot=" +
                             lab.knot() + " --resolver unbound=" + lab.unbound() +
                             " --domains x.com,api.x.com,mobile.twitter.com,t.co --types A,AAAA --origin lab.test/exhibit");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
}

// The disclosure as pasted from X's Word file: six logins (times in UTC, as X gives them).
std::string ex_disclosure() {
  const std::vector<std::pair<std::string, std::string>> logins = {
      {"2026-11-20T01:10:15.000Z", "49.96.10.5"},         // IPv4, mobile
      {"2026-11-20T04:05:00.000Z", "2400:2410:b120::1"},  // IPv6, mobile
      {"2026-11-20T07:20:30.000Z", "10.1.2.3"},           // private: no list
      {"2026-11-20T19:45:00.000Z", "126.33.10.5"},        // IPv4
      {"2026-11-20T11:30:00.000Z", "106.128.4.9"},        // inside the 09:00-15:00 gap
      {"2026-11-19T23:20:00.000Z", "49.96.10.6"},         // before the first run
  };
  std::string out = "開示された情報（X Corp. 回答書 別紙）\n";
  for (const auto& [t, ip] : logins)
    out += "“createdAt” : “" + t + "”, “loginIp” : “" + ip + "”, “accountId” : “235505178”\n";
  return out;
}

struct ExhibitCase {
  TempDir dir;
  std::string ledger = dir / "ledger";
  ExhibitCase() {
    const Lab lab;
    // Every three hours from 2026-11-20 00:00 to 2026-11-21 12:00 UTC, none at 09:00 and 12:00, and
    // every half hour or so around three of the logins (a watch running then): 23 runs.
    std::vector<std::string> times = {"2026-11-20 00:20:00", "2026-11-20 00:50:00", "2026-11-20 01:15:00",
                                      "2026-11-20 03:15:00", "2026-11-20 03:45:00", "2026-11-20 04:10:00",
                                      "2026-11-20 06:40:00", "2026-11-20 07:10:00", "2026-11-20 07:25:00",
                                      "2026-11-20 19:00:00", "2026-11-20 19:30:00", "2026-11-20 19:50:00"};
    for (int h = 0; h <= 36; h += 3)
      if (h != 9 && h != 12) times.push_back(fmt::format("2026-11-{} {:02}:00:00", 20 + h / 24, h % 24));
    std::sort(times.begin(), times.end());
    for (const auto& t : times) ex_run_at(lab, ledger, t);
    write_file(dir / "logins.txt", ex_disclosure());
    // Three infringing posts (times in JST): after the 01:10:15Z login, after the 19:45Z one, and
    // one before any login.
    write_file(dir / "posts.txt",
               "https://x.com/anon/status/1861000000000000001 2026/11/20 10:30:00\n"
               "2026/11/21 04:50:00 https://x.com/anon/status/1861000000000000002\n"
               "2026/11/20 07:00:00\n");
  }
};

ExhibitCase& exhibit_case() {
  static ExhibitCase c;
  return c;
}

}  // namespace

TEST_CASE("a realistic case: six logins, lists by family, a short exhibit in Japanese, the 証拠説明書 .docx") {
  auto& c = exhibit_case();
  const std::filesystem::path out = c.dir.path() / "r";
  const auto r = run_dnswitness("report --ledger " + c.ledger + " --logins " + c.dir / "logins.txt" +
                                " --domains x.com,api.x.com,mobile.twitter.com,t.co --case '令和8年(ワ)第4567号' "
                                "--operator '弁護士 山田太郎' --era reiwa --posts " + c.dir / "posts.txt" +
                                " --next-login --tz JST --interval 15m --out " + out.string());
  INFO(r.out, r.err);
  REQUIRE(r.exit_code == 0);
  const json b = json::parse(read_file(out / "report.json"));
  const json& tables = b["tables"]["logins"];
  REQUIRE(tables.size() == 6);
  const auto family_of = [](const std::string& a) { return a.find(':') == std::string::npos ? 4 : 6; };

  // The tables are in time order: 23:20 on the 19th (before the first run), 01:10:15 (IPv4),
  // 04:05 (IPv6), 07:20:30 (private), 11:30 (in the gap), 19:45 (IPv4).
  // The lists by family: IPv4 sources get A records only, the IPv6 source AAAA only; t.co apart.
  for (const std::size_t k : {1u, 2u, 4u, 5u}) {
    CAPTURE(k);
    const json& list = tables[k]["carrier_list"];
    CHECK(list["status"] == "listed");
    const int family = k == 2 ? 6 : 4;
    CHECK(list["family"] == family);
    REQUIRE_FALSE(list["addresses"].empty());
    for (const auto& a : list["addresses"]) CHECK(family_of(a["address"]) == family);
    for (const auto& a : list["addresses"]) CHECK(a["address"] != "104.244.42.5");  // t.co is not a login host
  }
  // The IPv6 list holds x.com's and api.x.com's AAAA; mobile.twitter.com has none.
  std::set<std::string> v6;
  for (const auto& a : tables[2]["carrier_list"]["addresses"]) v6.insert(a["address"]);
  CHECK(v6 == std::set<std::string>{"2606:1f80:f000::1", "2606:1f80:f000::2", "2606:1f80:f000::3"});
  CHECK(tables[3]["carrier_list"]["status"] == "withheld");
  CHECK(tables[0]["carrier_list"]["status"] == "after_only");
  // The watch ran every 15 minutes (--interval): the login at 11:30 lies in the gap from 07:25 to
  // 15:00, its whole window without a run.
  REQUIRE(b["coverage"]["windows"].size() == 6);
  const json& gap_window = b["coverage"]["windows"][4];
  CHECK(gap_window["from"] == "2026-11-20T10:30:00.000000000Z");
  CHECK(gap_window["runs"] == 0);
  CHECK(gap_window["gaps"].size() == 1);

  // The posts: the login before (and after) each, as indexes into logins.records (sorted by time:
  // 23:20 on the 19th, 01:10:15, 04:05, 07:20:30, 11:30, 19:45).
  const json& posts = b["posts"]["records"];
  REQUIRE(posts.size() == 3);
  CHECK(posts[0]["url"] == "https://x.com/anon/status/1861000000000000001");
  CHECK(posts[0]["last_login_before"] == 1);
  CHECK(posts[0]["first_login_after"] == 2);
  CHECK(posts[1]["last_login_before"] == 5);
  CHECK(posts[1]["first_login_after"].is_null());
  CHECK(posts[2]["last_login_before"].is_null());
  CHECK(posts[2]["first_login_after"] == 0);

  // Two PDFs, each naming the other; the exhibit is short.
  const std::string exhibit = exhibit_pdf(out), technical = technical_pdf(out);
  REQUIRE_FALSE(exhibit.empty());
  REQUIRE_FALSE(technical.empty());
  const auto info = run_command("pdfinfo '" + exhibit + "'");
  const auto pages_at = info.out.find("Pages:");
  REQUIRE(pages_at != std::string::npos);
  const int pages = std::stoi(info.out.substr(pages_at + 6));
  MESSAGE("the exhibit has ", pages, " pages");
  CHECK(pages <= 10);
  const std::string ex = pdf_text(exhibit), tech = pdf_text(technical);
  CHECK(ex.find(std::filesystem::path(technical).filename().string()) != std::string::npos);
  CHECK(tech.find(std::filesystem::path(exhibit).filename().string()) != std::string::npos);
  for (const char* part : {"申立書別紙用の一覧", "本書が示さないこと", "照合の時間幅をログイン時刻の前後にとる理由", "以上",
                           "参考：ログイン後の観測のみ", "このログインの一覧は作成していません", "時計のずれ：",
                           "時刻認証との差：", "（観測の空白）があります", "投稿と侵害関連通信（ログイン）の対応",
                           "投稿1（2026/11/20 10:30:00(JST)）の直前のログイン"})
    CHECK_MESSAGE(ex.find(part) != std::string::npos, part);
  CHECK(ex.find("立証趣旨") == std::string::npos);  // the evidence description is its own file
  for (const char* part : {"観測の方法", "署名されたツリーヘッド", "openssl", "携帯電話会社ごとの照会で求められてきた事項"})
    CHECK_MESSAGE(tech.find(part) != std::string::npos, part);

  // All Japanese: no English word outside addresses, hashes, URLs, names and commands.
  const auto ex_words = english_words(ex);
  CHECK_MESSAGE(ex_words.empty(), fmt::format("English in the exhibit: {}", fmt::join(ex_words, " ")));
  // The technical material's openssl steps are commands, shown as they must be typed: the text
  // before them is checked.
  const std::string tech_prose = tech.substr(0, tech.find("sha256sum -c"));
  const auto tech_words = english_words(tech_prose);
  CHECK_MESSAGE(tech_words.empty(), fmt::format("English in the technical material: {}", fmt::join(tech_words, " ")));

  // --era reiwa: prose dates in 令和, table times in the western year.
  CHECK(ex.find("令和8年") != std::string::npos);
  CHECK(ex.find("2026/11/20") != std::string::npos);

  // Pictures for a person: page 1 and the first login section.
  const auto png_dir = std::filesystem::path(DNSWITNESS_BINARY).parent_path() / "test-output" / "report_exhibit";
  std::filesystem::create_directories(png_dir);
  const auto section_page = [&]() {
    for (int p = 2; p <= pages; ++p)
      if (pdf_text(exhibit, p, p).find("1.1 ログイン1") != std::string::npos) return p;
    return 2;
  }();
  for (const auto& [page, name] : {std::pair{1, "page1"}, std::pair{section_page, "login1"}})
    CHECK(run_command(fmt::format("pdftoppm -r 80 -png -singlefile -f {0} -l {0} '{1}' '{2}'", page, exhibit,
                                  (png_dir / name).string()))
              .exit_code == 0);
  std::filesystem::copy_file(exhibit, png_dir / "exhibit.pdf", std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(technical, png_dir / "technical.pdf", std::filesystem::copy_options::overwrite_existing);

  // The 証拠説明書 as a Word file, opened by LibreOffice: the form's columns and this report's values.
  REQUIRE_MESSAGE(run_command("command -v soffice").exit_code == 0, "LibreOffice is missing: run scripts/setup.sh --dev");
  const auto converted = run_command("cd '" + c.dir.path().string() + "' && HOME='" + c.dir.path().string() +
                                     "' soffice --headless -env:UserInstallation=file://" + c.dir.path().string() +
                                     "/lo --convert-to pdf --outdir lo-out '" + (out / "evidence-description.docx").string() +
                                     "'");
  INFO(converted.out, converted.err);
  REQUIRE(std::filesystem::exists(c.dir.path() / "lo-out" / "evidence-description.pdf"));
  const std::string row = squeezed_text(pdf_text((c.dir.path() / "lo-out" / "evidence-description.pdf").string()));
  for (const char* column : {"号証", "標目", "原本・写しの別", "作成年月日", "作成者", "立証趣旨", "備考"})
    CHECK_MESSAGE(row.find(column) != std::string::npos, column);
  CHECK(row.find("原本（電磁的記録）") != std::string::npos);
  CHECK(row.find("弁護士山田太郎") != std::string::npos);
  CHECK(row.find("推認") != std::string::npos);
  // The purpose names the usable logins only: four with a list (not the private source, nor the
  // login no observation precedes).
  CHECK(row.find("照会に使えるもの（4件") != std::string::npos);

  // verify: every file listed and signed; a changed .docx is caught.
  auto v = run_dnswitness("verify " + (out / "report.json").string());
  CHECK_MESSAGE(v.exit_code == 0, v.out, v.err);
  const std::string docx = read_file(out / "evidence-description.docx");
  write_file(out / "evidence-description.docx", docx + "x");
  v = run_dnswitness("verify -q " + (out / "report.json").string());
  CHECK(v.exit_code == 4);
  write_file(out / "evidence-description.docx", docx);

  // A post's login changed in report.json: verify picks them again and refuses it.
  json t = b;
  t["posts"]["records"][0]["last_login_before"] = 2;
  TempDir alone;
  write_file(alone / "report.json", t.dump(1));
  v = run_dnswitness("verify " + alone / "report.json");
  CHECK(v.exit_code == 4);
  CHECK(v.err.find("the posts differ from what their stored file reads as") != std::string::npos);
}
