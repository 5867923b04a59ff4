#pragma once
// `history --collector`: the collector answers, per probe, which addresses each domain resolved to
// (first and last seen, count, resolvers), from its index of observations (docs/fleet.md, "Reading
// the fleet"). The index is a finder, not evidence: times are kept to the microsecond and the
// answer is the collector's word; a report (`report --collector`) proves each observation from the
// probe's own log.
//
//   POST /history  {"format": "dnswitness-history-query/1", "domains": [...], "since_ns": N or null,
//                   "until_ns": N or null, "types": [...], "resolvers": [...], "probes": [...]}
//   200            {"format": "dnswitness-fleet-history/1",
//                   "probes": [{"name", "description", "histories": <history --json's document>}]}
//
// Thread-safety: as PgSession.
#include <string>
#include <string_view>

#include "collector/pg_session.h"

namespace dnswitness {

inline constexpr std::size_t kMaxHistoryDomains = 100;

struct FleetHistoryAnswer {
  int status = 200;
  std::string body;  // the JSON document, or one sentence for a 400
};

FleetHistoryAnswer fleet_history(PgSession& db, std::string_view request_body);

}  // namespace dnswitness
