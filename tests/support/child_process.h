#pragma once
// Test support: dnswitness as a background child of the test (watch), so signals can be sent to
// it and its exit status collected, and waiting for lines in the log it writes.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "support/lab.h"

namespace dnswitness::test {

// `[env] dnswitness ARGS` as a child of this process, stdout and stderr to `log`.
inline pid_t start_dnswitness(const std::string& args, const std::string& log, const std::string& env = "") {
  const std::string cmd = "exec " + (env.empty() ? "" : "env " + env + " ") + std::string(DNSWITNESS_BINARY) + " " +
                          args + " >" + log + " 2>&1";
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

// The child's exit code (128 + signal when killed); killed and a test failure after `limit`.
inline int wait_child_exit(pid_t pid, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      FAIL("dnswitness watch did not stop in time");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

inline std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

// Waits until `file` holds `n` occurrences of `what`; a test failure after `limit`.
inline void wait_for_text(const std::string& file, const std::string& what, std::size_t n,
                          std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (count_of(read_file(file), what) < n) {
    if (std::chrono::steady_clock::now() > deadline)
      FAIL("waited in vain for " << n << " x '" << what << "' in " << read_file(file));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// A dnswitness server (witness serve, collector serve) as a child of the test: started with `args`,
// which end in "--listen HOST:0", waited for until it prints "listening on HOST:PORT", and stopped
// with SIGTERM when it goes out of scope. `url` is http://HOST:PORT.
struct ServerProcess {
  pid_t pid = -1;
  std::string url;
  std::filesystem::path log;
  ServerProcess(const std::string& args, const std::filesystem::path& log_file, const std::string& env = "",
                const std::string& host = "127.0.0.1")
      : log(log_file) {
    pid = start_dnswitness(args, log.string(), env);
    wait_for_text(log.string(), "listening on", 1, std::chrono::seconds(30));
    const std::string text = read_file(log);
    const std::string said = "listening on " + host + ":";
    const auto at = text.find(said);
    REQUIRE(at != std::string::npos);
    const auto port_at = at + said.size();
    url = "http://" + host + ":" + text.substr(port_at, text.find(' ', port_at) - port_at);
  }
  // SIGTERM, and the exit status (128 + signal when it was killed before).
  int stop() {
    if (pid < 0) return -1;
    ::kill(pid, SIGTERM);
    const int status = wait_child_exit(pid, std::chrono::seconds(30));
    pid = -1;
    return status;
  }
  ~ServerProcess() { (void)stop(); }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
};

}  // namespace dnswitness::test
