#pragma once
// Test support: the two PDFs `report` writes into its folder — the exhibit and the technical
// material (名前_技術資料.pdf / name_technical.pdf) — and their text through poppler's pdftotext.
#include <filesystem>
#include <string>

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

}  // namespace dnswitness::test
