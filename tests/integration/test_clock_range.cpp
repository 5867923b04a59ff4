// A clock outside the years a ledger can store (before 2000, past April 2262) is refused before
// anything is created or signed: under libfaketime at 1970, 1990, 2263 and 9999, resolve-snapshot
// exits 1 with one sentence naming the clock, and neither a new nor an existing ledger changes.
#include <doctest/doctest.h>

#include <filesystem>

#include "support/lab.h"
#include "timeutil/clock_range.h"

using namespace dnswitness;
using namespace dnswitness::test;

namespace {

const char* kFaketimeLibrary = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

CommandResult snapshot_at(const Lab& lab, const std::string& ledger, const std::string& when) {
  const std::string env = std::string("FAKETIME='@") + when + "' DONT_FAKE_MONOTONIC=1 TZ=UTC " +
                          "ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 LD_PRELOAD=" + kFaketimeLibrary + " ";
  return run_command(env + DNSWITNESS_BINARY + " resolve-snapshot --ledger " + ledger + " --resolver knot=" +
                     lab.knot() + " --domains x.com --types A -q --ntp none");
}

}  // namespace

TEST_CASE("the recordable range: 2000-01-01 to 2262-04-11, both ends included") {
  CHECK_FALSE(clock_range_problem_at(946'684'800));
  CHECK(clock_range_problem_at(946'684'799));
  CHECK_FALSE(clock_range_problem_at(1'764'892'800));
  CHECK_FALSE(clock_range_problem_at(9'223'372'035));
  CHECK(clock_range_problem_at(9'223'372'037));
  CHECK(clock_range_problem_at(0));
  CHECK(clock_range_problem_at(-1));
  CHECK(clock_range_problem_at(-1)->find("in the year 1969") != std::string::npos);
  CHECK(clock_range_problem_at(9'246'182'400)->find("in the year 2263") != std::string::npos);  // 2263-01-01
  CHECK(clock_range_problem_at(9'246'182'399)->find("in the year 2262") != std::string::npos);
  CHECK(clock_range_problem_at(253'402'300'799)->find("in the year 9999") != std::string::npos);
  const auto message = clock_range_problem_at(86'400);
  REQUIRE(message);
  CHECK(message->find("in the year 1970") != std::string::npos);
  CHECK(message->find("nothing was recorded") != std::string::npos);
}

TEST_CASE("a clock at 1970, 1990, 2263 or 9999 records nothing, in a new ledger or an existing one") {
  REQUIRE_MESSAGE(std::filesystem::exists(kFaketimeLibrary), "libfaketime is missing: run scripts/setup.sh --dev");
  const Lab lab;
  TempDir dir;
  const std::string existing = dir / "existing";
  const auto first = snapshot_at(lab, existing, "2026-12-05 00:00:00");
  REQUIRE_MESSAGE(first.exit_code == 0, first.err);
  const std::string count_rows = "sqlite3 " + existing +
                                 "/ledger.sqlite 'SELECT count(*) FROM leaves; SELECT count(*) FROM checkpoints'";
  const auto rows_before = run_command(count_rows);
  REQUIRE(rows_before.exit_code == 0);
  CHECK(rows_before.out == "2\n1\n");  // the run leaf and one observation, one tree head

  for (const auto& [when, year] : {std::pair<std::string, std::string>{"1970-01-02 00:00:00", "1970"},
                                   {"1990-06-01 12:00:00", "1990"},
                                   {"2263-01-01 00:00:00", "2263"},
                                   {"9999-12-31 23:59:59", "9999"}}) {
    CAPTURE(when);
    const std::string fresh = dir / ("fresh-" + year);
    const auto r = snapshot_at(lab, fresh, when);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("in the year " + year) != std::string::npos);
    CHECK(r.err.find("outside the years 2000 to 2262") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(fresh + "/ledger.sqlite"));

    const auto again = snapshot_at(lab, existing, when);
    CHECK(again.exit_code == 1);
    CHECK(again.err.find("in the year " + year) != std::string::npos);
  }
  // The existing ledger still holds exactly its one run and tree head, and still verifies.
  CHECK(run_command(count_rows).out == rows_before.out);
  const auto after = run_dnswitness("verify-ledger -q --ledger " + existing);
  CHECK_MESSAGE(after.exit_code == 0, (after.out + after.err));
}
