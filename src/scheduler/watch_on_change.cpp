#include "scheduler/watch_on_change.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "timeutil/timestamp.h"

extern char** environ;

namespace dnswitness {
namespace {

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { close(); }
  int get() const { return fd_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

std::int64_t ms_left(SteadyTime deadline) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_now()).count();
}

}  // namespace

HookResult run_on_change(const std::string& command, const std::string& stdin_text, std::chrono::milliseconds timeout,
                         const std::atomic<bool>* abandon) {
  const auto abandoned = [abandon] { return abandon && abandon->load(std::memory_order_relaxed); };
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return {false, false, false, fmt::format("cannot make a pipe ({})", std::strerror(errno))};
  Fd read_end(fds[0]), write_end(fds[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, read_end.get(), 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own process group (so a timeout kills the shell and whatever it started), default
  // dispositions for the signals watch handles or ignores, and nothing blocked.
  sigset_t defaults, none;
  sigemptyset(&defaults);
  for (const int s : {SIGPIPE, SIGTERM, SIGINT, SIGHUP}) sigaddset(&defaults, s);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  const char* argv[] = {"sh", "-c", command.c_str(), nullptr};
  const int rc = ::posix_spawn(&pid, "/bin/sh", &actions, &attr, const_cast<char* const*>(argv), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return {false, false, false, fmt::format("cannot start /bin/sh ({})", std::strerror(rc))};
  read_end.close();

  const SteadyTime deadline = steady_now() + timeout;
  // Feed stdin without ever blocking past the deadline; a command that does not read its input
  // (EPIPE) is not a failure of ours.
  ::fcntl(write_end.get(), F_SETFL, O_NONBLOCK);
  std::size_t done = 0;
  while (done < stdin_text.size()) {
    const ssize_t n = ::write(write_end.get(), stdin_text.data() + done, stdin_text.size() - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      const auto left = ms_left(deadline);
      if (left <= 0 || abandoned()) break;
      pollfd p{write_end.get(), POLLOUT, 0};
      ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left, 100)));
      continue;
    }
    break;  // EPIPE or another error: the command stopped reading
  }
  write_end.close();

  int status = 0;
  for (;;) {
    const pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR)
      return {false, false, false, fmt::format("lost track of the command ({})", std::strerror(errno))};
    const bool late = ms_left(deadline) <= 0;
    if (late || abandoned()) {
      ::kill(-pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      if (!late) return {false, false, true, "was stopped because the watch stopped"};
      return {false, true, false,
              fmt::format("did not finish within {} s and was stopped",
                          std::chrono::duration_cast<std::chrono::seconds>(timeout).count())};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (WIFEXITED(status)) {
    if (WEXITSTATUS(status) == 0) return {true, false, false, {}};
    if (WEXITSTATUS(status) == 127) return {false, false, false, "could not be found by /bin/sh (exit status 127)"};
    return {false, false, false, fmt::format("exited with status {}", WEXITSTATUS(status))};
  }
  if (WIFSIGNALED(status)) return {false, false, false, fmt::format("was killed by signal {}", WTERMSIG(status))};
  return {false, false, false, "ended abnormally"};
}

}  // namespace dnswitness
