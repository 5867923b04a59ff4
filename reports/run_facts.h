#pragma once
// The facts of a run an expert asks about, taken from its run leaf for the report: which host and
// tool, which settings (config hash, certificate checks, CA file), from which network (interface
// addresses, the egress address whoami services saw) and on which clock (the SNTP offset), with the
// run's warnings. The bundle's `runs[].facts` is this function of the run leaf in the same bundle,
// and `verify` derives it again from the leaf bytes and compares, so the summary cannot say what
// the signed leaf does not; the PDF reads the leaf itself through the same function.
//
// Pure: thread-safe. Schema: docs/report.md ("runs").
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>

namespace dnswitness {

// The summary of one run record (the parsed run leaf). Facts the record does not hold are left out
// (runs recorded before vantage and clock facts existed have neither).
nlohmann::json run_facts_of(const nlohmann::json& run_record);

// The facts of every run leaf a bundle carries (run leaf index -> run record), each with its time
// cross-checks (reports/time_checks.h) under "time_checks" and their warnings added to "warnings".
// The checks need more than the leaf: the previous run's leaf (the one whose leaves end where this
// run's begin) when the bundle carries it, and the RFC 3161 tokens of the tree head of the run's
// end, from `checkpoints` (report.json's checkpoints list).
std::map<std::uint64_t, nlohmann::json> run_facts_of_bundle(const std::map<std::uint64_t, nlohmann::json>& run_records,
                                                            const nlohmann::json& checkpoints);

}  // namespace dnswitness
