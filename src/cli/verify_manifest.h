#pragma once
// verify's check of manifest.sig beside a report (reports/manifest.h, docs/manifest.md), after the
// bundle itself verified: what it found, in the words verify prints.
//
//   manifest.sig present            its signature (the bundle's ledger key), every line, and that
//                                   every file of the bundle is listed; any failure is exit 4
//   absent, report.json names it    exit 4: the signature was removed
//   absent, report.json says null   valid, with a warning: the report was made unsigned
//   absent, report.json predates it valid, with a warning: an older bundle, never signed as a whole
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "reports/verify.h"

namespace dnswitness::cli {

struct ManifestOutcome {
  std::string failure;  // one sentence without a full stop; empty unless verify must fail
  std::string summary;  // the line for verify's summary
  std::string warning;  // one sentence, printed even with --quiet; empty when signed and checked
};

// `report`: the path verify was given; `text`: its bytes; `bundle`: verify_bundle's result (ok);
// `must_list`: the bundle's other files (named in report.sha256, or PDFs and
// evidence-description.txt found beside the report).
ManifestOutcome verify_manifest_beside(const std::filesystem::path& report, std::string_view text,
                                       const BundleVerification& bundle, const std::vector<std::string>& must_list);

}  // namespace dnswitness::cli
