// schedule install/status/remove on a crontab file in a temporary HOME (DNSWITNESS_CRONTAB_FILE),
// and the installed job line itself run as cron would run it, against the lab. systemd units are
// only written where systemd runs, which is not the case on the test machines; their text is
// covered by tests/unit/test_schedule.cpp.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "support/lab.h"

using namespace dnswitness::test;

namespace {

// The job line of the managed entry: the line after the marker comment.
std::string job_line(const std::string& crontab) {
  const auto marker = crontab.find("# dnswitness-schedule:");
  REQUIRE(marker != std::string::npos);
  const auto start = crontab.find('\n', marker) + 1;
  return crontab.substr(start, crontab.find('\n', start) - start);
}

}  // namespace

TEST_CASE("schedule: install, reinstall, status, the job itself, remove, on a crontab file; idempotent") {
  Lab lab;
  TempDir home;
  const std::string crontab = home / "crontab", ledger = home / "ledger", config = home / "dnswitness.json";
  const std::string env = "HOME=" + home.path().string() + " DNSWITNESS_CRONTAB_FILE=" + crontab + " ";
  const std::string bin = env + DNSWITNESS_BINARY + " ";
  const std::string others = "MAILTO=\"\"\n# the firm's backup\n30 2 * * * /usr/local/bin/backup --all\n";
  write_file(crontab, others);
  write_file(config, R"({"resolvers": ["knot=)" + lab.knot() + R"("], "domains": ["t.co"], "types": ["A"]})");

  // Bad input: nothing written anywhere.
  const auto bad = run_command(bin + "schedule install --every 7m --config " + config + " --ledger " + ledger);
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("cron cannot run every 7m") != std::string::npos);
  CHECK(read_file(crontab) == others);
  CHECK(!std::filesystem::exists(ledger));
  CHECK(run_command(bin + "schedule install --every 10s --ledger " + ledger).exit_code == 2);
  CHECK(run_command(bin + "schedule install --every 5m --config " + home / "missing.json" + " --ledger " + ledger)
            .exit_code == 2);

  const std::string install = bin + "schedule install --every 10m --config " + config + " --ledger " + ledger +
                              " --on-change 'printf \"%s\\n\" changed >/dev/null'";
  const auto first = run_command(install);
  REQUIRE_MESSAGE(first.exit_code == 0, first.err);
  const std::string once = read_file(crontab);
  CHECK(once.rfind(others, 0) == 0);  // the other jobs are kept as they were
  const std::string job = job_line(once);
  CHECK(job.rfind("*/10 * * * * '", 0) == 0);
  CHECK(job.find("'watch' '--once' '--quiet' '--ledger' '" + ledger + "'") != std::string::npos);
  CHECK(job.find("'--config' '" + config + "'") != std::string::npos);
  CHECK(job.find("\\%s") != std::string::npos);  // cron would turn a bare % into a newline

  // Installing again replaces the entry: still exactly one.
  const auto again = run_command(install);
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("replaced") != std::string::npos);
  CHECK(read_file(crontab) == once);

  auto status = run_command(bin + "schedule status --ledger " + ledger);
  CHECK(status.exit_code == 0);
  CHECK(status.out.find("every:      10m (*/10 * * * *)") != std::string::npos);
  CHECK(status.out.find("last run:   none yet") != std::string::npos);

  // The job as cron runs it (/bin/sh, % unescaped): silent on success, one run in the ledger,
  // one line in the log.
  std::string command = job.substr(job.find('\''));
  for (std::size_t p = command.find("\\%"); p != std::string::npos; p = command.find("\\%", p)) command.erase(p, 1);
  const auto ran = run_command(env + command);
  CHECK(ran.exit_code == 0);
  CHECK(ran.out.empty());
  CHECK(ran.err.empty());
  CHECK(read_file(ledger + "/watch.log").find(" recorded: 1 observations (1 answer)") != std::string::npos);
  status = run_command(bin + "schedule status --ledger " + ledger);
  CHECK(status.out.find("ago), ledger " + ledger) != std::string::npos);
  // `status` takes the interval for its gap check from the installed schedule.
  const auto overall = run_command(bin + "status --ledger " + ledger);
  CHECK(overall.out.find("gaps:             none longer than 2 x 10m (the installed schedule)") != std::string::npos);

  CHECK(run_command(bin + "schedule remove").exit_code == 0);
  CHECK(read_file(crontab) == others);
  const auto twice = run_command(bin + "schedule remove");
  CHECK(twice.exit_code == 0);
  CHECK(twice.out.find("nothing to remove") != std::string::npos);
  CHECK(read_file(crontab) == others);
  CHECK(run_command(bin + "schedule status").exit_code == 5);
}

