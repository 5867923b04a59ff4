#pragma once
// The facts of a run an expert asks about, taken from its run leaf for the report: which host and
// tool, which settings (config hash, certificate checks, CA file), from which network (interface
// addresses, the egress address whoami services saw) and on which clock (the SNTP offset), with the
// run's warnings. The bundle's `runs[].facts` is this function of the run leaf in the same bundle,
// and `verify` derives it again from the leaf bytes and compares, so the summary cannot say what
// the signed leaf does not; the PDF reads the leaf itself through the same function.
//
// Pure: thread-safe. Schema: docs/report.md ("runs").
#include <nlohmann/json.hpp>

namespace dnswitness {

// The summary of one run record (the parsed run leaf). Facts the record does not hold are left out
// (runs recorded before vantage and clock facts existed have neither).
nlohmann::json run_facts_of(const nlohmann::json& run_record);

}  // namespace dnswitness
