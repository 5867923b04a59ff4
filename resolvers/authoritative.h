#pragma once
// Authoritative queries (`--resolver authoritative`): for each target domain, find its zone and
// the zone's name servers through the run's recursive resolvers, then ask every server address
// directly, with RD=0, optionally once per EDNS Client Subnet.
//
// How the servers are found, each step recorded as an observation with purpose
// "authoritative_discovery" (so the ledger shows where the addresses came from):
//   1. zone cut: NS queries for the name, then its parents, until one has NS records owned by
//      that very name (a CNAME or NODATA answer moves one label up). Single-label names (TLDs)
//      are not asked: the tool asks a domain's own servers, not the registry's.
//   2. server addresses: A and AAAA of every NS name.
// Every recursive resolver of the run is asked at each step; the NS names and addresses are the
// union of what they said.
//
// NS records give addresses, not ports: every server is asked on `port` (53 outside tests; the
// test lab's servers listen on other ports, hence --authoritative-port, recorded in the run).
//
// A domain whose zone or servers cannot be found gets a plain-text problem (problems()), beside
// the discovery observations that show why; nothing is dropped silently.
//
// Thread-safety: none; runs on the engine's io_context thread. The engine must outlive this.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "model/observation.h"
#include "resolvers/client_subnet.h"
#include "resolvers/dns_engine.h"

namespace dnswitness {

struct AuthoritativeOptions {
  std::uint16_t port = 53;
  std::vector<ClientSubnetChoice> client_subnets;  // empty: one query per server without ECS
  std::uint16_t edns_size = 1232;                   // 0 = no EDNS (only without client subnets)
};

inline constexpr const char* kPurposeAuthoritativeDiscovery = "authoritative_discovery";

class AuthoritativeRun {
 public:
  AuthoritativeRun(DnsEngine& engine, std::vector<ResolverSpec> recursive, AuthoritativeOptions options);
  AuthoritativeRun(const AuthoritativeRun&) = delete;
  AuthoritativeRun& operator=(const AuthoritativeRun&) = delete;

  // Queues the discovery for every domain; the authoritative queries follow as answers arrive.
  void start(const std::vector<std::string>& domains, const std::vector<std::uint16_t>& types);

  // After io_context::run returned: discovery observations first, then the authoritative ones,
  // each group ordered by name, type, server, subnet.
  std::vector<Observation> take_observations();
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  struct Lookup {  // one name asked of every recursive resolver
    bool done = false;
    int pending = 0;
    std::set<std::string> found;  // NS names, or addresses
    std::vector<std::function<void()>> waiters;
  };
  struct ZoneServers {
    bool done = false;
    int pending = 0;
    std::vector<std::pair<std::string, std::string>> servers;  // (NS name, address)
    std::vector<std::function<void()>> waiters;
  };

  void ask(std::map<std::string, Lookup>& memo, const std::string& name, std::uint16_t qtype,
           std::function<void()> then);
  void walk(const std::string& domain, const std::vector<std::uint16_t>& types, const std::string& candidate);
  void servers_of(const std::string& zone, std::function<void()> then);
  void query_servers(const std::string& domain, const std::vector<std::uint16_t>& types, const std::string& zone);

  DnsEngine& engine_;
  std::vector<ResolverSpec> recursive_;
  AuthoritativeOptions options_;
  std::map<std::string, Lookup> ns_;    // NS lookups by name
  std::map<std::string, Lookup> a_;     // A lookups of NS names
  std::map<std::string, Lookup> aaaa_;  // AAAA lookups of NS names
  std::map<std::string, std::unique_ptr<ZoneServers>> zones_;
  std::vector<Observation> discovery_, answers_;
  std::vector<std::string> problems_;
};

}  // namespace dnswitness
