#pragma once
// The probe's side of the fleet (docs/fleet.md): pushes the ledger's run heads, with their entries
// and a consistency proof, to a collector (`push URL`, `watch --push URL`).
//
// One request per run head the collector lacks, oldest first, so the collector holds the signed
// tree head of every run (a report needs each). A probe that was offline pushes its whole backlog
// this way when it is back; a 409 names the size the collector holds and the push goes on from
// there; a push the collector already has is answered 200 and changes nothing. When the collector
// holds as much as the ledger, the ledger's newest checkpoint is offered once more, so that a
// collector holding another tree at that size says so (a fork, recorded there).
//
// What happened is kept in <ledger folder>/push-state.json for `status` (per collector URL: the
// size it holds, the last attempt and success, the last problem). The ledger itself is only read:
// a push that fails never stops recording.
// Ownership: plain values. Thread-safety: one push per ledger at a time.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "ledger/store.h"

namespace dnswitness {

inline constexpr const char* kPushStateFile = "push-state.json";

struct PushState {
  std::uint64_t collector_size = 0;  // the size the collector last said it holds
  std::uint64_t ledger_size = 0;     // the ledger's size at the last attempt
  std::string last_attempt_at;       // RFC 3339
  std::string last_success_at;       // "" before the first
  bool ok = false;                   // the last attempt brought the collector level with the ledger
  std::string problem;               // one sentence when not ok
};

// Every collector's state, by URL; empty when the file is absent or unreadable.
std::map<std::string, PushState> read_push_states(const std::filesystem::path& ledger_dir);

struct PushOutcome {
  enum class Kind {
    pushed,    // the collector now holds the ledger's newest tree head (maybe it already did)
    refused,   // the collector refused (403: not registered; 422: another history, kept as evidence)
    failed,    // unreachable, too slow, a server error: the backlog waits for the next push
  };
  Kind kind = Kind::failed;
  std::uint64_t from = 0;       // the size the collector held before
  std::uint64_t to = 0;         // the size it holds now (as far as this push knows)
  std::uint64_t ledger_size = 0;
  std::size_t requests = 0;
  std::size_t run_heads_pushed = 0;
  long http_status = 0;         // the last answer's status (0: none)
  std::string problem;          // one sentence unless pushed
};

// Pushes what the collector at `url` (its base URL, http:// or https://) lacks. Never throws for
// what the network or the collector does; throws LedgerError when the ledger cannot be read, and
// UsageError for a URL that is not http(s). `progress(done, total)` counts run heads.
PushOutcome push_ledger(LedgerStore& store, const std::string& url, long timeout_ms,
                        const std::function<void(std::uint64_t, std::uint64_t)>& progress = {});

}  // namespace dnswitness
