// The clock check of resolve-snapshot against a real chronyd on loopback: the measured offset, a
// clock shifted by libfaketime, unreachable servers, the 3-minute rule, and --ntp none.
#include <doctest/doctest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "crypto/encoding.h"
#include "timeutil/timestamp.h"
#include "support/chronyd.h"
#include "support/lab.h"

using namespace dnswitness;
using dnswitness::test::Chronyd;
using dnswitness::test::Lab;
using dnswitness::test::run_command;
using dnswitness::test::run_dnswitness;
using dnswitness::test::TempDir;
using dnswitness::test::UdpPort;
using nlohmann::json;

namespace {

const char* kFaketimeLib = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

Chronyd& chronyd() {
  static Chronyd server;
  return server;
}

// One small snapshot against the lab's Knot (never a public resolver), JSON on stdout.
std::string snapshot(const Lab& lab, const std::string& ledger) {
  return std::string(DNSWITNESS_BINARY) + " resolve-snapshot -q --json --ledger " + ledger + " --resolver knot=" +
         lab.knot() + " --domains x.com --types A --timeout 300 --retries 0";
}

json run_of(const test::CommandResult& r) {
  const auto doc = json::parse(r.out, nullptr, false);
  REQUIRE_MESSAGE(doc.is_object(), (r.out + r.err));
  return doc["run"];
}

}  // namespace

