// `dnswitness status`: is the evidence being collected? The ledger, its last run and tree head,
// failing resolvers, clock warnings and gaps in coverage.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "cli/ledger_options.h"
#include "crypto/encoding.h"
#include "ledger/cosignatures.h"
#include "tlog/push_client.h"
#include "ledger/coverage.h"
#include "model/errors.h"
#include "schedule/collection_health.h"
#include "schedule/installed.h"
#include "schedule/interval.h"
#include "tlog/witnessing.h"

namespace dnswitness::cli {
namespace {

namespace fs = std::filesystem;

struct StatusOptions {
  LedgerOptions ledger;
  std::string interval;
  std::string max_age;
  bool json = false;
};

std::uintmax_t ledger_bytes(const LedgerPaths& p) {
  std::uintmax_t total = 0;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::error_code ec;
    const auto n = fs::file_size(p.database().string() + suffix, ec);
    if (!ec) total += n;
  }
  return total;
}

std::string human_bytes(std::uintmax_t n) {
  if (n < 1024 * 1024) return fmt::format("{:.1f} KiB", static_cast<double>(n) / 1024);
  if (n < std::uintmax_t{1} << 30) return fmt::format("{:.1f} MiB", static_cast<double>(n) / (1024 * 1024));
  return fmt::format("{:.2f} GiB", static_cast<double>(n) / (1 << 30));
}

std::string both_times(std::int64_t ns) { return format_utc_display(UtcTime{ns}) + " " + format_jst_display(UtcTime{ns}); }

std::string duration_text(std::int64_t ns) {
  return format_interval(std::chrono::seconds(std::max<std::int64_t>(ns / 1'000'000'000, 0)));
}

int status_action(const StatusOptions& o);

}  // namespace

Action add_status(CLI::App& app) {
  auto opt = std::make_shared<StatusOptions>();
  CLI::App* sub = app.add_subcommand(
      "status", "Show whether evidence is being collected: last run, failing resolvers, clock warnings, gaps.");
  sub->footer(
      "A gap is a period longer than twice the interval without any run. The interval is --interval, else that\n"
      "of the installed schedule ('dnswitness schedule status'); without either, gaps are not looked for.\n"
      "Examples:\n"
      "  dnswitness status\n"
      "  dnswitness status --interval 5m --json\n"
      "Exit codes: 0 done (problems found are printed, not an error); 1 the ledger cannot be read; 2 bad usage.\n"
      "\n"
      "For a monitoring system (Icinga, Nagios, Zabbix, systemd OnFailure=), --max-age DURATION prints one\n"
      "line 'DNSWITNESS STATE - ...' (with the problems below it) and exits with the monitoring-plugin codes:\n"
      "0 OK; 1 WARNING (a gap within the last 24 hours, a resolver without a response or a clock warning in\n"
      "the last run, a witness that did not cosign); 2 CRITICAL (no run, the last run older than DURATION, no\n"
      "resolver answered in the last run, a witness refused the tree as inconsistent); 3 UNKNOWN (the ledger\n"
      "cannot be read, or a bad --interval or --max-age):\n"
      "  dnswitness status --max-age 15m --interval 5m");
  add_ledger_options(sub, opt->ledger);
  sub->add_option("--interval", opt->interval, "Expected time between runs, for finding gaps: 5m, 1h ...")
      ->option_text("INTERVAL");
  sub->add_option("--max-age", opt->max_age,
                  "Monitoring: the last run may be at most this old (15m, 1h ...); prints one check line and exits "
                  "0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN")
      ->option_text("DURATION");
  sub->add_flag("--json", opt->json, "Print JSON instead of text");
  return [opt]() -> int {
    if (!opt->max_age.empty()) {
      // A monitoring system reads the exit code: anything this command cannot judge is UNKNOWN (3).
      try {
        return status_action(*opt);
      } catch (const std::exception& e) {
        std::cout << fmt::format("DNSWITNESS UNKNOWN - {}\n", e.what());
        return static_cast<int>(HealthState::unknown);
      }
    }
    return status_action(*opt);
  };
}

namespace {

int status_action(const StatusOptions& o) {
  const StatusOptions* opt = &o;
  {
    std::optional<std::chrono::seconds> interval;
    std::string interval_source;
    if (!opt->interval.empty()) {
      interval = parse_interval(opt->interval, "--interval");
      interval_source = "--interval";
    }
    std::optional<InstalledSchedule> schedule;
    try {
      schedule = find_installed_schedule();
    } catch (const std::runtime_error& e) {
      if (!opt->json) std::cerr << "dnswitness: cannot tell what is scheduled: " << e.what() << '\n';
    }
    if (!interval && schedule && schedule->interval) {
      interval = schedule->interval;
      interval_source = "the installed schedule";
    }
    try {
      LedgerStore store(ledger_paths(opt->ledger.ledger), LedgerStore::Mode::read_only, {},
                        opt->ledger.lock_timeout_s * 1000);
      const auto& paths = store.paths();
      const auto cps = store.checkpoints();
      const auto times = run_times(store);
      const auto last = last_run(store);
      const auto key = store.bound_public_key();
      const std::int64_t now = utc_now().ns;

      std::vector<Gap> gaps;
      if (interval) {
        std::vector<std::int64_t> starts;
        starts.reserve(times.size());
        for (const auto& t : times) starts.push_back(t.started_ns);
        std::sort(starts.begin(), starts.end());
        gaps = find_gaps(starts, *interval);
        if (!starts.empty() && now - starts.back() > 2 * interval->count() * 1'000'000'000)
          gaps.push_back(Gap{starts.back(), now});  // still open: nothing since the last run
      }
      std::vector<std::string> failing;
      if (last)
        for (const auto& [name, h] : last->resolvers)
          if (!h.failures.empty()) {
            std::string what;
            for (const auto& [outcome, n] : h.failures) what += fmt::format("{}{} {}", what.empty() ? "" : ", ", n, outcome);
            failing.push_back(fmt::format("{}: {} of {} without a response ({})", name,
                                          h.observations - h.responses, h.observations, what));
          }
      std::vector<std::string> clock_warnings;
      std::optional<std::int64_t> clock_offset;
      if (last && last->run.contains("clock") && last->run["clock"].is_object()) {
        const auto& c = last->run["clock"];
        if (c.contains("warnings") && c["warnings"].is_array())
          for (const auto& w : c["warnings"])
            if (w.is_string()) clock_warnings.push_back(w.get<std::string>());
        if (c.contains("offset_ns") && c["offset_ns"].is_number_integer()) clock_offset = c["offset_ns"].get<std::int64_t>();
      }

      // Each witness's newest attempt (publish --witness), and the newest tree head it cosigned.
      struct WitnessLine {
        CosignatureRow last;
        std::uint64_t cosigned_size;
      };
      std::vector<WitnessLine> witnesses;
      for (auto& row : latest_cosignature_attempts(store.db())) {
        const std::uint64_t cosigned = newest_cosigned_size(store.db(), row.verifier_key);
        witnesses.push_back({std::move(row), cosigned});
      }

      // Each collector this ledger pushes to (push, watch --push).
      const auto pushes = read_push_states(paths.dir);

      // Monitoring (--max-age): the verdict, in the monitoring-plugin form.
      std::optional<HealthVerdict> health;
      if (!opt->max_age.empty()) {
        CollectionFacts f;
        f.now_ns = now;
        f.max_age = parse_interval(opt->max_age, "--max-age");
        if (last) {
          f.last_run_started_ns = last->time.started_ns;
          for (const auto& [name, h] : last->resolvers) {
            f.last_run_observations += h.observations;
            f.last_run_responses += h.responses;
          }
        }
        f.failing_resolvers = failing;
        f.clock_warnings = clock_warnings;
        f.gaps = gaps;
        // Only witnesses asked about the newest tree head any was asked about: one taken out of the
        // configuration keeps its old rows (append-only) but is no longer news.
        std::uint64_t asked_size = 0;
        for (const auto& w : witnesses) asked_size = std::max(asked_size, w.last.size);
        for (const auto& w : witnesses) {
          if (w.last.status == kCosigned || w.last.status == kCosignSuperseded || w.last.size < asked_size) continue;
          const std::string what = fmt::format("witness {}: {} at size {} ({})", w.last.witness,
                                               w.last.status == kCosignRefused ? "refused" : "failed", w.last.size,
                                               w.last.error);
          (is_inconsistent_refusal(w.last) ? f.witness_fork_alarms : f.witness_failures).push_back(what);
        }
        health = judge_collection(f);
      }

      if (health && !opt->json) {
        std::cout << health->line << '\n';
        for (const auto& p : health->problems) std::cout << p << '\n';
        return static_cast<int>(health->state);
      }

      if (opt->json) {
        nlohmann::json j = {{"ledger", paths.dir.string()},
                            {"origin", store.origin()},
                            {"bytes", ledger_bytes(paths)},
                            {"leaves", store.size()},
                            {"runs", times.size()},
                            {"failing_resolvers", failing},
                            {"clock_warnings", clock_warnings},
                            {"gaps", nlohmann::json::array()}};
        if (key) j["key_fingerprint"] = key->fingerprint();
        if (!cps.empty())
          j["tree_head"] = {{"size", cps.back().size}, {"root", base64_encode(cps.back().root)}, {"note", cps.back().note}};
        if (last)
          j["last_run"] = {{"run_id", last->run.value("run_id", "")},
                           {"started_at", format_rfc3339_ns(UtcTime{last->time.started_ns})},
                           {"finished_at", format_rfc3339_ns(UtcTime{last->time.finished_ns})},
                           {"observations", last->run.value("observation_count", 0)},
                           {"outcomes", last->run.value("outcomes", nlohmann::json::object())}};
        if (clock_offset) j["clock_offset_ns"] = *clock_offset;
        if (interval) j["interval_s"] = interval->count();
        for (const auto& g : gaps)
          j["gaps"].push_back({{"from", format_rfc3339_ns(UtcTime{g.from_ns})},
                               {"to", format_rfc3339_ns(UtcTime{g.to_ns})},
                               {"seconds", (g.to_ns - g.from_ns) / 1'000'000'000}});
        j["witnesses"] = nlohmann::json::array();
        for (const auto& w : witnesses) {
          nlohmann::json e = {{"name", w.last.witness},
                              {"verifier_key", w.last.verifier_key},
                              {"url", w.last.url},
                              {"last_attempt", {{"size", w.last.size},
                                                {"requested_at", w.last.requested_at},
                                                {"status", w.last.status}}},
                              {"newest_cosigned_size", w.cosigned_size}};
          if (!w.last.error.empty()) e["last_attempt"]["error"] = w.last.error;
          if (w.last.http_status != 0) e["last_attempt"]["http_status"] = w.last.http_status;
          j["witnesses"].push_back(std::move(e));
        }
        j["collectors"] = nlohmann::json::array();
        for (const auto& [url, p] : pushes) {
          nlohmann::json e = {{"url", url},
                              {"collector_size", p.collector_size},
                              {"backlog_leaves", store.size() > p.collector_size ? store.size() - p.collector_size : 0},
                              {"last_attempt_at", p.last_attempt_at},
                              {"last_success_at", p.last_success_at},
                              {"ok", p.ok}};
          if (!p.problem.empty()) e["problem"] = p.problem;
          j["collectors"].push_back(std::move(e));
        }
        if (schedule)
          j["schedule"] = {{"backend", schedule->backend}, {"where", schedule->where}, {"when", schedule->when}};
        if (health)
          j["health"] = {{"state", health_state_name(health->state)},
                         {"problems", health->problems},
                         {"line", health->line}};
        std::cout << j.dump(2) << '\n';
        return health ? static_cast<int>(health->state) : kExitOk;
      }

      std::cout << fmt::format("ledger:           {} ({})\n", paths.dir.string(), human_bytes(ledger_bytes(paths)))
                << fmt::format("origin:           {}\n", store.origin())
                << fmt::format("leaves:           {} in {} run(s)\n", store.size(), times.size());
      if (!cps.empty())
        std::cout << fmt::format("signed tree head: size {}, root {}\n", cps.back().size, base64_encode(cps.back().root));
      std::cout << fmt::format("key fingerprint:  {}\n", key ? key->fingerprint() : "(no key yet)");
      if (last) {
        const auto& r = last->run;
        std::string outcomes;
        if (r.contains("outcomes") && r["outcomes"].is_object())
          for (const auto& [name, n] : r["outcomes"].items())
            outcomes += fmt::format("{}{} {}", outcomes.empty() ? "" : ", ", n.get<std::uint64_t>(), name);
        std::cout << fmt::format("last run:         {} ({} ago), {} observations: {}\n",
                                 both_times(last->time.started_ns), duration_text(now - last->time.started_ns),
                                 r.value("observation_count", 0), outcomes.empty() ? "none" : outcomes);
      } else {
        std::cout << "last run:         none yet\n";
      }
      std::cout << fmt::format("failing resolvers: {}\n", failing.empty() ? "none in the last run" : "");
      for (const auto& f : failing) std::cout << "  " << f << '\n';
      if (clock_offset) std::cout << fmt::format("clock offset:     {:+.3f} s (last run)\n", static_cast<double>(*clock_offset) / 1e9);
      for (const auto& w : clock_warnings) std::cout << "clock warning:    " << w << '\n';
      if (witnesses.empty()) std::cout << "witnesses:        none asked (publish --witness)\n";
      for (const auto& w : witnesses) {
        // The key ID tells apart two keys of one name (a witness that made a new key).
        const std::string& vkey = w.last.verifier_key;
        const auto plus = vkey.find('+', w.last.witness.size());
        const std::string key_id =
            plus == std::string::npos ? "?" : vkey.substr(plus + 1, vkey.find('+', plus + 1) - plus - 1);
        if (w.last.status == kCosigned)
          std::cout << fmt::format("witness {} (key {}): cosigned size {} (asked {})\n", w.last.witness, key_id,
                                   w.last.size, w.last.requested_at);
        else if (w.last.status == kCosignSuperseded)
          std::cout << fmt::format("witness {} (key {}): {} (asked {})\n", w.last.witness, key_id, w.last.error,
                                   w.last.requested_at);
        else
          std::cout << fmt::format("witness {} (key {}): {} at size {} (asked {}): {}; newest it cosigned: {}\n",
                                   w.last.witness, key_id, w.last.status == kCosignRefused ? "REFUSED" : "FAILED",
                                   w.last.size,
                                   w.last.requested_at, w.last.error,
                                   w.cosigned_size == 0 ? std::string("none") : fmt::format("size {}", w.cosigned_size));
      }
      for (const auto& [url, p] : pushes) {
        const std::uint64_t backlog = store.size() > p.collector_size ? store.size() - p.collector_size : 0;
        if (p.ok && backlog == 0)
          std::cout << fmt::format("collector {}: holds all {} leaves (pushed {})\n", url, p.collector_size,
                                   p.last_success_at);
        else
          std::cout << fmt::format("collector {}: {}holds {} leaves, {} waiting; last success {}{}\n", url,
                                   p.ok ? "" : "PUSH FAILING: ", p.collector_size, backlog,
                                   p.last_success_at.empty() ? "never" : p.last_success_at,
                                   p.problem.empty() ? "" : " (" + p.problem + ")");
      }
      if (schedule)
        std::cout << fmt::format("schedule:         {} ({}), {}\n", schedule->backend, schedule->when, schedule->where);
      else
        std::cout << "schedule:         none installed\n";
      if (!interval) {
        std::cout << "gaps:             not checked (give --interval, or install a schedule)\n";
      } else if (gaps.empty()) {
        std::cout << fmt::format("gaps:             none longer than 2 x {} ({})\n", format_interval(*interval),
                                 interval_source);
      } else {
        std::cout << fmt::format("gaps:             {} longer than 2 x {} ({}):\n", gaps.size(),
                                 format_interval(*interval), interval_source);
        for (const auto& g : gaps)
          std::cout << fmt::format("  {} -> {}  ({} without a run{})\n", both_times(g.from_ns), both_times(g.to_ns),
                                   duration_text(g.to_ns - g.from_ns), g.to_ns == now ? ", until now" : "");
      }
      return kExitOk;
    } catch (...) {
      if (!opt->max_age.empty()) throw;
      return report_current_exception();
    }
  }
}

}  // namespace

}  // namespace dnswitness::cli
