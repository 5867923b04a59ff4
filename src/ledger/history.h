#pragma once
// Passive-DNS style bindings from the derived index: per domain, type and address, when it was
// first and last seen, how often, and by which resolvers (compare Farsight DNSDB's first_seen,
// last_seen and count).
//
// Role: answer `history` from observation_index alone (one range scan per domain on its primary
// key), never by parsing leaves. Ownership: borrows the store. Thread-safety: one call at a time.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ledger/store.h"

namespace dnswitness {

struct HistoryQuery {
  std::vector<std::string> domains;      // canonical: lower case, no trailing dot
  std::optional<std::int64_t> since_ns;  // inclusive
  std::optional<std::int64_t> until_ns;  // inclusive
  std::vector<std::string> types;        // empty: all
  std::vector<std::string> resolvers;    // empty: all
};

struct Binding {
  std::string qname;
  std::string qtype;
  std::string address;
  std::int64_t first_ns = 0;
  std::int64_t last_ns = 0;
  std::uint64_t count = 0;
  std::uint64_t first_leaf = 0;  // the observation leaves that show first_ns and last_ns
  std::uint64_t last_leaf = 0;
  std::map<std::string, std::uint64_t> resolvers;  // resolver name -> observations
};

struct DomainHistory {
  std::string qname;
  std::uint64_t observations = 0;                       // matching observations, with or without address
  std::vector<Binding> bindings;                        // ordered by type, then first seen, then address
  std::map<std::string, std::uint64_t> without_address; // outcome -> observations that gave no address
};

std::vector<DomainHistory> query_history(LedgerStore& store, const HistoryQuery& query);

// `history --json`'s document (times in RFC 3339 and JST), and back (nullopt when it is not one);
// also what a fleet collector answers per probe (collector/fleet_history.h).
nlohmann::json history_json(const std::vector<DomainHistory>& histories);
std::optional<std::vector<DomainHistory>> histories_from_json(const nlohmann::json& j);

}  // namespace dnswitness
