#pragma once
// Test support: a real PostgreSQL 15 (Debian postgresql-15) for the collector's tests, made with
// initdb in a temporary folder and run with pg_ctl, listening on a Unix socket in that folder only
// (no TCP port). PostgreSQL refuses to run as root, so as root (CI) both run as the unprivileged
// `postgres` user the package creates (runuser); as anyone else, as that user. fsync is off: the
// tests check what the collector does, not the disk. Stopped (fast) when the object goes.
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <string>

#include "support/lab.h"

namespace dnswitness::test {

class PostgresServer {
 public:
  PostgresServer() {
    const std::filesystem::path bin = "/usr/lib/postgresql/15/bin";
    if (!std::filesystem::exists(bin / "initdb"))
      throw std::runtime_error("PostgreSQL 15 is missing: run scripts/setup.sh --dev");
    dir_ = tmp_.path() / "pg";
    std::filesystem::create_directories(dir_);
    // The server's user must reach its folder.
    std::filesystem::permissions(tmp_.path(), std::filesystem::perms::owner_all | std::filesystem::perms::group_exec |
                                                  std::filesystem::perms::others_exec);
    as_user_ = ::geteuid() == 0 ? "runuser -u postgres -- " : "";
    if (::geteuid() == 0) must("chown postgres: '" + dir_.string() + "'");
    must(as_user_ + (bin / "initdb").string() + " -D '" + (dir_ / "data").string() +
         "' -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 -N >/dev/null");
    pg_ctl_ = as_user_ + (bin / "pg_ctl").string() + " -D '" + (dir_ / "data").string() + "' -l '" +
              (dir_ / "server.log").string() + "' -w ";
    start();
  }
  ~PostgresServer() { run_command(pg_ctl_ + "-m fast stop >/dev/null 2>&1"); }
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // The connection string for the database `db` (made with create_database, or "postgres").
  std::string uri(const std::string& db = "postgres") const {
    return "host=" + dir_.string() + " user=postgres dbname=" + db;
  }
  void create_database(const std::string& db) const {
    must(as_user_ + "/usr/lib/postgresql/15/bin/createdb -h '" + dir_.string() + "' -U postgres " + db);
  }
  // SQL through psql, for the tests' own checks: the first column of the first row ("" for none).
  std::string sql(const std::string& db, const std::string& statement) const {
    return trimmed(must("psql -X -A -t -h '" + dir_.string() + "' -U postgres -d " + db + " -c \"" + statement + "\""));
  }
  void restart() const { must(pg_ctl_ + "-m fast restart >/dev/null"); }
  void stop() const { must(pg_ctl_ + "-m fast stop >/dev/null"); }
  void start() const {
    must(pg_ctl_ + "-o \"-k '" + dir_.string() + "' -c listen_addresses='' -c fsync=off\" start >/dev/null");
  }

 private:
  static std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }
  std::string must(const std::string& command) const {
    const auto r = run_command(command);
    if (r.exit_code != 0)
      throw std::runtime_error("PostgreSQL test server: '" + command + "' failed: " + r.err + r.out);
    return r.out;
  }

  TempDir tmp_;
  std::filesystem::path dir_;
  std::string as_user_, pg_ctl_;
};

}  // namespace dnswitness::test
