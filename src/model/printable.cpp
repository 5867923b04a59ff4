#include "model/printable.h"

#include <fmt/format.h>

#include <cstdint>
#include <optional>

namespace dnswitness {
namespace {

struct Decoded {
  char32_t cp = 0;
  std::size_t length = 0;  // 0: the byte at the position does not start a valid UTF-8 sequence
};

// One code point of strict UTF-8 (RFC 3629: shortest form, no surrogates, at most U+10FFFF).
Decoded decode_utf8_at(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(s[k]); };
  const std::uint8_t b0 = byte(i);
  if (b0 < 0x80) return {b0, 1};
  std::size_t n = 0;
  char32_t cp = 0, min = 0;
  if ((b0 & 0xE0) == 0xC0) n = 2, cp = b0 & 0x1F, min = 0x80;
  else if ((b0 & 0xF0) == 0xE0) n = 3, cp = b0 & 0x0F, min = 0x800;
  else if ((b0 & 0xF8) == 0xF0) n = 4, cp = b0 & 0x07, min = 0x10000;
  else return {};
  if (i + n > s.size()) return {};
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return {};
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {};
  return {cp, n};
}

bool hides_or_reorders(char32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
}

// Calls on_safe(begin, length) for runs that can be copied and on_escape(text) for each escape.
template <typename Safe, typename Escape>
void scan_printable(std::string_view text, bool keep_newlines, Safe on_safe, Escape on_escape) {
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size();) {
    const Decoded d = decode_utf8_at(text, i);
    std::optional<std::string> escape;
    if (d.length == 0) escape = fmt::format("\\x{:02X}", static_cast<std::uint8_t>(text[i]));
    else if (d.cp < 0x20 || d.cp == 0x7F) {
      if (!(keep_newlines && (d.cp == '\n' || d.cp == '\t'))) escape = fmt::format("\\x{:02X}", unsigned(d.cp));
    } else if (hides_or_reorders(d.cp)) escape = fmt::format("\\u{{{:04X}}}", unsigned(d.cp));
    const std::size_t step = d.length == 0 ? 1 : d.length;
    if (escape) {
      if (i > run) on_safe(run, i - run);
      on_escape(*escape);
      run = i + step;
    }
    i += step;
  }
  if (text.size() > run) on_safe(run, text.size() - run);
}

}  // namespace

std::string printable(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  scan_printable(
      text, keep_newlines, [&](std::size_t at, std::size_t n) { out.append(text.substr(at, n)); },
      [&](const std::string& escape) { out += escape; });
  return out;
}

bool is_printable(std::string_view text, bool keep_newlines) {
  bool clean = true;
  scan_printable(
      text, keep_newlines, [](std::size_t, std::size_t) {}, [&](const std::string&) { clean = false; });
  return clean;
}

}  // namespace dnswitness
