// The verdict of `status --max-age` (schedule/collection_health.h): which facts make a monitoring
// system hear OK, WARNING or CRITICAL, and the first line it reads.
#include <doctest/doctest.h>

#include "schedule/collection_health.h"

using namespace dnswitness;

namespace {

constexpr std::int64_t kS = 1'000'000'000;
constexpr std::int64_t kNow = 1'800'000'000 * kS;

// A healthy ledger: a run 2 minutes ago in which every query was answered.
CollectionFacts healthy() {
  CollectionFacts f;
  f.now_ns = kNow;
  f.max_age = std::chrono::minutes(15);
  f.last_run_started_ns = kNow - 120 * kS;
  f.last_run_observations = 44;
  f.last_run_responses = 44;
  return f;
}

}  // namespace

TEST_CASE("collection health: OK, with the last run's age as performance data") {
  const HealthVerdict v = judge_collection(healthy());
  CHECK(v.state == HealthState::ok);
  CHECK(v.problems.empty());
  CHECK(v.line == "DNSWITNESS OK - last run 2m ago, 44 observations, 44 answered | age=120s;;900");
  CHECK(static_cast<int>(HealthState::warning) == 1);
  CHECK(static_cast<int>(HealthState::unknown) == 3);
}

TEST_CASE("collection health: what is CRITICAL") {
  SUBCASE("no run at all") {
    CollectionFacts f = healthy();
    f.last_run_started_ns.reset();
    const auto v = judge_collection(f);
    CHECK(v.state == HealthState::critical);
    CHECK(v.line == "DNSWITNESS CRITICAL - no run is recorded in the ledger");
  }
  SUBCASE("the last run older than --max-age, even by a second") {
    CollectionFacts f = healthy();
    f.last_run_started_ns = kNow - 901 * kS;
    const auto v = judge_collection(f);
    CHECK(v.state == HealthState::critical);
    CHECK(v.problems.front() == "the last run started 15m1s ago, longer than --max-age 15m: runs have stopped");
    f.last_run_started_ns = kNow - 900 * kS;
    CHECK(judge_collection(f).state == HealthState::ok);
  }
  SUBCASE("no resolver answered; the resolvers' own failures are then not repeated as warnings") {
    CollectionFacts f = healthy();
    f.last_run_responses = 0;
    f.failing_resolvers = {"knot: 44 of 44 without a response (44 timeout)"};
    const auto v = judge_collection(f);
    CHECK(v.state == HealthState::critical);
    REQUIRE(v.problems.size() == 1);
    CHECK(v.problems.front() == "no resolver answered any of the 44 queries of the last run");
  }
  SUBCASE("a witness's fork alarm outranks warnings, and the line counts the rest") {
    CollectionFacts f = healthy();
    f.clock_warnings = {"the clock is 90 s fast"};
    f.witness_fork_alarms = {"witness w1: refused at size 6 (answered 422)"};
    const auto v = judge_collection(f);
    CHECK(v.state == HealthState::critical);
    CHECK(v.problems.front() == "witness w1: refused at size 6 (answered 422)");
    CHECK(v.line.starts_with("DNSWITNESS CRITICAL - witness w1: refused at size 6 (answered 422) (and 1 more) |"));
  }
}

TEST_CASE("collection health: what is a WARNING, and old gaps are not") {
  CollectionFacts f = healthy();
  f.gaps = {Gap{kNow - 3 * 24 * 3600 * kS, kNow - 2 * 24 * 3600 * kS}};  // two days ago: history, not news
  CHECK(judge_collection(f).state == HealthState::ok);
  f.gaps.push_back(Gap{kNow - 3 * 3600 * kS, kNow - 2 * 3600 * kS});
  auto v = judge_collection(f);
  CHECK(v.state == HealthState::warning);
  CHECK(v.problems.front().starts_with("a gap of 1h without a run, from "));
  f.gaps.clear();
  for (const auto& facts : {std::pair{&CollectionFacts::failing_resolvers, "resolver knot: 1 of 22 without a response"},
                            std::pair{&CollectionFacts::clock_warnings, "clock: the clock is 90 s fast"},
                            std::pair{&CollectionFacts::witness_failures, "witness w2: failed at size 6 (down)"}}) {
    CollectionFacts g = healthy();
    std::string text = facts.second;
    if (text.starts_with("resolver ")) text = text.substr(9);
    if (text.starts_with("clock: ")) text = text.substr(7);
    (g.*facts.first).push_back(text);
    v = judge_collection(g);
    CAPTURE(facts.second);
    CHECK(v.state == HealthState::warning);
    REQUIRE(v.problems.size() == 1);
    CHECK(v.problems.front() == facts.second);
  }
}
