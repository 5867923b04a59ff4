// The time cross-checks of a run (reports/time_checks.h) over run records written here: each of
// the four contradictions is found with its figures and sentence, each stays quiet up to its
// tolerance, and run_facts_of_bundle finds the previous run and the tree head's tokens in a bundle.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "reports/run_facts.h"
#include "reports/time_checks.h"

using namespace dnswitness;
using nlohmann::json;

namespace {

json run_at(const std::string& id, const std::string& started, const std::string& finished, std::uint64_t count = 1) {
  return {{"run_id", id}, {"started_at", started}, {"finished_at", finished}, {"observation_count", count}};
}

json token_at(const std::string& gen) {
  return {{"tsa_url", "http://127.0.0.1:1/tsa"}, {"gen_time", gen}, {"token_base64", ""}, {"chain_pem", ""}};
}

std::vector<std::string> checks_of(const json& c) {
  std::vector<std::string> out;
  for (const auto& f : c["findings"]) out.push_back(f["check"].get<std::string>());
  return out;
}

}  // namespace

TEST_CASE("a run whose times agree has no finding, and says why its order was not checked") {
  const json run = run_at("r1", "2026-12-05T00:00:00.000000000Z", "2026-12-05T00:00:01.000000000Z");
  const json c = time_checks_of(run, 0, nullptr, json::array({token_at("2026-12-05T00:00:01.500000000Z")}));
  CHECK(c["findings"].empty());
  CHECK(c["tolerance_ns"] == 2'000'000'000);
  CHECK(c["offset_limit_ns"] == 1'000'000'000);
  CHECK(c["order"] == json{{"checked", false}, {"why", "it is the ledger's first run"}});
  CHECK(c["tokens"].size() == 1);
  CHECK(c["tokens"][0]["accuracy_ns"].is_null());  // no readable token: no accuracy
  CHECK(time_checks_of(run, 5, nullptr, json())["order"]["why"] == "the run before it in the ledger is not in this bundle");
  CHECK(time_checks_of(run, 5, nullptr, json())["tokens"].is_null());  // the tree head is not in the bundle
}

TEST_CASE("a TSA time before the run's finish by more than the 2 s tolerance is a finding") {
  const json run = run_at("r1", "2026-12-05T00:01:30.000000000Z", "2026-12-05T00:01:31.000000000Z");
  // Exactly the tolerance: no contradiction.
  CHECK(time_checks_of(run, 0, nullptr, json::array({token_at("2026-12-05T00:01:29.000000000Z")}))["findings"].empty());
  const json c = time_checks_of(run, 0, nullptr, json::array({token_at("2026-12-05T00:00:01.250000000Z")}));
  REQUIRE(checks_of(c) == std::vector<std::string>{"tsa_before_run"});
  const json& f = c["findings"][0];
  CHECK(f["by_ns"] == 89'750'000'000LL);
  CHECK(f["gen_time"] == "2026-12-05T00:00:01.250000000Z");
  CHECK(f["warning"] ==
        "The RFC 3161 time-stamp from http://127.0.0.1:1/tsa dates the run's tree head at "
        "2026-12-05T00:00:01.250000000Z, before the run finished at 2026-12-05T00:01:31.000000000Z by the host clock "
        "(89.750 s earlier), more than the token's accuracy (none stated) and the 2 s tolerance allow: the host clock "
        "was ahead of the TSA's.");
}

TEST_CASE("an NTP offset above 1 s is a finding, either way; 1 s itself is not") {
  json run = run_at("r1", "2026-12-05T00:00:00.000000000Z", "2026-12-05T00:00:01.000000000Z");
  run["clock"] = {{"offset_ns", 1'000'000'000}, {"offset_server", "127.0.0.1"}};
  CHECK(time_checks_of(run, 0, nullptr, json::array())["findings"].empty());
  run["clock"]["offset_ns"] = -90'004'000'000LL;
  json c = time_checks_of(run, 0, nullptr, json::array());
  REQUIRE(checks_of(c) == std::vector<std::string>{"clock_offset"});
  CHECK(c["findings"][0]["warning"] ==
        "The NTP check found the host clock 90.004 s ahead of NTP time (server 127.0.0.1), more than the 1 s the time "
        "cross-checks allow.");
  run["clock"]["offset_ns"] = 1'000'000'001;
  c = time_checks_of(run, 0, nullptr, json::array());
  REQUIRE(checks_of(c) == std::vector<std::string>{"clock_offset"});
  CHECK(c["findings"][0]["warning"].get<std::string>().find("1.000 s behind NTP time") != std::string::npos);
}

TEST_CASE("runs out of order: started before the previous run started, or more than 2 s before it finished") {
  const json previous = run_at("p", "2026-12-05T10:00:00.000000000Z", "2026-12-05T10:00:05.000000000Z");
  // Started 2 s before the previous finish: within the tolerance.
  json run = run_at("r", "2026-12-05T10:00:03.000000000Z", "2026-12-05T10:00:09.000000000Z");
  json c = time_checks_of(run, 2, &previous, json::array());
  CHECK(c["findings"].empty());
  CHECK(c["order"]["checked"] == true);
  CHECK(c["order"]["previous_run_id"] == "p");
  run["started_at"] = "2026-12-05T10:00:02.500000000Z";
  c = time_checks_of(run, 2, &previous, json::array());
  REQUIRE(checks_of(c) == std::vector<std::string>{"out_of_order"});
  CHECK(c["findings"][0]["before_previous_start"] == false);
  CHECK(c["findings"][0]["warning"] ==
        "The run started at 2026-12-05T10:00:02.500000000Z, before the previous run in the ledger (p) finished at "
        "2026-12-05T10:00:05.000000000Z (2.500 s earlier): the runs are out of order, so they overlapped or the host "
        "clock went back between them.");
  // A clock 15 days behind.
  run = run_at("r", "2026-11-20T10:00:00.000000000Z", "2026-11-20T10:00:01.000000000Z");
  c = time_checks_of(run, 2, &previous, json::array());
  REQUIRE(checks_of(c) == std::vector<std::string>{"out_of_order"});
  CHECK(c["findings"][0]["before_previous_start"] == true);
  CHECK(c["findings"][0]["by_ns"] == 15LL * 86400 * 1'000'000'000);
  CHECK(c["findings"][0]["warning"].get<std::string>().find("started at 2026-12-05T10:00:00.000000000Z (1296000.000 s "
                                                            "earlier): the runs are out of order, so the host clock "
                                                            "went back between them.") != std::string::npos);
}

TEST_CASE("a run that finished before it started is a finding") {
  const json run = run_at("r", "2026-12-05T10:00:03.000000000Z", "2026-12-05T10:00:01.000000000Z");
  const json c = time_checks_of(run, 0, nullptr, json::array());
  REQUIRE(checks_of(c) == std::vector<std::string>{"finish_before_start"});
  CHECK(c["findings"][0]["by_ns"] == 2'000'000'000);
}

TEST_CASE("run_facts_of_bundle: the previous run is the one ending at the run leaf, tokens are the run's tree head's") {
  std::map<std::uint64_t, json> records;
  records[0] = run_at("a", "2026-12-05T10:00:00.000000000Z", "2026-12-05T10:00:01.000000000Z", 2);  // leaves 0..2
  records[3] = run_at("b", "2026-12-05T09:00:00.000000000Z", "2026-12-05T09:00:01.000000000Z", 1);  // leaves 3..4
  records[9] = run_at("c", "2026-12-05T11:00:00.000000000Z", "2026-12-05T11:00:01.000000000Z", 1);  // 5..8 not carried
  json checkpoints = json::parse(R"([{"size": 3}, {"size": 5}, {"size": 10}])");
  checkpoints[1]["timestamps"] = json::array({token_at("2026-12-05T08:00:00Z")});
  const auto facts = run_facts_of_bundle(records, checkpoints);
  REQUIRE(facts.size() == 3);
  CHECK(facts.at(0)["time_checks"]["findings"].empty());
  CHECK(facts.at(0)["time_checks"]["tokens"] == json::array());
  CHECK(checks_of(facts.at(3)["time_checks"]) == std::vector<std::string>{"tsa_before_run", "out_of_order"});
  CHECK(facts.at(3)["warnings"].size() == 2);  // the findings' sentences join the run's warnings
  CHECK(facts.at(9)["time_checks"]["order"]["checked"] == false);
  CHECK(facts.at(9)["warnings"].empty());

  // Login sections whose window touches a run with findings get its sentences.
  json tables = json::parse(R"({"logins": [{"time": "2026-12-05T09:00:30.000000000Z", "warnings": []},
                                             {"time": "2026-12-05T12:00:00.000000000Z", "warnings": []}]})");
  add_time_warnings_to_logins(tables, facts, 60'000'000'000LL, 60'000'000'000LL);
  REQUIRE(tables["logins"][0]["warnings"].size() == 2);
  CHECK(tables["logins"][0]["warnings"][0].get<std::string>().rfind("Run b (started 2026-12-05T09:00:00.000000000Z): "
                                                                    "The RFC 3161 time-stamp",
                                                                    0) == 0);
  CHECK(tables["logins"][1]["warnings"].empty());
}
