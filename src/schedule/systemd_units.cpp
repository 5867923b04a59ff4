#include "schedule/systemd_units.h"

#include <fmt/format.h>

#include <cstdlib>

#include "model/errors.h"
#include "schedule/interval.h"

namespace dnswitness {
namespace {

// One ExecStart= word: double-quoted; systemd expands % specifiers and $ variables, so both are
// doubled, and \ and " are escaped.
std::string systemd_word(const std::string& word) {
  std::string out = "\"";
  for (const char c : word) {
    if (c == '\n' || c == '\r')
      throw UsageError(fmt::format("'{}' contains a line break, which a scheduled command cannot hold; rename it.",
                                   word));
    if (c == '"' || c == '\\') out += '\\';
    if (c == '%') out += '%';
    if (c == '$') out += '$';
    out += c;
  }
  return out + "\"";
}

}  // namespace

bool systemd_is_running() {
  std::error_code ec;
  return std::filesystem::is_directory("/run/systemd/system", ec);
}

std::filesystem::path systemd_unit_dir(bool user) {
  if (!user) return "/etc/systemd/system";
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) return std::filesystem::path(x) / "systemd" / "user";
  const char* home = std::getenv("HOME");
  if (!home || !*home) throw UsageError("HOME is not set, so there is no place for user units; set HOME.");
  return std::filesystem::path(home) / ".config" / "systemd" / "user";
}

std::optional<std::string> systemd_calendar(std::chrono::seconds interval) {
  const auto s = interval.count();
  if (s < 60 && 60 % s == 0) return fmt::format("*-*-* *:*:00/{}", s);
  if (s % 60 == 0 && s < 3600 && 60 % (s / 60) == 0) return fmt::format("*-*-* *:00/{}:00", s / 60);
  if (s % 3600 == 0 && s <= 86400 && 24 % (s / 3600) == 0) return fmt::format("*-*-* 00/{}:00:00", s / 3600);
  return std::nullopt;
}

std::string systemd_service_text(const std::vector<std::string>& argv) {
  std::string exec;
  for (const auto& a : argv) exec += (exec.empty() ? "" : " ") + systemd_word(a);
  return fmt::format(
      "# Written by 'dnswitness schedule install'; remove with 'dnswitness schedule remove'.\n"
      "[Unit]\n"
      "Description=dnswitness: one recorded DNS run\n"
      "After=network-online.target\n"
      "Wants=network-online.target\n"
      "\n"
      "[Service]\n"
      "Type=oneshot\n"
      "ExecStart={}\n",
      exec);
}

std::string systemd_timer_text(std::chrono::seconds interval, std::chrono::seconds jitter) {
  const auto calendar = systemd_calendar(interval);
  const std::string when = calendar ? fmt::format("OnCalendar={}\n", *calendar)
                                    : fmt::format("OnBootSec={0}\nOnUnitActiveSec={0}\n", interval.count());
  return fmt::format(
      "# Written by 'dnswitness schedule install'; remove with 'dnswitness schedule remove'.\n"
      "# dnswitness-every: {}\n"
      "[Unit]\n"
      "Description=dnswitness: recorded DNS runs every {}\n"
      "\n"
      "[Timer]\n"
      "{}"
      "AccuracySec=1s\n"
      "RandomizedDelaySec={}\n"
      "Persistent=true\n"
      "\n"
      "[Install]\n"
      "WantedBy=timers.target\n",
      format_interval(interval), format_interval(interval), when, jitter.count());
}

}  // namespace dnswitness
