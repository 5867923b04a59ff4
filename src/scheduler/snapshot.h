#pragma once
// A snapshot: every target (domain x type) against every resolver, all queries in flight at once
// (within each resolver's cap) on one Asio loop, each producing one observation.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "clock/sntp.h"
#include "config/snapshot_settings.h"
#include "model/observation.h"
#include "model/run_record.h"
#include "resolvers/authoritative.h"
#include "resolvers/dns_engine.h"

namespace dnswitness {

struct SnapshotPlan {
  std::vector<std::string> domains;      // validated, canonical, unique
  std::vector<std::uint16_t> types;
  std::vector<ResolverSpec> resolvers;   // "system" already expanded
  EngineOptions engine;
  std::string config_hash;               // hex SHA-256 of the canonical plan JSON
  // Set when the resolvers include "authoritative" (resolvers/authoritative.h).
  std::optional<AuthoritativeOptions> authoritative;
  std::string ca_file, ca_file_sha256;   // --ca-file as given and the SHA-256 of what was read
  NtpPlan ntp;                           // the clock check (clock/sntp.h); the caller sets state_file
};

// Turns settings into a plan: defaults (preset "x", A and AAAA, system + Google, Cloudflare and
// Quad9), presets and domain files read, names and types checked, resolver specs parsed and
// "system" expanded from resolv.conf. Throws UsageError for anything the user must fix.
SnapshotPlan make_plan(const SnapshotSettings& settings);

struct SnapshotResult {
  RunRecord run;
  std::vector<Observation> observations;  // ordered by domain, type, resolver as planned
  bool any_response() const;              // at least one DNS response of any rcode arrived
};

SnapshotResult run_snapshot(const SnapshotPlan& plan);

}  // namespace dnswitness
