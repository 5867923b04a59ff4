// The court PDF `dnswitness report` writes beside report.json, checked with poppler and qpdf as a
// court clerk's or the other side's tools would: its text holds the case, every domain, every
// candidate address, the login times in UTC and JST and the bundle's SHA-256; every font is
// embedded; qpdf finds no error; every page is A4 with the metadata set; with 50 login times and
// 300 addresses nothing lies outside the body box and the top-right corner stays free for the
// exhibit label; the English variant with full-width addresses and --name; verify notices a
// changed or foreign PDF. The ledger is synthetic (real SQLite, real signatures, made through the
// ledger's own API) so the large case costs no DNS query. Page 1 and a table page are rendered to
// PNG in build/test-output/report_pdf/ for a person to look at.
#include <doctest/doctest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "ledger/store.h"
#include "model/run_record.h"
#include "reports/pdf/wording.h"
#include "support/lab.h"
#include "support/report_pdfs.h"

using namespace dnswitness;
using dnswitness::test::read_file;
using dnswitness::test::run_command;
using dnswitness::test::run_dnswitness;
using dnswitness::test::TempDir;
using dnswitness::test::exhibit_pdf;
using dnswitness::test::technical_pdf;

namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kT0 = 1'700'524'800 * kSecond;  // 2023-11-21T00:00:00Z

std::string pool(std::size_t i) {
  i %= 300;
  return fmt::format("104.244.{}.{}", 40 + i / 100, i % 100 + 1);
}

Observation obs(const std::string& qname, std::uint16_t qtype, const std::string& resolver, std::int64_t t,
                std::vector<std::string> addresses, Outcome outcome = Outcome::answer) {
  Observation o;
  o.qname = qname;
  o.qtype = qtype;
  o.resolver = ResolverSpec{resolver, Protocol::udp, resolver == "r1" ? "192.0.2.1" : "192.0.2.2", 53, {}};
  o.sent_at = UtcTime{t};
  o.outcome = outcome;
  if (outcome != Outcome::timeout) o.rcode = 0;
  o.addresses = std::move(addresses);
  for (const auto& a : o.addresses) o.answers.push_back({qname + ".", qtype == 1 ? "A" : "AAAA", 300, a});
  o.query_wire = Bytes(29, 0x11);
  return o;
}

// Runs every 30 minutes from T0 - 1 h to T0 + 51 h, with no run between 19:45 and 26:00 (so some
// login windows are empty and show the nearest answers, 60 addresses long, instead).
void make_ledger(const std::filesystem::path& dir) {
  LedgerStore store(LedgerPaths{dir}, LedgerStore::Mode::read_write, "test.example/pdf");
  bool created = false;
  const auto key = store.load_or_create_key(&created);
  std::size_t n = 0;
  for (std::int64_t t = kT0 - 3600 * kSecond; t <= kT0 + 51 * 3600 * kSecond; t += 1800 * kSecond, ++n) {
    if (t > kT0 + 19 * 3600 * kSecond + 2700 * kSecond && t < kT0 + 26 * 3600 * kSecond) continue;
    std::vector<Observation> os;
    for (const std::string r : {"r1", "r2"}) {
      std::int64_t s = t + (r == "r1" ? 0 : kSecond / 3);
      // x.com's four addresses change every 6 hours, api.x.com's every 12; cdn.example.jp answers
      // with all 300 addresses of the pool every time.
      std::vector<std::string> x, cdn;
      for (std::size_t j = 0; j < 4; ++j) x.push_back(pool(n / 12 * 4 + j));
      for (std::size_t j = 0; j < 300; ++j) cdn.push_back(pool(j));
      os.push_back(obs("x.com", 1, r, s += 1000, x));
      os.push_back(obs("x.com", 28, r, s += 1000, {}, Outcome::nodata));
      if (r == "r2" && n % 13 == 0) os.push_back(obs("api.x.com", 1, r, s += 1000, {}, Outcome::timeout));
      else os.push_back(obs("api.x.com", 1, r, s += 1000, {pool(n / 24 + 150)}));
      os.push_back(obs("api.x.com", 28, r, s += 1000, {fmt::format("2606:1f80:f000::{:x}", n / 24 % 5 + 1)}));
      os.push_back(obs("cdn.example.jp", 1, r, s += 1000, cdn));
    }
    RunRecord run;
    run.run_id = fmt::format("{:032x}", n + 1);
    run.started_at = UtcTime{t};
    run.finished_at = UtcTime{t + 2 * kSecond};
    run.tool_version = "0.1.0";
    run.tool_commit = "test";
    run.hostname = "probe-1";
    run.os = "Linux 6.1 x86_64";
    run.resolvers = {ResolverSpec{"r1", Protocol::udp, "192.0.2.1", 53, {}},
                     ResolverSpec{"r2", Protocol::udp, "192.0.2.2", 53, {}}};
    run.domains = {"x.com", "api.x.com", "cdn.example.jp"};
    run.types = {"A", "AAAA"};
    run.observation_count = os.size();
    store.append_run(make_run_leaves(run, os), key);
  }
}

