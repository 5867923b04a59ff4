#include "scheduler/watch.h"

#include <fmt/format.h>
#include <openssl/rand.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <algorithm>
#include <cmath>
#include <iostream>
#include <optional>

#include "ledger/events.h"
#include "ledger/leaves.h"
#include "model/errors.h"
#include "model/record_json.h"
#include "schedule/interval.h"
#include "scheduler/watch_hooks.h"
#include "scheduler/watch_log.h"
#include "scheduler/watch_on_change.h"

namespace dnswitness {
namespace {

std::int64_t random_below(std::int64_t bound) {
  if (bound <= 0) return 0;
  std::uint64_t r = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&r), sizeof r) != 1) return 0;
  return static_cast<std::int64_t>(r % static_cast<std::uint64_t>(bound));
}

// The monotonic clock watch waits on: CLOCK_BOOTTIME, which setting the wall clock (by hand or by
// NTP) never moves and which, unlike CLOCK_MONOTONIC (std::chrono::steady_clock), also counts the
// time the machine was suspended, so a laptop that slept shows as a delayed run, not a clock step.
struct WatchBootClock {
  using rep = std::int64_t;
  using period = std::nano;
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::time_point<WatchBootClock>;
  static constexpr bool is_steady = true;
  static time_point now() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_BOOTTIME, &ts);
    return time_point(duration(static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec));
  }
};

