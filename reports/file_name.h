#pragma once
// File names the court's e-filing system accepts for the PDF: at most 50 characters including the
// extension (counted as Unicode characters), only characters from a safe set (ASCII letters and
// digits, '-', '_', '.', Japanese kana and kanji, full-width letters, digits and parentheses), no
// folder. Pure functions: thread-safe.
#include <optional>
#include <string>
#include <string_view>

namespace dnswitness {

inline constexpr std::size_t kMaxFilingNameChars = 50;

// The default name: "DNS観測報告書_<case>_<yyyymmdd>.pdf" (English: "DNS_report_<case>_<yyyymmdd>.pdf"),
// the case reduced to safe characters (ASCII parentheses become full-width, spaces '_', anything
// else outside the set dropped) and shortened so the whole name fits 50 characters.
// `date_yyyymmdd` is the report's date (JST).
std::string default_report_file_name(std::string_view case_name, std::string_view date_yyyymmdd, bool english);

// The technical material's name beside the exhibit `exhibit_name` (a name filing_name_problem accepts):
// its stem, shortened when needed, then "_技術資料.pdf" ("_technical.pdf"), within the same 50 characters.
std::string technical_file_name(std::string_view exhibit_name, bool english);

// Why `name` cannot be filed ("" when it can): too long, a character outside the safe set, not
// ending in .pdf, invalid UTF-8. One phrase, for a UsageError sentence.
std::string filing_name_problem(std::string_view name);

// The number of Unicode characters in valid UTF-8 text; nullopt for invalid UTF-8.
std::optional<std::size_t> utf8_length(std::string_view text);

}  // namespace dnswitness
