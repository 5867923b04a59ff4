#pragma once
// A draft row of the 証拠説明書 (evidence description) for the PDF report, filled from the bundle:
// 号証 (left for the lawyer), 標目, 原本・写しの別, 作成年月日 (with the observation period, which is
// not the report's date), 作成者, 立証趣旨. Written as evidence-description.txt beside the PDF and as
// a section in it, for the lawyer to edit. Pure over the bundle document: thread-safe.
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace dnswitness {

struct EvidenceDescription {
  // (label, value) in the order of the form's columns.
  std::vector<std::pair<std::string, std::string>> fields;
};

// `bundle`: report.json as parsed (leaves not needed); `pdf_name`: the PDF's file name.
// `reiwa`: the date made in the 令和 era (report --era reiwa).
EvidenceDescription evidence_description(const nlohmann::json& bundle, const std::string& pdf_name, bool english,
                                         bool reiwa = false);

// The text file: a heading line, then "label: value" blocks, and a closing note that it is a draft.
std::string evidence_description_text(const EvidenceDescription& d, bool english);

}  // namespace dnswitness
