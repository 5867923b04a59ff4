#include "scheduler/snapshot.h"

#include <fmt/format.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <boost/asio/io_context.hpp>
#include <optional>
#include <fstream>
#include <iterator>

#include "config/domain_list.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "dnswitness/version.h"
#include "model/errors.h"
#include "model/record_json.h"
#include "model/target.h"
#include "resolvers/doh_tls.h"
#include "scheduler/run_facts.h"

namespace dnswitness {
namespace {

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

std::string read_ca_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(fmt::format("Cannot read the CA file {}; check the path given to --ca-file.", path));
  std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw UsageError(fmt::format("Cannot read the CA file {}; check the path given to --ca-file.", path));
  return pem;
}

std::string os_description() {
  utsname u{};
  if (uname(&u) != 0) return "unknown";
  return fmt::format("{} {} {}", u.sysname, u.release, u.machine);
}

// The NTP setting: the config or command line, else $DNSWITNESS_NTP (comma-separated, or "none"),
// else absent (the defaults). The variable lets a test environment or a cron job without internet
// switch the check off for every run without touching each command line.
std::optional<std::vector<std::string>> ntp_setting(const SnapshotSettings& s) {
  if (s.ntp) return s.ntp;
  const char* env = std::getenv("DNSWITNESS_NTP");
  if (!env) return std::nullopt;
  std::vector<std::string> out;
  std::string item;
  for (const char* c = env;; ++c) {
    if (*c == ',' || *c == '\0') {
      if (!item.empty()) out.push_back(item);
      item.clear();
      if (*c == '\0') break;
    } else if (*c != ' ') {
      item += *c;
    }
  }
  return out;
}

}  // namespace

SnapshotPlan make_plan(const SnapshotSettings& s) {
  SnapshotPlan plan;
  std::vector<std::string> domains;
  if (s.domains) {
    for (const auto& d : *s.domains) {
      const NameCheck check = check_domain_name(d);
      if (!check.name)
        throw UsageError(fmt::format("'{}' is not a valid domain name ({}).", d, check.problem));
      domains.push_back(*check.name);
    }
  }
  if (s.domains_file) {
    auto more = read_domain_list_file(*s.domains_file);
    domains.insert(domains.end(), more.begin(), more.end());
  }
  if (s.preset || domains.empty()) {
    auto more = load_preset(s.preset.value_or("x"));
    domains.insert(domains.end(), more.begin(), more.end());
  }
  plan.domains = unique_names(std::move(domains));

  for (const auto& t : s.types.value_or(std::vector<std::string>{"A", "AAAA"})) {
    const auto code = parse_qtype(t);
    if (!code) throw UsageError(fmt::format("'{}' is not a record type this tool knows; use A, AAAA, CNAME, TXT, "
                                            "NS, MX, SOA, HTTPS or similar.",
                                            t));
    if (std::find(plan.types.begin(), plan.types.end(), *code) == plan.types.end()) plan.types.push_back(*code);
  }
  if (plan.types.empty()) throw UsageError("No record type was given; use --types A,AAAA.");

  std::vector<ResolverSpec> specs;
  for (const auto& r : s.resolvers.value_or(default_resolver_specs())) specs.push_back(parse_resolver_spec(r));
  if (specs.empty()) throw UsageError("No resolver was given; use --resolver.");
  plan.resolvers = expand_system_resolvers(std::move(specs), s.resolv_conf.value_or("/etc/resolv.conf"));

  // Authoritative queries (resolvers/authoritative.h): checked here so a bad combination costs
  // nothing on the network.
  const auto auth_count = std::count_if(plan.resolvers.begin(), plan.resolvers.end(),
                                        [](const auto& r) { return r.protocol == Protocol::authoritative; });
  if (auth_count == 0 && s.client_subnets)
    throw UsageError("--client-subnet applies to authoritative queries only; add --resolver authoritative.");
  if (auth_count == 0 && s.authoritative_port)
    throw UsageError("--authoritative-port applies to authoritative queries only; add --resolver authoritative.");
  if (auth_count > 1) throw UsageError("Give --resolver authoritative only once.");
  if (auth_count == 1) {
    if (static_cast<std::size_t>(auth_count) == plan.resolvers.size())
      throw UsageError("--resolver authoritative finds the name servers through a recursive resolver; add one "
                       "too, e.g. --resolver 127.0.0.1:5300.");
    AuthoritativeOptions auth;
    auth.port = static_cast<std::uint16_t>(s.authoritative_port.value_or(53));
    if (s.client_subnets) auth.client_subnets = resolve_client_subnets(*s.client_subnets, load_client_subnet_presets());
    plan.authoritative = std::move(auth);
  }

  plan.engine.timeout_ms = s.timeout_ms.value_or(2000);
  plan.engine.retries = s.retries.value_or(1);
  plan.engine.max_in_flight = s.max_in_flight.value_or(100);
  plan.engine.edns_size = static_cast<std::uint16_t>(s.edns_size.value_or(1232));
  if (plan.engine.timeout_ms < 10 || plan.engine.timeout_ms > 60000)
    throw UsageError("The timeout must be from 10 to 60000 milliseconds.");
  if (plan.engine.retries < 0 || plan.engine.retries > 10) throw UsageError("Retries must be from 0 to 10.");
  if (plan.engine.max_in_flight < 1) throw UsageError("The in-flight cap must be at least 1.");
  plan.engine.insecure = s.insecure.value_or(false);
  if (s.ca_file) {
    // Read once: the bytes hashed into the run are the bytes trusted.
    const std::string pem = read_ca_file(*s.ca_file);
    plan.engine.ca_anchors = std::make_shared<const TrustAnchors>(TrustAnchors::from_pem(pem, *s.ca_file));
    plan.ca_file = *s.ca_file;
    plan.ca_file_sha256 = hex_encode(sha256(as_bytes(pem)));
  }
  plan.ntp = make_ntp_plan(ntp_setting(s));
  plan.ntp.timeout_ms = plan.engine.timeout_ms;

  // The config hash covers the effective settings, so two runs with equal hashes asked the same
  // questions of the same servers in the same way.
  nlohmann::json canon = {{"domains", plan.domains},
                          {"resolvers", nlohmann::json::array()},
                          {"timeout_ms", plan.engine.timeout_ms},
                          {"retries", plan.engine.retries},
                          {"max_in_flight", plan.engine.max_in_flight},
                          {"edns_size", plan.engine.edns_size},
                          {"types", nlohmann::json::array()}};
  for (const auto& r : plan.resolvers) canon["resolvers"].push_back(resolver_json(r));
  for (const auto t : plan.types) canon["types"].push_back(qtype_name(t));
  if (plan.authoritative) {
    plan.authoritative->edns_size = plan.engine.edns_size;
    nlohmann::json subnets = nlohmann::json::array();
    for (const auto& c : plan.authoritative->client_subnets) subnets.push_back(c.prefix.text());
    canon["authoritative"] = {{"port", plan.authoritative->port}, {"client_subnets", subnets}};
  }
  // Only when set, so the hashes of runs without them stay what they were.
  if (plan.engine.insecure) canon["insecure"] = "yes";
  if (!plan.ca_file_sha256.empty()) canon["ca_file_sha256"] = plan.ca_file_sha256;
  canon["ntp"] = nlohmann::json::array();
  for (const auto& n : plan.ntp.servers) canon["ntp"].push_back(n.text);
  for (const auto& n : plan.ntp.fallback) canon["ntp"].push_back(n.text);
  plan.config_hash = hex_encode(sha256(as_bytes(canonical_dump(canon))));
  return plan;
}

