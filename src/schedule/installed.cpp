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

std::vector<std::string> installed_command_words(std::string_view written, bool systemd) {
  // cron turns \% into % before the shell reads the line (an unescaped % would end the command).
  std::string command;
  for (std::size_t i = 0; i < written.size(); ++i) {
    if (!systemd && written[i] == '\\' && i + 1 < written.size() && written[i + 1] == '%') continue;
    command += written[i];
  }
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;  // ' or " while inside quotes
  for (std::size_t i = 0; i < command.size(); ++i) {
    const char c = command[i];
    const bool has_next = i + 1 < command.size();
    if (quote == '\'') {
      if (c == '\'') quote = 0;
      else word += c;
      continue;
    }
    if (quote == '"') {
      if (c == '"') quote = 0;
      else if (c == '\\' && has_next && (systemd || std::string_view("\"\\$`").find(command[i + 1]) != std::string_view::npos))
        word += command[++i];
      else word += c;
      continue;
    }
    if (c == ' ' || c == '\t') {
      if (in_word) words.push_back(std::move(word)), word.clear(), in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\\' && has_next) word += command[++i];
    else if (c == '\'' && !systemd) quote = c;
    else if (c == '"') quote = c;
    else word += c;
  }
  if (in_word) words.push_back(std::move(word));
  if (systemd)
    for (auto& w : words) {
      std::string plain;
      for (std::size_t i = 0; i < w.size(); ++i) {
        plain += w[i];
        if ((w[i] == '%' || w[i] == '$') && i + 1 < w.size() && w[i + 1] == w[i]) ++i;
      }
      w = std::move(plain);
    }
  return words;
}

std::optional<std::string> ledger_of_words(const std::vector<std::string>& words) {
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (words[i] == "--ledger" && i + 1 < words.size()) return words[i + 1];
    if (words[i].rfind("--ledger=", 0) == 0) return words[i].substr(9);
  }
  return std::nullopt;
}

std::optional<InstalledSchedule> find_installed_schedule() {
  if (systemd_is_running() && !std::getenv("DNSWITNESS_CRONTAB_FILE")) {
    for (const bool user : {true, false}) {
      try {
        if (auto s = from_timer(systemd_unit_dir(user))) {
          s->ledger = ledger_of_words(installed_command_words(s->command, true));
          return s;
        }
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
  s.ledger = ledger_of_words(installed_command_words(s.command, false));
  return s;
}

}  // namespace dnswitness