TEST_CASE("schedule install writes the run options, the config files found and DNSWITNESS_NTP into the job") {
  Lab lab;
  TempDir home;
  const std::string crontab = home / "crontab", ledger = home / "ledger", system = home / "system.json";
  std::filesystem::create_directories(home.path() / "xdg" / "dnswitness");
  const std::string user = (home.path() / "xdg" / "dnswitness" / "config.json").string();
  write_file(system, R"({"domains": ["t.co"], "types": ["AAAA"]})");
  write_file(user, R"({"types": ["A"], "timeout_ms": 500})");
  write_file(home / "names.txt", "t.co\n");
  const std::string env = "HOME=" + home.path().string() + " DNSWITNESS_CRONTAB_FILE=" + crontab +
                          " DNSWITNESS_SYSTEM_CONFIG=" + system + " XDG_CONFIG_HOME=" + (home / "xdg") + " ";
  const std::string bin = env + "DNSWITNESS_NTP=none " + DNSWITNESS_BINARY + " ";
  const std::string bin_without_ntp = "env -u DNSWITNESS_NTP " + env + DNSWITNESS_BINARY + " ";
  const std::string resolver = "lab=" + lab.knot();

  // Options are checked now: a bad one writes nothing.
  const auto bad = run_command(bin + "schedule install --every 5m --ledger " + ledger + " --resolver 127.0.0.1:99999");
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("invalid port") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(crontab));
  CHECK_FALSE(std::filesystem::exists(ledger));

  // A relative --domains-file is written as an absolute path: cron runs elsewhere.
  const auto installed = run_command("cd " + home.path().string() + " && " + bin +
                                     "schedule install --every 5m --ledger " + ledger + " --resolver " + resolver +
                                     " --retries 0 --domains-file names.txt");
  REQUIRE_MESSAGE(installed.exit_code == 0, installed.err);
  const std::string job = job_line(read_file(crontab));
  CHECK(job.find("'--resolver' '" + resolver + "'") != std::string::npos);
  CHECK(job.find("'--retries' '0'") != std::string::npos);
  CHECK(job.find("'--domains-file' '" + (home / "names.txt") + "'") != std::string::npos);
  CHECK(job.find("'--ntp' 'none'") != std::string::npos);
  CHECK(job.find("'--no-default-config' '--config' '" + system + "' '--config' '" + user + "'") !=
        std::string::npos);
  // The exact command is printed.
  std::string command = job.substr(job.find('\''));
  CHECK(installed.out.find("command: " + command + "\n") != std::string::npos);

  // The job as cron runs it: none of this shell's variables, yet the same settings (the user
  // file's A, its 500 ms timeout, the lab resolver) and no clock check.
  const auto ran = run_command("env -u DNSWITNESS_NTP -u DNSWITNESS_SYSTEM_CONFIG -u XDG_CONFIG_HOME HOME=" +
                               home.path().string() + " " + command);
  CHECK_MESSAGE(ran.exit_code == 0, ran.err);
  CHECK(ran.err.empty());
  const std::string log = read_file(ledger + "/watch.log");
  CHECK(log.find(" recorded: 1 observations (1 answer)") != std::string::npos);

  // Settings in a file are not repeated as options; DNSWITNESS_NTP is only written where nothing
  // else names the NTP servers; flags and TSA options pass through.
  write_file(user, R"({"types": ["A"], "ntp": "none"})");
  const auto again = run_command(bin + "schedule install --every 5m --ledger " + ledger + " --resolver " + resolver +
                                 " --insecure --tsa-timeout 20");
  REQUIRE_MESSAGE(again.exit_code == 0, again.err);
  const std::string job2 = job_line(read_file(crontab));
  CHECK(job2.find("'--ntp'") == std::string::npos);
  CHECK(job2.find("'--insecure'") != std::string::npos);
  CHECK(job2.find("'--tsa-timeout' '20'") != std::string::npos);
  CHECK(job2.find("'--retries'") == std::string::npos);  // not given this time

  // Without DNSWITNESS_NTP and with no NTP setting, nothing is added: the run uses the defaults.
  write_file(user, R"({"types": ["A"]})");
  const auto plain = run_command(bin_without_ntp + "schedule install --every 5m --ledger " + ledger +
                                 " --resolver " + resolver + " --no-default-config");
  REQUIRE_MESSAGE(plain.exit_code == 0, plain.err);
  const std::string job3 = job_line(read_file(crontab));
  CHECK(job3.find("'--ntp'") == std::string::npos);
  CHECK(job3.find("'--config'") == std::string::npos);
  CHECK(run_command(bin + "schedule remove").exit_code == 0);
}
