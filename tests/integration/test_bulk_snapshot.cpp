// Bulk resolve-snapshot against the lab, as a user runs it: 5,000 names from --domains-file streamed
// into the JSON and the ledger (every name accounted for, verify-ledger passes, memory does not
// grow with the names), --qps holds the rate, --concurrency caps what is in flight, and the
// progress line appears only on a terminal.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/lab.h"
#include "timeutil/timestamp.h"

using namespace dnswitness;
using dnswitness::test::Lab;
using dnswitness::test::run_command;
using dnswitness::test::run_dnswitness;
using dnswitness::test::TempDir;

namespace {

// n0..n199.lab.test exist in the lab (A records); the others answer NXDOMAIN: a response too.
std::string names_file(const TempDir& dir, int count) {
  const std::string path = dir / ("names-" + std::to_string(count) + ".txt");
  std::ofstream out(path);
  out << "# generated\n";
  for (int i = 0; i < count; ++i) out << "n" << i << ".lab.test\n";
  return path;
}

// Peak RSS in KiB of one dnswitness run, from GNU time (or getrusage through it).
long peak_rss_kib(const std::string& env, const std::string& args, const TempDir& dir) {
  const std::string rss = dir / "rss";
  const auto r = run_command(env + "/usr/bin/time -f %M -o " + rss + " " + DNSWITNESS_BINARY + " " + args);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return std::stol(test::read_file(rss));
}

std::vector<std::int64_t> sent_times(const nlohmann::json& doc) {
  std::vector<std::int64_t> out;
  for (const auto& o : doc["observations"]) out.push_back(parse_rfc3339(o["sent_at"].get<std::string>())->ns);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("5,000 names from a file: every one in the JSON and the ledger, verify-ledger passes, memory flat") {
  Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger";
  const std::string json = dir / "bulk.json";
  const std::string common = " --resolver knot=" + lab.knot() + " --types A --timeout 1000 --retries 2 -q";
  const auto r = run_dnswitness("resolve-snapshot --ledger " + ledger + " --domains-file " + names_file(dir, 5000) +
                                " --json --out " + json + common);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  std::ifstream in(json);
  const auto doc = nlohmann::json::parse(in);
  REQUIRE(doc["observations"].size() == 5000);
  CHECK(doc["run"]["observation_count"] == 5000);
  std::set<std::string> seen;
  std::map<std::string, int> outcomes;
  for (const auto& o : doc["observations"]) {
    seen.insert(o["qname"].get<std::string>());
    ++outcomes[o["outcome"].get<std::string>()];
  }
  CHECK(seen.size() == 5000);
  CHECK(outcomes["answer"] == 200);
  CHECK(outcomes["nxdomain"] == 4800);
  // Plan order is kept for a run this size.
  CHECK(doc["observations"][0]["qname"] == "n0.lab.test");
  CHECK(doc["observations"][4999]["qname"] == "n4999.lab.test");

  const auto leaves = run_command("sqlite3 " + ledger + "/ledger.sqlite 'SELECT count(*) FROM leaves; "
                                  "SELECT count(DISTINCT qname) FROM observation_index'");
  CHECK(leaves.out == "5001\n5000\n");
  const auto v = run_dnswitness("verify-ledger -q --ledger " + ledger);
  CHECK_MESSAGE(v.exit_code == 0, (v.out + v.err));

  // Memory: observations stream out instead of piling up, so ten times the names costs only the
  // names themselves (Release: ~0.2 KiB a name), far from the ~6 KiB an observation held in memory
  // costs. Measured without the ledger, whose SQLite page cache legitimately grows to its 64 MiB cap.
  // Under AddressSanitizer every allocation carries redzones and memory freed on the sink thread is
  // reused late, so the bound there is looser (and the quarantine, which keeps all freed memory, off).
#if defined(__SANITIZE_ADDRESS__)
  const std::string env = "ASAN_OPTIONS=\"$ASAN_OPTIONS:quarantine_size_mb=0\" ";
  const long per_name_limit = 4096;
#else
  const std::string env;
  const long per_name_limit = 1024;
#endif
  const std::string streamed = "resolve-snapshot --no-ledger --json --out " + json + common + " --domains-file ";
  const long small = peak_rss_kib(env, streamed + names_file(dir, 500), dir);
  const long large = peak_rss_kib(env, streamed + names_file(dir, 5000), dir);
  MESSAGE("peak RSS: 500 names " << small << " KiB, 5,000 names " << large << " KiB");
  CHECK((large - small) * 1024 / 4500 < per_name_limit);
}

TEST_CASE("--qps holds each resolver to its rate, DNS over HTTPS included") {
  Lab lab;
  TempDir dir;
  const auto r = run_dnswitness("resolve-snapshot --no-ledger --json --domains-file " + names_file(dir, 100) +
                                " --types A --qps 100 --resolver knot=" + lab.knot() + " --resolver unbound=" +
                                lab.unbound() + " --resolver doh=" + lab.get("DOH_URL") + " --ca-file " +
                                lab.get("LAB_CA"));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto doc = nlohmann::json::parse(r.out);
  REQUIRE(doc["observations"].size() == 300);
  for (const std::string resolver : {"knot", "unbound", "doh"}) {
    CAPTURE(resolver);
    nlohmann::json mine = {{"observations", nlohmann::json::array()}};
    for (const auto& o : doc["observations"])
      if (o["resolver"]["name"] == resolver) mine["observations"].push_back(o);
    const auto t = sent_times(mine);
    REQUIRE(t.size() == 100);
    // 100 queries at 100 a second: the first ones go at once (a burst of 20 ms worth), the rest at
    // least 10 ms apart. The pacing is checked on the recorded send times, and only from below: a
    // slow or loaded machine may send later than allowed, never earlier. 100 ms of slack covers a
    // send that leaves its event-loop turn late; without pacing all 100 leave within a few ms.
    const std::int64_t interval_ns = 10'000'000, burst_ns = 20'000'000, slack_ns = 100'000'000;
    int violations = 0;
    for (std::size_t i = 0; i < t.size(); ++i)
      for (std::size_t j = i + 1; j < t.size(); ++j)
        if (t[j] - t[i] < static_cast<std::int64_t>(j - i) * interval_ns - burst_ns - slack_ns) ++violations;
    CHECK(violations == 0);
    CHECK(t.back() - t.front() >= 99 * interval_ns - burst_ns - slack_ns);
    MESSAGE(resolver << ": " << 99e9 / static_cast<double>(t.back() - t.front()) << " queries/s");
  }
  CHECK(doc["run"]["config_hash"].get<std::string>().size() == 64);
}

TEST_CASE("--concurrency caps the queries in flight (--max-in-flight is the same option)") {
  Lab lab;
  TempDir dir;
  // A server that never answers: with 5 in flight, 20 queries take four timeouts of 300 ms.
  for (const std::string option : {"--concurrency", "--max-in-flight"}) {
    CAPTURE(option);
    const auto r = run_dnswitness("resolve-snapshot --no-ledger --json --domains-file " + names_file(dir, 20) +
                                  " --types A --timeout 300 --retries 0 " + option + " 5 --resolver silent=" +
                                  lab.odd("SILENT_PORT"));
    CHECK(r.exit_code == 3);
    const auto doc = nlohmann::json::parse(r.out);
    const auto t = sent_times(doc);
    REQUIRE(t.size() == 20);
    // Four waves of five: a wave is sent before its first query times out (concurrent), the next
    // only once a timeout has freed the slots (capped). Both follow from the recorded send times
    // and hold however slow the machine is.
    for (int wave = 0; wave < 4; ++wave) {
      CHECK(t[wave * 5 + 4] - t[wave * 5] < 300'000'000);
      if (wave > 0) CHECK(t[wave * 5] - t[wave * 5 - 5] >= 250'000'000);
    }
  }
  // Without the cap all 20 go at once.
  const auto r = run_dnswitness("resolve-snapshot --no-ledger --json --domains-file " + names_file(dir, 20) +
                                " --types A --timeout 300 --retries 0 --resolver silent=" + lab.odd("SILENT_PORT"));
  const auto t = sent_times(nlohmann::json::parse(r.out));
  REQUIRE(t.size() == 20);
  CHECK(t.back() - t.front() < 300'000'000);  // all sent before the first one timed out
}

TEST_CASE("the progress line goes to a terminal only") {
  Lab lab;
  TempDir dir;
  const std::string args = "resolve-snapshot --no-ledger --domains-file " + names_file(dir, 40) +
                           " --types A --qps 40 --resolver knot=" + lab.knot();
  // stderr is a file here: no progress line, only the table on stdout.
  const auto piped = run_dnswitness(args);
  REQUIRE(piped.exit_code == 0);
  CHECK(piped.err.find("queries/s") == std::string::npos);
  CHECK(piped.err.find('\r') == std::string::npos);
  CHECK(piped.out.find("40 queries to 1 resolver(s)") != std::string::npos);
  // On a terminal (script(1) gives the command one), the line shows and is rewritten in place.
  const auto tty = run_command("script -qec '" + std::string(DNSWITNESS_BINARY) + " " + args + " -q' /dev/null");
  REQUIRE(tty.exit_code == 0);
  CHECK(tty.out.find("queries/s") != std::string::npos);
  CHECK(tty.out.find("names ") != std::string::npos);
  CHECK(tty.out.find("of 40") != std::string::npos);
}

TEST_CASE("a run too large to hold streams its table: one aligned row per query, then the summary") {
  Lab lab;
  TempDir dir;
  // 6,000 names x 2 types = 12,000 rows, above the 10,000 the table keeps to size its columns.
  const auto r = run_dnswitness("resolve-snapshot --no-ledger --domains-file " + names_file(dir, 6000) +
                                " --types A,AAAA --resolver knot=" + lab.knot() + " --timeout 1000 --retries 2");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  std::istringstream lines(r.out);
  std::string header, line;
  REQUIRE(std::getline(lines, header));
  const auto type_col = header.find("TYPE"), outcome_col = header.find("OUTCOME"),
             rtt_end = header.find("RTT") + 3, addr_col = header.find("ADDRESSES");
  REQUIRE(addr_col != std::string::npos);
  int rows = 0;
  std::set<std::string> names;
  while (std::getline(lines, line) && !line.empty()) {
    ++rows;
    CAPTURE(line);
    REQUIRE(line.size() > addr_col);
    CHECK((line.compare(type_col, 2, "A ") == 0 || line.compare(type_col, 4, "AAAA") == 0));
    CHECK(line[type_col - 1] == ' ');
    CHECK(line[outcome_col - 1] == ' ');
    CHECK(line[outcome_col] != ' ');
    CHECK(line.compare(rtt_end - 2, 2, "ms") == 0);
    CHECK(line[addr_col - 1] == ' ');
    CHECK(line[addr_col] != ' ');
    names.insert(line.substr(0, line.find(' ')));
  }
  CHECK(rows == 12000);
  CHECK(names.size() == 6000);
  REQUIRE(std::getline(lines, line));
  CHECK(line.find("12000 queries to 1 resolver(s)") == 0);
}
