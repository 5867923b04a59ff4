#pragma once
// Offline verification of a report bundle (report.json): every leaf hash, inclusion proof,
// tlog-proof block, consistency proof and tree-head signature (with the bundle's key, whose
// fingerprint the reader must compare with one obtained independently), that every observation
// belongs to an included run, that the login records are what their stored input reads as, and
// that every table re-derives from the leaves and login records (the same derive_tables that
// `report` ran). Also the report.sha256 lines, when given.
// Pure over its inputs: no network, no ledger, no clock. Thread-safe.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tsa/bundle_tokens.h"

namespace dnswitness {

struct BundleVerification {
  bool ok = false;
  std::string failure;  // the first failing item, one sentence without a full stop
  std::string origin, key_fingerprint, verifier_key, created_at, case_name;
  std::string first_observation, last_observation;
  std::size_t timestamp_tokens = 0;  // RFC 3161 tokens verified, and the roots they chain to
  std::vector<std::string> timestamp_roots;
  // With the reader's roots (--tsa-ca): the tokens' signers were checked, and these are their
  // subjects and the tokens verify found accredited (see TsaAnchors, tsa/bundle_tokens.h).
  bool timestamp_signers_checked = false;
  std::vector<std::string> timestamp_signers, accredited_tokens, unlabelled_accredited_tokens;
  std::vector<std::string> unconfirmed_accredited_tokens;  // labelled accredited, not confirmed: warnings
  std::size_t leaves = 0, observation_leaves = 0, run_leaves = 0, checkpoints = 0, consistency_proofs = 0,
              login_records = 0, login_tables = 0;
  std::size_t posts = 0;
  std::size_t rdap_records = 0;  // RDAP records checked for form and for the addresses they cover (report --rdap)  // posts read again from the stored file, their logins picked again (report --posts)
  std::size_t coverage_gaps = 0;  // gaps the bundle lists inside its windows (checked for form only)
  // Which of the parts bundles made before them lack were present and checked.
  bool run_facts_checked = false, resolvers_checked = false, coverage_checked = false;
  // Format 2: every run around the windows and every leaf of the runs in them are carried
  // (reports/completeness.h), and the coverage gaps re-derive from them.
  bool completeness_checked = false;
  std::optional<bool> sha256_checked;  // set when report.sha256 was given
  // report.json's "manifest_signature": true for "manifest.sig" (report signed the manifest, so
  // manifest.sig must be there), false for null (made unsigned); nullopt when the bundle predates
  // signed manifests. The signature itself is checked by check_manifest (reports/manifest.h).
  std::optional<bool> manifest_signed;
  std::vector<std::string> pdfs;       // PDFs checked against report.sha256 and this bundle
  std::vector<std::string> warnings;    // from the tables, for the summary
  // Witness cosignatures the tree heads carry (docs/report.md, "Witness cosignatures"), each checked
  // with the verifier key the report names for it; which witnesses a reader trusts is its policy
  // (reports/policy_check.h), checked against newest_note.
  struct CheckedCosignature {
    std::uint64_t size = 0;
    std::string witness, verifier_key, line;
    std::uint64_t timestamp = 0;  // POSIX seconds, the witness's own time
  };
  std::vector<CheckedCosignature> cosignatures;
  std::uint64_t newest_size = 0;
  std::string newest_note;
  // A multi-log bundle (dnswitness-report/3, reports/multi_log_bundle.h): each log's own bundle,
  // checked as a single-log one, with its `source`. The counts above are then the logs' sums, and
  // origin, key_fingerprint and verifier_key are empty (each log has its own).
  std::string source;
  // A fleet probe's log (the part's "vantage"): "PROBE (DESCRIPTION), cosigned by the collector NAME"
  // once its collector's cosignature verified; empty for other logs.
  std::string vantage;
  std::vector<BundleVerification> logs;
};

// A file listed in report.sha256, read by the caller from beside the report.
struct ListedFile {
  std::string name;
  std::optional<std::string> content;  // nullopt when it could not be read
};

// `sha256_lines`: the content of report.sha256, when it sits beside the report; `files`: the
// files it lists (read by the caller; report.json itself must be among them when listed).
// `beside`: the names of the report's other outputs found in its folder (PDFs and
// evidence-description.txt): each must be listed in report.sha256, and each listed PDF must name
// this report.json's SHA-256 in its metadata (the PDF was typeset from this bundle).
// `tsa`: the reader's TSA roots and list of accredited TSAs (none: signers unchecked).
// Throws std::invalid_argument when `report` is not JSON at all (unreadable, exit 1).
BundleVerification verify_bundle(std::string_view report, const std::optional<std::string>& sha256_lines = {},
                                 const std::vector<ListedFile>& files = {},
                                 const std::vector<std::string>& beside = {}, const TsaAnchors& tsa = {});

// Names listed in a sha256sum-format text ("<64 hex>  <name>" lines); invalid lines are skipped
// here and reported by verify_bundle.
std::vector<std::string> sha256_listed_names(std::string_view sha256_lines);

}  // namespace dnswitness
