// Candidate tables from plain observation rows: windows, nearest observations per resolver, gaps
// and their warnings, changes within 24 h, the union over domains, determinism.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "model/address.h"
#include "reports/candidates.h"
#include "support/observation_rows.h"

using namespace dnswitness;
using nlohmann::json;

namespace {

constexpr std::int64_t S = kNsPerSecondReport;
// 2023-11-21T02:00:00Z
constexpr std::int64_t T0 = 1700532000LL * S;

ObservationRow row(std::uint64_t leaf, std::int64_t t, const std::string& resolver, std::vector<std::string> addrs,
                   const std::string& qname = "x.com", const std::string& qtype = "A",
                   const std::string& outcome = "answer") {
  return test::observation_row(leaf, t, resolver, std::move(addrs), qname, qtype, outcome, 300);
}

LoginRecord login_at(std::int64_t t, std::optional<std::string> ip = std::nullopt) {
  LoginRecord l;
  l.at = UtcTime{t};
  l.time_text = "t";
  l.source_ip = ip;
  l.origin = "command-line";
  return l;
}

CandidateOptions x_a() {
  CandidateOptions o;
  o.domains = {"x.com"};
  o.types = {"A"};
  return o;
}

// Runs every 30 min from T0 to T0+2h; x.com A changes from .1 to .65 at T0+60min (knot) only.
std::vector<ObservationRow> runs() {
  std::vector<ObservationRow> rows;
  std::uint64_t leaf = 1;
  for (int k = 0; k <= 4; ++k) {
    const std::int64_t t = T0 + k * 1800 * S;
    rows.push_back(row(leaf++, t, "knot", {k < 2 ? "104.244.42.1" : "104.244.42.65"}));
    rows.push_back(row(leaf++, t + S / 2, "unbound", {"104.244.42.1"}));
    leaf += 2;
  }
  return rows;
}

const json& domain0(const json& tables, std::size_t login = 0) { return tables["logins"][login]["domains"][0]; }

}  // namespace

TEST_CASE("durations: 90s, 10m, 1h, 2d and nothing else") {
  CHECK(parse_report_duration("90s") == 90 * S);
  CHECK(parse_report_duration("10m") == 600 * S);
  CHECK(parse_report_duration("1h") == 3600 * S);
  CHECK(parse_report_duration("2d") == 2 * 86400 * S);
  for (const char* bad : {"", "h", "1", "1.5h", "-1h", "1w", "1 h", "h1", "1hh", "99999999h"})
    CHECK_MESSAGE(!parse_report_duration(bad), bad);
  CHECK(format_report_duration(3600 * S) == "1h");
  CHECK(format_report_duration(600 * S) == "10m");
  CHECK(format_report_duration(90 * S) == "90s");
}

TEST_CASE("login between runs: last before, first after, window contents, per resolver and merged") {
  const auto rows = runs();
  const LoginRecord l = login_at(T0 + 50 * 60 * S);  // between run 1 (30 min) and run 2 (60 min)
  const json t = derive_tables(std::span(&l, 1), rows, x_a());
  const json& d = domain0(t);
  CHECK(d["before"]["addresses"] == json::array({"104.244.42.1"}));
  CHECK(d["before"]["gap_seconds"] == 20 * 60 - 1);  // unbound ran 0.5 s after knot
  CHECK(d["before"]["by_resolver"].size() == 2);
  CHECK(d["before"]["by_resolver"][0]["resolver"] == "knot");
  CHECK(d["before"]["by_resolver"][0]["leaf_index"] == 5);
  CHECK(d["after"]["addresses"] == json::array({"104.244.42.1", "104.244.42.65"}));
  CHECK(d["after"]["by_resolver"][0]["addresses"] == json::array({"104.244.42.65"}));
  CHECK(d["after"]["gap_seconds"] == 10 * 60);
  // window [T0-10min, T0+60min]: runs 0, 1 and knot's row of run 2 (unbound's came 0.5 s too late)
  CHECK(d["window"]["observations"] == 5);
  const auto& addrs = d["window"]["addresses"];
  REQUIRE(addrs.size() == 2);
  CHECK(addrs[0]["address"] == "104.244.42.1");
  CHECK(addrs[0]["count"] == 4);
  CHECK(addrs[0]["ttls"] == json::array({300}));
  CHECK(addrs[0]["resolvers"] == json({{"knot", 2}, {"unbound", 2}}));
  CHECK(addrs[0]["all_resolvers_agree"] == true);
  CHECK(addrs[1]["address"] == "104.244.42.65");
  CHECK(addrs[1]["all_resolvers_agree"] == false);
  CHECK(addrs[1]["first_seen"] == "2023-11-21T03:00:00.000000000Z");
  CHECK(d["changes_24h"]["changed"] == true);
  REQUIRE(d["changes_24h"]["changes"].size() == 1);
  CHECK(d["changes_24h"]["changes"][0]["before_leaf"] == 5);
  CHECK(d["changes_24h"]["changes"][0]["after_leaf"] == 9);
  CHECK(d["warnings"].size() == 1);  // the change
  const auto& u = t["logins"][0]["union"];
  CHECK(u["destination_port"] == 443);
  CHECK(u["protocol"] == "tcp");
  CHECK(u["addresses"].size() == 2);
}

