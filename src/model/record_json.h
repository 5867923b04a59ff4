#pragma once
// The JSON encoding of runs and observations: what `--json` prints and what the ledger hashes.
//
// Canonical form (docs/json-schema.md): UTF-8, object keys sorted, no insignificant whitespace,
// values are strings, integers, arrays and objects only (no floats, booleans or nulls); absent
// facts are omitted rather than null. nlohmann::json keeps keys sorted, so dump() of these
// objects is canonical.
#include <nlohmann/json.hpp>
#include <string>

#include "model/observation.h"
#include "model/run_record.h"

namespace dnswitness {

nlohmann::json resolver_json(const ResolverSpec& r);
nlohmann::json observation_json(const Observation& o, const std::string& run_id);
nlohmann::json run_json(const RunRecord& r);

// Compact, sorted-key, UTF-8 serialisation (the bytes that get hashed).
std::string canonical_dump(const nlohmann::json& j);

}  // namespace dnswitness
