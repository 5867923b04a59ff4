#pragma once
// A real `dnswitness collector serve` process on a loopback port for tests, on a PostgreSQL the
// test started (support/postgres.h). Stopped with SIGTERM when it goes out of scope.
#include <signal.h>

#include <filesystem>
#include <string>

#include "support/child_process.h"
#include "support/lab.h"

namespace dnswitness::test {

struct CollectorProcess {
  pid_t pid = -1;
  std::string url;
  std::filesystem::path log;
  // `env`: extra VAR=value words for the process (the kill switches).
  CollectorProcess(const std::string& db, const std::filesystem::path& key_file, const std::filesystem::path& tiles,
                   const std::filesystem::path& log_file, const std::string& env = "")
      : log(log_file) {
    pid = start_dnswitness("collector serve --db '" + db + "' --key-file " + key_file.string() + " --tiles " +
                               tiles.string() + " --listen 127.0.0.1:0",
                           log.string(), env);
    wait_for_text(log.string(), "listening on", 1, std::chrono::seconds(30));
    const std::string text = read_file(log);
    const auto at = text.find("listening on 127.0.0.1:");
    url = "http://127.0.0.1:" + text.substr(at + 23, text.find(' ', at + 23) - at - 23);
  }
  // SIGTERM, and the exit status (128 + signal when it was killed before).
  int stop() {
    if (pid < 0) return -1;
    ::kill(pid, SIGTERM);
    const int status = wait_child_exit(pid, std::chrono::seconds(30));
    pid = -1;
    return status;
  }
  ~CollectorProcess() { (void)stop(); }
  CollectorProcess(const CollectorProcess&) = delete;
  CollectorProcess& operator=(const CollectorProcess&) = delete;
};

}  // namespace dnswitness::test
