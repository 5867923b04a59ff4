#pragma once
// Test support: a published tiled log of realistic leaves with known times, for tests that read
// logs by time (tlog/remote_log.h). A few runs, one a day, each a run record leaf (its started_at)
// followed by observation leaves one millisecond apart (their sent_at), made with the same
// make_run_leaves as the CLI and published with publish_ledger into a folder. Header-only.
#include <filesystem>
#include <string>
#include <vector>

#include "ledger/leaves.h"
#include "ledger/signed_note.h"
#include "ledger/store.h"
#include "tlog/publish.h"

namespace dnswitness::test {

inline constexpr std::int64_t kTimedLogStart = 1'790'000'000'000'000'000;  // 2026-09-21
inline constexpr std::int64_t kTimedLogDay = 86'400'000'000'000;
inline constexpr std::int64_t kTimedLogStep = 1'000'000;  // between observations of a run

struct TimedLog {
  std::filesystem::path folder;       // the published log
  std::string verifier_key;           // "name+hex+base64"
  std::string origin;
  std::vector<std::string> leaves;    // every leaf, in order
  std::vector<std::uint64_t> run_first;   // index of each run's run leaf
  std::vector<std::int64_t> run_start;    // each run's started_at
  std::vector<CheckpointRow> checkpoints;  // one per run
};

inline Observation timed_log_observation(std::size_t i, std::int64_t t) {
  Observation o;
  o.qname = "api.x.com";
  o.qtype = 1;
  o.resolver = ResolverSpec{"google", Protocol::udp, "192.0.2.1", 53, {}};
  o.sent_at = UtcTime{t};
  o.outcome = Outcome::answer;
  o.rcode = 0;
  o.addresses = {"104.244.42." + std::to_string(i % 200 + 1)};
  o.answers = {{"api.x.com.", "A", 300, o.addresses[0]}};
  o.query_wire = Bytes(30, static_cast<std::uint8_t>(i));
  return o;
}

// Appends runs of `run_sizes[k]` observations starting at `starts[k]` to the ledger in `ledger_dir`
// (created under `origin` when new); each run's leaves and start are added to `log` when given.
inline void append_timed_runs(const std::filesystem::path& ledger_dir, const std::vector<std::size_t>& run_sizes,
                              const std::vector<std::int64_t>& starts, const std::string& origin,
                              TimedLog* log = nullptr) {
  LedgerStore store(LedgerPaths{ledger_dir}, LedgerStore::Mode::read_write, origin);
  bool created = false;
  const auto key = store.load_or_create_key(&created);
  const std::size_t runs_before = store.checkpoints().size();
  for (std::size_t k = 0; k < run_sizes.size(); ++k) {
    const std::int64_t start = starts[k];
    RunRecord run;
    run.run_id = "run" + std::to_string(runs_before + k);
    run.started_at = UtcTime{start};
    std::vector<Observation> os;
    for (std::size_t i = 0; i < run_sizes[k]; ++i)
      os.push_back(timed_log_observation(i, start + static_cast<std::int64_t>(i) * kTimedLogStep));
    run.finished_at = UtcTime{start + static_cast<std::int64_t>(run_sizes[k]) * kTimedLogStep};
    run.observation_count = os.size();
    const RunLeaves leaves = make_run_leaves(run, os);
    if (log) {
      log->run_first.push_back(log->leaves.size());
      log->run_start.push_back(start);
      log->leaves.insert(log->leaves.end(), leaves.leaves.begin(), leaves.leaves.end());
    }
    store.append_run(leaves, key);
  }
}

// Runs of `run_sizes[k]` observations on day k (or at `starts[k]` when given: runs that overlap),
// published into `dir / "pub"` (ledger in dir / "ledger").
inline TimedLog make_timed_log(const std::filesystem::path& dir, const std::vector<std::size_t>& run_sizes,
                               const std::string& origin = "example.jp/dnswitness/remote-test",
                               const std::vector<std::int64_t>& starts = {}) {
  TimedLog log;
  log.folder = dir / "pub";
  log.origin = origin;
  std::vector<std::int64_t> at = starts;
  for (std::size_t k = at.size(); k < run_sizes.size(); ++k)
    at.push_back(kTimedLogStart + static_cast<std::int64_t>(k) * kTimedLogDay);
  append_timed_runs(dir / "ledger", run_sizes, at, origin, &log);
  LedgerStore store(LedgerPaths{dir / "ledger"}, LedgerStore::Mode::read_write, origin);
  bool created = false;
  const auto key = store.load_or_create_key(&created);
  log.checkpoints = store.checkpoints();
  log.verifier_key = format_verifier_key(store.origin(), key.public_key());
  PublishOptions options;
  options.dir = log.folder;
  publish_ledger(store, options);
  return log;
}

}  // namespace dnswitness::test
