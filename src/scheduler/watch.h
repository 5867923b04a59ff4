#pragma once
// `watch`: unattended runs, one every interval, each recorded in the ledger with the binding-change
// events it saw, on one Boost.Asio loop that also receives the signals.
//
// Timing: runs start at multiples of the interval since the Unix epoch (wall clock, UTC) plus a
// random jitter in [0, jitter]; never two at once. The wait for a slot is measured on the
// monotonic clock (CLOCK_BOOTTIME), so a step of the wall clock during it neither stalls nor
// bursts the schedule. Each time watch reads the clock (before and after every run) it compares
// the wall time elapsed with the monotonic time elapsed; a difference beyond 1 s (plus 1 ms per
// second elapsed) is a clock step, recorded as a "clock_step" event leaf with the next run, and
// the next slot is taken on the wall clock as it now reads (the schedule realigns). A run that is
// still going at its successor's slot delays it to the next free slot, and a run that starts more
// than one interval (of monotonic time) after its slot (the process was stopped or the machine
// suspended) runs once, not once per missed slot; both are recorded as a "delayed_run" event leaf
// with the number of runs missed.
// Hooks: --on-change calls run on OnChangeQueue's workers (watch_hooks.h), never on the run loop:
// at most 4 at once, at most 256 waiting; calls beyond that are dropped, logged and counted in an
// "on_change_problems" event with the next run (with the calls that timed out or failed).
// Signals: SIGTERM and SIGINT stop the watch once the current run is recorded (a run is one ledger
// transaction, so an abandoned run would leave nothing; finishing it keeps what was measured);
// running --on-change commands then get at most 5 s more before they are killed. SIGHUP reloads
// the settings, keeping the old ones when the new ones are wrong or cannot be read (a config
// replaced by a folder or a FIFO is refused without blocking).
// Memory: nothing grows with the number of runs. Each run's observations are released once
// recorded; the ledger is opened per run (its page cache goes with it); the change detector keeps
// one entry per (domain, type, resolver).
// Ownership: run_watch owns everything it makes. Thread-safety: call from one thread (the hook
// workers it starts are joined before it returns).
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "ledger/store.h"
#include "scheduler/snapshot.h"

namespace dnswitness {

struct WatchOptions {
  std::function<SnapshotPlan()> load_plan;  // called at start and on SIGHUP; throws UsageError
  std::string config_description;           // for the log: "config /etc/dnswitness.json" or "command line"
  LedgerPaths ledger;
  std::string origin;
  int lock_timeout_ms = 30000;
  std::chrono::milliseconds interval{300000};
  std::chrono::milliseconds jitter{0};
  std::uint64_t count = 0;  // stop after this many runs (0: until a signal)
  bool once = false;        // one run now, without waiting for a slot (for cron and systemd timers)
  std::string on_change;    // shell command run per event with its JSON on stdin ("" for none)
  std::chrono::milliseconds on_change_timeout{30000};  // also bounds each --on-run call
  // Shell command run after every run, recorded or not, with the run's summary JSON on stdin
  // ({"event": "run", run_id, started_at, finished_at, recorded, observations, outcomes, responded,
  // changes, tree_size | error}): a heartbeat for monitoring services ("" for none). One at a time;
  // a few may wait, more are dropped and logged.
  std::string on_run;
  std::string log_file;     // a line per run appended here; "" for stderr (unless quiet)
  bool quiet = false;       // no per-run lines on stderr, no event lines on stdout
  // `watch --jsonl`: called with each line (a leaf's exact bytes and "\n") of each run once it is
  // recorded: its observations, its events, then its run record. A run that could not be recorded
  // still gets its observation and run lines (the log says it was not recorded). May throw: the
  // failure is logged and the watch goes on.
  std::function<void(std::string_view line)> jsonl;
  bool event_lines = true;  // print each event as a line on stdout (off when --jsonl writes there)
  // Called after each run is committed, with the store and the new signed tree head (the CLI
  // time-stamps it with the --tsa authorities). Must not throw.
  std::function<void(LedgerStore&, const std::string& note)> after_append;
};

struct WatchResult {
  std::uint64_t runs = 0;            // runs recorded
  std::uint64_t unrecorded = 0;      // runs measured but not appended (ledger busy, disk full, ...)
  std::uint64_t no_response = 0;     // recorded runs in which no resolver answered at all
  std::uint64_t events = 0;
  std::uint64_t hook_failures = 0;    // --on-change calls that failed or timed out
  std::uint64_t hooks_dropped = 0;    // --on-change calls never run (queue full, or still waiting at the end)
  std::uint64_t hooks_timed_out = 0;  // --on-change calls killed after --on-change-timeout
  std::uint64_t clock_steps = 0;      // wall-clock steps seen
  bool integrity_error = false;      // stopped because the ledger contradicts itself
  int stop_signal = 0;               // the signal that stopped it, 0 otherwise
};

// The default jitter for an interval: a tenth of it, at most 30 s.
std::chrono::milliseconds default_jitter(std::chrono::milliseconds interval);

// Runs until `count` runs, `once`, or SIGTERM/SIGINT. Throws UsageError for bad settings and
// LedgerError when the ledger or its key cannot be opened at start; later ledger failures are
// logged and counted, except integrity errors, which stop the watch.
WatchResult run_watch(const WatchOptions& options);

}  // namespace dnswitness
