#pragma once
// Test support: the two PDFs `report` writes into its folder — the exhibit and the technical
// material (名前_技術資料.pdf / name_technical.pdf) — and their text through poppler's pdftotext, with
// the check that a Japanese PDF holds no English word.
#include <cctype>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "support/lab.h"

namespace dnswitness::test {

inline bool is_technical_pdf(const std::filesystem::path& p) {
  const std::string name = p.filename().string();
  return name.ends_with("_技術資料.pdf") || name.ends_with("_technical.pdf");
}

// The exhibit in `dir` ("" when there is none).
inline std::string exhibit_pdf(const std::filesystem::path& dir) {
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".pdf" && !is_technical_pdf(e.path())) return e.path().string();
  return "";
}

// The technical material in `dir` ("" when there is none).
inline std::string technical_pdf(const std::filesystem::path& dir) {
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (is_technical_pdf(e.path())) return e.path().string();
  return "";
}

// pdftotext of `pdf`, pages first..last (0: from the start / to the end).
inline std::string pdf_text(const std::string& pdf, int first = 0, int last = 0) {
  std::string pages;
  if (first > 0) pages += " -f " + std::to_string(first);
  if (last > 0) pages += " -l " + std::to_string(last);
  return run_command("pdftotext" + pages + " '" + pdf + "' -").out;
}

// `text` without line breaks and spaces (pdftotext wraps table cells and pads columns).
inline std::string squeezed_text(const std::string& text) {
  std::string out;
  for (const char c : text)
    if (c != '\n' && c != ' ' && c != '\f') out += c;
  return out;
}

// The text of both PDFs in `dir`, the exhibit first.
inline std::string report_pdfs_text(const std::filesystem::path& dir) {
  return pdf_text(exhibit_pdf(dir)) + pdf_text(technical_pdf(dir));
}

// Abbreviations and names a Japanese legal text keeps in Latin letters.
inline const std::set<std::string> kAllowedWords = {
    "DNS",     "UTC",     "JST",  "NTP",        "TSA",     "RFC",      "SHA",     "TCP",   "UDP",  "HTTPS",
    "HTTP",    "TLS",     "DoH",  "DoT",        "ECS",     "NAT",      "NXDOMAIN", "NODATA", "AAAA", "TTL",
    "Corp",    "Twitter", "dnswitness", "openssl", "PEM",  "DER",      "SERVFAIL", "REFUSED", "JPNIC", "IANA",
    "CNAME",   "EDNS",    "ASN",  "knot",       "unbound", "Merkle",   "Linux",   "NTT",   "KDDI", "URL", "verify"};


// ASCII words of three or more letters in `text` that are not part of an address, a hash, a URL,
// a file, domain or interface name, and not in kAllowedWords. A token (a run of ASCII without spaces)
// holding '.', ':', '/', '=', '_', '@' or a digit is an identifier, not prose; so is any word
// inside a URL that a table cell wrapped over lines.
// `names`: words the test itself gave (a case name, resolver names), allowed as well.
inline std::vector<std::string> english_words(const std::string& text, const std::set<std::string>& names = {}) {
  std::string squeezed;
  for (const char c : text)
    if (!std::isspace(static_cast<unsigned char>(c))) squeezed += c;
  std::vector<std::string> urls;
  for (std::size_t at = squeezed.find("http"); at != std::string::npos; at = squeezed.find("http", at + 4)) {
    std::size_t end = at;
    while (end < squeezed.size() && static_cast<unsigned char>(squeezed[end]) < 0x80) ++end;
    urls.push_back(squeezed.substr(at, end - at));
  }
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80 || std::isspace(c)) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < text.size() && static_cast<unsigned char>(text[j]) < 0x80 &&
           !std::isspace(static_cast<unsigned char>(text[j])))
      ++j;
    const std::string token = text.substr(i, j - i);
    i = j;
    // An option of a command quoted in the text ("-noout") is not prose either.
    if (token.find_first_of(".:/=_@0123456789") != std::string::npos || token.front() == '-') continue;
    std::string word;
    for (std::size_t k = 0; k <= token.size(); ++k) {
      const char ch = k < token.size() ? token[k] : ' ';
      if (std::isalpha(static_cast<unsigned char>(ch))) {
        word += ch;
        continue;
      }
      bool in_url = false;
      for (const auto& u : urls) in_url = in_url || u.find(word) != std::string::npos;
      if (word.size() >= 3 && !kAllowedWords.count(word) && !names.count(word) && !in_url) out.push_back(word);
      word.clear();
    }
  }
  return out;
}

}  // namespace dnswitness::test
