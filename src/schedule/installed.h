#pragma once
// What `dnswitness schedule install` left on this machine, found again for `schedule status`,
// `schedule remove` and `status` (which takes the expected interval from it).
// Ownership: plain values. Thread-safety: reads files and runs `crontab -l`; one call at a time.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace dnswitness {

struct InstalledSchedule {
  std::string backend;  // "cron" or "systemd"
  std::string where;    // "the user's crontab", a crontab file, or the timer unit's path
  std::string when;     // cron time fields or the timer's OnCalendar=/OnUnitActiveSec= line
  std::optional<std::chrono::seconds> interval;
  std::string command;  // as written (cron line or ExecStart=)
};

// The systemd timer (user units first, then system units) where systemd runs, else the crontab
// entry. nullopt when nothing is installed. Throws std::runtime_error when the crontab cannot be
// read.
std::optional<InstalledSchedule> find_installed_schedule();

}  // namespace dnswitness
