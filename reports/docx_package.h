#pragma once
// Writes a minimal Word document (.docx, Office Open XML): the three parts Word and LibreOffice need
// ([Content_Types].xml, _rels/.rels, word/document.xml) zipped with libzip in memory. The bytes are
// a function of the arguments alone (every entry carries `mtime`), so the same report gives the
// same file. The reading side is reports/docx_text.h. Pure: thread-safe.
#include <ctime>
#include <string>
#include <string_view>

namespace dnswitness {

// `text` escaped for XML character data and attribute values.
std::string xml_escaped(std::string_view text);

// The .docx bytes around `body`: WordprocessingML elements inside w:body, before the section
// properties (`section`: a w:sectPr element, e.g. for a landscape page). Throws std::runtime_error
// when libzip fails.
std::string docx_package(std::string_view body, std::string_view section, std::time_t mtime);

}  // namespace dnswitness
