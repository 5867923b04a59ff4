#pragma once
// Reading a fleet collector (docs/fleet.md, "Reading the fleet"): its list of probes (GET
// <url>/probes) and, for each probe, where its log is served as tiles (<url>/tiles/<hex>/).
//
// Trust: the list is the collector's word, not evidence. What a report relies on is checked
// elsewhere: each probe's checkpoint with that probe's key (as any published log), and the
// collector's cosignature on it with the key the reader pinned (--collector-key), which shows the
// collector accepted that tree from the probe registered under that key.
// Ownership: plain values. Thread-safety: none needed.
#include <optional>
#include <string>
#include <vector>

#include "tlog/log_source.h"

namespace dnswitness {

inline constexpr std::size_t kMaxProbeListBytes = 4 * 1024 * 1024;

struct ListedProbe {
  std::string name;          // as registered: "docomo-tokyo"
  std::string origin;
  std::string verifier_key;  // the probe's key
  std::string description;   // "docomo LTE, Tokyo": the collector's words
  std::string location;      // <url>/tiles/<hex SHA-256(origin)>
  std::string registration;  // the collector's signed statement of the above (probe_registration_text)
};

struct CollectorListing {
  std::string name;             // the collector's name in its cosignatures
  std::string cosignature_key;  // as the collector advertises it (a hint, never trusted)
  std::vector<ListedProbe> probes;
};

// GET <url>/probes. Throws LogFetchError (down, HTTP status, too slow, too large) or UsageError (not a
// collector's list, or a URL that is not http(s)).
CollectorListing read_collector_listing(const std::string& url, const LogSourceOptions& options);

// The probes named in `names` (all when empty), in the listing's order. Throws UsageError naming a
// probe the collector does not list, and the ones it does.
std::vector<ListedProbe> select_probes(const CollectorListing& listing, const std::vector<std::string>& names);

// What a collector signs for each probe it lists, with the key it cosigns with (as a c2sp.org
// signed-note Ed25519 signature under its name), so that the name and description a report shows
// for a probe are the collector's signed word and cannot be changed after the fact:
//   dnswitness-collector-probe/1
//   name <name>
//   origin <origin>
//   key <the probe's verifier key>
//   description <description>
// Throws std::invalid_argument for a value holding a control character.
std::string probe_registration_text(const std::string& name, const std::string& origin,
                                    const std::string& verifier_key, const std::string& description);

struct ProbeRegistration {
  std::string name, origin, verifier_key, description;
};
// The registration in `note` when its signature verifies with the collector's cosignature key (the
// same Ed25519 key, as a note signature of the collector's name); nullopt with `why` otherwise.
std::optional<ProbeRegistration> open_probe_registration(const std::string& note, const std::string& cosignature_key,
                                                         std::string& why);

// The collector's cosignature on `note` verifies with `cosignature_key`: "" when it does, else one
// sentence. Throws UsageError when the key is not a cosignature verifier key.
std::string collector_cosignature_problem(const std::string& note, const std::string& cosignature_key);

}  // namespace dnswitness