TEST_CASE("the clock offset against a real NTP server is measured, and a clock 3 s fast is caught") {
  Lab lab;
  TempDir dir;
  const auto right = run_command(snapshot(lab, dir / "a") + " --ntp " + chronyd().address());
  REQUIRE_MESSAGE(right.exit_code == 0, right.err);
  const json clock = run_of(right)["clock"];
  REQUIRE(clock["results"].size() == 1);
  const json& r = clock["results"][0];
  CHECK(r["outcome"] == "answer");
  CHECK(r["server"] == chronyd().address());
  CHECK(r["address"] == "127.0.0.1");
  CHECK(r["port"] == chronyd().port());
  CHECK(r["stratum"] == 8);
  CHECK(r["leap"] == 0);
  CHECK(base64_decode(r["request"].get<std::string>())->size() == 48);
  CHECK(base64_decode(r["response"].get<std::string>())->size() == 48);
  CHECK(std::llabs(r["offset_ns"].get<std::int64_t>()) < 50'000'000);
  CHECK(r["delay_ns"].get<std::int64_t>() >= 0);
  CHECK(r["delay_ns"].get<std::int64_t>() < 50'000'000);
  CHECK(clock["offset_ns"] == r["offset_ns"]);
  CHECK(clock["warnings"].empty());
  CHECK(right.err.find("warning") == std::string::npos);

  // The same run under libfaketime: this process's clock is 3 s ahead of the server's.
  REQUIRE_MESSAGE(std::filesystem::exists(kFaketimeLib), "libfaketime is missing: run scripts/setup.sh");
  const std::string shifted = std::string("FAKETIME='+3s' DONT_FAKE_MONOTONIC=1 ") +
                              "ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 LD_PRELOAD=" + kFaketimeLib + " ";
  const auto fast = run_command(shifted + snapshot(lab, dir / "b") + " --ntp " + chronyd().address());
  REQUIRE_MESSAGE(fast.exit_code == 0, fast.err);
  const json fast_clock = run_of(fast)["clock"];
  const std::int64_t offset = fast_clock["offset_ns"].get<std::int64_t>();
  CHECK(std::llabs(offset - -3'000'000'000LL) < 50'000'000);
  REQUIRE(fast_clock["warnings"].size() == 1);
  CHECK(fast_clock["warnings"][0].get<std::string>().find("ahead of NTP time") != std::string::npos);
  CHECK(fast.err.find("dnswitness: warning: The system clock was 3.0") != std::string::npos);

  // The ledger's run leaf carries the same clock and vantage facts.
  const auto leaf = run_command("sqlite3 " + (dir / "b") + "/ledger.sqlite 'SELECT data FROM leaves WHERE idx=0'");
  const auto stored = json::parse(leaf.out, nullptr, false);
  REQUIRE(stored.is_object());
  CHECK(stored["clock"]["offset_ns"] == offset);
  CHECK(stored["vantage"]["interfaces"].size() >= 1);
  CHECK(stored["vantage"]["whoami"].empty());  // the lab's Knot is no whoami service
}

TEST_CASE("a server is asked at most once every 3 minutes; the next run records the skip") {
  Lab lab;
  TempDir dir;
  const auto first = run_command(snapshot(lab, dir / "l") + " --ntp " + chronyd().address());
  REQUIRE_MESSAGE(first.exit_code == 0, first.err);
  const json r1 = run_of(first)["clock"]["results"][0];
  REQUIRE(r1["outcome"] == "answer");
  CHECK(std::filesystem::exists(dir / "l/ntp-state.json"));

  const auto second = run_command(snapshot(lab, dir / "l") + " --ntp " + chronyd().address());
  REQUIRE_MESSAGE(second.exit_code == 0, second.err);
  const json clock = run_of(second)["clock"];
  REQUIRE(clock["results"].size() == 1);
  const json& r2 = clock["results"][0];
  CHECK(r2["outcome"] == "skipped");
  // The rule's clock reading is taken just before the socket is opened, T1 just before sending.
  const auto claimed = parse_rfc3339(r2["last_query_at"].get<std::string>());
  const auto sent = parse_rfc3339(r1["sent_at"].get<std::string>());
  REQUIRE(claimed);
  REQUIRE(sent);
  CHECK(claimed->ns <= sent->ns);
  CHECK(sent->ns - claimed->ns < 100'000'000);
  CHECK_FALSE(r2.contains("request"));  // nothing was sent
  CHECK(clock["warnings"].empty());
  CHECK(clock["note"].get<std::string>().find("3 minutes") != std::string::npos);
}

TEST_CASE("unreachable or broken NTP servers are recorded with a warning; the run still succeeds") {
  Lab lab;
  TempDir dir;
  const auto r = run_command(snapshot(lab, dir / "l") + " --ntp " + lab.odd("CLOSED_PORT") + " --ntp " +
                             lab.odd("SILENT_PORT") + " --ntp " + lab.odd("GARBAGE_PORT"));
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  const json run = run_of(r);
  CHECK(run["outcomes"]["answer"] == 1);
  const json clock = run["clock"];
  REQUIRE(clock["results"].size() == 3);
  CHECK(clock["results"][0]["outcome"] == "network_error");
  CHECK(clock["results"][1]["outcome"] == "timeout");
  CHECK(clock["results"][2]["outcome"] == "malformed");
  CHECK(base64_decode(clock["results"][2]["response"].get<std::string>())->size() == 40);
  CHECK_FALSE(clock.contains("offset_ns"));
  REQUIRE(clock["warnings"].size() == 1);
  CHECK(clock["warnings"][0].get<std::string>().find("No NTP server answered") != std::string::npos);
  CHECK(r.err.find("dnswitness: warning: No NTP server answered") != std::string::npos);
}

TEST_CASE("--ntp none, \"ntp\": \"none\" and DNSWITNESS_NTP decide whether a packet is sent") {
  Lab lab;
  TempDir dir;
  UdpPort listener;  // stands in for an NTP server and counts what arrives
  const std::string port = std::to_string(listener.port());
  const std::string env = "DNSWITNESS_NTP=127.0.0.1:" + port + " ";

  // The variable is used when neither the command line nor the config names servers.
  const auto asked = run_command(env + snapshot(lab, dir / "a"));
  REQUIRE_MESSAGE(asked.exit_code == 0, asked.err);
  CHECK(run_of(asked)["clock"]["results"][0]["outcome"] == "timeout");
  const auto got = listener.drain();
  REQUIRE(got.size() == 1);
  CHECK(got[0].size() == 48);
  CHECK(static_cast<unsigned char>(got[0][0]) == 0x23);

  // --ntp none wins over the variable: nothing arrives, the run says the clock was not checked.
  const auto none = run_command(env + snapshot(lab, dir / "b") + " --ntp none");
  REQUIRE_MESSAGE(none.exit_code == 0, none.err);
  const json clock = run_of(none)["clock"];
  CHECK(clock["results"].empty());
  CHECK(clock["servers"].empty());
  CHECK(clock["warnings"].empty());
  CHECK(clock["note"].get<std::string>().find("not checked") != std::string::npos);
  // So does the config file.
  test::write_file(dir / "c.json", R"({"ntp": "none"})");
  const auto from_config = run_command(env + snapshot(lab, dir / "c") + " --config " + (dir / "c.json"));
  REQUIRE_MESSAGE(from_config.exit_code == 0, from_config.err);
  CHECK(run_of(from_config)["clock"]["results"].empty());
  test::write_file(dir / "d.json", R"({"ntp": []})");
  const auto empty_list = run_command(env + snapshot(lab, dir / "d") + " --config " + (dir / "d.json"));
  CHECK(run_of(empty_list)["clock"]["results"].empty());
  CHECK(listener.drain().empty());

  // A config list names the servers; the command line still wins over it.
  test::write_file(dir / "e.json", R"({"ntp": ["127.0.0.1:)" + port + R"("]})");
  const auto listed = run_command(snapshot(lab, dir / "e") + " --config " + (dir / "e.json"));
  CHECK(run_of(listed)["clock"]["servers"][0] == "127.0.0.1:" + port);
  CHECK(listener.drain().size() == 1);

  // Bad values: exit 2, one sentence, nothing sent.
  const auto bad = run_dnswitness("resolve-snapshot --no-ledger --resolver knot=" + lab.knot() + " --ntp 'a b'");
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("is not a valid NTP server") != std::string::npos);
  const auto mixed =
      run_dnswitness("resolve-snapshot --no-ledger --resolver knot=" + lab.knot() + " --ntp none --ntp 127.0.0.1");
  CHECK(mixed.exit_code == 2);
  test::write_file(dir / "f.json", R"({"ntp": 5})");
  const auto bad_config = run_dnswitness("resolve-snapshot --no-ledger --config " + (dir / "f.json"));
  CHECK(bad_config.exit_code == 2);
  CHECK(bad_config.err.find("'ntp'") != std::string::npos);
  CHECK(listener.drain().empty());
}
