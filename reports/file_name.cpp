#include "reports/file_name.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace dnswitness {
namespace {

// Decodes UTF-8 into code points; false on a malformed, overlong or surrogate sequence.
bool decode_utf8(std::string_view s, std::vector<char32_t>& out) {
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    int n = 0;
    char32_t c = 0;
    if (b < 0x80) { c = b; n = 1; }
    else if ((b & 0xE0) == 0xC0) { c = b & 0x1F; n = 2; }
    else if ((b & 0xF0) == 0xE0) { c = b & 0x0F; n = 3; }
    else if ((b & 0xF8) == 0xF0) { c = b & 0x07; n = 4; }
    else return false;
    if (i + static_cast<std::size_t>(n) > s.size()) return false;
    for (int k = 1; k < n; ++k) {
      const auto cb = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
      if ((cb & 0xC0) != 0x80) return false;
      c = (c << 6) | (cb & 0x3F);
    }
    static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < kMin[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return false;
    out.push_back(c);
    i += static_cast<std::size_t>(n);
  }
  return true;
}

void encode_utf8(char32_t c, std::string& out) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

// The safe set: what Windows, macOS and the e-filing system all take in a name, without quoting.
bool safe(char32_t c) {
  if ((c >= U'0' && c <= U'9') || (c >= U'A' && c <= U'Z') || (c >= U'a' && c <= U'z')) return true;
  if (c == U'-' || c == U'_' || c == U'.') return true;
  if (c >= 0x3041 && c <= 0x3096) return true;  // hiragana
  if (c >= 0x30A1 && c <= 0x30FC) return true;  // katakana, middle dot, long vowel mark
  if (c == 0x3005 || c == 0x3006 || c == 0x3007) return true;  // 々 〆 〇
  if (c >= 0x4E00 && c <= 0x9FFF) return true;  // CJK unified ideographs
  if (c >= 0x3400 && c <= 0x4DBF) return true;  // extension A
  if (c >= 0xFF10 && c <= 0xFF19) return true;  // full-width digits
  if ((c >= 0xFF21 && c <= 0xFF3A) || (c >= 0xFF41 && c <= 0xFF5A)) return true;  // full-width letters
  if (c == 0xFF08 || c == 0xFF09) return true;  // （ ）
  return false;
}

std::string to_utf8(const std::vector<char32_t>& cs) {
  std::string out;
  for (const char32_t c : cs) encode_utf8(c, out);
  return out;
}

}  // namespace

std::optional<std::size_t> utf8_length(std::string_view text) {
  std::vector<char32_t> cs;
  if (!decode_utf8(text, cs)) return std::nullopt;
  return cs.size();
}

std::string default_report_file_name(std::string_view case_name, std::string_view date_yyyymmdd, bool english) {
  const std::string prefix = english ? "DNS_report_" : "DNS観測報告書_";
  const std::string suffix = fmt::format("{}.pdf", date_yyyymmdd);
  std::vector<char32_t> raw, cleaned;
  if (!decode_utf8(case_name, raw)) {
    // Invalid UTF-8: keep the ASCII bytes only (the case is still shown in the PDF as given).
    raw.clear();
    for (const char ch : case_name)
      if (static_cast<unsigned char>(ch) < 0x80) raw.push_back(static_cast<char32_t>(ch));
  }
  for (char32_t c : raw) {
    if (c == U'(') c = 0xFF08;
    else if (c == U')') c = 0xFF09;
    else if (c == U' ' || c == 0x3000 || c == U'/' || c == U'\\' || c == U':') c = U'_';
    else if (!safe(c)) continue;
    if (c == U'_' && (cleaned.empty() || cleaned.back() == U'_')) continue;  // no "__", no leading '_'
    if (c == U'.' && cleaned.empty()) continue;                                 // no hidden file
    cleaned.push_back(c);
  }
  const std::size_t room = kMaxFilingNameChars - *utf8_length(prefix) - *utf8_length(suffix) - 1;
  if (cleaned.size() > room) cleaned.resize(room);
  while (!cleaned.empty() && (cleaned.back() == U'_' || cleaned.back() == U'.')) cleaned.pop_back();
  if (cleaned.empty()) return prefix + suffix;
  return prefix + to_utf8(cleaned) + "_" + suffix;
}

std::string technical_file_name(std::string_view exhibit_name, bool english) {
  std::vector<char32_t> stem;
  if (!decode_utf8(exhibit_name, stem)) stem.clear();
  if (stem.size() >= 4) stem.resize(stem.size() - 4);  // ".pdf" (filing_name_problem checked it)
  const std::string suffix = english ? "_technical.pdf" : "_技術資料.pdf";
  const std::size_t room = kMaxFilingNameChars - *utf8_length(suffix);
  if (stem.size() > room) {
    // The default name ends in "_<yyyymmdd>": the date stays, the case before it is shortened.
    std::size_t tail = 0;
    if (stem.size() >= 9 && stem[stem.size() - 9] == U'_' &&
        std::all_of(stem.end() - 8, stem.end(), [](char32_t c) { return c >= U'0' && c <= U'9'; }))
      tail = 9;
    const std::size_t cut = stem.size() - room;
    if (tail && stem.size() - tail > cut) {
      auto head_end = stem.end() - static_cast<std::ptrdiff_t>(tail);
      stem.erase(head_end - static_cast<std::ptrdiff_t>(cut), head_end);
      // No "__" where the cut meets the date.
      while (stem.size() > tail && stem[stem.size() - tail - 1] == U'_')
        stem.erase(stem.end() - static_cast<std::ptrdiff_t>(tail) - 1);
    } else {
      stem.resize(room);
    }
  }
  while (!stem.empty() && (stem.back() == U'_' || stem.back() == U'.')) stem.pop_back();
  return to_utf8(stem) + suffix;
}

std::string filing_name_problem(std::string_view name) {
  std::vector<char32_t> cs;
  if (!decode_utf8(name, cs)) return "it is not valid UTF-8 text";
  if (cs.size() > kMaxFilingNameChars)
    return fmt::format("it is {} characters long; the e-filing system takes at most {} including .pdf", cs.size(),
                       kMaxFilingNameChars);
  if (cs.size() < 5 || (name.substr(name.size() - 4) != ".pdf" && name.substr(name.size() - 4) != ".PDF"))
    return "it does not end in .pdf";
  if (cs.front() == U'.') return "it starts with a dot";
  for (const char32_t c : cs)
    if (!safe(c)) {
      std::string one;
      encode_utf8(c, one);
      if (c < 0x20 || c == 0x7F) one = fmt::format("U+{:04X}", static_cast<unsigned>(c));
      return fmt::format("'{}' is not a safe character for a filed name (use letters, digits, kana, kanji, - and _)",
                         one);
    }
  return "";
}

}  // namespace dnswitness
