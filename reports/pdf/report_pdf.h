#pragma once
// The court report: the evidence bundle (report.json) typeset as an A4 PDF in plain Japanese (or
// English) for e-filing, with a draft evidence description and an integrity appendix. Every figure
// comes from the parsed bundle (BundleView); nothing is read from the ledger or the clock.
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

struct PdfOptions {
  bool english = false;
  bool fullwidth = false;                    // the copy-ready address list in full-width characters
  bool reiwa = false;                        // prose dates in the 令和 era (tables keep 西暦)
  std::string bundle_name = "report.json";   // as it sits beside the PDF
  std::string pdf_name;                      // the PDF's own file name (for the evidence description)
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
