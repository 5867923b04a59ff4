// `dnswitness schedule install|status|remove`: unattended runs through a systemd timer where
// systemd runs, else a crontab entry; each scheduled run is `dnswitness watch --once`.
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/option_checks.h"
#include "cli/forward_options.h"
#include "cli/ledger_options.h"
#include "cli/snapshot_options.h"
#include "cli/tsa_options.h"
#include "config/config_sources.h"
#include "config/snapshot_settings.h"
#include "crypto/sha256.h"
#include "ledger/coverage.h"
#include "model/printable.h"
#include "model/errors.h"
#include "model/safe_file.h"
#include "schedule/crontab.h"
#include "schedule/installed.h"
#include "schedule/interval.h"
#include "schedule/systemd_units.h"
#include "scheduler/snapshot.h"

namespace dnswitness::cli {
namespace {

namespace fs = std::filesystem;

struct ScheduleOptions {
  std::string every = "5m";
  bool user = false;
  bool cron = false;
  LedgerOptions ledger;
  std::string origin;
  std::string log;
  std::string on_change;
  int on_change_timeout_s = 30;
  SnapshotCliOptions run;  // watch's run options, checked now and written into the scheduled command
  TsaOptions tsa;
  std::vector<const CLI::Option*> run_options;  // those of `run` and `tsa` as registered
};

fs::path absolute_path(const std::string& p) { return fs::absolute(fs::path(p)).lexically_normal(); }

fs::path this_binary() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot tell where the dnswitness binary is (/proc/self/exe)");
  return exe;
}

bool use_systemd(const ScheduleOptions& o) {
  return !o.cron && !std::getenv("DNSWITNESS_CRONTAB_FILE") && systemd_is_running();
}

int run_systemctl(bool user, const std::string& args) {
  const std::string cmd = std::string("systemctl ") + (user ? "--user " : "") + args;
  const int status = std::system(cmd.c_str());
  return status == 0 ? 0 : 1;
}

// What the scheduled runs need besides the ledger, as watch arguments: the config files read now
// (named, so a run under cron or systemd, whose environment differs from this shell's, reads the
// same ones), the run options given here, and the environment settings that change a run.
std::vector<std::string> scheduled_run_args(const ScheduleOptions& o, const CLI::App* inst) {
  // Checked now, so a bad config or option fails here rather than in every scheduled run.
  SnapshotSettings settings = snapshot_settings(o.run, inst);
  SnapshotSettings tsa_cli;
  tsa_options_to_settings(inst, o.tsa, tsa_cli);
  settings.override_with(tsa_cli);
  make_plan(settings);
  tsa_targets(inst, o.tsa, settings);

  std::vector<std::string> args = {"--no-default-config"};
  for (const auto& f : settings.files) args.insert(args.end(), {"--config", f.path});
  const auto given = given_option_args(o.run_options);
  args.insert(args.end(), given.begin(), given.end());
  // $DNSWITNESS_NTP applies only where no file or option names the NTP servers; cron would not
  // have it, and its runs would then ask the default public servers.
  if (!settings.ntp)
    if (const auto ntp = ntp_servers_from_environment()) {
      if (ntp->empty()) args.insert(args.end(), {"--ntp", "none"});
      for (const auto& server : *ntp) args.insert(args.end(), {"--ntp", server});
    }
  return args;
}

std::string shell_command(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + shell_quote(a);
  return out;
}

int install(const ScheduleOptions& o, const CLI::App* inst) {
  const auto interval = parse_interval(o.every, "--every");
  const LedgerPaths ledger = {absolute_path(ledger_paths(o.ledger.ledger).dir.string())};
  std::vector<std::string> argv = {this_binary().string(), "watch", "--once", "--quiet", "--ledger",
                                   ledger.dir.string()};
  const auto run_args = scheduled_run_args(o, inst);
  argv.insert(argv.end(), run_args.begin(), run_args.end());
  const fs::path log = o.log.empty() ? ledger.dir / "watch.log" : absolute_path(o.log);
  argv.insert(argv.end(), {"--log", log.string()});
  if (!o.on_change.empty()) argv.insert(argv.end(), {"--on-change", o.on_change});
  if (inst->count("--on-change-timeout"))
    argv.insert(argv.end(), {"--on-change-timeout", std::to_string(o.on_change_timeout_s)});

  const bool systemd = use_systemd(o);
  const auto fields = cron_time_fields(interval);
  if (!systemd && !fields)
    throw UsageError(fmt::format("cron cannot run every {}: choose whole minutes that divide an hour (1m, 2m, 5m, "
                                 "10m, 15m, 20m, 30m) or hours that divide a day (1h, 2h, 3h, 4h, 6h, 8h, 12h, 24h).",
                                 format_interval(interval)));
  for (const auto& a : argv) shell_quote(a);  // a line break in a path is refused before anything is written

  // The ledger and its key are made now, so their creation is seen here and not in a cron mail.
  {
    LedgerStore store(ledger, LedgerStore::Mode::read_write, o.origin, o.ledger.lock_timeout_s * 1000);
    bool created = false;
    const auto key = store.load_or_create_key(&created);
    if (created)
      std::cerr << fmt::format("dnswitness: created a new signing key for the ledger {} (fingerprint {}); back up {}.\n",
                               ledger.dir.string(), key.public_key().fingerprint(), ledger.private_key().string());
  }

  if (systemd) {
    const fs::path dir = systemd_unit_dir(o.user);
    std::error_code ec;
    fs::create_directories(dir, ec);
    const std::string base = (dir / kSystemdUnitName).string();
    write_file_safely(base + ".service", systemd_service_text(argv));
    const auto accuracy = std::chrono::duration_cast<std::chrono::seconds>(
        std::min<std::chrono::seconds>(interval / 10, std::chrono::seconds(30)));
    write_file_safely(base + ".timer", systemd_timer_text(interval, accuracy));
    if (run_systemctl(o.user, "daemon-reload") != 0 ||
        run_systemctl(o.user, fmt::format("enable --now {}.timer", kSystemdUnitName)) != 0) {
      std::cerr << fmt::format("dnswitness: wrote {}.timer and .service but systemctl could not enable them; run "
                               "'systemctl {}enable --now {}.timer' and read its message.\n",
                               base, o.user ? "--user " : "", kSystemdUnitName);
      return kExitInternal;
    }
    std::cout << fmt::format("installed: {}.timer, every {}\ncommand: {}\n", base, format_interval(interval),
                             shell_command(argv));
    return kExitOk;
  }

  bool removed = false;
  std::string text = remove_cron_entry(read_crontab(), &removed);
  if (!text.empty() && text.back() != '\n') text += '\n';
  text += cron_entry_lines(*fields, argv, fmt::format("every {}; managed by 'dnswitness schedule'", format_interval(interval)));
  write_crontab(text);
  std::cout << fmt::format("{}: every {} in {}: {}\ncommand: {}\n", removed ? "replaced" : "installed",
                           format_interval(interval), crontab_location(), *fields, shell_command(argv));
  return kExitOk;
}

int status(const ScheduleOptions& o) {
  const auto s = find_installed_schedule();
  if (!s) {
    std::cout << fmt::format("not installed ({}); use 'dnswitness schedule install --every 10m'.\n",
                             use_systemd(o) ? "no systemd timer" : "no entry in " + crontab_location());
    return kExitNotInstalled;
  }
  std::cout << fmt::format("installed:  {} ({})\n", s->backend, s->where)
            << fmt::format("every:      {}{}\n", s->interval ? format_interval(*s->interval) : "?", " (" + s->when + ")")
            << fmt::format("command:    {}\n", s->command);
  // When it last ran: the newest run in the ledger the entry writes to (not $DNSWITNESS_HOME's,
  // which may be another ledger); --ledger overrides it.
  const std::string ledger = !o.ledger.ledger.empty() ? o.ledger.ledger : s->ledger.value_or(std::string());
  try {
    LedgerStore store(ledger_paths(ledger), LedgerStore::Mode::read_only, {}, o.ledger.lock_timeout_s * 1000);
    if (const auto last = last_run(store)) {
      const UtcTime t{last->time.started_ns};
      const auto age_s = (utc_now().ns - t.ns) / 1'000'000'000;
      std::cout << fmt::format("last run:   {} {} ({} ago), ledger {}\n", format_utc_display(t), format_jst_display(t),
                               format_interval(std::chrono::seconds(std::max<std::int64_t>(age_s, 0))),
                               store.paths().dir.string());
      if (s->interval && age_s > 2 * s->interval->count())
        std::cerr << fmt::format("dnswitness: no run for {}, more than twice the interval; check that cron (or the "
                                 "timer) runs and read the log.\n",
                                 format_interval(std::chrono::seconds(age_s)));
    } else {
      std::cout << "last run:   none yet\n";
    }
  } catch (const LedgerError& e) {
    std::cout << fmt::format("last run:   unknown ({})\n", e.what());
  }
  return kExitOk;
}

int remove(const ScheduleOptions& o) {
  if (use_systemd(o)) {
    bool any = false;
    for (const bool user : {o.user}) {
      const fs::path dir = systemd_unit_dir(user);
      const std::string base = (dir / kSystemdUnitName).string();
      std::error_code ec;
      if (!fs::exists(base + ".timer", ec)) continue;
      run_systemctl(user, fmt::format("disable --now {}.timer", kSystemdUnitName));
      fs::remove(base + ".timer", ec);
      fs::remove(base + ".service", ec);
      run_systemctl(user, "daemon-reload");
      any = true;
      std::cout << fmt::format("removed: {}.timer and .service\n", base);
    }
    if (!any) std::cout << "nothing to remove: no dnswitness timer is installed.\n";
    return kExitOk;
  }
  bool removed = false;
  const std::string before = read_crontab();
  const std::string after = remove_cron_entry(before, &removed);
  if (!removed) {
    std::cout << fmt::format("nothing to remove: no dnswitness entry in {}.\n", crontab_location());
    return kExitOk;
  }
  write_crontab(after);
  std::cout << fmt::format("removed the dnswitness entry from {}.\n", crontab_location());
  return kExitOk;
}

}  // namespace

