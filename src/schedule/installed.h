#pragma once
// What `dnswitness schedule install` left on this machine, found again for `schedule status`,
// `schedule remove` and `status` (which takes the expected interval from it).
// Ownership: plain values. Thread-safety: reads files and runs `crontab -l`; one call at a time.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dnswitness {

struct InstalledSchedule {
  std::string backend;  // "cron" or "systemd"
  std::string where;    // "the user's crontab", a crontab file, or the timer unit's path
  std::string when;     // cron time fields or the timer's OnCalendar=/OnUnitActiveSec= line
  std::optional<std::chrono::seconds> interval;
  std::string command;  // as written (cron line or ExecStart=)
  // The --ledger folder the command writes to, read back from its words (install always writes
  // one); nullopt when the command names none (an entry edited by hand).
  std::optional<std::string> ledger;
};

// The words of an installed command, with the quoting that install wrote undone: for cron, a
// POSIX shell's single and double quotes and backslashes, after cron's \% (a literal %); for
// systemd, ExecStart='s double quotes and backslashes, then its doubled %% and $$.
std::vector<std::string> installed_command_words(std::string_view command, bool systemd);
// The value of --ledger (or --ledger=) among `words`, or nullopt.
std::optional<std::string> ledger_of_words(const std::vector<std::string>& words);

// The systemd timer (user units first, then system units) where systemd runs, else the crontab
// entry. nullopt when nothing is installed. Throws std::runtime_error when the crontab cannot be
// read.
std::optional<InstalledSchedule> find_installed_schedule();

}  // namespace dnswitness
