// Intervals, wall-clock slots, cron and systemd timer texts, crontab editing, and gap finding.
#include <doctest/doctest.h>

#include "ledger/coverage.h"
#include "model/errors.h"
#include "schedule/crontab.h"
#include "schedule/installed.h"
#include "schedule/interval.h"
#include "schedule/systemd_units.h"

using namespace dnswitness;
using namespace std::chrono_literals;

TEST_CASE("intervals: s/m/h/d, largest unit first, bounds, shortest text back") {
  CHECK(parse_interval("1s", "--interval") == 1s);
  CHECK(parse_interval("90s", "--interval") == 90s);
  CHECK(parse_interval("5m", "--interval") == 300s);
  CHECK(parse_interval("1h30m", "--interval") == 5400s);
  CHECK(parse_interval("1d", "--interval") == 86400s);
  CHECK(parse_interval("2H", "--interval") == 7200s);
  for (const char* bad : {"", "0s", "5", "m", "5x", "5m1h", "1m1m", "-5m", "5 m", "8d", "99999999999999999999s"})
    CHECK_THROWS_AS(parse_interval(bad, "--interval"), UsageError);
  try {
    parse_interval("5x", "--every");
  } catch (const UsageError& e) {
    CHECK(std::string(e.what()).find("--every '5x'") == 0);
  }
  CHECK(format_interval(300s) == "5m");
  CHECK(format_interval(5400s) == "1h30m");
  CHECK(format_interval(1s) == "1s");
  CHECK(format_interval(86400s + 1s) == "1d1s");
}

