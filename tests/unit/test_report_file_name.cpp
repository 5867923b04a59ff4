// The PDF's file name: the e-filing system takes at most 50 characters including the extension and
// no unsafe characters; the default name is shortened safely; --name is checked. Also: the openssl
// steps printed in the PDF are the docs' steps, byte for byte.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "reports/file_name.h"
#include "reports/pdf/openssl_steps.h"
#include "reports/pdf/wording.h"

using namespace dnswitness;

namespace {

std::size_t chars(const std::string& s) { return utf8_length(s).value_or(9999); }

}  // namespace

TEST_CASE("default file names fit 50 characters and use only safe characters") {
  const std::string plain = default_report_file_name("令和8年(ワ)第123号", "20261128", false);
  CHECK(plain == "DNS観測報告書_令和8年（ワ）第123号_20261128.pdf");
  CHECK(filing_name_problem(plain).empty());

  CHECK(default_report_file_name("", "20261128", false) == "DNS観測報告書_20261128.pdf");
  CHECK(default_report_file_name("", "20261128", true) == "DNS_report_20261128.pdf");

  const std::vector<std::string> odd = {
      std::string(200, 'x'),
      "令和8年(ワ)第123456号 発信者情報開示命令申立事件（株式会社エックス・コーポレーション外1名）長い長い事件名",
      "../../etc/passwd",
      "a/b\\c:d*e?f\"g<h>i|j",
      "  spaces   and\ttabs  ",
      "emoji 😀 and ① and ＡＢＣ",
      ".hidden",
      "\xff\xfe broken utf8 \xc3",
      "____",
      std::string("nul\0inside", 10),
  };
  for (const auto& c : odd) {
    CAPTURE(c);
    const std::string n = default_report_file_name(c, "20261128", false);
    CAPTURE(n);
    CHECK(chars(n) <= kMaxFilingNameChars);
    CHECK(filing_name_problem(n).empty());
    CHECK(n.find('/') == std::string::npos);
    CHECK(n.find("__") == std::string::npos);
    CHECK(n.ends_with("_20261128.pdf"));
    const std::string e = default_report_file_name(c, "20261128", true);
    CHECK(chars(e) <= kMaxFilingNameChars);
    CHECK(filing_name_problem(e).empty());
    // The technical material beside it: the same stem, the date kept, within the same limit.
    for (const auto& [name, english] : {std::pair{n, false}, std::pair{e, true}}) {
      const std::string t = technical_file_name(name, english);
      CAPTURE(t);
      CHECK(chars(t) <= kMaxFilingNameChars);
      CHECK(filing_name_problem(t).empty());
      CHECK(t.find("__") == std::string::npos);
      CHECK(t.ends_with(english ? "_20261128_technical.pdf" : "_20261128_技術資料.pdf"));
    }
  }
  CHECK(technical_file_name(plain, false) == "DNS観測報告書_令和8年（ワ）第123号_20261128_技術資料.pdf");
  CHECK(technical_file_name("case-123_report.pdf", true) == "case-123_report_technical.pdf");
  // A --name of 50 characters without a date: cut at the end.
  const std::string fifty = std::string(46, 'a') + ".pdf";
  CHECK(technical_file_name(fifty, false) == std::string(41, 'a') + "_技術資料.pdf");
  // A long case keeps its beginning (the case number), cut at a whole character.
  const std::string long_case = default_report_file_name(odd[1], "20261128", false);
  CHECK(long_case.starts_with("DNS観測報告書_令和8年（ワ）第123456号_発信者情報"));
  CHECK(chars(long_case) == kMaxFilingNameChars);
}

TEST_CASE("--name is checked: length, characters, extension") {
  CHECK(filing_name_problem("case123_report.pdf").empty());
  CHECK(filing_name_problem("甲第5号証_DNS観測報告書.pdf").empty());
  CHECK(filing_name_problem(std::string(46, 'a') + ".pdf").empty());
  CHECK(filing_name_problem(std::string(47, 'a') + ".pdf").find("51 characters") != std::string::npos);
  CHECK(filing_name_problem("report.txt") == "it does not end in .pdf");
  CHECK(filing_name_problem(".pdf") == "it does not end in .pdf");
  CHECK(!filing_name_problem("a b.pdf").empty());
  CHECK(!filing_name_problem("dir/x.pdf").empty());
  CHECK(!filing_name_problem("x?.pdf").empty());
  CHECK(!filing_name_problem("\xff.pdf").empty());
  CHECK(!filing_name_problem(".hidden.pdf").empty());
}

TEST_CASE("full-width digits and the lawyers' time style") {
  CHECK(pdf::fullwidth("104.244.42.1") == "１０４．２４４．４２．１");
  CHECK(pdf::fullwidth("a:b ") == "ａ：ｂ ");
  CHECK(pdf::jst_of("2023-11-21T02:10:15.000000000Z") == "2023/11/21 11:10:15(JST)");
  CHECK(pdf::utc_of("2023-11-21T02:10:15Z") == "2023/11/21 02:10:15(UTC)");
  CHECK(pdf::date_of("2023-11-21T20:00:00Z", pdf::Lang{false}) == "2023年11月22日");
  // --era reiwa: prose dates in 令和 (元年 for 2019 from May 1; earlier dates keep the western year).
  CHECK(pdf::date_of("2026-12-05T03:00:00Z", pdf::Lang{false, true}) == "令和8年12月5日");
  CHECK(pdf::date_of("2019-05-01T00:00:00+09:00", pdf::Lang{false, true}) == "令和元年5月1日");
  CHECK(pdf::date_of("2019-04-30T23:59:59+09:00", pdf::Lang{false, true}) == "2019年4月30日");
  CHECK(pdf::date_of("2026-12-05T03:00:00Z", pdf::Lang{true, true}) == "5 December 2026");
  CHECK(pdf::yyyymmdd_of("2023-11-21T20:00:00Z") == "20231122");
}

TEST_CASE("the PDF prints the openssl steps of docs/report.md exactly") {
  const auto docs = std::filesystem::path(DNSWITNESS_TESTDATA_DIR) / ".." / ".." / "docs" / "report.md";
  std::ifstream in(docs);
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  const auto begin = text.find("<!-- openssl-steps:begin -->\n```sh\n");
  const auto end = text.find("```\n<!-- openssl-steps:end -->");
  REQUIRE(begin != std::string::npos);
  REQUIRE(end != std::string::npos);
  const std::string block = text.substr(begin + 35, end - begin - 35);
  CHECK(std::string("\n") + block == pdf::kOpensslSteps);
}
