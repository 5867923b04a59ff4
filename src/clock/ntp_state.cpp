#include "clock/ntp_state.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>

#include "model/safe_file.h"

namespace dnswitness {
namespace {

// Closes the descriptor (and so drops its lock) on every path out.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string read_all(int fd) {
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > (1u << 20)) break;  // not ours: far larger than any state we write
  }
  return text;
}

bool within_interval(UtcTime last, UtcTime now) {
  // A clock that went backwards (last > now) says nothing about the interval: allow the query,
  // since refusing would stop the check exactly when the clock is most in doubt.
  return last.ns <= now.ns && now.ns - last.ns < kNtpMinIntervalNs;
}

}  // namespace

std::optional<UtcTime> NtpRateLimit::claim(const std::string& key, UtcTime now) {
  if (const auto it = memory_.find(key); it != memory_.end() && within_interval(it->second, now)) return it->second;
  memory_[key] = now;
  if (path_.empty()) return std::nullopt;

  // The lock is taken on the folder, because the file itself is replaced (SafeFile: a new file
  // renamed over it) and never opened for writing in place, so a link planted at its name is
  // never written through.
  std::filesystem::path dir = path_.parent_path();
  if (dir.empty()) dir = ".";
  Fd lock{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (lock.fd < 0 || ::flock(lock.fd, LOCK_EX) != 0) return std::nullopt;
  Fd f{::open(path_.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC)};
  const auto state = nlohmann::json::parse(f.fd >= 0 ? read_all(f.fd) : std::string(), nullptr, false);
  nlohmann::json next = nlohmann::json::object();
  std::optional<UtcTime> earlier;
  if (state.is_object()) {
    for (const auto& [k, v] : state.items()) {
      if (!v.is_string()) continue;
      const auto t = parse_rfc3339(v.get<std::string>());
      if (!t) continue;
      if (k == key && within_interval(*t, now)) earlier = *t;
      // Keep recent entries only, so the file stays small however many servers were ever used.
      if (now.ns - t->ns < 24 * 3600 * 1'000'000'000LL) next[k] = v;
    }
  }
  if (earlier) {
    memory_[key] = *earlier;
    return earlier;
  }
  next[key] = format_rfc3339_ns(now);
  try {
    write_file_safely(path_, next.dump(1) + "\n", SafeFileOptions::owner_only());
  } catch (const FileWriteError&) {
    // a failed write leaves the in-memory rule, as documented
  }
  return std::nullopt;
}

}  // namespace dnswitness
