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
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "ledger/store.h"
#include "reports/candidates.h"
#include "reports/evidence_log.h"
#include "reports/logins.h"

namespace dnswitness {

// Version 2 carries what completeness needs (reports/completeness.h), derives its coverage gaps
// from its own run leaves and its candidates by the nearest-with-address rule; verify refuses
// version 1 bundles with a sentence naming the older version to check them with (it cannot show
// their completeness, and accepting them would let a bundle be "downgraded" to skip the check).
inline constexpr const char* kReportFormat = "dnswitness-report/2";
inline constexpr const char* kReportFormatV1 = "dnswitness-report/1";

// Where the login records came from, kept in the bundle so `verify` can read them again.
struct LoginInput {
  std::string kind;          // "file" or "command-line"
  std::string name;          // file name as given (no folder), or "--at"
  std::string content;       // file bytes; for --at the values joined by '\n'
  std::vector<std::string> values;  // the --at values
};

// report --posts FILE: the posts' times (reports/posts.h), kept in the bundle as read.
struct PostsInput {
  std::string name;     // file name as given (no folder)
  std::string content;  // file bytes
  bool first_after = false;  // --next-login: also the first login after each post
};

struct ReportRequest {
  std::vector<LoginInput> inputs;
  std::optional<PostsInput> posts;
  // report --rdap: called with the finished tables, returns the bundle's "rdap" member
  // (reports/rdap_bundle.h); empty: no RDAP look-ups.
  std::function<nlohmann::json(const nlohmann::json& tables)> rdap;
  std::string tz;  // the --tz text as given ("" when absent)
  CandidateOptions options;
  std::optional<std::string> case_name;
  std::optional<std::string> operator_name;
  UtcTime created_at;
  // The expected time between runs, for the coverage gaps (--interval); nullopt: the median spacing
  // of the ledger's runs near the windows (reports/coverage_gaps.h).
  std::optional<std::int64_t> interval_ns;
  // True when `report` signs the bundle's manifest (reports/manifest.h): report.json then names
  // manifest.sig in "manifest_signature", and verify requires it. False writes null there (the
  // user who made the report could not read the ledger's private key).
  bool manifest_signed = false;
};

// Reads the login inputs as `report` and `verify` both do: each file with parse_logins, the --at
// values with logins_from_command_line, merged, sorted and de-duplicated. Throws UsageError
// (LoginParseError) on an unreadable line.
std::vector<LoginRecord> read_login_inputs(const std::vector<LoginInput>& inputs, const std::string& tz,
                                           std::vector<std::string>* warnings = nullptr);

struct BundleStats {
  std::size_t observation_leaves = 0, run_leaves = 0, checkpoints = 0;
};

// Builds report.json as a JSON document. Throws LedgerError when the ledger cannot be read or
// contradicts its own signed tree heads (run verify-ledger), UsageError for an empty ledger or
// selection. The reference for write_bundle (tests compare the two); `report` uses write_bundle,
// because this tree costs about 4 KB of small allocations per leaf and the leaves are >90 % of it.
nlohmann::json build_bundle(EvidenceLog& log, const ReportRequest& request, BundleStats* stats = nullptr);
// The same from this machine's ledger (LedgerEvidenceLog).
nlohmann::json build_bundle(LedgerStore& store, const ReportRequest& request, BundleStats* stats = nullptr);

struct BundleWritten {
  BundleStats stats;
  std::uint64_t bytes = 0;
  Hash sha256{};  // of every byte passed to the sink (zero when not asked for)
  std::string key_fingerprint;
  std::size_t table_warnings = 0;  // warnings in tables.logins, for the summary line
};

// Writes exactly the bytes of build_bundle(...).dump(1) + "\n" to `sink`, in pieces of about
// 1 MiB, without holding the leaves in a JSON tree: the leaves array is written leaf by leaf as the
// leaves are read, and the SHA-256 of the output is computed on the way (for report.sha256) unless
// `hash` is false (a multi-log report hashes the document around the bundles instead).
// Same checks and errors as build_bundle; on an exception part of the bundle may already have been
// passed to the sink, so the caller writes to a temporary file it discards.
BundleWritten write_bundle(EvidenceLog& log, const ReportRequest& request,
                           const std::function<void(std::string_view)>& sink, bool hash = true);
BundleWritten write_bundle(LedgerStore& store, const ReportRequest& request,
                           const std::function<void(std::string_view)>& sink);

}  // namespace dnswitness
