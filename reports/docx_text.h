#pragma once
// The text of a Word document (.docx), for reading X's disclosure as it is delivered: the body of
// word/document.xml (ECMA-376 WordprocessingML), one paragraph a line; a table row is one line with
// its cells separated by tabs (so a table of times and addresses reads as tab-separated columns);
// w:tab is a tab, w:br and w:cr end a line. Deleted text of tracked changes (w:delText) and field
// codes (w:instrText) are left out, as Word does not show them.
//
// Limits, against a hostile file: the zip may hold word/document.xml of at most 64 MiB uncompressed
// (its declared size is checked before reading, and reading stops there whatever it declares); the
// XML is parsed without network access, without loading a DTD and without expanding entities.
// Thread-safety: safe to call from any thread (libxml2 is initialised once).
#include <cstddef>
#include <string>
#include <string_view>

namespace dnswitness {

inline constexpr std::size_t kMaxDocxXmlBytes = 64u * 1024 * 1024;

// True when `bytes` start like a zip archive ("PK\3\4"), as every .docx does.
bool looks_like_zip(std::string_view bytes);

// The text of the .docx in `bytes`. `name` names the file in messages. Throws UsageError with one
// sentence when the bytes are not a readable Word document.
std::string docx_text(std::string_view bytes, const std::string& name);

}  // namespace dnswitness