std::string logins_file() {
  std::string out = "開示された情報（X Corp. 回答書 別紙）\n";
  for (int k = 0; k < 50; ++k) {
    const std::int64_t t = kT0 + k * 3600 * kSecond + (17 * 60 + k) * kSecond;
    out += fmt::format("“createdAt” : “{}”, “loginIp” : “{}”, “accountId” : “235505178”\n",
                       format_rfc3339_s(UtcTime{t}).substr(0, 19) + ".000Z",
                       k == 3 ? "10.1.2.3" : fmt::format("223.216.{}.{}", k, k + 10));
  }
  return out;
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

// Words of `pdftotext -bbox`, per page: {xMin, yMin, xMax, yMax, text}.
struct Word {
  double x0, y0, x1, y1;
  std::string text;
};

// The value of attribute `name="..."` in `line`, or nullopt. (No std::regex: GCC 12 reports a
// false -Wmaybe-uninitialized inside it in the sanitizer build.)
std::optional<std::string> attribute(const std::string& line, const std::string& name) {
  const std::string key = " " + name + "=\"";
  const auto at = line.find(key);
  if (at == std::string::npos) return std::nullopt;
  const auto begin = at + key.size();
  const auto end = line.find('"', begin);
  if (end == std::string::npos) return std::nullopt;
  return line.substr(begin, end - begin);
}

std::vector<std::vector<Word>> words_by_page(const std::string& html, double* width, double* height) {
  std::vector<std::vector<Word>> pages;
  std::istringstream in(html);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("<page ") != std::string::npos) {
      const auto w = attribute(line, "width"), h = attribute(line, "height");
      if (!w || !h) continue;
      pages.emplace_back();
      *width = std::stod(*w);
      *height = std::stod(*h);
    } else if (line.find("<word ") != std::string::npos && !pages.empty()) {
      const auto x0 = attribute(line, "xMin"), y0 = attribute(line, "yMin"), x1 = attribute(line, "xMax"),
                 y1 = attribute(line, "yMax");
      const auto open = line.find('>'), close = line.rfind("</word>");
      if (!x0 || !y0 || !x1 || !y1 || open == std::string::npos || close == std::string::npos || close < open) continue;
      pages.back().push_back(
          {std::stod(*x0), std::stod(*y0), std::stod(*x1), std::stod(*y1), line.substr(open + 1, close - open - 1)});
    }
  }
  return pages;
}

std::filesystem::path png_dir() {
  const auto d = std::filesystem::path(DNSWITNESS_BINARY).parent_path() / "test-output" / "report_pdf";
  std::filesystem::create_directories(d);
  return d;
}

}  // namespace

