#pragma once
// Per resolver, what the observation leaves of a report say about how it was asked and what it
// proved: the transports; for DNS over HTTPS the TLS versions and ciphers, the certificate chains
// presented (SHA-256 and subject of each certificate), the certificate checks and the HTTP statuses;
// for a zone's own (authoritative) servers the zone and how many answers carried the AA flag; for a
// client-subnet view the subnet sent, the scope prefixes returned (0: the answer is the same for
// every client; N > 0: it was chosen for clients in that /N) and the addresses it answered.
//
// Role: one pure summary over the observation leaves, built by `report` into the bundle's
// `resolvers`, derived again by `verify` from the leaf bytes and compared, and used by the PDF.
// Thread-safety: none (one builder per thread).
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace dnswitness {

class ResolverFactsBuilder {
 public:
  // One observation leaf, parsed. Leaves given twice (same index) count once.
  void add(std::uint64_t leaf_index, const nlohmann::json& observation);
  // The `resolvers` array, sorted by resolver name.
  nlohmann::json result() const;

 private:
  struct Facts {
    nlohmann::json spec;  // the leaf's resolver object, first seen
    std::uint64_t observations = 0;
    std::map<std::string, std::uint64_t> transports;
    // DNS over HTTPS
    bool https = false;
    bool dot = false;  // DNS over TLS: the same TLS facts, under "tls", without HTTP
    std::map<std::string, std::uint64_t> tls_versions, tls_ciphers, certificate_checks;
    std::map<std::int64_t, std::uint64_t> http_statuses;
    std::map<std::string, std::pair<nlohmann::json, std::uint64_t>> chains;  // by joined SHA-256s
    // authoritative servers
    bool authoritative = false;
    std::set<std::string> zones, servers;
    std::uint64_t responses = 0, aa = 0;
    // client subnet
    bool client_subnet = false;
    std::string sent, preset;
    std::map<std::int64_t, std::uint64_t> scopes;
    std::uint64_t without_option = 0;
    std::map<std::pair<std::string, std::string>, std::set<std::string>> addresses;  // (qname, qtype)
  };
  std::map<std::string, Facts> by_name_;
  std::set<std::uint64_t> seen_;
};

}  // namespace dnswitness
