#include "resolvers/authoritative.h"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

#include "model/target.h"

namespace dnswitness {
namespace {

constexpr std::uint16_t kTypeA = 1, kTypeNs = 2, kTypeAaaa = 28;

std::string canonical(std::string s) {
  if (!s.empty() && s.back() == '.') s.pop_back();
  std::transform(s.begin(), s.end(), s.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
  return s;
}

std::string parent_of(const std::string& name) {
  const auto dot = name.find('.');
  return dot == std::string::npos ? std::string() : name.substr(dot + 1);
}

}  // namespace

AuthoritativeRun::AuthoritativeRun(DnsEngine& engine, std::vector<ResolverSpec> recursive,
                                   AuthoritativeOptions options)
    : engine_(engine), recursive_(std::move(recursive)), options_(std::move(options)) {}

void AuthoritativeRun::start(const std::vector<std::string>& domains, const std::vector<std::uint16_t>& types) {
  for (const auto& domain : domains) walk(domain, types, domain);
}

// Asks `name`/`qtype` of every recursive resolver once per run; `then` runs when all have answered
// (at once if that already happened). What they found is the union, in memo[name].found.
void AuthoritativeRun::ask(std::map<std::string, Lookup>& memo, const std::string& name, std::uint16_t qtype,
                           std::function<void()> then) {
  auto [it, fresh] = memo.try_emplace(name);
  Lookup& lookup = it->second;
  if (lookup.done) {
    then();
    return;
  }
  lookup.waiters.push_back(std::move(then));
  if (!fresh) return;
  lookup.pending = static_cast<int>(recursive_.size());
  if (recursive_.empty()) {  // nobody to ask: found stays empty
    lookup.done = true;
    auto waiters = std::move(lookup.waiters);
    for (auto& w : waiters) w();
    return;
  }
  for (const auto& resolver : recursive_) {
    engine_.submit(QueryRequest{name, qtype, resolver}, [this, &lookup, name, qtype](Observation&& o) {
      o.purpose = kPurposeAuthoritativeDiscovery;
      if (qtype == kTypeNs) {
        for (const auto& rr : o.answers)
          if (rr.type == "NS" && canonical(rr.name) == name) lookup.found.insert(canonical(rr.data));
      } else {
        for (const auto& a : o.addresses) lookup.found.insert(a);
      }
      discovery_.push_back(std::move(o));
      if (--lookup.pending > 0) return;
      lookup.done = true;
      auto waiters = std::move(lookup.waiters);
      for (auto& w : waiters) w();
    });
  }
}

void AuthoritativeRun::walk(const std::string& domain, const std::vector<std::uint16_t>& types,
                            const std::string& candidate) {
  ask(ns_, candidate, kTypeNs, [this, domain, types, candidate] {
    if (!ns_[candidate].found.empty()) {
      servers_of(candidate, [this, domain, types, candidate] { query_servers(domain, types, candidate); });
      return;
    }
    const std::string parent = parent_of(candidate);
    if (parent.find('.') == std::string::npos) {  // the next step would be a TLD: stop
      problems_.push_back(fmt::format(
          "No zone was found for {}: no recursive resolver gave NS records for it or a parent below the top-level "
          "domain (see the authoritative_discovery observations).",
          domain));
      return;
    }
    walk(domain, types, parent);
  });
}

void AuthoritativeRun::servers_of(const std::string& zone, std::function<void()> then) {
  auto& slot = zones_[zone];
  if (!slot) slot = std::make_unique<ZoneServers>();
  ZoneServers* zs = slot.get();
  if (zs->done) {
    then();
    return;
  }
  zs->waiters.push_back(std::move(then));
  if (zs->waiters.size() > 1) return;  // already being looked up
  const std::set<std::string> names = ns_[zone].found;
  zs->pending = static_cast<int>(names.size()) * 2;
  for (const auto& ns_name : names) {
    for (auto* memo : {&a_, &aaaa_}) {
      ask(*memo, ns_name, memo == &a_ ? kTypeA : kTypeAaaa, [this, zs, memo, ns_name] {
        for (const auto& address : (*memo)[ns_name].found) zs->servers.emplace_back(ns_name, address);
        if (--zs->pending > 0) return;
        std::sort(zs->servers.begin(), zs->servers.end());
        zs->done = true;
        auto waiters = std::move(zs->waiters);
        for (auto& w : waiters) w();
      });
    }
  }
}

void AuthoritativeRun::query_servers(const std::string& domain, const std::vector<std::uint16_t>& types,
                                     const std::string& zone) {
  const ZoneServers& zs = *zones_[zone];
  if (zs.servers.empty()) {
    problems_.push_back(fmt::format(
        "The name servers of {} (zone {}) have no address that the recursive resolvers could find, so no "
        "authoritative server was asked.",
        domain, zone));
    return;
  }
  std::vector<std::optional<ClientSubnetChoice>> variants;
  if (options_.client_subnets.empty()) variants.emplace_back();
  for (const auto& c : options_.client_subnets) variants.emplace_back(c);
  for (const auto type : types) {
    for (const auto& [ns_name, address] : zs.servers) {
      ResolverSpec server;
      server.name = ns_name + "@" + address;
      server.protocol = Protocol::udp;
      server.address = address;
      server.port = options_.port;
      for (const auto& variant : variants) {
        // Each client subnet is its own view, named apart so that history and reports, which group
        // by resolver name, never merge what two networks were told.
        if (variant) server.name = fmt::format("{}@{}/ecs={}", ns_name, address, variant->prefix.text());
        QueryRequest rq{domain, type, server};
        rq.recursion_desired = false;
        if (variant) rq.client_subnet = variant->prefix;
        engine_.submit(std::move(rq), [this, zone, ns_name, variant](Observation&& o) {
          o.authoritative = AuthoritativeFacts{zone, ns_name};
          if (variant) {
            ClientSubnetFacts facts;
            facts.sent = variant->prefix.text();
            facts.preset = variant->preset;
            if (!o.response_wire.empty()) {
              const EcsScan scan = read_client_subnet_option(o.response_wire);
              if (scan.option) {
                facts.scope_prefix = scan.option->scope_prefix;
                facts.returned = fmt::format("{}/{}", scan.option->address_text(), scan.option->source_prefix);
              }
              if (!scan.problem.empty()) facts.problem = "the response's " + scan.problem;
            }
            o.client_subnet = std::move(facts);
          }
          answers_.push_back(std::move(o));
        });
      }
    }
  }
}

std::vector<Observation> AuthoritativeRun::take_observations() {
  const auto key = [](const Observation& o) {
    return std::make_tuple(o.qname, o.qtype, o.resolver.name, o.client_subnet ? o.client_subnet->sent : "");
  };
  const auto by_key = [&key](const Observation& a, const Observation& b) { return key(a) < key(b); };
  std::stable_sort(discovery_.begin(), discovery_.end(), by_key);
  std::stable_sort(answers_.begin(), answers_.end(), by_key);
  std::vector<Observation> out = std::move(discovery_);
  for (auto& o : answers_) out.push_back(std::move(o));
  answers_.clear();
  discovery_.clear();
  return out;
}

}  // namespace dnswitness
