#pragma once
// Observation rows built by hand for the table tests (candidates, fallback, selection): one place
// that knows how a row is filled, so each test keeps only the argument order it reads best with.
#include <cstdint>
#include <string>
#include <vector>

#include "model/address.h"
#include "reports/candidates.h"

namespace dnswitness::test {

// A row of `resolver` at `t` (ns) with `addrs` (sorted numerically, as the leaves hold them); its
// run id is "run-<t in whole seconds>". With `ttl` > 0 every address gets that one TTL.
inline ObservationRow observation_row(std::uint64_t leaf, std::int64_t t, const std::string& resolver,
                                      std::vector<std::string> addrs, const std::string& qname,
                                      const std::string& qtype, const std::string& outcome, std::uint32_t ttl = 0) {
  ObservationRow r;
  r.leaf_index = leaf;
  r.run_id = "run-" + std::to_string(t / kNsPerSecondReport);
  r.qname = qname;
  r.qtype = qtype;
  r.time_ns = t;
  r.resolver = resolver;
  r.outcome = outcome;
  sort_addresses(addrs);
  r.addresses = addrs;
  if (ttl > 0)
    for (const auto& a : r.addresses) r.ttls[a] = {ttl};
  return r;
}

}  // namespace dnswitness::test
