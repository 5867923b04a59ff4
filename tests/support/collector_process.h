#pragma once
// A real `dnswitness collector serve` process on a loopback port for tests, on a PostgreSQL the
// test started (support/postgres.h). Stopped with SIGTERM when it goes out of scope.
#include <filesystem>
#include <string>

#include "support/child_process.h"
#include "support/lab.h"

namespace dnswitness::test {

struct CollectorProcess : ServerProcess {
  // `env`: extra VAR=value words for the process (the kill switches).
  CollectorProcess(const std::string& db, const std::filesystem::path& key_file, const std::filesystem::path& tiles,
                   const std::filesystem::path& log_file, const std::string& env = "",
                   const std::string& host = "127.0.0.1")
      : ServerProcess("collector serve --db '" + db + "' --key-file " + key_file.string() + " --tiles " +
                          tiles.string() + " --listen " + host + ":0",
                      log_file, env, host) {}
};

}  // namespace dnswitness::test
