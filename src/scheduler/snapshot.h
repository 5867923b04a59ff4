#pragma once
// A snapshot: every target (domain x type) against every resolver, on one Asio loop, each query
// producing one observation that is streamed to sinks as soon as it completes.
//
// SnapshotRun feeds the engine lazily (targets are never all materialised; at most a few times
// the in-flight caps are queued), so memory does not grow with the number of names beyond the
// plan's domain list. Observations go to a SinkFanout (observation_sink.h). For a snapshot that
// is also recorded in the ledger, see record_snapshot.h.
//
// Thread-safety: a SnapshotRun lives on its io_context's thread. Ownership: it borrows the plan
// and the fanout, which must outlive it; it owns its DnsEngine.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "clock/sntp.h"
#include "config/snapshot_settings.h"
#include "model/observation.h"
#include "model/run_record.h"
#include "resolvers/authoritative.h"
#include "resolvers/dns_engine.h"
#include "scheduler/observation_sink.h"
#include "scheduler/run_facts.h"

namespace dnswitness {

struct SnapshotPlan {
  std::vector<std::string> domains;      // validated, canonical, unique
  std::vector<std::uint16_t> types;
  std::vector<ResolverSpec> resolvers;   // "system" already expanded
  EngineOptions engine;
  std::string config_hash;               // hex SHA-256 of the canonical plan JSON
  // The config files the settings were read from: provenance, outside config_hash, which covers
  // what was asked however it was configured.
  std::vector<SettingsFile> config_files;
  // Set when the resolvers include "authoritative" (resolvers/authoritative.h).
  std::optional<AuthoritativeOptions> authoritative;
  std::string ca_file, ca_file_sha256;   // --ca-file as given and the SHA-256 of what was read
  NtpPlan ntp;                           // the clock check (clock/sntp.h); the caller sets state_file

  // The recursive resolvers: every resolver but "authoritative" (whose queries AuthoritativeRun
  // makes up as it discovers the servers).
  [[nodiscard]] std::vector<ResolverSpec> recursive_resolvers() const {
    std::vector<ResolverSpec> out;
    for (const auto& r : resolvers)
      if (r.protocol != Protocol::authoritative) out.push_back(r);
    return out;
  }
  // Observations of the recursive resolvers (authoritative ones come on top, unknown in advance).
  [[nodiscard]] std::uint64_t planned() const {
    return static_cast<std::uint64_t>(domains.size()) * types.size() * recursive_resolvers().size();
  }
};

// Turns settings into a plan: defaults (preset "x", A and AAAA, system + Google, Cloudflare and
// Quad9), presets and domain files read, names and types checked, resolver specs parsed and
// "system" expanded from resolv.conf. Throws UsageError for anything the user must fix.
SnapshotPlan make_plan(const SnapshotSettings& settings);

// A run record with the plan's facts and a new run id (times and counts not yet set).
RunRecord new_run_record(const SnapshotPlan& plan);

// Where a run stands; for progress lines and summaries.
struct RunProgress {
  std::uint64_t planned = 0;
  std::uint64_t done = 0;          // observations handed to the sinks
  std::uint64_t responses = 0;     // observations with a DNS response (any rcode)
  std::uint64_t failures = 0;      // timeout, network_error, malformed
  std::chrono::steady_clock::duration elapsed{};
};

class SnapshotRun {
 public:
  SnapshotRun(boost::asio::io_context& io, const SnapshotPlan& plan, SinkFanout& out);
  ~SnapshotRun();
  SnapshotRun(const SnapshotRun&) = delete;
  SnapshotRun& operator=(const SnapshotRun&) = delete;

  // The run record; facts may be added before start() (they reach the sinks' begin()).
  RunRecord& record() { return run_; }
  // Calls `tick` every `interval` while the run goes on (from the loop).
  void on_progress(std::chrono::milliseconds interval, std::function<void(const RunProgress&)> tick);
  // Starts sending; returns at once. `done` runs from the loop (never from inside a c-ares
  // callback) after the last observation was handed over and the fanout's end() returned; the
  // SnapshotRun may be destroyed from `done`.
  void start(std::function<void(const RunRecord&)> done);
  // Runs after the last observation, before the complete record reaches the sinks.
  void before_finish(std::function<void(RunRecord&)> hook) { before_finish_ = std::move(hook); }
  [[nodiscard]] RunProgress progress() const;
  [[nodiscard]] const EngineStats& engine_stats() const { return engine_->stats(); }

 private:
  void feed();
  void count(const Observation& o);
  void complete(std::uint64_t index, Observation&& o);
  void finish_when_idle();
  void arm_progress();

  boost::asio::io_context& io_;
  const SnapshotPlan& plan_;
  SinkFanout& out_;
  std::unique_ptr<DnsEngine> engine_;
  RunRecord run_;
  std::vector<ResolverSpec> recursive_;
  std::unique_ptr<AuthoritativeRun> authoritative_;
  std::unique_ptr<RunFactsCollector> run_facts_;  // vantage and clock facts, gathered alongside
  std::function<void(const RunRecord&)> done_;
  std::function<void(RunRecord&)> before_finish_;
  std::uint64_t next_ = 0;  // next planned index to submit
  std::uint64_t window_ = 0;
  bool feeding_ = false, feed_again_ = false;
  RunProgress progress_;
  std::chrono::steady_clock::time_point started_;
  boost::asio::steady_timer progress_timer_;
  boost::asio::steady_timer idle_timer_;
  std::chrono::milliseconds progress_interval_{0};
  std::function<void(const RunProgress&)> progress_tick_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// The whole run on a private io_context, observations collected in plan order: for tests and
// small callers. Memory grows with the run; the CLI streams instead (record_snapshot.h).
struct SnapshotResult {
  RunRecord run;
  std::vector<Observation> observations;  // ordered by domain, type, resolver as planned
  bool any_response() const;              // at least one DNS response of any rcode arrived
};
SnapshotResult run_snapshot(const SnapshotPlan& plan);

}  // namespace dnswitness