// A wall-clock step smaller than this is not reported: 1 s, plus 1 ms per second elapsed (NTP
// slews the clock by at most 0.5 ms per second, which is no step).
std::int64_t clock_step_threshold_ns(std::int64_t elapsed_ns) { return 1'000'000'000 + elapsed_ns / 1000; }

// How long a stopping watch lets running --on-change commands go on after SIGTERM or SIGINT.
constexpr std::chrono::milliseconds kOnChangeGraceOnSignal{5000};

// Pending clock_step events kept while runs cannot be recorded (a bound, not a limit in practice).
constexpr std::size_t kMaxPendingClockSteps = 64;
// --on-run calls that may wait behind a slow one (a heartbeat needs no backlog).
constexpr std::size_t kOnRunQueueLimit = 4;

std::string outcome_summary(const RunRecord& run) {
  std::string out;
  for (const auto& [name, n] : run.outcomes) out += fmt::format("{}{} {}", out.empty() ? "" : ", ", n, name);
  return out;
}

class Watcher {
 public:
  explicit Watcher(const WatchOptions& options)
      : opt_(options),
        log_(options.log_file, options.quiet),
        signals_(io_, SIGTERM, SIGINT, SIGHUP),
        timer_(io_) {}

  WatchResult run() {
    plan_ = opt_.load_plan();
    if (!opt_.on_change.empty())
      hooks_.emplace(opt_.on_change, opt_.on_change_timeout, kOnChangeConcurrency, kOnChangeQueueLimit,
                     [this] { boost::asio::post(io_, [this] { log_hook_results(); }); });
    if (!opt_.on_run.empty())
      run_hooks_.emplace(opt_.on_run, opt_.on_change_timeout, 1, kOnRunQueueLimit,
                         [this] { boost::asio::post(io_, [this] { log_run_hook_results(); }); });
    {
      // The key (made on first use) and the ledger are checked before the first run, so a bad
      // folder or a missing key stops the watch at once instead of at every run.
      LedgerStore store(opt_.ledger, LedgerStore::Mode::read_write, opt_.origin, opt_.lock_timeout_ms);
      bool created = false;
      key_.emplace(store.load_or_create_key(&created));
      if (created)
        log_.problem(fmt::format("created a new signing key for the ledger {} (fingerprint {}); back up {}.",
                                 store.paths().dir.string(), key_->public_key().fingerprint(),
                                 store.paths().private_key().string()));
    }
    if (!opt_.once)
      log_.info(fmt::format("watch started: every {}, jitter up to {} ms, ledger {}, {}, pid {}",
                            format_watch_interval(opt_.interval), jitter_ms(), opt_.ledger.dir.string(),
                            opt_.config_description, ::getpid()));
    wait_for_signal();
    hooks_since_ns_ = utc_now().ns;
    check_clock();
    if (opt_.once) {
      boost::asio::post(io_, [this] { tick(last_wall_ns_); });
    } else {
      arm(next_slot_after(last_wall_ns_, opt_.interval));
    }
    io_.run();
    if (hooks_) finish_hooks();
    if (run_hooks_) finish_run_hooks();
    if (!opt_.once)
      log_.info(fmt::format("watch stopped{} after {} run(s) ({} not recorded), {} event(s)",
                            result_.stop_signal ? fmt::format(" by {}", signal_name(result_.stop_signal)) : "",
                            result_.runs, result_.unrecorded, result_.events));
    return result_;
  }

 private:
  std::int64_t jitter_ms() const { return opt_.jitter.count(); }

  static std::string signal_name(int s) {
    switch (s) {
      case SIGTERM: return "SIGTERM";
      case SIGINT: return "SIGINT";
      case SIGHUP: return "SIGHUP";
      default: return fmt::format("signal {}", s);
    }
  }

  void wait_for_signal() {
    signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
      if (ec) return;
      if (signo == SIGHUP) {
        reload();
        wait_for_signal();
        return;
      }
      result_.stop_signal = signo;
      stop();
    });
  }

  void stop() {
    stopping_ = true;
    timer_.cancel();
    signals_.cancel();
  }

  void reload() {
    try {
      SnapshotPlan fresh = opt_.load_plan();
      const bool changed = fresh.config_hash != plan_.config_hash;
      plan_ = std::move(fresh);
      if (changed) detector_.clear();
      log_.info(fmt::format("settings reloaded on SIGHUP ({}), config hash {}", changed ? "changed" : "unchanged",
                            plan_.config_hash.substr(0, 16)));
    } catch (const UsageError& e) {
      log_.problem(fmt::format("settings not reloaded, the previous ones stay in use: {}", e.what()));
    } catch (const std::exception& e) {
      // Whatever went wrong reading the new settings, a running watch keeps recording.
      log_.problem(fmt::format("settings not reloaded, the previous ones stay in use: they could not be read ({}).",
                               e.what()));
    }
  }

  // Reads the wall clock and the monotonic clock together; when the wall clock moved by more than
  // the threshold beyond the monotonic time elapsed since the previous reading, that step is kept
  // for a clock_step event in the next recorded run. Returns the step seen (0: none).
  std::int64_t check_clock() {
    const std::int64_t wall = utc_now().ns;
    const std::int64_t boot = WatchBootClock::now().time_since_epoch().count();
    std::int64_t step = 0;
    if (have_clock_reading_) {
      const std::int64_t elapsed = boot - last_boot_ns_;
      step = (wall - last_wall_ns_) - elapsed;
      if (std::llabs(step) > clock_step_threshold_ns(elapsed)) {
        ++result_.clock_steps;
        if (pending_steps_.size() < kMaxPendingClockSteps)
          pending_steps_.push_back(ClockStep{{}, step, last_wall_ns_, wall, elapsed});
        log_.info(fmt::format("the wall clock was stepped {} by {:.3f} s; runs stay on the monotonic schedule and "
                              "realign to the clock as it now reads",
                              step < 0 ? "backward" : "forward", std::abs(static_cast<double>(step)) / 1e9));
      } else {
        step = 0;
      }
    }
    have_clock_reading_ = true;
    last_wall_ns_ = wall;
    last_boot_ns_ = boot;
    return step;
  }

  // Waits for the wall-clock slot `slot` (plus jitter), as read by check_clock() just before: the
  // wait is measured on the monotonic clock, so stepping the wall clock during it neither holds the
  // run back nor brings it forward; it is at most one interval plus the jitter.
  void arm(std::int64_t slot) {
    if (stopping_) return;
    const std::int64_t fire = slot + random_below(jitter_ms() * 1'000'000 + 1);
    fire_boot_ns_ = last_boot_ns_ + std::max<std::int64_t>(0, fire - last_wall_ns_);
    timer_.expires_at(WatchBootClock::time_point(std::chrono::nanoseconds(fire_boot_ns_)));
    timer_.async_wait([this, slot](const boost::system::error_code& ec) {
      if (ec || stopping_) return;
      tick(slot);
    });
  }

  void tick(std::int64_t slot) {
    const std::int64_t step = opt_.interval.count() * 1'000'000;
    const bool stepped_before = !opt_.once && check_clock() != 0;
    const std::int64_t late = last_boot_ns_ - fire_boot_ns_;  // monotonic: clock steps do not count
    if (!opt_.once && late >= step && !pending_delay_) {
      // Woken more than an interval late on the monotonic clock: the process was stopped
      // (SIGSTOP), the machine suspended, or starved of CPU.
      pending_delay_ = DelayedRun{{}, opt_.interval.count(), slot, 0, static_cast<std::uint64_t>(late / step),
                                  "the process was suspended"};
    }
    const std::int64_t started = last_wall_ns_;
    record_one();
    ++ticks_;
    if (opt_.once || (opt_.count && ticks_ >= opt_.count)) {
      stop();
      return;
    }
    if (stopping_) return;
    // The next slot after this run ended, on the wall clock as it now reads (after a step the
    // schedule realigns to the new clock); skipping slots means the run overran, which is judged
    // only when the clock was not stepped during the run.
    const bool stepped = check_clock() != 0;
    // Without a step, never the same slot again: the monotonic wait may end a little before the
    // wall clock reaches the slot (NTP slewing), and a short run would then end before it too.
    const std::int64_t now = stepped_before || stepped ? last_wall_ns_ : std::max(last_wall_ns_, slot);
    const std::int64_t next = next_slot_after(now, opt_.interval);
    const std::int64_t base = std::max(slot, started - (started - slot) % step);
    if (!stepped_before && !stepped && started >= slot && next > base + step && !pending_delay_)
      pending_delay_ = DelayedRun{{}, opt_.interval.count(), base + step, 0,
                                  static_cast<std::uint64_t>((next - base) / step - 1), "the previous run was still going"};
    arm(next);
  }

  void record_one() {
    // The NTP 3-minute rule (clock/ntp_state.h) must hold across ticks: remember in the ledger folder.
    if (plan_.ntp.state_file.empty()) plan_.ntp.state_file = opt_.ledger.dir / "ntp-state.json";
    SnapshotResult result = run_snapshot(plan_);
    const std::string& run_id = result.run.run_id;
    std::optional<DelayedRun> delay = std::move(pending_delay_);
    pending_delay_.reset();
    // The --on-run summary: what this run was and what became of it, sent whether or not it was recorded.
    nlohmann::json summary = {{"event", "run"},
                              {"run_id", run_id},
                              {"started_at", format_rfc3339_ns(result.run.started_at)},
                              {"finished_at", format_rfc3339_ns(result.run.finished_at)},
                              {"observations", result.run.observation_count},
                              {"outcomes", result.run.outcomes},
                              {"responded", result.any_response()},
                              {"recorded", false}};
    struct SendSummary {
      Watcher& w;
      nlohmann::json& s;
      ~SendSummary() { w.submit_run_summary(s); }
    } send{*this, summary};
    RunLeaves leaves = make_run_leaves(result.run, result.observations);
    const std::size_t observation_leaves = result.observations.size();
    try {
      LedgerStore store(opt_.ledger, LedgerStore::Mode::read_write, {}, opt_.lock_timeout_ms);
      const auto changes = detector_.compare(store, result.observations, run_id);
      std::vector<nlohmann::json> events;
      for (const auto& c : changes) events.push_back(binding_change_json(c));
      if (delay) {
        delay->run_id = run_id;
        delay->started_ns = result.run.started_at.ns;
        events.push_back(delayed_run_json(*delay));
      }
      for (ClockStep c : pending_steps_) {
        c.run_id = run_id;
        events.push_back(clock_step_json(c));
      }
      // --on-change calls lost or failed since the previous such event (kept until recorded).
      if (hooks_) {
        const OnChangeQueue::Counts c = hooks_->take_counts();
        hook_counts_.dropped += c.dropped;
        hook_counts_.timed_out += c.timed_out;
        hook_counts_.failed += c.failed;
      }
      const std::int64_t hooks_until = utc_now().ns;
      if (hooks_ && (hook_counts_.dropped || hook_counts_.timed_out || hook_counts_.failed))
        events.push_back(on_change_problems_json(OnChangeProblems{run_id, hook_counts_.dropped, hook_counts_.timed_out,
                                                                  hook_counts_.failed, hooks_->queue_limit(),
                                                                  hooks_->concurrency(), hooks_since_ns_,
                                                                  hooks_until}));
      for (const auto& e : events) leaves.leaves.push_back(canonical_dump(e));
      const AppendResult appended = store.append_run(leaves, *key_);
      pending_steps_.clear();
      if (hooks_ && (hook_counts_.dropped || hook_counts_.timed_out || hook_counts_.failed)) {
        result_.hooks_dropped += hook_counts_.dropped;
        result_.hooks_timed_out += hook_counts_.timed_out;
        hook_counts_ = {};
        hooks_since_ns_ = hooks_until;
      }
      detector_.remember(result.observations, appended.first_index);
      summary["recorded"] = true;
      summary["tree_size"] = appended.size;
      summary["changes"] = changes.size();
      if (opt_.after_append) opt_.after_append(store, appended.note);
      ++result_.runs;
      const bool responded = result.any_response();
      if (!responded) ++result_.no_response;
      const std::uint64_t first_event = appended.first_index + 1 + result.observations.size();
      log_.info(fmt::format("run {} recorded: {} observations ({}), {} change(s), leaves {}-{}, tree size {}, {:.2f} s",
                            run_id, result.run.observation_count, outcome_summary(result.run), changes.size(),
                            appended.first_index, appended.size - 1, appended.size,
                            static_cast<double>(result.run.finished_at.ns - result.run.started_at.ns) / 1e9));
      stream_run(leaves, observation_leaves, true);
      if (!responded)
        log_.problem(fmt::format("run {}: no resolver gave any DNS response; check the resolver addresses and the "
                                 "network (the run is recorded).",
                                 run_id));
      std::uint64_t dropped = 0;
      for (std::size_t i = 0; i < events.size(); ++i) {
        nlohmann::json e = events[i];
        e["leaf_index"] = first_event + i;
        if (!report_event(e)) ++dropped;
      }
      if (dropped)
        log_.problem(fmt::format("run {}: {} --on-change call(s) were dropped because {} were already waiting; the "
                                 "changes are in the ledger, and the count is recorded with the next run.",
                                 run_id, dropped, hooks_->queue_limit()));
    } catch (const LedgerError& e) {
      ++result_.unrecorded;
      summary["error"] = e.what();
      log_.problem(fmt::format("run {} was not recorded: {}", run_id, e.what()));
      stream_run(leaves, observation_leaves, false);  // what was measured is not lost to a --jsonl reader
      if (e.kind() == LedgerError::Kind::integrity || e.kind() == LedgerError::Kind::usage) {
        result_.integrity_error = e.kind() == LedgerError::Kind::integrity;
        stop();
      }
    }
  }

  // Prints and logs one recorded event and queues its --on-change call; false when that call was
  // dropped (the queue was full).
  bool report_event(const nlohmann::json& e) {
    ++result_.events;
    std::string line;
    const std::string kind = e.value("event", "");
    if (kind == "clock_step") {
      line = fmt::format("clock step: the wall clock was stepped {} by {:.3f} s between {} and {} (leaf {})",
                         e.value("direction", ""), std::abs(static_cast<double>(e["step_ns"].get<std::int64_t>())) / 1e9,
                         e.value("before", ""), e.value("after", ""), e["leaf_index"].get<std::uint64_t>());
    } else if (kind == "on_change_problems") {
      line = fmt::format("--on-change since {}: {} call(s) dropped (queue full), {} timed out, {} failed (leaf {})",
                         e.value("since", ""), e["dropped"].get<std::uint64_t>(), e["timed_out"].get<std::uint64_t>(),
                         e["failed"].get<std::uint64_t>(), e["leaf_index"].get<std::uint64_t>());
    } else if (kind == "binding_change") {
      line = fmt::format("change: {} {} at {}: {} -> {} (leaf {})", e.value("qname", ""), e.value("qtype", ""),
                         e.value("resolver", ""), addresses_text(e["previous"]["addresses"]),
                         addresses_text(e["current"]["addresses"]), e["leaf_index"].get<std::uint64_t>());
    } else {
      line = fmt::format("delayed run: {} run(s) missed since {} because {} (leaf {})",
                         e["missed_runs"].get<std::uint64_t>(), e.value("scheduled_at", ""), e.value("reason", ""),
                         e["leaf_index"].get<std::uint64_t>());
    }
    log_.info(line);
    if (!opt_.quiet && opt_.event_lines) std::cout << line << std::endl;
    if (!hooks_ || kind != "binding_change") return true;
    return hooks_->submit(e.dump() + "\n",
                          fmt::format("the change of {} {} at {} (leaf {})", e.value("qname", ""), e.value("qtype", ""),
                                      e.value("resolver", ""), e["leaf_index"].get<std::uint64_t>()));
  }

  // The --jsonl lines of one run: its observation leaves (leaves[1 .. observations]), its event
  // leaves (the rest, when it was recorded), then the run leaf (leaves[0]), which closes the run.
  void stream_run(const RunLeaves& leaves, std::size_t observations, bool with_events) noexcept {
    if (!opt_.jsonl || leaves.leaves.empty()) return;
    try {
      const std::size_t end = with_events ? leaves.leaves.size() : std::min(leaves.leaves.size(), observations + 1);
      std::string line;
      auto emit = [&](const std::string& leaf) {
        line.assign(leaf);
        line += '\n';
        opt_.jsonl(line);
      };
      for (std::size_t i = 1; i < end; ++i) emit(leaves.leaves[i]);
      emit(leaves.leaves[0]);
    } catch (const std::exception& e) {
      log_.problem(fmt::format("the --jsonl lines of run {} could not be written ({}); the ledger is not affected.",
                               leaves.run_id, e.what()));
    }
  }

  // Queues the --on-run call of one run (never blocks; a full queue drops it, logged).
  // Called from a destructor: never throws (an error text may hold bytes that are not UTF-8, which
  // are replaced; anything else is logged).
  void submit_run_summary(const nlohmann::json& summary) noexcept {
    if (!run_hooks_) return;
    try {
      const std::string run_id = summary.value("run_id", "");
      const std::string text = summary.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
      if (!run_hooks_->submit(text, "run " + run_id))
        log_.problem(fmt::format("the --on-run call for run {} was dropped: {} were already waiting.", run_id,
                                 run_hooks_->queue_limit()));
    } catch (const std::exception& e) {
      try {
        log_.problem(fmt::format("the --on-run call could not be made: {}", e.what()));
      } catch (...) {
      }
    }
  }

  // Logs the --on-run calls that failed since the last call (on the loop thread).
  void log_run_hook_results() {
    if (!run_hooks_) return;
    for (const auto& f : run_hooks_->take_finished())
      if (!f.result.ok) {
        ++result_.hook_failures;
        log_.problem(fmt::format("the --on-run command for {} {}.", f.description, f.result.problem));
      }
  }

  void finish_run_hooks() {
    const auto grace = result_.stop_signal ? std::min(opt_.on_change_timeout, kOnChangeGraceOnSignal)
                                           : opt_.on_change_timeout;
    const OnChangeQueue::Stopped stopped = run_hooks_->finish(grace);
    log_run_hook_results();
    if (stopped.not_started || stopped.killed)
      log_.problem(fmt::format("the watch stopped with {} --on-run call(s) still waiting (dropped) and {} still "
                               "running (killed).",
                               stopped.not_started, stopped.killed));
  }

  // Logs the --on-change calls that failed since the last call (on the loop thread).
  void log_hook_results() {
    if (!hooks_) return;
    for (const auto& f : hooks_->take_finished()) {
      if (f.result.ok) continue;
      ++result_.hook_failures;
      log_.problem(fmt::format("the --on-change command for {} {}; the event is recorded in the ledger.", f.description,
                               f.result.problem));
    }
  }

  // After the loop: lets queued and running --on-change calls end within a bounded time (their own
  // timeout after --once or --count; a few seconds after a signal), then kills what is left.
  void finish_hooks() {
    const auto grace = result_.stop_signal ? std::min(opt_.on_change_timeout, kOnChangeGraceOnSignal)
                                           : opt_.on_change_timeout;
    const OnChangeQueue::Stopped stopped = hooks_->finish(grace);
    log_hook_results();
    const OnChangeQueue::Counts c = hooks_->take_counts();
    result_.hooks_dropped += hook_counts_.dropped + c.dropped + stopped.not_started;
    result_.hooks_timed_out += hook_counts_.timed_out + c.timed_out;
    if (stopped.not_started || stopped.killed)
      log_.problem(fmt::format("the watch stopped with {} --on-change call(s) still waiting (dropped) and {} still "
                               "running (killed); the changes are in the ledger.",
                               stopped.not_started, stopped.killed));
  }

  static std::string addresses_text(const nlohmann::json& a) {
    std::string out;
    for (const auto& s : a) out += (out.empty() ? "" : " ") + s.get<std::string>();
    return out.empty() ? "(none)" : out;
  }

  const WatchOptions& opt_;
  WatchLog log_;
  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
  boost::asio::basic_waitable_timer<WatchBootClock> timer_;
  SnapshotPlan plan_;
  std::optional<Ed25519PrivateKey> key_;
  ChangeDetector detector_;
  std::optional<DelayedRun> pending_delay_;
  std::vector<ClockStep> pending_steps_;
  bool have_clock_reading_ = false;
  std::int64_t last_wall_ns_ = 0, last_boot_ns_ = 0;  // the last check_clock() reading
  std::int64_t fire_boot_ns_ = 0;                     // when the armed timer fires (monotonic)
  // Declared after io_ (destroyed first): its workers post to io_ until they are joined.
  std::optional<OnChangeQueue> hooks_;
  OnChangeQueue::Counts hook_counts_;  // taken from hooks_, not yet recorded
  std::int64_t hooks_since_ns_ = 0;
  std::optional<OnChangeQueue> run_hooks_;  // --on-run
  std::uint64_t ticks_ = 0;
  bool stopping_ = false;
  WatchResult result_;
};

}  // namespace

std::chrono::milliseconds default_jitter(std::chrono::milliseconds interval) {
  return std::min<std::chrono::milliseconds>(interval / 10, std::chrono::seconds(30));
}

WatchResult run_watch(const WatchOptions& options) {
  if (options.jitter.count() < 0 || options.jitter >= options.interval)
    throw UsageError(fmt::format("The jitter must be shorter than the interval ({}); use e.g. --jitter {}.",
                                 format_watch_interval(options.interval),
                                 format_watch_interval(default_jitter(options.interval))));
  // A hook that stops reading its stdin must not kill the watch.
  ::signal(SIGPIPE, SIG_IGN);
  Watcher w(options);
  return w.run();
}

}  // namespace dnswitness