bool SnapshotResult::any_response() const {
  for (const auto& o : observations)
    if (outcome_has_response(o.outcome)) return true;
  return false;
}

SnapshotResult run_snapshot(const SnapshotPlan& plan) {
  SnapshotResult result;
  RunRecord& run = result.run;
  run.run_id = new_run_id();
  run.tool_version = kToolVersion;
  run.tool_commit = kToolCommit;
  run.config_hash = plan.config_hash;
  run.hostname = host_name();
  run.os = os_description();
  run.resolvers = plan.resolvers;
  run.domains = plan.domains;
  for (const auto t : plan.types) run.types.push_back(qtype_name(t));
  run.timeout_ms = plan.engine.timeout_ms;
  run.retries = plan.engine.retries;
  run.edns_size = plan.engine.edns_size;
  for (const auto& r : plan.resolvers) run.https = run.https || r.protocol == Protocol::https;
  run.insecure = plan.engine.insecure;
  run.ca_file = plan.ca_file;
  run.ca_file_sha256 = plan.ca_file_sha256;

  std::vector<ResolverSpec> recursive;
  for (const auto& r : plan.resolvers)
    if (r.protocol != Protocol::authoritative) recursive.push_back(r);
  const std::size_t total = plan.domains.size() * plan.types.size() * recursive.size();
  result.observations.resize(total);
  boost::asio::io_context io;
  DnsEngine engine(io, plan.engine);
  std::optional<AuthoritativeRun> authoritative;
  if (plan.authoritative) authoritative.emplace(engine, recursive, *plan.authoritative);
  RunFactsCollector run_facts(io, plan.ntp, plan_whoami(plan.resolvers), plan.engine.timeout_ms);
  run.started_at = utc_now();
  run_facts.start();
  std::size_t slot = 0;
  // Interleave resolvers so each resolver's cap fills from the start.
  for (const auto& domain : plan.domains)
    for (const auto type : plan.types)
      for (const auto& resolver : recursive) {
        const std::size_t here = slot++;
        engine.submit(QueryRequest{domain, type, resolver},
                      [&result, here](Observation&& o) { result.observations[here] = std::move(o); });
      }
  if (authoritative) authoritative->start(plan.domains, plan.types);
  io.run();
  run.finished_at = utc_now();
  if (authoritative) {
    AuthoritativeRunFacts facts;
    facts.port = plan.authoritative->port;
    for (const auto& c : plan.authoritative->client_subnets) facts.client_subnets.push_back({c.prefix.text(), c.preset});
    facts.problems = authoritative->problems();
    run.authoritative = std::move(facts);
    for (auto& o : authoritative->take_observations()) result.observations.push_back(std::move(o));
  }
  run_facts.fill(run);
  run.observation_count = result.observations.size();
  for (const auto& o : result.observations) ++run.outcomes[std::string(outcome_name(o.outcome))];
  return result;
}

}  // namespace dnswitness
