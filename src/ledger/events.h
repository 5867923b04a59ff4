#pragma once
// Binding-change events: when the address set a resolver gives for (domain, type) differs from the
// set it gave the previous time, that change is recorded as an event leaf in the same transaction
// as the run that saw it, and listed by `dnswitness events`.
//
// What counts: only conclusive observations (outcome answer, nodata or nxdomain: the resolver said
// what the set is; nodata and nxdomain mean the empty set). A timeout, refusal or malformed reply
// says nothing about the binding, so an outage makes no event, and the first conclusive answer
// after it is compared with the last one before it. The first observation of a (domain, type,
// resolver) is not an event (there is nothing to compare with).
//
// Event leaves (canonical JSON, "kind":"event", after the run's observation leaves; schema in
// docs/operation.md):
//   binding_change: qname, qtype, resolver, previous{addresses, outcome, observed_at, leaf_index},
//                   current{addresses, outcome, observed_at}, added, removed, run_id
//   delayed_run:    run_id, interval_ms, scheduled_at, started_at, missed_runs, reason (watch could
//                   not start a run in its slot: the run before was still going, or the process
//                   was suspended)
//   clock_step:     run_id, step_ns, direction, before, after, elapsed_ns (watch saw the wall clock
//                   move by step_ns more than its monotonic clock did: a clock set by hand or by NTP)
//   on_change_problems: run_id, dropped, timed_out, failed, queue_limit, concurrency, since, until
//                   (--on-change calls lost or failed since the previous such event)
// They are not observations: the observation index and reports ignore them; verify-ledger checks
// their hashes like every leaf.
//
// Ownership: ChangeDetector owns a map with one entry per (domain, type, resolver) it has seen,
// so its memory is bounded by the configuration, not by the number of runs. Thread-safety: none.
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "ledger/store.h"
#include "model/observation.h"

namespace dnswitness {

struct BindingChange {
  std::string run_id;
  std::string qname, qtype, resolver;
  std::vector<std::string> old_addresses, new_addresses;
  std::string old_outcome, new_outcome;
  std::int64_t old_seen_ns = 0, new_seen_ns = 0;
  std::optional<std::uint64_t> old_leaf;  // the previous observation's leaf, when known
};

nlohmann::json binding_change_json(const BindingChange& c);

struct DelayedRun {
  std::string run_id;  // the delayed run
  std::int64_t interval_ms = 0;
  std::int64_t scheduled_ns = 0;  // the first slot that got no run
  std::int64_t started_ns = 0;
  std::uint64_t missed_runs = 0;
  std::string reason;
};

nlohmann::json delayed_run_json(const DelayedRun& d);

// The wall clock moved by step_ns more (forward, > 0) or less (backward, < 0) than the monotonic
// clock between two readings of both: wall time `before_ns` at the first, `after_ns` at the second,
// `elapsed_ns` of monotonic time between them. step_ns = (after - before) - elapsed.
struct ClockStep {
  std::string run_id;  // the run recorded with it (the first after the step was seen)
  std::int64_t step_ns = 0;
  std::int64_t before_ns = 0, after_ns = 0, elapsed_ns = 0;
};

nlohmann::json clock_step_json(const ClockStep& c);

// --on-change calls that were lost or failed in [since, until]: `dropped` never ran (the queue of
// `queue_limit` waiting calls was full), `timed_out` were killed after --on-change-timeout,
// `failed` ended with an error. The binding changes themselves are in the ledger either way.
struct OnChangeProblems {
  std::string run_id;
  std::uint64_t dropped = 0, timed_out = 0, failed = 0;
  std::uint64_t queue_limit = 0, concurrency = 0;
  std::int64_t since_ns = 0, until_ns = 0;
};

nlohmann::json on_change_problems_json(const OnChangeProblems& p);

// Conclusive outcomes, the only ones compared.
bool outcome_is_conclusive(Outcome o);

class ChangeDetector {
 public:
  // The changes in `observations` (one run, not yet appended) against the previous conclusive
  // observation of each (domain, type, resolver): remembered from earlier calls, else looked up
  // once in the ledger's index.
  std::vector<BindingChange> compare(LedgerStore& store, std::span<const Observation> observations,
                                     const std::string& run_id);
  // Once the run is in the ledger (its run leaf at `run_leaf`, observation i at run_leaf + 1 + i):
  // its conclusive observations become the previous ones.
  void remember(std::span<const Observation> observations, std::uint64_t run_leaf);
  // Forgets everything (after a configuration reload); the ledger is asked again.
  void clear() { seen_.clear(); }
  std::size_t size() const { return seen_.size(); }

 private:
  struct Seen {
    bool known = false;  // false: the ledger has no conclusive observation of this key
    std::string addresses;  // sorted, joined by single spaces (as in the index)
    std::string outcome;
    std::int64_t time_ns = 0;
    std::optional<std::uint64_t> leaf;
  };
  using Key = std::tuple<std::string, std::string, std::string>;  // qname, qtype, resolver
  std::map<Key, Seen> seen_;
};

// An event leaf as listed: its index, its time (the current observation's time for a binding
// change, the start of the delayed run for a delayed_run, `after` for a clock_step, `until` for
// on_change_problems) and its JSON.
struct ListedEvent {
  std::uint64_t leaf_index = 0;
  std::int64_t time_ns = 0;
  nlohmann::json event;
};

// Every event leaf with time in [since, until] (inclusive; absent: unbounded), in ledger order.
// Reads the leaves (event leaves have no index of their own, and are few): a full scan.
std::vector<ListedEvent> list_events(LedgerStore& store, std::optional<std::int64_t> since_ns,
                                     std::optional<std::int64_t> until_ns);

}  // namespace dnswitness
