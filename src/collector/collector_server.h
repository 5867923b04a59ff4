#pragma once
// `collector serve`: the collector's HTTP service (docs/fleet.md, "The push API"), on
// net/http_service.h:
//   POST /push      a probe's entries and checkpoint (collector/push.h)
//   GET  /probes    the registered probes and the collector's cosignature key, as JSON, for
//                   fleet-wide reading (`history`/`report --collector`)
//   POST /history   per probe, the addresses each domain resolved to (collector/fleet_history.h)
//   GET  /tiles/<hex SHA-256(origin)>/...   each probe's log as static tiles (the tiles folder;
//                   nginx may serve the same folder in front, docs/fleet.md)
// After each accepted push, and for every probe at start, the probe's tiles are brought level with
// the database (collector/probe_tiles.h); a failure there is logged and retried at the next push,
// never a lost push: the database already holds it.
// When PostgreSQL restarts, the next request reconnects (one retry); until it is back, pushes get
// 503 and the probes keep their backlog.
//
// Ownership: borrows the session and the signer. Thread-safety: runs on the calling thread.
#include <filesystem>
#include <functional>
#include <string>

#include "collector/pg_session.h"
#include "collector/push.h"
#include "net/http_service.h"

namespace dnswitness {

struct CollectorServerOptions {
  HttpServiceOptions http;
  std::filesystem::path tiles;  // the tiles root: one folder per probe
  // One line for the operator (a push accepted or refused, a tile folder that failed).
  std::function<void(const std::string&)> log;
};

// Serves until SIGTERM or SIGINT. Throws std::runtime_error when the address cannot be bound.
void serve_collector(PgSession& db, const CollectorSigner& signer, const CollectorServerOptions& options);

// The GET /probes document: each probe with its registration signed by the collector
// (tlog/collector_listing.h).
std::string probes_document(PgSession& db, const CollectorSigner& signer);

}  // namespace dnswitness