TEST_CASE("login exactly at a run's time counts that run as 'before'") {
  const auto rows = runs();
  const LoginRecord l = login_at(T0 + 3600 * S);  // run 2, knot's row at exactly T
  const json d = domain0(derive_tables(std::span(&l, 1), rows, x_a()));
  CHECK(d["before"]["by_resolver"][0]["leaf_index"] == 9);
  CHECK(d["before"]["by_resolver"][0]["gap_seconds"] == 0);
  CHECK(d["before"]["by_resolver"][1]["leaf_index"] == 6);  // unbound ran half a second later
  CHECK(d["after"]["by_resolver"][0]["resolver"] == "knot");
  CHECK(d["after"]["by_resolver"][0]["leaf_index"] == 13);
  CHECK(d["after"]["by_resolver"][1]["leaf_index"] == 10);
  CHECK(d["after"]["gap_ns"] == S / 2);
}

TEST_CASE("login before all runs and after all runs: one side empty, warned, never silent") {
  const auto rows = runs();
  const LoginRecord early = login_at(T0 - 3 * 3600 * S);
  json d = domain0(derive_tables(std::span(&early, 1), rows, x_a()));
  CHECK(d["before"]["by_resolver"].empty());
  CHECK(d["before"]["gap_seconds"].is_null());
  CHECK(d["after"]["gap_seconds"] == 3 * 3600);
  CHECK(d["window"]["observations"] == 0);
  const std::string w = d["warnings"].dump();
  CHECK(w.find("No observation of x.com A at or before") != std::string::npos);
  CHECK(w.find("3.0 h later, outside the 10m window") != std::string::npos);
  CHECK(w.find("No observation of x.com A lies inside the window; its candidates come from the nearest observations "
               "with an address on each side: before the login time, none in this report; after it, leaf 1 (knot, "
               "3.0 h later), leaf 2 (unbound, 3.0 h later).") != std::string::npos);
  const json t = derive_tables(std::span(&early, 1), rows, x_a());
  CHECK(t["logins"][0]["union"]["addresses"][0]["basis"] == "nearest observation outside the window");

  const LoginRecord late = login_at(T0 + 10 * 86400 * S);
  d = domain0(derive_tables(std::span(&late, 1), rows, x_a()));
  CHECK(d["after"]["by_resolver"].empty());
  CHECK(d["before"]["by_resolver"][0]["leaf_index"] == 17);
  CHECK(d["warnings"].dump().find("days earlier, outside the 1h window") != std::string::npos);
  CHECK(d["changes_24h"]["changed"] == false);  // the change lies more than 24 h away
}

TEST_CASE("outside every run, with no rows at all: warnings on every side and in the union") {
  const LoginRecord l = login_at(T0, "10.1.2.3");
  const json t = derive_tables(std::span(&l, 1), std::vector<ObservationRow>{}, x_a());
  const std::string w = t["logins"][0]["warnings"].dump();
  CHECK(w.find("cannot be used for a carrier request") != std::string::npos);
  CHECK(w.find("No destination IP candidate at all") != std::string::npos);
  CHECK(t["logins"][0]["usable_for_carrier_request"] == false);
}

