#include "schedule/installed.h"

#include <fstream>
#include <sstream>

#include "schedule/crontab.h"
#include "schedule/interval.h"
#include "schedule/systemd_units.h"

namespace dnswitness {
namespace {

std::optional<InstalledSchedule> from_timer(const std::filesystem::path& dir) {
  const auto timer = dir / (std::string(kSystemdUnitName) + ".timer");
  std::ifstream in(timer);
  if (!in) return std::nullopt;
  InstalledSchedule s;
  s.backend = "systemd";
  s.where = timer.string();
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# dnswitness-every: ", 0) == 0) {
      try {
        s.interval = parse_interval(line.substr(20), "the timer's interval");
      } catch (const std::exception&) {
      }
    }
    if (line.rfind("OnCalendar=", 0) == 0 || line.rfind("OnUnitActiveSec=", 0) == 0) s.when = line;
  }
  std::ifstream svc(dir / (std::string(kSystemdUnitName) + ".service"));
  while (std::getline(svc, line))
    if (line.rfind("ExecStart=", 0) == 0) s.command = line.substr(10);
  return s;
}

}  // namespace

std::optional<InstalledSchedule> find_installed_schedule() {
  if (systemd_is_running() && !std::getenv("DNSWITNESS_CRONTAB_FILE")) {
    for (const bool user : {true, false}) {
      try {
        if (auto s = from_timer(systemd_unit_dir(user))) return s;
      } catch (const std::exception&) {
      }
    }
  }
  const auto entry = find_cron_entry(read_crontab());
  if (!entry) return std::nullopt;
  InstalledSchedule s;
  s.backend = "cron";
  s.where = crontab_location();
  s.when = entry->time_fields;
  s.interval = interval_of_cron_fields(entry->time_fields);
  s.command = entry->command;
  return s;
}

}  // namespace dnswitness
