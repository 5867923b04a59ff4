#include "schedule/crontab.h"

#include <fmt/format.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "model/errors.h"
#include "model/safe_file.h"

namespace dnswitness {
namespace {

const char* crontab_file_override() {
  const char* f = std::getenv("DNSWITNESS_CRONTAB_FILE");
  return f && *f ? f : nullptr;
}

struct PipeCloser {
  void operator()(FILE* f) const noexcept {
    if (f) ::pclose(f);
  }
};

}  // namespace

std::string shell_quote(std::string_view word) {
  std::string out = "'";
  for (const char c : word) {
    if (c == '\n' || c == '\r')
      throw UsageError(fmt::format("'{}' contains a line break, which a scheduled command cannot hold; rename it.",
                                   word));
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

std::string cron_entry_lines(const std::string& time_fields, const std::vector<std::string>& argv,
                             const std::string& description) {
  std::string command;
  for (const auto& a : argv) {
    if (!command.empty()) command += ' ';
    command += shell_quote(a);
  }
  // cron turns an unescaped % into a newline; \% reaches the shell as %.
  std::string escaped;
  for (const char c : command) {
    if (c == '%') escaped += '\\';
    escaped += c;
  }
  return fmt::format("{} {}\n{} {}\n", kCrontabMarker, description, time_fields, escaped);
}

std::optional<CronEntry> find_cron_entry(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::string line;
  bool after_marker = false;
  while (std::getline(in, line)) {
    if (after_marker) {
      // Five time fields, then the command.
      std::size_t pos = 0;
      for (int field = 0; field < 5 && pos != std::string::npos; ++field) {
        pos = line.find_first_not_of(" \t", pos);
        if (pos != std::string::npos) pos = line.find_first_of(" \t", pos);
      }
      if (pos == std::string::npos) return CronEntry{line, ""};
      CronEntry e;
      e.time_fields = line.substr(0, pos);
      const auto start = line.find_first_not_of(" \t", pos);
      e.command = start == std::string::npos ? "" : line.substr(start);
      return e;
    }
    after_marker = line.rfind(kCrontabMarker, 0) == 0;
  }
  return std::nullopt;
}

std::string remove_cron_entry(std::string_view text, bool* removed) {
  if (removed) *removed = false;
  std::string out;
  std::size_t pos = 0;
  bool skip_next = false;
  while (pos < text.size()) {
    const auto end = text.find('\n', pos);
    const std::size_t next = end == std::string_view::npos ? text.size() : end + 1;
    const std::string_view line = text.substr(pos, next - pos);
    if (skip_next) {
      skip_next = false;
    } else if (line.substr(0, kCrontabMarker.size()) == kCrontabMarker) {
      skip_next = true;
      if (removed) *removed = true;
    } else {
      out += line;
    }
    pos = next;
  }
  return out;
}

std::string crontab_location() {
  if (const char* f = crontab_file_override()) return f;
  return "the user's crontab";
}

std::string read_crontab() {
  if (const char* f = crontab_file_override()) {
    std::ifstream in(f, std::ios::binary);
    if (!in) return {};
    std::stringstream buf;
    buf << in.rdbuf();
    return buf.str();
  }
  std::unique_ptr<FILE, PipeCloser> p(::popen("crontab -l 2>/dev/null", "r"));
  if (!p) throw std::runtime_error("cannot run 'crontab -l'; is cron installed?");
  std::string text;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p.get())) > 0) text.append(buf, n);
  const int status = ::pclose(p.release());
  // crontab -l exits 1 with "no crontab for USER" when there is none.
  if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 1))
    throw std::runtime_error("cannot read the crontab with 'crontab -l'; is cron installed?");
  return WEXITSTATUS(status) == 0 ? text : std::string();
}

void write_crontab(const std::string& text) {
  if (const char* f = crontab_file_override()) {
    write_file_safely(f, text);
    return;
  }
  std::unique_ptr<FILE, PipeCloser> p(::popen("crontab -", "w"));
  if (!p) throw std::runtime_error("cannot run 'crontab -'; is cron installed?");
  const bool written = std::fwrite(text.data(), 1, text.size(), p.get()) == text.size();
  const int status = ::pclose(p.release());
  if (!written || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("'crontab -' refused the new crontab; the old one is unchanged.");
}

}  // namespace dnswitness
