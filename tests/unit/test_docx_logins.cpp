// X's disclosure as a Word file: the same records as the text pasted from it, a table read as
// columns, tracked deletions left out, and damaged or hostile files refused with one sentence.
#include <doctest/doctest.h>

#include <sstream>

#include "reports/docx_text.h"
#include "reports/logins.h"
#include "support/docx_file.h"
#include "support/lab.h"

using namespace dnswitness;
using test::word_document;
using test::word_paragraph;

namespace {

const std::string kPaste = std::string(DNSWITNESS_TESTDATA_DIR) + "/logins/x_paste_word.txt";

std::string message_of(const std::filesystem::path& file) {
  try {
    read_logins_file(file, {});
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a .docx of X's disclosure gives the records of the same text pasted") {
  const std::string text = test::read_file(kPaste);
  std::string body;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();  // the paste has Windows line ends; a paragraph has none
    body += word_paragraph(line);
  }
  test::TempDir dir;
  test::write_docx(dir.path() / "disclosure.docx", word_document(body));

  const LoginImport from_text = read_logins_file(kPaste, {});
  const LoginImport from_word = read_logins_file(dir.path() / "disclosure.docx", {});
  CHECK(from_word.format == LoginFormat::x_paste);
  CHECK(from_word.duplicates == from_text.duplicates);
  REQUIRE(from_word.records.size() == from_text.records.size());
  REQUIRE(from_word.records.size() == 214);
  for (std::size_t i = 0; i < from_text.records.size(); ++i) {
    CAPTURE(i);
    CHECK(from_word.records[i].at.ns == from_text.records[i].at.ns);
    CHECK(from_word.records[i].source_ip == from_text.records[i].source_ip);
    CHECK(from_word.records[i].source_port == from_text.records[i].source_port);
    CHECK(from_word.records[i].account == from_text.records[i].account);
    CHECK(from_word.records[i].line == from_text.records[i].line);  // one paragraph a line
  }
}

TEST_CASE("a Word table is read as tab-separated columns; era dates; deleted text is not read") {
  const auto row = [](const std::vector<std::string>& cells) {
    std::string r = "<w:tr>";
    for (const auto& c : cells) r += "<w:tc><w:tcPr/>" + word_paragraph(c, 4) + "</w:tc>";
    return r + "</w:tr>";
  };
  const std::string table = "<w:tbl><w:tblPr/>" + row({"ログイン日時(JST)", "IPアドレス", "ポート"}) +
                            row({"令和5年11月21日 11時10分15秒", "126.33.5.200", "49126"}) +
                            row({"2023/11/21 11:10:16", "2400:4050:a1:b2::1", "443"}) + "</w:tbl>";
  // A tracked deletion inside the paragraph before the table: Word shows the text without it.
  const std::string title = "<w:p><w:r><w:t>開示</w:t></w:r><w:del w:id=\"1\" w:author=\"x\"><w:r><w:delText>"
                            "2023-11-21T00:00:00Z</w:delText></w:r></w:del><w:r><w:t>情報</w:t></w:r></w:p>";
  test::TempDir dir;
  test::write_docx(dir.path() / "table.docx", word_document(title + table));
  const std::string text = docx_text(test::read_file(dir.path() / "table.docx"), "table.docx");
  // The title outside the table is a comment line, so the header row is the first line read.
  CHECK(text.starts_with("# 開示情報\nログイン日時(JST)\tIPアドレス\tポート\n令和5年11月21日 11時10分15秒\t126.33.5.200\t49126\n"));
  const LoginImport in = read_logins_file(dir.path() / "table.docx", {});
  CHECK(in.format == LoginFormat::csv);
  REQUIRE(in.records.size() == 2);
  CHECK(format_rfc3339_s(in.records[0].at) == "2023-11-21T02:10:15Z");
  CHECK(in.records[0].source_ip == "126.33.5.200");
  CHECK(in.records[0].source_port == 49126);
  CHECK(in.records[1].source_ip == "2400:4050:a1:b2::1");
}

TEST_CASE("damaged, empty and hostile Word files: one sentence, no crash") {
  test::TempDir dir;
  test::write_docx(dir.path() / "no-body.docx", "");
  CHECK(message_of(dir.path() / "no-body.docx").find("it has no word/document.xml") != std::string::npos);

  test::write_file(dir.path() / "cut.docx", std::string("PK\3\4", 4) + std::string(200, 'x'));
  const std::string cut = message_of(dir.path() / "cut.docx");
  CHECK(cut.find("is not a Word document this tool can read (the zip archive is damaged") != std::string::npos);
  CHECK(cut.find("save it again as .docx") != std::string::npos);

  test::write_docx(dir.path() / "bad-xml.docx", "<w:document><w:body><w:p>");
  CHECK(message_of(dir.path() / "bad-xml.docx").find("not well-formed XML") != std::string::npos);

  // A "billion laughs" document: libxml2 refuses the entity amplification; nothing is expanded.
  std::string bomb = "<?xml version=\"1.0\"?><!DOCTYPE w:document [<!ENTITY e0 \"2023-11-21T02:10:15Z \">";
  for (int k = 1; k < 10; ++k) {
    bomb += "<!ENTITY e" + std::to_string(k) + " \"";
    for (int j = 0; j < 10; ++j) bomb += "&e" + std::to_string(k - 1) + ";";
    bomb += "\">";
  }
  bomb += "]><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body><w:p><w:r>"
          "<w:t>&e9;</w:t></w:r></w:p></w:body></w:document>";
  test::write_docx(dir.path() / "bomb.docx", bomb);
  CHECK(message_of(dir.path() / "bomb.docx").find("is not a Word document this tool can read") != std::string::npos);

  // An empty document.
  test::write_docx(dir.path() / "empty.docx", word_document(""));
  CHECK(message_of(dir.path() / "empty.docx").find("contains no login times") != std::string::npos);
}
