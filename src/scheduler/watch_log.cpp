#include "scheduler/watch_log.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "model/printable.h"
#include "timeutil/timestamp.h"

namespace dnswitness {

void WatchLog::append(const std::string& line) {
  // Non-blocking: a log replaced by a FIFO nobody reads fails here (the line goes to stderr)
  // instead of blocking the watch; for a regular file the flag changes nothing.
  const int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0640);
  bool ok = fd >= 0;
  const int err = ok ? 0 : errno;
  if (ok) {
    ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    ::close(fd);
  }
  if (!ok && !file_failed_) {
    file_failed_ = true;  // say it once, not once per run
    std::cerr << fmt::format("dnswitness: cannot write the log {} ({}); log lines go to stderr instead.\n", path_,
                             err ? std::strerror(err) : "short write");
  }
  if (!ok) std::cerr << line;
}

// Messages quote paths, hook commands and DNS names: escaped, so the log and the terminal only
// ever hold printable text.
void WatchLog::info(const std::string& raw) {
  const std::string text = printable(raw);
  const std::string line = fmt::format("{} {}\n", format_rfc3339_s(utc_now()), text);
  if (!path_.empty())
    append(line);
  else if (!quiet_)
    std::cerr << line;
}

void WatchLog::problem(const std::string& raw) {
  const std::string text = printable(raw);
  const std::string line = fmt::format("{} {}\n", format_rfc3339_s(utc_now()), text);
  if (!path_.empty()) append(line);
  std::cerr << "dnswitness: " << text << '\n';
}

}  // namespace dnswitness
