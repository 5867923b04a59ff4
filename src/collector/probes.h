#pragma once
// The probes a collector accepts pushes from (collector add-probe; docs/fleet.md): each a log of its
// own, known by a short name, its origin and its verifier key. The key is the probe's identity:
// a push is accepted only when its checkpoint is signed by the registered key.
// Thread-safety: as PgSession.
#include <string>
#include <vector>

#include "collector/pg_session.h"
#include "model/errors.h"

namespace dnswitness {

struct ProbeRecord {
  std::string name;          // [a-z0-9][a-z0-9-]{0,62}, e.g. "docomo-tokyo"
  std::string origin;        // the log's origin: the verifier key's name
  std::string verifier_key;  // "<origin>+<key ID>+<key>"
  std::string description;   // e.g. "docomo LTE, Tokyo"
  std::string added_at;      // as the database gives it
};

// Why `name` is not a probe name ("" when it is one).
std::string probe_name_problem(const std::string& name);

// Registers a probe. Throws UsageError for a bad name, key or description, or a name, origin or key
// already registered (naming the probe that holds it); PgError when the database fails.
ProbeRecord add_probe(PgSession& db, const std::string& name, const std::string& verifier_key,
                      const std::string& description);

// Every registered probe, by name.
std::vector<ProbeRecord> list_probes(PgSession& db);

}  // namespace dnswitness
