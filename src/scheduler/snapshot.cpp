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
#include <boost/asio/post.hpp>

#include "config/config_sources.h"
#include "config/domain_list.h"
#include "config/input_file.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "dnswitness/version.h"
#include "model/errors.h"
#include "model/printable.h"
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

// Read again on every SIGHUP of watch: never a FIFO or a device (that would block), never unbounded.
std::string read_ca_file(const std::string& path) { return read_input_file(path, "CA file", 16LL * 1024 * 1024); }

std::string os_description() {
  utsname u{};
  if (uname(&u) != 0) return "unknown";
  return fmt::format("{} {} {}", u.sysname, u.release, u.machine);
}

// The NTP setting: the config or command line, else $DNSWITNESS_NTP, else absent (the defaults).
std::optional<std::vector<std::string>> ntp_setting(const SnapshotSettings& s) {
  if (s.ntp) return s.ntp;
  return ntp_servers_from_environment();
}

}  // namespace

SnapshotPlan make_plan(const SnapshotSettings& s) {
  SnapshotPlan plan;
  std::vector<std::string> domains;
  if (s.domains) {
    for (const auto& d : *s.domains) {
      const NameCheck check = check_domain_name(d);
      if (!check.name)
        throw UsageError(fmt::format("'{}' is not a valid domain name ({}).", printable(d), check.problem));
      domains.push_back(*check.name);
    }
  }
  if (s.domains_file) {
    auto more = read_domain_list_file(*s.domains_file);
    domains.insert(domains.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
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
  plan.engine.qps = s.qps.value_or(0);
  if (plan.engine.qps < 0) throw UsageError("The query rate (--qps) must be 0 (no limit) or more.");

  // The config hash covers the effective settings, so two runs with equal hashes asked the same
  // questions of the same servers in the same way.
  nlohmann::json canon = {{"domains", plan.domains},
                          {"resolvers", nlohmann::json::array()},
                          {"timeout_ms", plan.engine.timeout_ms},
                          {"retries", plan.engine.retries},
                          {"max_in_flight", plan.engine.max_in_flight},
                          {"edns_size", plan.engine.edns_size},
                          {"types", nlohmann::json::array()}};
  // Only when set, so the hash of a plan without a rate limit is what it was before --qps existed.
  if (plan.engine.qps > 0) canon["qps"] = plan.engine.qps;
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
  plan.config_files = s.files;
  return plan;
}

RunRecord new_run_record(const SnapshotPlan& plan) {
  RunRecord run;
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
  for (const auto& r : plan.resolvers)
    run.https = run.https || r.protocol == Protocol::https || r.protocol == Protocol::tls;
  run.insecure = plan.engine.insecure;
  run.ca_file = plan.ca_file;
  run.ca_file_sha256 = plan.ca_file_sha256;
  for (const auto& f : plan.config_files) run.config_files.push_back({f.path, f.sha256});
  return run;
}

SnapshotRun::SnapshotRun(boost::asio::io_context& io, const SnapshotPlan& plan, SinkFanout& out)
    : io_(io),
      plan_(plan),
      out_(out),
      engine_(std::make_unique<DnsEngine>(io, plan.engine)),
      run_(new_run_record(plan)),
      recursive_(plan.recursive_resolvers()),
      progress_timer_(io),
      idle_timer_(io) {
  progress_.planned = plan.planned();
  if (plan.authoritative) authoritative_ = std::make_unique<AuthoritativeRun>(*engine_, recursive_, *plan.authoritative);
  run_facts_ = std::make_unique<RunFactsCollector>(io, plan.ntp, plan_whoami(plan.resolvers), plan.engine.timeout_ms);
  // Enough queued per resolver that its in-flight cap never waits for the feeder, no more.
  window_ = std::max<std::uint64_t>(64, 2 * static_cast<std::uint64_t>(std::max(plan.engine.max_in_flight, 1)) *
                                            std::max<std::size_t>(recursive_.size(), 1));
}

SnapshotRun::~SnapshotRun() { *alive_ = false; }

void SnapshotRun::on_progress(std::chrono::milliseconds interval, std::function<void(const RunProgress&)> tick) {
  progress_interval_ = interval;
  progress_tick_ = std::move(tick);
}

RunProgress SnapshotRun::progress() const {
  RunProgress p = progress_;
  p.elapsed = std::chrono::steady_clock::now() - started_;
  return p;
}

void SnapshotRun::start(std::function<void(const RunRecord&)> done) {
  done_ = std::move(done);
  started_ = std::chrono::steady_clock::now();
  run_.started_at = utc_now();
  run_facts_->start();
  out_.begin(run_);
  arm_progress();
  if (authoritative_) authoritative_->start(plan_.domains, plan_.types);
  if (progress_.planned == 0) {
    boost::asio::post(io_, [this, alive = alive_] {
      if (!*alive) return;
      finish_when_idle();
    });
    return;
  }
  feed();
}

void SnapshotRun::arm_progress() {
  if (!progress_tick_ || progress_interval_.count() <= 0) return;
  progress_timer_.expires_after(progress_interval_);
  progress_timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (ec || !*alive) return;
    if (progress_.done >= progress_.planned) return;
    progress_tick_(progress());
    arm_progress();
  });
}