TEST_CASE("failures are counted in the window, not treated as a change; resolver filter; other domains ignored") {
  auto rows = runs();
  rows.push_back(row(100, T0 + 45 * 60 * S, "knot", {}, "x.com", "A", "timeout"));
  rows.push_back(row(101, T0 + 45 * 60 * S, "knot", {"1.2.3.4"}, "t.co", "A"));
  rows.push_back(row(102, T0 + 45 * 60 * S, "knot", {"2001:db8::1"}, "x.com", "AAAA"));
  const LoginRecord l = login_at(T0 + 50 * 60 * S);
  json d = domain0(derive_tables(std::span(&l, 1), rows, x_a()));
  CHECK(d["window"]["without_address"] == json({{"timeout", 1}}));
  CHECK(d["changes_24h"]["changes"].size() == 1);
  CHECK(d["before"]["by_resolver"][0]["outcome"] == "timeout");  // the nearest is the failure itself
  auto o = x_a();
  o.resolvers = {"unbound"};
  d = domain0(derive_tables(std::span(&l, 1), rows, o));
  CHECK(d["changes_24h"]["changed"] == false);
  CHECK(d["window"]["resolvers"] == json::array({"unbound"}));
  o = x_a();
  o.types = {"A", "AAAA"};
  const json t = derive_tables(std::span(&l, 1), rows, o);
  CHECK(t["logins"][0]["domains"].size() == 2);
  CHECK(t["logins"][0]["domains"][1]["window"]["addresses"][0]["address"] == "2001:db8::1");
  CHECK(t["logins"][0]["union"]["addresses"].size() == 3);
}

TEST_CASE("deterministic: shuffled and duplicated rows give identical bytes; leaves_needed suffices") {
  auto rows = runs();
  const std::vector<LoginRecord> logins = {login_at(T0 + 50 * 60 * S), login_at(T0 + 100 * 60 * S)};
  auto o = x_a();
  o.from_ns = T0;
  o.until_ns = T0 + 3600 * S;
  const std::string a = derive_tables(logins, rows, o).dump();
  auto shuffled = rows;
  shuffled.insert(shuffled.end(), rows.begin(), rows.begin() + 3);
  std::mt19937 rng(7);
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  CHECK(derive_tables(logins, shuffled, o).dump() == a);
  CHECK(derive_tables(logins, rows, o)["period"]["domains"][0]["observations"] == 5);

  // A long ledger around one login: the needed subset gives the same table as everything.
  std::vector<ObservationRow> many;
  for (int k = -200; k <= 200; ++k)
    for (const char* res : {"knot", "unbound"})
      many.push_back(row(many.size(), T0 + k * 600 * S + (res[0] == 'u' ? S : 0), res,
                         {(k / 37) % 2 == 0 ? "104.244.42.1" : "104.244.42.129"}));
  const LoginRecord l = login_at(T0 + 7 * S);
  const auto needed = leaves_needed_for_login(l.at.ns, many, x_a());
  std::vector<ObservationRow> subset;
  for (const auto& r : many)
    if (std::binary_search(needed.begin(), needed.end(), r.leaf_index)) subset.push_back(r);
  CHECK(subset.size() < many.size() / 4);
  CHECK(derive_tables(std::span(&l, 1), subset, x_a()) == derive_tables(std::span(&l, 1), many, x_a()));
  CHECK(derive_tables(std::span(&l, 1), subset, x_a())["logins"][0]["domains"][0]["changes_24h"]["changes"].size() >=
        2);
}

TEST_CASE("observation leaf parsing: fields, TTLs of the final records, run leaves, bad leaves") {
  const std::string leaf =
      R"({"addresses":["104.244.42.65","104.244.42.1"],"answers":[{"data":"x.com.","name":"a.x.com.","ttl":60,"type":"CNAME"},)"
      R"({"data":"104.244.42.1","name":"x.com.","ttl":300,"type":"A"},{"data":"104.244.42.65","name":"x.com.","ttl":299,"type":"A"}],)"
      R"("kind":"observation","outcome":"answer","qname":"x.com","qtype":"A","resolver":{"name":"knot"},"run_id":"r1",)"
      R"("sent_at":"2023-11-21T02:10:15.123456789Z"})";
  const auto r = observation_row_of_leaf(7, leaf);
  REQUIRE(r);
  CHECK(r->leaf_index == 7);
  CHECK(r->addresses == std::vector<std::string>{"104.244.42.1", "104.244.42.65"});
  CHECK(r->ttls.at("104.244.42.65") == std::vector<std::uint32_t>{299});
  CHECK(r->time_ns == 1700532615123456789LL);
  CHECK(r->resolver == "knot");
  CHECK(!observation_row_of_leaf(0, R"({"kind":"run","run_id":"r1"})"));
  CHECK_THROWS_AS(observation_row_of_leaf(0, "{\"kind\":\"observation\"}"), std::invalid_argument);
  CHECK_THROWS_AS(observation_row_of_leaf(0, "not json"), std::invalid_argument);
  CHECK_THROWS_AS(observation_row_of_leaf(0, R"({"kind":"other"})"), std::invalid_argument);
}
