// The default config files as resolve-snapshot and watch read them: the system file (here named by
// DNSWITNESS_SYSTEM_CONFIG, never this machine's /etc), the user's, --config over both, the command
// line over all, and the files recorded in the run. Against the lab's Knot.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "support/lab.h"

using namespace dnswitness;
using namespace dnswitness::test;

namespace {

struct Setup {
  Lab lab;
  TempDir dir;
  std::string system = dir / "system.json";
  std::string user;
  std::string env;  // the variables that point dnswitness at the files above

  Setup() {
    std::filesystem::create_directories(dir.path() / "xdg" / "dnswitness");
    user = (dir.path() / "xdg" / "dnswitness" / "config.json").string();
    env = "DNSWITNESS_SYSTEM_CONFIG=" + system + " XDG_CONFIG_HOME=" + (dir / "xdg") + " DNSWITNESS_NTP=none ";
  }
  CommandResult run(const std::string& args) const { return run_command(env + DNSWITNESS_BINARY + " " + args); }
};

}  // namespace

TEST_CASE("resolve-snapshot: system file, user file, --config, command line; the run records the files") {
  Setup s;
  const std::string system_text = R"({"resolvers": ["knot=)" + s.lab.knot() +
                                  R"("], "domains": ["t.co"], "types": ["AAAA"], "timeout_ms": 700, "retries": 0})";
  write_file(s.system, system_text);
  write_file(s.user, R"({"types": ["A"], "timeout_ms": 600})");

  auto r = s.run("resolve-snapshot --no-ledger --json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto doc = nlohmann::json::parse(r.out);
  REQUIRE(doc["observations"].size() == 1);
  CHECK(doc["observations"][0]["qname"] == "t.co");
  CHECK(doc["observations"][0]["qtype"] == "A");  // the user file wins over the system file
  CHECK(doc["run"]["timeout_ms"] == 600);
  REQUIRE(doc["run"]["config_files"].size() == 2);
  CHECK(doc["run"]["config_files"][0]["path"] == s.system);
  CHECK(doc["run"]["config_files"][0]["sha256"] == hex_encode(sha256(as_bytes(system_text))));
  CHECK(doc["run"]["config_files"][1]["path"] == s.user);

  // --config over both, the command line over all.
  const std::string matter = s.dir / "matter.json";
  write_file(matter, R"({"timeout_ms": 500, "domains": ["x.com"]})");
  r = s.run("resolve-snapshot --no-ledger --json --config " + matter + " --types AAAA");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  doc = nlohmann::json::parse(r.out);
  REQUIRE(doc["observations"].size() == 1);
  CHECK(doc["observations"][0]["qname"] == "x.com");
  CHECK(doc["observations"][0]["qtype"] == "AAAA");
  CHECK(doc["run"]["timeout_ms"] == 500);
  REQUIRE(doc["run"]["config_files"].size() == 3);
  CHECK(doc["run"]["config_files"][2]["path"] == matter);

  // The table says which files applied.
  r = s.run("resolve-snapshot --no-ledger");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("Settings read from " + s.system + ", " + s.user) != std::string::npos);

  // --no-default-config: only what is named.
  r = s.run("resolve-snapshot --no-ledger --json --no-default-config --config " + matter + " --resolver knot=" +
            s.lab.knot() + " --types A --retries 0");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  doc = nlohmann::json::parse(r.out);
  REQUIRE(doc["run"]["config_files"].size() == 1);
  CHECK(doc["run"]["config_files"][0]["path"] == matter);
}

TEST_CASE("a broken default file stops resolve-snapshot and watch with one sentence naming it; a missing one is fine") {
  Setup s;
  const std::string args = " --resolver knot=" + s.lab.knot() + " --domains t.co --types A --retries 0";
  // Neither file exists: the built-in defaults, silently, and nothing recorded.
  auto r = s.run("resolve-snapshot --no-ledger --json" + args);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.err.empty());
  CHECK_FALSE(nlohmann::json::parse(r.out)["run"].contains("config_files"));

  write_file(s.user, R"({"types": ["A"],)");
  for (const std::string& command :
       std::vector<std::string>{"resolve-snapshot --no-ledger", "watch --once --quiet --ledger " + (s.dir / "l")}) {
    CAPTURE(command);
    r = s.run(command + args);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("The config file " + s.user + " is not valid JSON") != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
  CHECK_FALSE(std::filesystem::exists(s.dir / "l"));
  CHECK(s.run("resolve-snapshot --no-ledger --no-default-config" + args).exit_code == 0);
}

TEST_CASE("watch reads the default files and names them in its log") {
  Setup s;
  write_file(s.system, R"({"resolvers": ["knot=)" + s.lab.knot() + R"("], "domains": ["t.co"], "types": ["A"]})");
  const std::string ledger = s.dir / "ledger", log = s.dir / "watch.log";
  const auto r = s.run("watch --count 1 --interval 1s --jitter 0 --quiet --ledger " + ledger + " --log " + log);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const std::string text = read_file(log);
  CHECK(text.find("config " + s.system) != std::string::npos);
  CHECK(text.find(" recorded: 1 observations (1 answer)") != std::string::npos);
}

TEST_CASE("--help says where settings are read from") {
  for (const char* command : {"resolve-snapshot", "watch"}) {
    CAPTURE(command);
    const auto r = run_dnswitness(std::string(command) + " --help");
    CHECK(r.out.find("/etc/dnswitness/config.json") != std::string::npos);
    CHECK(r.out.find("--no-default-config") != std::string::npos);
  }
  CHECK(run_dnswitness("schedule --help").out.find("Config files are found as watch finds them") != std::string::npos);
}