void SnapshotRun::feed() {
  // Re-entrant calls (a query that fails synchronously completes inside submit) only ask for
  // another pass, so the stack does not grow with the number of such failures.
  if (feeding_) {
    feed_again_ = true;
    return;
  }
  feeding_ = true;
  do {
    feed_again_ = false;
    const std::size_t nr = recursive_.size(), nt = plan_.types.size();
    while (next_ < progress_.planned && engine_->outstanding() < window_) {
      const std::uint64_t i = next_++;
      // Plan order: domain, then type, then resolver, so each resolver's cap fills from the start.
      const auto& resolver = recursive_[i % nr];
      const auto type = plan_.types[(i / nr) % nt];
      const auto& domain = plan_.domains[i / (nr * nt)];
      engine_->submit(QueryRequest{domain, type, resolver},
                      [this, i](Observation&& o) { complete(i, std::move(o)); });
    }
  } while (feed_again_);
  feeding_ = false;
}

void SnapshotRun::count(const Observation& o) {
  ++progress_.done;
  if (outcome_has_response(o.outcome)) ++progress_.responses;
  if (o.outcome == Outcome::timeout || o.outcome == Outcome::network_error || o.outcome == Outcome::malformed)
    ++progress_.failures;
  ++run_.outcomes[std::string(outcome_name(o.outcome))];
}

void SnapshotRun::complete(std::uint64_t index, Observation&& o) {
  count(o);
  out_.add(index, std::move(o));
  if (progress_.done < progress_.planned) {
    feed();
    return;
  }
  // The last one. Finish from the loop, not from inside this c-ares callback: `done` may destroy us.
  boost::asio::post(io_, [this, alive = alive_] {
    if (!*alive) return;
    finish_when_idle();
  });
}

void SnapshotRun::finish_when_idle() {
  // Authoritative queries (made up as their servers are discovered) may still be going: their
  // observations come when the engine has nothing left in flight. The clock check and the
  // whoami queries run alongside and must have ended too.
  if (engine_->outstanding() > 0 || !run_facts_->done()) {
    idle_timer_.expires_after(std::chrono::milliseconds(10));
    idle_timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
      if (ec || !*alive) return;
      finish_when_idle();
    });
    return;
  }
  progress_timer_.cancel();
  if (authoritative_) {
    const std::uint64_t recursive_done = progress_.done;
    std::uint64_t index = recursive_done;
    for (auto& o : authoritative_->take_observations()) {
      count(o);
      out_.add(index++, std::move(o));
    }
    progress_.planned = progress_.done;
    AuthoritativeRunFacts facts;
    facts.port = plan_.authoritative->port;
    for (const auto& c : plan_.authoritative->client_subnets) facts.client_subnets.push_back({c.prefix.text(), c.preset});
    facts.problems = authoritative_->problems();
    run_.authoritative = std::move(facts);
  }
  run_.finished_at = utc_now();
  const auto udp = engine_->udp_time_sources();
  const auto sources = [](std::uint64_t kernel, std::uint64_t other, const char* other_name) -> std::string {
    if (!kernel && !other) return {};
    return !other ? "kernel" : !kernel ? other_name : std::string("kernel and ") + other_name;
  };
  run_.udp_receive_times = sources(udp.kernel_received, udp.read_received, "read");
  run_.udp_send_times = sources(udp.kernel_sent, udp.batch_sent, "batch");
  run_.observation_count = progress_.done;
  run_facts_->fill(run_);
  if (before_finish_) before_finish_(run_);
  out_.end(run_);
  auto done = std::move(done_);
  if (done) done(run_);
}

bool SnapshotResult::any_response() const {
  for (const auto& o : observations)
    if (outcome_has_response(o.outcome)) return true;
  return false;
}

namespace {

// Keeps every observation, in plan order (the fanout reorders runs up to its limit; this sink
// is only for runs that small).
class CollectingSink : public ObservationSink {
 public:
  explicit CollectingSink(std::vector<Observation>& out) : out_(out) {}
  void add(const Observation& o, std::string_view /*canonical*/) override { out_.push_back(o); }
  [[nodiscard]] bool wants_text() const override { return false; }

 private:
  std::vector<Observation>& out_;
};

}  // namespace

SnapshotResult run_snapshot(const SnapshotPlan& plan) {
  SnapshotResult result;
  CollectingSink collect(result.observations);
  SinkFanout::Options fo;
  fo.planned = plan.planned();
  fo.reorder_limit = fo.planned;  // everything in plan order
  fo.background = false;
  SinkFanout fanout({&collect}, fo);
  boost::asio::io_context io;
  {
    SnapshotRun run(io, plan, fanout);
    run.start([&result](const RunRecord& r) { result.run = r; });
    io.run();
  }
  if (auto e = fanout.error(&collect)) std::rethrow_exception(e);
  return result;
}

}  // namespace dnswitness
