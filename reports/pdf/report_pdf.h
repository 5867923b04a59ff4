#pragma once
// The court report: the evidence bundle (report.json) typeset as two A4 PDFs in plain Japanese (or
// English) for e-filing. The exhibit is what the court reads: a summary on page 1, per login the list
// a carrier can use, the method in plain words, what the report does not show, and the operator's
// signature block. The technical material (技術資料) is its own file: the detailed tables, how the
// observations were made, the carriers' known requests, the signed tree heads and the openssl steps.
// Every figure comes from the parsed bundle (BundleView); nothing is read from the ledger or the clock.
// Sections the bundle cannot fill yet (vantage facts, clock offsets, RFC 3161 tokens, ...) say so.
// Thread-safety: none (one render per call; pango/cairo objects are made per call).
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "reports/carrier_requests.h"
#include "reports/pdf/bundle_view.h"

namespace dnswitness::pdf {

// Which of the two PDFs to write.
enum class Document { exhibit, technical };

struct PdfOptions {
  Document document = Document::exhibit;
  bool english = false;
  bool fullwidth = false;                    // the copy-ready address list in full-width characters
  bool reiwa = false;                        // prose dates in the 令和 era (tables keep 西暦)
  std::string bundle_name = "report.json";   // as it sits beside the PDF
  std::string pdf_name;                      // the PDF's own file name
  std::string companion_name;                // the other PDF's file name (each names the other)
  // What each carrier has been known to ask for (presets/carrier-requests.json): an appendix when given.
  std::optional<CarrierRequests> carriers;
};

struct PdfWritten {
  std::size_t pages = 0;
};

// Writes the PDF to the open file `out_fd` (borrowed: a SafeFile's temporary file, so cairo never
// opens a path itself). Throws std::runtime_error when it cannot be written.
PdfWritten render_report_pdf(const BundleView& bundle, const PdfOptions& options, int out_fd);
// The views read_report_views gives: one log as above; several as an opening page naming every
// log, then one part per log (the whole report for that log's observations).
PdfWritten render_report_pdf(const std::vector<BundleView>& logs, const PdfOptions& options, int out_fd);

}  // namespace dnswitness::pdf
