#pragma once
// The evidence bundle (report.json): the selected leaves with inclusion proofs to the newest signed
// tree head (also as c2sp.org/tlog-proof blocks), the signed tree heads of the runs involved with
// consistency proofs to the newest, the public key, the login records as read (with the input they
// were read from) and the derived tables. Schema: docs/report.md.
//
// Role: select from the ledger what the tables need (through the index, never by parsing every
// leaf), fetch and prove it, and derive the tables from the fetched leaves with the same function
// `verify` uses. Ownership: borrows the store. Thread-safety: none (one store per thread).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "ledger/store.h"
#include "reports/candidates.h"
#include "reports/logins.h"

namespace dnswitness {

inline constexpr const char* kReportFormat = "dnswitness-report/1";

// Where the login records came from, kept in the bundle so `verify` can read them again.
struct LoginInput {
  std::string kind;          // "file" or "command-line"
  std::string name;          // file name as given (no folder), or "--at"
  std::string content;       // file bytes; for --at the values joined by '\n'
  std::vector<std::string> values;  // the --at values
};

struct ReportRequest {
  std::vector<LoginInput> inputs;
  std::string tz;  // the --tz text as given ("" when absent)
  CandidateOptions options;
  std::optional<std::string> case_name;
  std::optional<std::string> operator_name;
  UtcTime created_at;
};

// Reads the login inputs as `report` and `verify` both do: each file with parse_logins, the --at
// values with logins_from_command_line, merged, sorted and de-duplicated. Throws UsageError
// (LoginParseError) on an unreadable line.
std::vector<LoginRecord> read_login_inputs(const std::vector<LoginInput>& inputs, const std::string& tz,
                                           std::vector<std::string>* warnings = nullptr);

struct BundleStats {
  std::size_t observation_leaves = 0, run_leaves = 0, checkpoints = 0;
};

// Builds report.json. Throws LedgerError when the ledger cannot be read or contradicts its own
// signed tree heads (run verify-ledger), UsageError for an empty ledger or selection.
nlohmann::json build_bundle(LedgerStore& store, const ReportRequest& request, BundleStats* stats = nullptr);

}  // namespace dnswitness