Action add_schedule(CLI::App& app) {
  auto opt = std::make_shared<ScheduleOptions>();
  CLI::App* sub = app.add_subcommand(
      "schedule", "Install, show or remove a timer that records a run every few minutes, unattended.");
  sub->require_subcommand(1);
  sub->footer(
      "Where systemd runs, a timer and a service (dnswitness-watch) are installed: user units with --user,\n"
      "else system units (as root). Elsewhere, or with --cron, a crontab entry is. Each scheduled run is\n"
      "'dnswitness watch --once --quiet' with the ledger, the log, the config files read now and the run\n"
      "options given here (as absolute paths; $DNSWITNESS_NTP becomes --ntp), printed by install:\n"
      "silent on success, one line per problem on stderr (cron mails it), one line per run in the log\n"
      "(default: watch.log in the ledger folder). Installing again replaces the entry; remove is safe to repeat.\n"
      "DNSWITNESS_CRONTAB_FILE=FILE makes these commands read and write FILE instead of the user's crontab\n"
      "(for tests, or to review the entry first).\n"
      "Config files are found as watch finds them ('dnswitness watch --help'); install names the ones present now\n"
      "in the scheduled command, so install again after adding or removing one.\n"
      "Exit codes: 0 done; 1 the crontab or the units could not be written; 2 bad usage or config;\n"
      "5 (status) nothing is installed.");
  CLI::App* inst = sub->add_subcommand("install", "Install (or replace) the scheduled runs");
  inst->add_option("--every", opt->every, "Interval: 1m, 5m, 10m, 15m, 30m, 1h ... (default: 5m)")
      ->option_text("INTERVAL");
  inst->add_flag("--user", opt->user, "systemd: install user units instead of system units");
  inst->add_flag("--cron", opt->cron, "Use a crontab entry even where systemd runs");
  add_config_options(inst, opt->run,
                     "JSON settings file each run reads, repeatable (a later one wins); the default files found "
                     "now are named in the scheduled command too");
  opt->run_options = options_added_by(inst, [opt](CLI::App* a) {
    add_snapshot_options(a, opt->run);
    add_tsa_options(a, opt->tsa);
  });
  add_ledger_options(inst, opt->ledger);
  add_origin_option(inst, opt->origin);
  inst->add_option("--log", opt->log, "Log file (default: LEDGER/watch.log)")->option_text("FILE");
  inst->add_option("--on-change", opt->on_change, "Shell command run for each change, with the event JSON on stdin")
      ->option_text("COMMAND");
  inst->add_option("--on-change-timeout", opt->on_change_timeout_s, "Time --on-change may take: 30s, 2m (default: 30 s)")
      ->transform(duration_units(DurationBase::seconds))
      ->check(CLI::Range(1, 3600))
      ->option_text("DURATION");
  CLI::App* stat = sub->add_subcommand("status", "Show what is installed and when it last ran");
  stat->add_flag("--cron", opt->cron, "Look at the crontab even where systemd runs");
  stat->add_flag("--user", opt->user, "systemd: user units");
  add_ledger_options(stat, opt->ledger);
  CLI::App* rem = sub->add_subcommand("remove", "Remove the scheduled runs (the ledger stays)");
  rem->add_flag("--user", opt->user, "systemd: user units");
  rem->add_flag("--cron", opt->cron, "Remove the crontab entry even where systemd runs");

  return [opt, inst, stat, rem]() -> int {
    try {
      if (inst->parsed()) return install(*opt, inst);
      if (stat->parsed()) return status(*opt);
      if (rem->parsed()) return remove(*opt);
      return kExitUsage;
    } catch (const UsageError&) {
      throw;
    } catch (const LedgerError&) {
      return report_current_exception();
    } catch (const CryptoError&) {
      return report_current_exception();
    } catch (const std::runtime_error& e) {
      std::cerr << "dnswitness: " << printable(e.what()) << '\n';
      return kExitInternal;
    }
  };
}

}  // namespace dnswitness::cli
