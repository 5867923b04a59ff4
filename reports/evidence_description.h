#pragma once
// A draft row of the 証拠説明書 (evidence description) for the PDF report, filled from the bundle:
// 号証 (left for the lawyer), 標目, 原本・写しの別, 作成年月日 (with the observation period, which is
// not the report's date), 作成者 (a natural person), 立証趣旨 (naming only the logins whose source
// can be used in a request to a carrier, and saying the destination is inferred), 備考 (the files
// and their SHA-256). Written beside the PDFs as evidence-description.txt and as a one-row table in
// evidence-description.docx (reports/evidence_description_docx.h), for the lawyer to edit; not in
// the exhibit itself. Pure over the bundle document: thread-safe.
#include <ctime>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace dnswitness {

struct EvidenceDescription {
  // (label, value) in the order of the form's columns.
  std::vector<std::pair<std::string, std::string>> fields;
};

// The files the row describes: the exhibit PDF and, beside it, the technical material.
struct DescribedFiles {
  std::string exhibit_name, exhibit_sha256_hex;
  std::string technical_name, technical_sha256_hex;
};

// `bundle`: report.json as parsed (leaves not needed). `reiwa`: the date made in the 令和 era
// (report --era reiwa).
EvidenceDescription evidence_description(const nlohmann::json& bundle, const DescribedFiles& files, bool english,
                                         bool reiwa = false);

// The text file: a heading line, then "label: value" blocks, and a closing note that it is a draft.
std::string evidence_description_text(const EvidenceDescription& d, bool english);

// The same row as a Word document (landscape A4): a title, the form's columns as a table of a header
// row and one row of values, and the note that it is a draft. `mtime`: the time stamped on the zip
// entries (the report's time, so the same report gives the same bytes).
std::string evidence_description_docx(const EvidenceDescription& d, bool english, std::time_t mtime);

}  // namespace dnswitness
