#pragma once
// Writes minimal Word documents (.docx) for the tests of the disclosure reader: the three parts
// Word itself needs ([Content_Types].xml, _rels/.rels, word/document.xml), zipped with libzip.
#include <zip.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "reports/docx_package.h"

namespace dnswitness::test {

using dnswitness::xml_escaped;

// A w:p whose text is split into runs of at most `run` bytes (Word splits text where formatting,
// spelling marks or edits fall; the reader must join them), never inside a UTF-8 character.
inline std::string word_paragraph(const std::string& text, std::size_t run = 7) {
  std::string p = "<w:p>";
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = std::min(text.size(), i + run);
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
    p += "<w:r><w:rPr><w:rFonts w:ascii=\"MS Mincho\"/></w:rPr><w:t xml:space=\"preserve\">" +
         xml_escaped(text.substr(i, end - i)) + "</w:t></w:r>";
    i = end;
  }
  return p + "</w:p>";
}

// The document.xml around `body` (WordprocessingML elements inside w:body).
inline std::string word_document(const std::string& body) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
         "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" "
         "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><w:body>" +
         body + "<w:sectPr/></w:body></w:document>";
}

// Writes a .docx at `path` holding `document_xml` as word/document.xml (and nothing else of note
// when `document_xml` is empty: a zip without the part).
inline void write_docx(const std::filesystem::path& path, const std::string& document_xml) {
  int error = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  REQUIRE(z != nullptr);
  // libzip reads each buffer at zip_close: the copies live until then.
  std::vector<std::unique_ptr<std::string>> kept;
  const auto add = [z, &kept](const char* name, const std::string& data) {
    kept.push_back(std::make_unique<std::string>(data));
    zip_source_t* s = zip_source_buffer(z, kept.back()->data(), kept.back()->size(), 0);
    REQUIRE(s != nullptr);
    REQUIRE(zip_file_add(z, name, s, ZIP_FL_ENC_UTF_8) >= 0);
  };
  add("[Content_Types].xml",
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/"
      "content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package."
      "relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName="
      "\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml."
      "document.main+xml\"/></Types>");
  add("_rels/.rels",
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/"
      "2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/"
      "2006/relationships/officeDocument\" Target=\"word/document.xml\"/></Relationships>");
  if (!document_xml.empty()) add("word/document.xml", document_xml);
  REQUIRE(zip_close(z) == 0);
}

}  // namespace dnswitness::test
