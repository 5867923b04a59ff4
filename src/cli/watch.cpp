// `dnswitness watch`: unattended runs every interval, each recorded with its binding-change events.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string_view>

#include "cli/option_checks.h"
#include "cli/commands.h"
#include "cli/ledger_options.h"
#include "cli/publish_step.h"
#include "cli/push_step.h"
#include "tlog/push_message.h"
#include "cli/snapshot_options.h"
#include "cli/tsa_options.h"
#include "cli/witness_options.h"
#include "config/snapshot_settings.h"
#include "model/errors.h"
#include "schedule/interval.h"
#include "scheduler/snapshot.h"
#include "scheduler/watch.h"

namespace dnswitness::cli {
namespace {

struct WatchCliOptions {
  SnapshotCliOptions run;
  LedgerOptions ledger;
  std::string origin;
  bool new_ledger = false;
  std::string interval = "5m";
  std::string jitter;
  std::uint64_t count = 0;
  bool once = false;
  std::string on_change;
  std::string on_run;
  int on_change_timeout_s = 30;
  std::string log;
  std::string publish;
  std::string push;
  bool quiet = false;
  bool jsonl = false;
  std::string out;
  TsaOptions tsa;
  CosignerCliOptions witness;
};

// The config files with the command line laid over them, read again each time the plan is made,
// so SIGHUP picks up an edited file.
SnapshotPlan load_plan(const WatchCliOptions& o, const CLI::App* sub) {
  SnapshotPlan plan = make_plan(snapshot_settings(o.run, sub));
  if (o.run.verbose) plan.engine.trace = trace_to_stderr;
  return plan;
}

std::chrono::milliseconds parse_jitter(const std::string& text) {
  if (text == "0" || text == "0ms" || text == "0s") return std::chrono::milliseconds(0);
  if (text.size() > 2 && text.substr(text.size() - 2) == "ms" &&
      text.find_first_not_of("0123456789") == text.size() - 2 && text.size() < 12)
    return std::chrono::milliseconds(std::stoll(text.substr(0, text.size() - 2)));
  return parse_interval(text, "--jitter");
}

}  // namespace

Action add_watch(CLI::App& app) {
  auto opt = std::make_shared<WatchCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "watch", "Keep resolving the target domains every interval, recording each run and every change of addresses.");
  sub->footer(
      "Runs start on the wall clock (every 5m: at :00, :05, :10 ... UTC) plus a small random jitter, never two at\n"
      "once; the wait is measured on the monotonic clock, so setting the clock never stalls the watch (a clock\n"
      "step is recorded as an event and the schedule realigns). After each run, each (domain, type, resolver)\n"
      "address set is compared with the previous answer; a change is recorded in the ledger as an event,\n"
      "printed, and passed to --on-change. Timeouts and refusals are recorded as observations but are not\n"
      "changes. See docs/operation.md.\n"
      "\n"
      "Examples:\n"
      "  dnswitness watch --interval 5m --config /etc/dnswitness.json --log /var/log/dnswitness.log\n"
      "  dnswitness watch --resolver lab=127.0.0.1:5300 --interval 1m --on-change 'mail -s \"X DNS change\" me@example.jp'\n"
      "  dnswitness watch --once --quiet ...      # one run now, for cron and systemd timers\n"
      "  dnswitness watch --resolver lab=127.0.0.1:5300 --jsonl | jq -c 'select(.kind == \"observation\")'\n"
      "\n"
      "Signals: SIGTERM or SIGINT (Ctrl-C) stops after the current run is recorded; SIGHUP reloads the config\n"
      "files (the resolvers and domains; the TSAs are read once at start). With --tsa, each run's tree head is\n"
      "time-stamped as by resolve-snapshot. With --publish FOLDER, the ledger is published there after each run\n"
      "as by 'dnswitness publish --to FOLDER', after asking the --witness witnesses (or the config's \"witnesses\")\n"
      "to cosign its tree head; a failure is a warning and the next run tries again. With --push URL, the new\n"
      "runs are sent to a fleet collector after each run, as by 'dnswitness push URL' (docs/fleet.md); a\n"
      "collector that is down is a warning, and the backlog goes at the next run that reaches it.\n"
      "--on-change runs COMMAND with /bin/sh once per change, with the event's JSON on its stdin; it is stopped\n"
      "after --on-change-timeout seconds; its failure is logged and the watch goes on. Commands run beside the\n"
      "runs, never delaying one: 4 at once, 256 waiting; more are dropped, logged and counted in the ledger.\n"
      "--jsonl writes each run's ledger leaves as JSON Lines once the run is recorded (observations, events,\n"
      "then the run record, which closes the run), on stdout (then the change lines are not printed there) or\n"
      "appended to --out FILE.\n"
      "--on-run runs COMMAND after every run, recorded or not, with {\"event\": \"run\", run_id, started_at,\n"
      "finished_at, recorded, observations, outcomes, responded, changes, tree_size | error} on its stdin: a\n"
      "heartbeat (healthchecks.io, a push monitor); one at a time, beside the runs, stopped after the timeout.\n"
      "Exit codes: 0 stopped normally; 1 a run could not be recorded (the ledger was busy, the disk full, ...);\n"
      "2 bad usage or config; 3 (--once) no resolver gave any response (the run is recorded); 4 the ledger\n"
      "contradicts itself (run 'dnswitness verify-ledger').\n" +
      std::string(kConfigFilesHelp));
  add_config_options(sub, opt->run, "JSON settings file, repeatable (a later one wins); all are re-read on SIGHUP");
  add_snapshot_options(sub, opt->run);
  add_ledger_options(sub, opt->ledger);
  add_origin_option(sub, opt->origin);
  sub->add_flag("--new-ledger", opt->new_ledger,
                "Start a new ledger (new key and origin) on purpose: the old database and keys/ are moved to "
                "<ledger>/retired-<time>/, never deleted");
  sub->add_option("--interval", opt->interval,
                  "Time between runs: 30s, 5m, 1h, 1h30m (default: 5m; down to 100ms, for tests and benchmarks)")
      ->option_text("INTERVAL");
  sub->add_option("--jitter", opt->jitter,
                  "Largest random delay after each slot: 0, 500ms, 10s (default: a tenth of the interval, at most 30s)")
      ->option_text("TIME");
  sub->add_option("--count", opt->count, "Stop after N runs (default: run until stopped)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40))
      ->option_text("N");
  sub->add_flag("--once", opt->once, "One run now, without waiting for a slot, then exit (for cron)");
  sub->add_option("--on-change", opt->on_change, "Shell command run for each change, with the event JSON on stdin")
      ->option_text("COMMAND");
  sub->add_option("--on-run", opt->on_run,
                  "Shell command run after every run, recorded or not, with the run's summary JSON on stdin (a "
                  "heartbeat for monitoring)")
      ->option_text("COMMAND");
  sub->add_option("--on-change-timeout", opt->on_change_timeout_s,
                  "Time --on-change (and --on-run) may take: 30s, 2m (default: 30 s)")
      ->transform(duration_units(DurationBase::seconds))
      ->check(CLI::Range(1, 3600))
      ->option_text("DURATION");
  sub->add_option("--log", opt->log, "Append a timestamped line per run and per event to FILE (default: stderr)")
      ->option_text("FILE");
  sub->add_option("--publish", opt->publish,
                  "After each run, publish the ledger as a tiled log into FOLDER (see 'dnswitness publish')")
      ->option_text("FOLDER");
  sub->add_option("--push", opt->push,
                  "After each run, push the new runs to the fleet collector at URL (see 'dnswitness push'); a "
                  "collector that is down gets the backlog at a later run")
      ->option_text("URL");
  sub->add_flag("--quiet,-q", opt->quiet, "Print nothing but problems (on stderr)");
  sub->add_flag("--jsonl", opt->jsonl,
                "After each run, write its ledger leaves as JSON Lines on standard output: its observations, its "
                "events, then its run record (see docs/json-schema.md)");
  sub->add_option("--out", opt->out, "Append the --jsonl lines to FILE instead (it is never truncated)")
      ->option_text("FILE");
  add_tsa_options(sub, opt->tsa);
  add_witness_options(sub, opt->witness);

  return [opt, sub]() -> int {
    WatchOptions w;
    w.interval = parse_watch_interval(opt->interval, "--interval");
    w.jitter = opt->jitter.empty() ? default_jitter(w.interval) : parse_jitter(opt->jitter);
    if (opt->once && sub->count("--count")) throw UsageError("--once and --count cannot be combined; drop one.");
    w.count = opt->count;
    w.once = opt->once;
    w.on_change = opt->on_change;
    w.on_run = opt->on_run;
    w.on_change_timeout = std::chrono::seconds(opt->on_change_timeout_s);
    w.log_file = opt->log;
    w.quiet = opt->quiet;
    if (!opt->out.empty() && !opt->jsonl) throw UsageError("--out names where --jsonl goes; add --jsonl.");
    if (opt->jsonl) {
      // Opened now (appending, so a restarted watch adds to what an earlier one wrote), so a bad path
      // stops the watch before its first run.
      std::shared_ptr<std::ofstream> file;
      if (!opt->out.empty()) {
        file = std::make_shared<std::ofstream>(opt->out, std::ios::binary | std::ios::app);
        if (!*file)
          throw UsageError(fmt::format("Cannot write to {}; check that its folder exists and is writable.", opt->out));
      }
      w.event_lines = file != nullptr;
      w.jsonl = [file](std::string_view line) {
        std::ostream& stream = file ? static_cast<std::ostream&>(*file) : std::cout;
        stream.write(line.data(), static_cast<std::streamsize>(line.size()));
        stream.flush();
        if (!stream) {
          stream.clear();  // the next run tries again (a full disk may have room by then)
          throw std::runtime_error("a closed pipe or a full disk");
        }
      };
    }
    w.origin = opt->origin;
    w.lock_timeout_ms = opt->ledger.lock_timeout_s * 1000;
    w.load_plan = [opt, sub] { return load_plan(*opt, sub); };
    {
      // The time-stamping authorities (--tsa or the config's "tsa"), read once at start.
      SnapshotSettings settings = snapshot_settings(opt->run, sub);
      SnapshotSettings cli;
      tsa_options_to_settings(sub, opt->tsa, cli);
      settings.override_with(cli);
      w.config_description = "settings from the command line";
      if (!settings.files.empty()) {
        std::string files;
        for (const auto& f : settings.files) files += (files.empty() ? "" : ", ") + f.path;
        w.config_description = "config " + files;
      }
      auto tsas = tsa_targets(sub, opt->tsa, settings);
      if (sub->count("--witness") && opt->publish.empty())
        throw UsageError("--witness cosigns what is published: give --publish FOLDER too.");
      WitnessTargets witnesses;
      if (!opt->publish.empty()) witnesses = witness_targets(sub, opt->witness, settings);
      if (!opt->push.empty()) (void)collector_base_url(opt->push, "--push");
      if (!tsas.empty() || !opt->publish.empty() || !opt->push.empty())
        w.after_append = [tsas = std::move(tsas), quiet = opt->quiet, publish = opt->publish, push = opt->push,
                          witnesses = std::move(witnesses)](LedgerStore& store, const std::string& note) {
          stamp_after_run(store, note, tsas, quiet);
          if (!publish.empty()) publish_after_run(store, publish, witnesses, quiet);
          if (!push.empty()) push_after_run(store, push, quiet);
        };
    }
    if (!opt->publish.empty()) {
      const auto parent = std::filesystem::absolute(opt->publish).parent_path();
      std::error_code ec;
      if (!std::filesystem::is_directory(parent, ec))
        throw UsageError(fmt::format("The folder that would hold --publish {} does not exist; create it or choose "
                                     "another folder.",
                                     opt->publish));
    }
    if (!opt->log.empty()) {
      // Checked now, so a typo stops the watch at start rather than filling stderr later.
      const auto parent = std::filesystem::absolute(opt->log).parent_path();
      std::error_code ec;
      if (!std::filesystem::is_directory(parent, ec))
        throw UsageError(fmt::format("The folder of --log {} does not exist; create it or choose another file.",
                                     opt->log));
    }
    try {
      w.ledger = ledger_paths(opt->ledger.ledger);
      if (opt->new_ledger) retire_ledger_for_new_start(w.ledger);
      const WatchResult r = run_watch(w);
      if (r.integrity_error) return kExitTampered;
      if (r.unrecorded > 0) return kExitInternal;
      if (opt->once && r.no_response > 0) return kExitNoResponse;
      return kExitOk;
    } catch (const UsageError&) {
      throw;
    } catch (...) {
      return report_current_exception();
    }
  };
}

}  // namespace dnswitness::cli
