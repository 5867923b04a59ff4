#include "scheduler/watch.h"

#include <fmt/format.h>
#include <openssl/rand.h>
#include <signal.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/system_timer.hpp>
#include <iostream>
#include <optional>

#include "ledger/events.h"
#include "ledger/leaves.h"
#include "model/errors.h"
#include "model/record_json.h"
#include "schedule/interval.h"
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
    if (opt_.once) {
      boost::asio::post(io_, [this] { tick(utc_now().ns); });
    } else {
      arm(next_slot_after(utc_now().ns, opt_.interval));
    }
    io_.run();
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
    }
  }

  // Waits for `slot` (plus jitter), then runs.
  void arm(std::int64_t slot) {
    if (stopping_) return;
    const std::int64_t fire = slot + random_below(jitter_ms() * 1'000'000 + 1);
    timer_.expires_at(std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(fire))));
    timer_.async_wait([this, slot](const boost::system::error_code& ec) {
      if (ec || stopping_) return;
      tick(slot);
    });
  }

  void tick(std::int64_t slot) {
    const std::int64_t step = opt_.interval.count() * 1'000'000;
    const std::int64_t started = utc_now().ns;
    if (!opt_.once && started - slot >= step && !pending_delay_) {
      // Woken more than an interval late: suspended (SIGSTOP, laptop sleep) or the clock jumped.
      pending_delay_ = DelayedRun{{}, opt_.interval.count(), slot, 0, static_cast<std::uint64_t>((started - slot) / step),
                                  "the process was suspended or the clock jumped"};
    }
    record_one();
    ++ticks_;
    if (opt_.once || (opt_.count && ticks_ >= opt_.count)) {
      stop();
      return;
    }
    if (stopping_) return;
    // The next slot after this run ended; skipping slots means the run overran.
    const std::int64_t base = std::max(slot, started - (started - slot) % step);
    const std::int64_t next = next_slot_after(utc_now().ns, opt_.interval);
    if (next > base + step && !pending_delay_)
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
    try {
      LedgerStore store(opt_.ledger, LedgerStore::Mode::read_write, {}, opt_.lock_timeout_ms);
      const auto changes = detector_.compare(store, result.observations, run_id);
      RunLeaves leaves = make_run_leaves(result.run, result.observations);
      std::vector<nlohmann::json> events;
      for (const auto& c : changes) events.push_back(binding_change_json(c));
      if (delay) {
        delay->run_id = run_id;
        delay->started_ns = result.run.started_at.ns;
        events.push_back(delayed_run_json(*delay));
      }
      for (const auto& e : events) leaves.leaves.push_back(canonical_dump(e));
      const AppendResult appended = store.append_run(leaves, *key_);
      detector_.remember(result.observations, appended.first_index);
      if (opt_.after_append) opt_.after_append(store, appended.note);
      ++result_.runs;
      const bool responded = result.any_response();
      if (!responded) ++result_.no_response;
      const std::uint64_t first_event = appended.first_index + 1 + result.observations.size();
      log_.info(fmt::format("run {} recorded: {} observations ({}), {} change(s), leaves {}-{}, tree size {}, {:.2f} s",
                            run_id, result.run.observation_count, outcome_summary(result.run), changes.size(),
                            appended.first_index, appended.size - 1, appended.size,
                            static_cast<double>(result.run.finished_at.ns - result.run.started_at.ns) / 1e9));
      if (!responded)
        log_.problem(fmt::format("run {}: no resolver gave any DNS response; check the resolver addresses and the "
                                 "network (the run is recorded).",
                                 run_id));
      for (std::size_t i = 0; i < events.size(); ++i) {
        nlohmann::json e = events[i];
        e["leaf_index"] = first_event + i;
        report_event(e);
      }
    } catch (const LedgerError& e) {
      ++result_.unrecorded;
      log_.problem(fmt::format("run {} was not recorded: {}", run_id, e.what()));
      if (e.kind() == LedgerError::Kind::integrity || e.kind() == LedgerError::Kind::usage) {
        result_.integrity_error = e.kind() == LedgerError::Kind::integrity;
        stop();
      }
    }
  }

  void report_event(const nlohmann::json& e) {
    ++result_.events;
    std::string line;
    if (e.value("event", "") == "binding_change") {
      line = fmt::format("change: {} {} at {}: {} -> {} (leaf {})", e.value("qname", ""), e.value("qtype", ""),
                         e.value("resolver", ""), addresses_text(e["previous"]["addresses"]),
                         addresses_text(e["current"]["addresses"]), e["leaf_index"].get<std::uint64_t>());
    } else {
      line = fmt::format("delayed run: {} run(s) missed since {} because {} (leaf {})",
                         e["missed_runs"].get<std::uint64_t>(), e.value("scheduled_at", ""), e.value("reason", ""),
                         e["leaf_index"].get<std::uint64_t>());
    }
    log_.info(line);
    if (!opt_.quiet) std::cout << line << std::endl;
    if (opt_.on_change.empty() || e.value("event", "") != "binding_change") return;
    const HookResult hook = run_on_change(opt_.on_change, e.dump() + "\n", opt_.on_change_timeout);
    if (!hook.ok) {
      ++result_.hook_failures;
      log_.problem(fmt::format("the --on-change command for the change of {} {} at {} {}; the event is recorded "
                               "in the ledger (leaf {}).",
                               e.value("qname", ""), e.value("qtype", ""), e.value("resolver", ""), hook.problem,
                               e["leaf_index"].get<std::uint64_t>()));
    }
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
  boost::asio::system_timer timer_;
  SnapshotPlan plan_;
  std::optional<Ed25519PrivateKey> key_;
  ChangeDetector detector_;
  std::optional<DelayedRun> pending_delay_;
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