TEST_CASE("watch intervals also take milliseconds, down to 100ms") {
  CHECK(parse_watch_interval("100ms", "--interval") == 100ms);
  CHECK(parse_watch_interval("1500ms", "--interval") == 1500ms);
  CHECK(parse_watch_interval("5m", "--interval") == 300000ms);
  for (const char* bad : {"99ms", "0ms", "ms", "1.5s", "-100ms", "10000000000ms"})
    CHECK_THROWS_AS(parse_watch_interval(bad, "--interval"), UsageError);
  CHECK(format_watch_interval(250ms) == "250ms");
  CHECK(format_watch_interval(300000ms) == "5m");
  CHECK(next_slot_after(1'050'000'000, 100ms) == 1'100'000'000);
}

TEST_CASE("slots are multiples of the interval since the epoch, strictly after the given time") {
  const std::int64_t s = 1'000'000'000;
  CHECK(next_slot_after(0, 300s) == 300 * s);
  CHECK(next_slot_after(299 * s, 300s) == 300 * s);
  CHECK(next_slot_after(300 * s, 300s) == 600 * s);
  CHECK(next_slot_after(300 * s + 1, 300s) == 600 * s);
  CHECK(next_slot_after(1'790'000'123 * s + 5, 1s) == 1'790'000'124 * s);
}

TEST_CASE("cron fields only where cron can keep the wall-clock alignment, and back") {
  CHECK(cron_time_fields(60s) == "* * * * *");
  CHECK(cron_time_fields(10min) == "*/10 * * * *");
  CHECK(cron_time_fields(1h) == "0 * * * *");
  CHECK(cron_time_fields(6h) == "0 */6 * * *");
  CHECK(cron_time_fields(24h) == "0 0 * * *");
  for (const std::chrono::seconds bad : {30s, 90s, 420s, 2700s, 5400s, 18000s, 172800s}) CHECK_FALSE(cron_time_fields(bad));
  for (const std::chrono::seconds good : {60s, 120s, 300s, 900s, 1800s, 3600s, 7200s, 43200s, 86400s})
    CHECK(interval_of_cron_fields(*cron_time_fields(good)) == good);
  CHECK_FALSE(interval_of_cron_fields("*/7 * * * *"));
  CHECK(systemd_calendar(10min) == "*-*-* *:00/10:00");
  CHECK(systemd_calendar(30s) == "*-*-* *:*:00/30");
  CHECK(systemd_calendar(2h) == "*-*-* 00/2:00:00");
  CHECK_FALSE(systemd_calendar(7min));
  CHECK(systemd_timer_text(7min, 30s).find("OnUnitActiveSec=420\n") != std::string::npos);
  CHECK(systemd_service_text({"/usr/bin/dnswitness", "watch", "--on-change", "echo 100% $HOME \"x\""})
            .find(R"(ExecStart="/usr/bin/dnswitness" "watch" "--on-change" "echo 100%% $$HOME \"x\"")") !=
        std::string::npos);
}

TEST_CASE("crontab text: quoting, % escaping, find, remove keeps every other byte") {
  CHECK(shell_quote("a b") == "'a b'");
  CHECK(shell_quote("it's") == "'it'\\''s'");
  CHECK_THROWS_AS(shell_quote("a\nb"), UsageError);
  const std::string lines = cron_entry_lines("*/5 * * * *", {"/bin/dnswitness", "watch", "--log", "/var/log/100%.log"}, "d");
  CHECK(lines == "# dnswitness-schedule: d\n*/5 * * * * '/bin/dnswitness' 'watch' '--log' '/var/log/100\\%.log'\n");
  const std::string before = "SHELL=/bin/sh\n0 1 * * * backup\n";
  const std::string after = "# trailing comment, no newline";
  const std::string text = before + lines + after;
  const auto entry = find_cron_entry(text);
  REQUIRE(entry);
  CHECK(entry->time_fields == "*/5 * * * *");
  CHECK(entry->command.rfind("'/bin/dnswitness' 'watch'", 0) == 0);
  bool removed = false;
  CHECK(remove_cron_entry(text, &removed) == before + after);
  CHECK(removed);
  CHECK(remove_cron_entry(before, &removed) == before);
  CHECK_FALSE(removed);
  CHECK_FALSE(find_cron_entry(before));
}

TEST_CASE("gaps: longer than twice the interval, window edges included") {
  const std::int64_t s = 1'000'000'000;
  const std::vector<std::int64_t> starts = {0, 300 * s, 600 * s, 1500 * s, 1800 * s};
  auto gaps = find_gaps(starts, 300s);
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0].from_ns == 600 * s);
  CHECK(gaps[0].to_ns == 1500 * s);
  CHECK(find_gaps(starts, 600s).empty());  // 900 s is not longer than 2 x 600 s
  gaps = find_gaps(starts, 300s, -1000 * s, 2500 * s);
  REQUIRE(gaps.size() == 3);
  CHECK(gaps[0].from_ns == -1000 * s);
  CHECK(gaps[2].to_ns == 2500 * s);
  CHECK(find_gaps({}, 300s).empty());
}

TEST_CASE("the ledger of an installed command is read back through cron's and systemd's quoting") {
  const std::vector<std::string> argv = {"/usr/bin/dnswitness", "watch", "--once", "--ledger", "/srv/led 100%'s $x\\y\"z",
                                         "--log", "/srv/l.log"};
  const auto cron = find_cron_entry(cron_entry_lines("*/10 * * * *", argv, "every 10m"));
  REQUIRE(cron);
  CHECK(installed_command_words(cron->command, false) == argv);
  CHECK(ledger_of_words(installed_command_words(cron->command, false)) == "/srv/led 100%'s $x\\y\"z");

  const std::string service = systemd_service_text(argv);
  const auto at = service.find("ExecStart=");
  REQUIRE(at != std::string::npos);
  const std::string exec = service.substr(at + 10, service.find('\n', at) - at - 10);
  CHECK(installed_command_words(exec, true) == argv);

  CHECK(ledger_of_words({"dnswitness", "watch", "--ledger=/a/b"}) == "/a/b");
  CHECK_FALSE(ledger_of_words({"dnswitness", "watch", "--once"}));
  CHECK_FALSE(ledger_of_words({"dnswitness", "watch", "--ledger"}));
}
