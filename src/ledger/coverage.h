#pragma once
// Coverage of the ledger over time: when each run happened, the newest run in detail, and the gaps
// (periods with no run longer than twice the expected interval) that `status` reports.
//
// Role: read run leaves, never observation leaves in bulk: a run's leaf is at the size of the
// checkpoint before it (each checkpoint ends one run), so listing n runs reads n small leaves.
// Ownership: borrows the store for the call. Thread-safety: one call per store at a time.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ledger/store.h"

namespace dnswitness {

struct RunTime {
  std::uint64_t run_leaf = 0;  // index of the run leaf
  std::uint64_t end = 0;       // the tree size signed after the run
  std::int64_t started_ns = 0;
  std::int64_t finished_ns = 0;
};

// Every run in ledger order. Throws LedgerError(integrity) when a run leaf is missing or unreadable.
std::vector<RunTime> run_times(LedgerStore& store);

struct Gap {
  std::int64_t from_ns = 0;  // the start of the run before the gap (or the window's start)
  std::int64_t to_ns = 0;    // the start of the run after it (or the window's end)
};

// Periods longer than 2 x interval between consecutive run starts within [from_ns, to_ns]
// (the window's edges count as well when given). `starts` must be sorted.
std::vector<Gap> find_gaps(const std::vector<std::int64_t>& starts, std::chrono::seconds interval,
                           std::optional<std::int64_t> from_ns = std::nullopt,
                           std::optional<std::int64_t> to_ns = std::nullopt);

struct ResolverHealth {
  std::uint64_t observations = 0;
  std::uint64_t responses = 0;               // a DNS response of any rcode arrived
  std::map<std::string, std::uint64_t> failures;  // outcome -> count, for outcomes without a response
};

struct LastRun {
  RunTime time;
  nlohmann::json run;  // the run leaf
  std::map<std::string, ResolverHealth> resolvers;  // by resolver name, from its observation leaves
};

// The newest run, or nullopt for an empty ledger.
std::optional<LastRun> last_run(LedgerStore& store);

}  // namespace dnswitness
