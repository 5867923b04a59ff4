#pragma once
// Text from outside (a case name, a login file's lines, a path, a DNS name) shown to people: on the
// terminal, in the PDF, in evidence-description.txt. A control character in it could move the
// cursor, recolour or clear the terminal, hide part of a sentence in a PDF, or reorder what a
// reader sees (bidirectional overrides); bytes that are not UTF-8 cannot be shown at all. Each is
// shown as an escape instead, so what a reader sees is what the input held.
#include <string>
#include <string_view>

namespace dnswitness {

// `text` with every character that is not safe to show replaced by an escape:
//   - C0 controls and DEL as \xNN (with keep_newlines, '\n' stays a line break and '\t' a tab);
//   - C1 controls (U+0080-U+009F), the bidirectional marks and overrides (U+200E, U+200F,
//     U+202A-U+202E, U+2066-U+2069) and U+FEFF as \u{XXXX};
//   - bytes that do not form UTF-8 as \xNN.
// Everything else, including Japanese text and '\', is copied unchanged.
std::string printable(std::string_view text, bool keep_newlines = false);

// True when printable(text, keep_newlines) == text: nothing needs escaping.
bool is_printable(std::string_view text, bool keep_newlines = false);

}  // namespace dnswitness
