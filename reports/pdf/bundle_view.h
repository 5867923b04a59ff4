#pragma once
// The evidence bundle as the PDF and the evidence description read it: report.json parsed from its
// file, with the observation leaves reduced to plain rows (the PDF needs their times, addresses,
// outcomes and transport, not their bytes) and the run leaves decoded to their run records. Every
// figure the PDF prints comes from here, so the PDF cannot say what the bundle does not.
//
// Ownership: plain values. Thread-safety: none needed (read once, then read-only).
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "reports/candidates.h"

namespace dnswitness::pdf {

struct ObservationFacts {
  ObservationRow row;
  std::string transport;          // "udp", "tcp", ... as the leaf says
  std::string resolver_protocol;  // from the leaf's resolver
  std::string resolver_address;   // address:port
};

struct BundleView {
  nlohmann::json doc;  // report.json without the leaves array's contents
  std::vector<ObservationFacts> observations;          // in leaf order
  std::map<std::uint64_t, nlohmann::json> run_records;  // run leaf index -> decoded run record
  // Derived here from the leaves themselves (reports/run_facts.h, reports/resolver_facts.h), not
  // taken from the bundle's summaries, so the PDF shows what the signed leaves say.
  std::map<std::uint64_t, nlohmann::json> run_facts;  // run leaf index -> run_facts_of(record)
  nlohmann::json resolvers;                             // ResolverFactsBuilder over the observation leaves
  std::string sha256_hex;                               // of the file's bytes
  std::uint64_t file_bytes = 0;
  // In a multi-log report (dnswitness-report/3): where this log was read from (logs[].source);
  // empty for a single-log report.
  std::string source;
  // A fleet probe's log (report --collector): the part's "vantage" (probe, description, ...); null else.
  nlohmann::json vantage;
};

// Reads and parses report.json. Throws std::runtime_error with a plain sentence when the file
// cannot be read or is not a report of this tool's format (or is a multi-log report).
BundleView read_bundle_view(const std::filesystem::path& report_json);

// Reads a single-log report (one view) or a multi-log one (one view per log, in the report's
// order, each `doc` being that log's dnswitness-report/2 bundle). Same errors as read_bundle_view.
std::vector<BundleView> read_report_views(const std::filesystem::path& report_json);

// For the evidence description of a multi-log report: the first log's bundle with its observation
// span widened to every log's and the login tables of every log (reports/evidence_description.h).
nlohmann::json combined_summary_doc(const std::vector<BundleView>& views);

// A string member, or `fallback` when absent or not a string.
std::string text_or(const nlohmann::json& j, const char* key, const std::string& fallback = "");

// A member, or null when absent or when `j` is not an object (never throws, unlike json::at).
const nlohmann::json& at(const nlohmann::json& j, const char* key);

// The strings joined with `sep` between them.
std::string join(const std::vector<std::string>& v, std::string_view sep);

}  // namespace dnswitness::pdf