TEST_CASE("the court PDF: 50 login times, 300 addresses, checked with poppler and qpdf") {
  TempDir tmp;
  make_ledger(tmp.path() / "ledger");
  test::write_file(tmp.path() / "logins.txt", logins_file());
  const std::string case_name = "令和8年(ワ)第123号 発信者情報開示命令申立事件";
  const std::string op = "山田法律事務所 弁護士 山田太郎";
  const std::string base = "report --ledger " + tmp / "ledger" + " --domains x.com,api.x.com,cdn.example.jp ";
  const auto r = run_dnswitness(base + "--logins " + tmp / "logins.txt" + " --case " + quoted(case_name) +
                                " --operator " + quoted(op) + " --era reiwa --out " + tmp / "r");
  INFO(r.out, r.err);
  REQUIRE(r.exit_code == 0);
  const std::filesystem::path dir = tmp.path() / "r";
  const std::string pdf = exhibit_pdf(dir), tech = technical_pdf(dir);
  REQUIRE(!pdf.empty());
  REQUIRE(!tech.empty());
  const std::string stem = "DNS観測報告書_令和8年（ワ）第123号_発信者情報開示命令申立事件_" +
                           pdf::yyyymmdd_of(format_rfc3339_ns(utc_now()));
  CHECK(std::filesystem::path(pdf).filename().string() == stem + ".pdf");
  // The technical material keeps the date and the 50-character limit: the case gives way.
  CHECK(std::filesystem::path(tech).filename().string() ==
        "DNS観測報告書_令和8年（ワ）第123号_発信者情報開示命令申_" + pdf::yyyymmdd_of(format_rfc3339_ns(utc_now())) +
            "_技術資料.pdf");
  CHECK(std::filesystem::exists(dir / "evidence-description.txt"));
  CHECK(std::filesystem::exists(dir / "evidence-description.docx"));
  // --era reiwa: the report's date in the evidence description in 令和 (tables keep the western year).
  CHECK(read_file(dir / "evidence-description.txt").find("作成年月日：令和") != std::string::npos);

  const std::string bundle_text = read_file(dir / "report.json");
  const auto bundle = nlohmann::json::parse(bundle_text);
  const std::string sha = hex_encode(sha256(ByteView(reinterpret_cast<const std::uint8_t*>(bundle_text.data()),
                                                     bundle_text.size())));
  const auto& tables = bundle["tables"]["logins"];
  REQUIRE(tables.size() == 50);
  // The hour-long windows overlap into one; runs every 30 min (the median), none from 19:30 to 26:00.
  CHECK(bundle["coverage"]["interval_seconds"] == 1800);
  REQUIRE(bundle["coverage"]["windows"].size() == 1);
  REQUIRE(bundle["coverage"]["windows"][0]["gaps"].size() == 1);
  CHECK(bundle["coverage"]["windows"][0]["gaps"][0]["from"] == format_rfc3339_ns(UtcTime{kT0 + 19 * 3600 * kSecond + 1800 * kSecond}));
  CHECK(bundle["coverage"]["windows"][0]["gaps"][0]["seconds"] == 6 * 3600 + 1800);

  // The text: case, domains, every candidate (the technical material has them all), both times of
  // every login, the bundle's SHA-256.
  const auto exhibit = run_command("pdftotext " + quoted(pdf) + " -");
  REQUIRE(exhibit.exit_code == 0);
  auto text = run_command("pdftotext " + quoted(tech) + " -");
  REQUIRE(text.exit_code == 0);
  CHECK(text.out.find(case_name) != std::string::npos);
  text.out += exhibit.out;
  CHECK(text.out.find(case_name) != std::string::npos);
  for (const std::string d : {"x.com", "api.x.com", "cdn.example.jp"}) CHECK(text.out.find(d) != std::string::npos);
  std::set<std::string> candidates;
  for (const auto& l : tables) {
    CHECK_MESSAGE(text.out.find(l["time_utc"].get<std::string>()) != std::string::npos, l["time_utc"]);
    CHECK_MESSAGE(text.out.find(l["time_jst"].get<std::string>()) != std::string::npos, l["time_jst"]);
    for (const auto& a : l["union"]["addresses"]) candidates.insert(a["address"].get<std::string>());
  }
  CHECK(candidates.size() == 300 + 5);  // the IPv4 pool and the IPv6 addresses of api.x.com
  std::size_t missing = 0;
  for (const auto& a : candidates)
    if (text.out.find(a + "\n") == std::string::npos && text.out.find(a + " ") == std::string::npos) ++missing;
  CHECK(missing == 0);
  CHECK(text.out.find(sha) != std::string::npos);
  CHECK(exhibit.out.find("立証趣旨") == std::string::npos);  // the evidence description draft left the exhibit
  CHECK(read_file(dir / "evidence-description.txt").find("甲第") != std::string::npos);
  CHECK(text.out.find("記録なし") != std::string::npos);  // vantage, clock, time-stamp tokens
  CHECK(text.out.find("観測の空白（実行のなかった期間）") != std::string::npos);  // chapter 4's gap table
  CHECK(text.out.find("6.5時間") != std::string::npos);                           // its length
  CHECK(text.out.find("（観測の空白）があります") != std::string::npos);          // the logins inside it
  // The lists for the carrier: IPv4 sources get the login hosts' IPv4 candidates, cdn.example.jp
  // apart; the private source's list is withheld.
  for (std::size_t k = 0; k < tables.size(); ++k) {
    const auto& c = tables[k]["carrier_list"];
    CAPTURE(k);
    CHECK(c["status"] == (k == 3 ? "withheld" : "listed"));
    CHECK(c["family"] == 4);
    for (const auto& a : c["addresses"]) CHECK(a["family"] == 4);
    // An address goes to the attachment's list when one of its names is a login host.
    const auto login_host = [](const nlohmann::json& a) {
      for (const auto& d : a["domains"])
        if (!d.get<std::string>().starts_with("cdn.example.jp")) return true;
      return false;
    };
    for (const auto& a : c["addresses"]) CHECK(login_host(a));
    for (const auto& a : c["other_hosts"]) CHECK_FALSE(login_host(a));
    if (k != 3) CHECK_FALSE(c["addresses"].empty());
  }
  CHECK(exhibit.out.find("このログインの一覧は作成していません") != std::string::npos);
  CHECK(exhibit.out.find("Aレコード（IPv4）の候補のみ") != std::string::npos);
  CHECK(exhibit.out.find("参考：ログイン以外の通信に使われるホスト") != std::string::npos);
  CHECK(exhibit.out.find("本書が示さないこと") != std::string::npos);
  // The appendix of what carriers ask, from presets/carrier-requests.json, dated and sourced.
  CHECK(text.out.find("付録 携帯電話会社ごとの照会で求められてきた事項（令和8年12") != std::string::npos);  // --era reiwa
  CHECK(exhibit.out.find("携帯電話会社ごとの照会で求められてきた事項") == std::string::npos);
  CHECK(text.out.find("docomossl202012") != std::string::npos);  // its source (the URL wraps in the cell)
  CHECK(text.out.find("楽天モバイル") != std::string::npos);

  // Both PDFs: fonts embedded, a clean file, A4, metadata, the body box and the running text.
  for (const std::string& file : {pdf, tech}) {
    CAPTURE(file);
    // Fonts embedded; a clean file.
    const auto fonts = run_command("pdffonts " + quoted(file));
    REQUIRE(fonts.exit_code == 0);
    std::istringstream fl(fonts.out);
    std::string line;
    int font_lines = 0;
    while (std::getline(fl, line)) {
      if (line.starts_with("name") || line.starts_with("----") || line.empty()) continue;
      std::istringstream ws(line);
      std::vector<std::string> tok;
      for (std::string t; ws >> t;) tok.push_back(t);
      REQUIRE(tok.size() >= 6);
      CHECK_MESSAGE(tok[tok.size() - 5] == "yes", line);
      CHECK(line.find("CJK") != std::string::npos);
      ++font_lines;
    }
    CHECK(font_lines >= 3);
    CHECK(run_command("qpdf --check " + quoted(file)).exit_code == 0);

    // A4 on every page, metadata, no encryption.
    const auto info = run_command("pdfinfo -f 1 -l 100000 " + quoted(file));
    REQUIRE(info.exit_code == 0);
    const auto pages_at = info.out.find("Pages:");
    REQUIRE(pages_at != std::string::npos);
    const int pages = std::stoi(info.out.substr(pages_at + 6));
    if (file == tech) CHECK(pages > 20);
    std::size_t a4 = 0;
    for (std::size_t p = info.out.find("pts (A4)"); p != std::string::npos; p = info.out.find("pts (A4)", p + 1)) ++a4;
    CHECK(a4 == static_cast<std::size_t>(pages));
    CHECK(info.out.find("Title:           DNS名前解決観測記録報告書" + std::string(file == tech ? "　技術資料" : "") + "（" +
                        case_name + "）") != std::string::npos);
    CHECK(info.out.find("Author:          " + op) != std::string::npos);
    CHECK(info.out.find("CreationDate:") != std::string::npos);
    CHECK(info.out.find("Encrypted:       no") != std::string::npos);

    // Nothing outside the body box (30 mm left margin); the top-right corner free; "n / N" on every page.
    const auto bbox = run_command("pdftotext -bbox " + quoted(file) + " -");
    REQUIRE(bbox.exit_code == 0);
    double w = 0, h = 0;
    const auto by_page = words_by_page(bbox.out, &w, &h);
    REQUIRE(by_page.size() == static_cast<std::size_t>(pages));
    const double mm = 72.0 / 25.4;
    std::size_t outside = 0, in_corner = 0, numbered = 0, with_case = 0;
    for (std::size_t p = 0; p < by_page.size(); ++p) {
      std::string all;
      for (const auto& word : by_page[p]) {
        all += word.text + " ";
        if (word.x0 < 30 * mm - 0.5 || word.x1 > w - 20 * mm + 0.5 || word.y0 < 10 * mm || word.y1 > h - 10 * mm) {
          ++outside;
          MESSAGE("page ", p + 1, ": '", word.text, "' at ", word.x0, ",", word.y0, "-", word.x1, ",", word.y1);
        }
        if (word.x1 > w - 80 * mm && word.y0 < 32 * mm) ++in_corner;
      }
      numbered += all.find(fmt::format("{} / {}", p + 1, pages)) != std::string::npos;
      with_case += all.find("令和8年(ワ)第123号") != std::string::npos;
    }
    CHECK(outside == 0);
    CHECK(in_corner == 0);
    CHECK(numbered == by_page.size());
    CHECK(with_case == by_page.size());
  }

  // Pictures for a person: page 1 and a page of the candidate tables.
  const auto out = png_dir();
  const auto png = [&](const std::string& file, int page, const std::string& name) {
    return run_command(fmt::format("pdftoppm -r 70 -png -singlefile -f {} -l {} {} {}", page, page, quoted(file),
                                   (out / name).string()))
        .exit_code;
  };
  CHECK(png(pdf, 1, "ja-page1") == 0);
  CHECK(png(tech, 6, "ja-table") == 0);
  std::filesystem::copy_file(pdf, out / "ja-50x300.pdf", std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(tech, out / "ja-50x300-technical.pdf", std::filesystem::copy_options::overwrite_existing);

  // verify: the PDF is the one listed; a changed PDF, or a foreign one beside it, is caught.
  auto v = run_dnswitness("verify " + (dir / "report.json").string());
  INFO(v.out, v.err);
  CHECK(v.exit_code == 0);
  CHECK(v.out.find("typeset from this report.json") != std::string::npos);
  const std::string original = read_file(pdf);
  std::string changed = original;
  changed[changed.size() / 2] ^= 0x01;
  test::write_file(pdf, changed);
  v = run_dnswitness("verify -q " + (dir / "report.json").string());
  CHECK(v.exit_code == 4);
  CHECK(v.err.find("does not match (the file was changed)") != std::string::npos);
  test::write_file(pdf, original);
  test::write_file(dir / "extra.pdf", original);
  v = run_dnswitness("verify -q " + (dir / "report.json").string());
  CHECK(v.exit_code == 4);
  CHECK(v.err.find("extra.pdf sits beside the report but is not listed") != std::string::npos);
  std::filesystem::remove(dir / "extra.pdf");
  CHECK(run_dnswitness("verify -q " + (dir / "report.json").string()).exit_code == 0);
}

TEST_CASE("the English PDF with full-width addresses and --name; bad options write nothing") {
  TempDir tmp;
  make_ledger(tmp.path() / "ledger");
  const std::string base = "report --ledger " + tmp / "ledger" + " --domains x.com,api.x.com --types A ";
  const std::string at = "--at 2023-11-21T02:17:02Z --at 2023-11-21T22:17:00Z ";
  auto r = run_dnswitness(base + at + "--lang en --fullwidth --name case-123_report.pdf --case 'Case 123' --out " +
                          tmp / "en");
  INFO(r.out, r.err);
  REQUIRE(r.exit_code == 0);
  const auto pdf = tmp.path() / "en" / "case-123_report.pdf";
  REQUIRE(std::filesystem::exists(pdf));
  REQUIRE(std::filesystem::exists(tmp.path() / "en" / "case-123_report_technical.pdf"));
  const auto text = run_command("pdftotext " + quoted(pdf.string()) + " -");
  const auto tech = run_command("pdftotext " + quoted((tmp.path() / "en" / "case-123_report_technical.pdf").string()) +
                                " -");
  CHECK(text.out.find("DNS Resolution Observation Report") != std::string::npos);
  CHECK(text.out.find("2023/11/21 02:17:02(UTC)") != std::string::npos);
  CHECK(text.out.find("2023/11/21 11:17:02(JST)") != std::string::npos);
  CHECK(text.out.find("Destination IP addresses per login time") != std::string::npos);
  CHECK(text.out.find("case-123_report_technical.pdf") != std::string::npos);  // each names the other
  CHECK(tech.out.find("case-123_report.pdf") != std::string::npos);
  const auto bundle = nlohmann::json::parse(read_file(tmp.path() / "en" / "report.json"));
  for (const auto& a : bundle["tables"]["logins"][0]["union"]["addresses"]) {
    const std::string addr = a["address"].get<std::string>();
    CHECK(tech.out.find(addr) != std::string::npos);
    CHECK(text.out.find(pdf::fullwidth(addr)) != std::string::npos);  // the exhibit's copy-ready list
  }
  CHECK(tech.out.find("not recorded") != std::string::npos);
  CHECK(read_file(tmp.path() / "en" / "evidence-description.txt").find("Purpose of proof") != std::string::npos);
  CHECK(run_dnswitness("verify -q " + tmp / "en/report.json").exit_code == 0);
  const auto out = png_dir();
  CHECK(run_command("pdftoppm -r 70 -png -singlefile -f 1 -l 1 " + quoted(pdf.string()) + " " +
                    (out / "en-page1").string())
            .exit_code == 0);
  std::filesystem::copy_file(pdf, out / "en.pdf", std::filesystem::copy_options::overwrite_existing);

  CHECK(run_dnswitness(base + at + "--era showa --out " + tmp / "showa").exit_code == 2);

  // --format json: the bundle alone.
  r = run_dnswitness(base + at + "--format json --out " + tmp / "json");
  CHECK(r.exit_code == 0);
  CHECK(exhibit_pdf(tmp.path() / "json").empty());
  CHECK(!std::filesystem::exists(tmp.path() / "json" / "evidence-description.txt"));
  CHECK(!std::filesystem::exists(tmp.path() / "json" / "evidence-description.docx"));

  test::write_file(tmp.path() / "bad-posts.txt", "2023-11-21T02:30:00Z https://x.com/a/status/1\nyesterday\n");
  test::write_file(tmp.path() / "bad-bootstrap.json", "{\"services\": 5}");
  const std::vector<std::string> bads = {"--name " + std::string(47, 'a') + ".pdf", "--name 'a b.pdf'", "--name x.txt",
                                         "--format pdf", "--format html", "--lang fr", "--format json --name x.pdf",
                                         "--next-login", "--posts " + tmp / "no-such-posts.txt",
                                         "--posts " + tmp / "bad-posts.txt", "--rdap-bootstrap " + tmp / "x.json",
                                         "--rdap --rdap-bootstrap " + tmp / "bad-bootstrap.json"};
  for (const auto& bad : bads) {
    CAPTURE(bad);
    r = run_dnswitness(base + at + bad + " --out " + tmp / "bad");
    CHECK(r.exit_code == 2);
    CHECK(!r.err.empty());
    CHECK(!std::filesystem::exists(tmp.path() / "bad"));
  }
}
