#pragma once
// The multi-log evidence bundle (report.json, "format": "dnswitness-report/3"): one report drawn
// from several logs (published logs read with --log, and this machine's ledger with --local). Each
// log keeps its own complete dnswitness-report/2 bundle (its leaves, proofs, signed tree heads, key
// and tables), so each is checked with its own key exactly as a single-log report is; the report
// around them holds what they share (case, operator, time made, tool). Schema: docs/report.md.
//
// Ownership: borrows the logs. Thread-safety: none.
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "reports/bundle.h"
#include "reports/evidence_log.h"

namespace dnswitness {

inline constexpr const char* kReportFormatV3 = "dnswitness-report/3";
// The "source" of this machine's ledger in a multi-log bundle.
inline constexpr const char* kLocalLedgerSource = "local";

struct LogPart {
  std::string source;  // the --log URL or folder as given, or kLocalLedgerSource
  EvidenceLog* log = nullptr;
  // A fleet probe's log read through its collector (report --collector): what the collector says of
  // the probe, and its checkpoint as the collector cosigned it (docs/report.md, "vantage"); null else.
  nlohmann::json vantage;
};

struct MultiLogWritten {
  std::uint64_t bytes = 0;
  Hash sha256{};  // of every byte passed to the sink
  std::vector<BundleWritten> parts;  // per log, in order (bytes: of the inner bundle; sha256: not computed)
};

// The bundle as a JSON document: the reference write_multi_log_bundle is tested against. The
// request's manifest_signed must be false (no one log's key signs for the others).
nlohmann::json build_multi_log_bundle(const std::vector<LogPart>& logs, const ReportRequest& request);

// Writes exactly build_multi_log_bundle(...).dump(1) + "\n", streaming each log's bundle through
// write_bundle. Errors as write_bundle's, prefixed by nothing: the caller names the log.
MultiLogWritten write_multi_log_bundle(const std::vector<LogPart>& logs, const ReportRequest& request,
                                       const std::function<void(std::string_view)>& sink);

}  // namespace dnswitness
