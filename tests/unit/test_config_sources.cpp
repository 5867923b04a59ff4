// Where settings come from: the system and user config files (DNSWITNESS_SYSTEM_CONFIG,
// XDG_CONFIG_HOME, HOME), --config files laid over them setting by setting, the record of the files
// read, and $DNSWITNESS_NTP. Every path is a temporary one: nothing here reads this machine's /etc.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "config/config_sources.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "model/errors.h"
#include "model/record_json.h"
#include "model/run_record.h"
#include "support/lab.h"

using namespace dnswitness;
using dnswitness::test::TempDir;
using dnswitness::test::write_file;

namespace {

// Restores an environment variable when the test ends, so test cases do not leak into each other.
class EnvGuard {
 public:
  explicit EnvGuard(const char* name) : name_(name) {
    if (const char* v = std::getenv(name)) saved_ = v;
  }
  ~EnvGuard() {
    if (saved_) ::setenv(name_, saved_->c_str(), 1);
    else ::unsetenv(name_);
  }
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;

 private:
  const char* name_;
  std::optional<std::string> saved_;
};

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("default config paths: the system file (or DNSWITNESS_SYSTEM_CONFIG), then XDG_CONFIG_HOME or HOME") {
  EnvGuard g1("DNSWITNESS_SYSTEM_CONFIG"), g2("XDG_CONFIG_HOME"), g3("HOME");
  ::unsetenv("DNSWITNESS_SYSTEM_CONFIG");
  ::unsetenv("XDG_CONFIG_HOME");
  ::setenv("HOME", "/home/lawyer", 1);
  using P = std::vector<std::filesystem::path>;
  CHECK(default_config_paths() == P{"/etc/dnswitness/config.json", "/home/lawyer/.config/dnswitness/config.json"});
  ::setenv("XDG_CONFIG_HOME", "/xdg", 1);
  CHECK(default_config_paths() == P{"/etc/dnswitness/config.json", "/xdg/dnswitness/config.json"});
  ::setenv("XDG_CONFIG_HOME", "relative/dir", 1);  // invalid by the XDG spec: ignored
  CHECK(default_config_paths() == P{"/etc/dnswitness/config.json", "/home/lawyer/.config/dnswitness/config.json"});
  ::setenv("DNSWITNESS_SYSTEM_CONFIG", "/lab/system.json", 1);
  CHECK(default_config_paths().front() == "/lab/system.json");
  ::setenv("DNSWITNESS_SYSTEM_CONFIG", "", 1);
  CHECK(default_config_paths() == P{"/home/lawyer/.config/dnswitness/config.json"});
  ::unsetenv("HOME");
  ::unsetenv("XDG_CONFIG_HOME");
  CHECK(default_config_paths().empty());
}

TEST_CASE("config files: system, then user, then each --config, later winning setting by setting; all recorded") {
  EnvGuard g1("DNSWITNESS_SYSTEM_CONFIG"), g2("XDG_CONFIG_HOME");
  TempDir dir;
  const std::string system = dir / "system.json", explicit_file = dir / "explicit.json";
  std::filesystem::create_directories(dir.path() / "xdg" / "dnswitness");
  const std::string user = (dir.path() / "xdg" / "dnswitness" / "config.json").string();
  ::setenv("DNSWITNESS_SYSTEM_CONFIG", system.c_str(), 1);
  ::setenv("XDG_CONFIG_HOME", (dir / "xdg").c_str(), 1);

  // No file anywhere: nothing set, nothing recorded, no error.
  auto s = load_config_files({}, true);
  CHECK_FALSE(s.resolvers);
  CHECK(s.files.empty());

  const std::string system_text = R"({"resolvers": ["sys=127.0.0.1:53"], "timeout_ms": 900, "retries": 2})";
  write_file(system, system_text);
  write_file(user, R"({"timeout_ms": 800, "types": ["A"]})");
  write_file(explicit_file, R"({"types": ["AAAA"], "ntp": "none"})");
  s = load_config_files({explicit_file}, true);
  CHECK(s.resolvers == std::vector<std::string>{"sys=127.0.0.1:53"});  // only the system file sets it
  CHECK(s.timeout_ms == 800);                                            // the user file wins over the system file
  CHECK(s.retries == 2);
  CHECK(s.types == std::vector<std::string>{"AAAA"});                   // --config wins over both
  CHECK(s.ntp == std::vector<std::string>{"none"});
  REQUIRE(s.files.size() == 3);
  CHECK(s.files[0].path == system);
  CHECK(s.files[0].sha256 == hex_encode(sha256(as_bytes(system_text))));
  CHECK(s.files[1].path == user);
  CHECK(s.files[2].path == explicit_file);

  // --no-default-config: only the named files.
  s = load_config_files({explicit_file}, false);
  CHECK_FALSE(s.resolvers);
  REQUIRE(s.files.size() == 1);
  CHECK(s.files[0].path == explicit_file);

  // Two --config files: the later wins.
  const std::string second = dir / "second.json";
  write_file(second, R"({"types": ["TXT"]})");
  s = load_config_files({explicit_file, second}, false);
  CHECK(s.types == std::vector<std::string>{"TXT"});
  CHECK(s.ntp == std::vector<std::string>{"none"});
}

TEST_CASE("a default file that exists but is wrong is an error naming it; a missing one is not") {
  EnvGuard g1("DNSWITNESS_SYSTEM_CONFIG"), g2("XDG_CONFIG_HOME");
  TempDir dir;
  const std::string system = dir / "system.json";
  ::setenv("DNSWITNESS_SYSTEM_CONFIG", system.c_str(), 1);
  ::setenv("XDG_CONFIG_HOME", (dir / "nowhere").c_str(), 1);

  write_file(system, R"({"resolvers": [)");
  auto message = message_of([] { load_config_files({}, true); });
  CHECK(message.find("The config file " + system + " is not valid JSON") == 0);
  CHECK_NOTHROW(load_config_files({}, false));  // --no-default-config does not even look

  write_file(system, R"({"resolver": ["x"]})");
  message = message_of([] { load_config_files({}, true); });
  CHECK(message.find(system) != std::string::npos);
  CHECK(message.find("unknown setting 'resolver'") != std::string::npos);

  std::filesystem::remove(system);
  std::filesystem::create_directory(system);
  message = message_of([] { load_config_files({}, true); });
  CHECK(message.find(system + " is a folder") != std::string::npos);
  std::filesystem::remove(system);

  std::filesystem::create_symlink(dir / "gone.json", system);
  message = message_of([] { load_config_files({}, true); });
  CHECK(message.find("symbolic link to a file that does not exist") != std::string::npos);
  std::filesystem::remove(system);

  if (::geteuid() != 0) {  // root reads any file
    write_file(system, "{}");
    std::filesystem::permissions(system, std::filesystem::perms::none);
    message = message_of([] { load_config_files({}, true); });
    CHECK(message.find("Cannot read the config file " + system) == 0);
    std::filesystem::permissions(system, std::filesystem::perms::owner_all);
  }

  // An explicit --config must exist.
  message = message_of([&] { load_config_files({dir / "missing.json"}, true); });
  CHECK(message.find("Cannot read the config file") == 0);
}

TEST_CASE("DNSWITNESS_NTP: a server list, none, or unset") {
  EnvGuard g("DNSWITNESS_NTP");
  ::unsetenv("DNSWITNESS_NTP");
  CHECK_FALSE(ntp_servers_from_environment());
  ::setenv("DNSWITNESS_NTP", "none", 1);
  CHECK(ntp_servers_from_environment() == std::vector<std::string>{"none"});
  ::setenv("DNSWITNESS_NTP", "", 1);
  CHECK(ntp_servers_from_environment() == std::vector<std::string>{});
  ::setenv("DNSWITNESS_NTP", "127.0.0.1:1230, ntp.example,", 1);
  CHECK(ntp_servers_from_environment() == std::vector<std::string>{"127.0.0.1:1230", "ntp.example"});
}

TEST_CASE("the run record lists the config files read, and leaves the key out when there were none") {
  RunRecord r;
  CHECK_FALSE(run_json(r).contains("config_files"));
  r.config_files.push_back({"/etc/dnswitness/config.json", "00ff"});
  r.config_files.push_back({"/srv/matter.json", "ff00"});
  const auto j = run_json(r);
  REQUIRE(j["config_files"].size() == 2);
  CHECK(j["config_files"][0] == nlohmann::json{{"path", "/etc/dnswitness/config.json"}, {"sha256", "00ff"}});
  CHECK(j["config_files"][1]["path"] == "/srv/matter.json");
}
