// Candidates of a window without any address (issue 16, item 7): only NXDOMAIN, NODATA or failures
// inside it, or nothing at all, and the candidates come from the nearest observations with an
// address on each side, named in a warning. And numeric address order in every table.
#include <doctest/doctest.h>

#include <algorithm>

#include "model/address.h"
#include "reports/candidates.h"
#include "reports/resolver_facts.h"
#include "support/observation_rows.h"

using namespace dnswitness;
using nlohmann::json;

namespace {

constexpr std::int64_t S = kNsPerSecondReport;
// 2023-11-21T02:00:00Z
constexpr std::int64_t T0 = 1700532000LL * S;

ObservationRow obs(std::uint64_t leaf, std::int64_t t, const std::string& resolver, std::vector<std::string> addrs,
                   const std::string& outcome = "answer", const std::string& qtype = "A") {
  return test::observation_row(leaf, t, resolver, std::move(addrs), "x.com", qtype, outcome);
}

LoginRecord login(std::int64_t t) {
  LoginRecord l;
  l.at = UtcTime{t};
  l.time_text = "t";
  l.origin = "command-line";
  return l;
}

CandidateOptions window_10m(std::vector<std::string> types = {"A"}) {
  CandidateOptions o;
  o.domains = {"x.com"};
  o.types = std::move(types);
  o.before_ns = 600 * S;
  o.after_ns = 600 * S;
  return o;
}

std::vector<std::string> union_addresses(const json& tables) {
  std::vector<std::string> out;
  for (const auto& a : tables["logins"][0]["union"]["addresses"]) out.push_back(a["address"].get<std::string>());
  return out;
}

// The window [T0 - 10 min, T0 + 10 min] holds only NXDOMAIN and SERVFAIL; knot answered 30 min
// before and 40 min after, unbound only 50 min after.
std::vector<ObservationRow> nxdomain_window() {
  return {obs(3, T0 - 1800 * S, "knot", {"192.0.2.10", "192.0.2.9"}),
          obs(7, T0 - 120 * S, "knot", {}, "nxdomain"),
          obs(8, T0 - 120 * S + S / 2, "unbound", {}, "nxdomain"),
          obs(12, T0 + 180 * S, "unbound", {}, "servfail"),
          obs(15, T0 + 2400 * S, "knot", {"192.0.2.11"}),
          obs(20, T0 + 3000 * S, "unbound", {"192.0.2.12"})};
}

}  // namespace

TEST_CASE("a window holding only NXDOMAIN and failures takes its candidates from the nearest answers either side") {
  const auto rows = nxdomain_window();
  const LoginRecord l = login(T0);
  const json t = derive_tables(std::span(&l, 1), rows, window_10m());
  const json& d = t["logins"][0]["domains"][0];
  CHECK(d["window"]["observations"] == 3);
  CHECK(d["window"]["addresses"].empty());
  CHECK(d["window"]["without_address"] == json({{"nxdomain", 2}, {"servfail", 1}}));
  // before/after keep their meaning: the nearest observation of any outcome.
  CHECK(d["before"]["by_resolver"][0]["outcome"] == "nxdomain");
  CHECK(d["before"]["addresses"].empty());

  const json& n = d["nearest_with_address"];
  REQUIRE(n.is_object());
  REQUIRE(n["before"]["by_resolver"].size() == 1);  // unbound has no answer before T
  CHECK(n["before"]["by_resolver"][0]["resolver"] == "knot");
  CHECK(n["before"]["by_resolver"][0]["leaf_index"] == 3);
  CHECK(n["before"]["gap_seconds"] == 1800);
  CHECK(n["before"]["addresses"] == json::array({"192.0.2.9", "192.0.2.10"}));
  REQUIRE(n["after"]["by_resolver"].size() == 2);
  CHECK(n["after"]["by_resolver"][0]["leaf_index"] == 15);
  CHECK(n["after"]["by_resolver"][1]["leaf_index"] == 20);
  CHECK(n["after"]["gap_ns"] == 2400 * S);

  CHECK(union_addresses(t) == std::vector<std::string>{"192.0.2.9", "192.0.2.10", "192.0.2.11", "192.0.2.12"});
  for (const auto& a : t["logins"][0]["union"]["addresses"]) {
    CHECK(a["basis"] == "nearest observation outside the window");
    CHECK(a["domains"] == json::array({"x.com A"}));
  }
  const std::string expected =
      "The window holds no observation of x.com A with an address (only 2 nxdomain, 1 servfail); its candidates "
      "come from the nearest observations with an address on each side: before the login time, leaf 3 (knot, "
      "30 min earlier); after it, leaf 15 (knot, 40 min later), leaf 20 (unbound, 50 min later).";
  const json& w = t["logins"][0]["warnings"];
  CHECK(std::find(w.begin(), w.end(), json(expected)) != w.end());
  CHECK(w.dump().find("No destination IP candidate at all") == std::string::npos);
}

TEST_CASE("a window with one answer among failures keeps its own candidates and no fallback") {
  auto rows = nxdomain_window();
  rows.push_back(obs(9, T0 + 60 * S, "knot", {"198.51.100.7"}));
  const LoginRecord l = login(T0);
  const json t = derive_tables(std::span(&l, 1), rows, window_10m());
  const json& d = t["logins"][0]["domains"][0];
  CHECK(d["nearest_with_address"].is_null());
  CHECK(union_addresses(t) == std::vector<std::string>{"198.51.100.7"});
  CHECK(t["logins"][0]["union"]["addresses"][0]["basis"] == "seen in the window");
  CHECK(d["warnings"].dump().find("candidates come from") == std::string::npos);
}

TEST_CASE("an empty window whose nearest observations are NXDOMAIN looks further for an address") {
  const std::vector<ObservationRow> rows = {obs(1, T0 - 7200 * S, "knot", {"192.0.2.1"}),
                                            obs(2, T0 - 3600 * S, "knot", {}, "nxdomain"),
                                            obs(3, T0 + 3600 * S, "knot", {}, "nodata")};
  const LoginRecord l = login(T0);
  const json t = derive_tables(std::span(&l, 1), rows, window_10m());
  const json& d = t["logins"][0]["domains"][0];
  CHECK(d["before"]["by_resolver"][0]["leaf_index"] == 2);
  CHECK(d["nearest_with_address"]["before"]["by_resolver"][0]["leaf_index"] == 1);
  CHECK(d["nearest_with_address"]["after"]["by_resolver"].empty());
  CHECK(union_addresses(t) == std::vector<std::string>{"192.0.2.1"});
  const std::string expected =
      "No observation of x.com A lies inside the window; its candidates come from the nearest observations with an "
      "address on each side: before the login time, leaf 1 (knot, 2.0 h earlier); after it, none in this report.";
  CHECK(d["warnings"].dump().find(json(expected).dump()) != std::string::npos);
}

TEST_CASE("no address anywhere: the fallback says none on both sides and the union is empty, warned") {
  const std::vector<ObservationRow> rows = {obs(1, T0 - 60 * S, "knot", {}, "nxdomain"),
                                            obs(2, T0 + 60 * S, "knot", {}, "timeout")};
  const LoginRecord l = login(T0);
  const json t = derive_tables(std::span(&l, 1), rows, window_10m());
  CHECK(t["logins"][0]["union"]["addresses"].empty());
  const std::string w = t["logins"][0]["warnings"].dump();
  CHECK(w.find("(only 1 nxdomain, 1 timeout)") != std::string::npos);
  CHECK(w.find("before the login time, none in this report; after it, none in this report.") != std::string::npos);
  CHECK(w.find("No destination IP candidate at all: the ledger holds no observation with an address for the "
               "selected domains and resolvers, inside the window or on either side of it.") != std::string::npos);
}

TEST_CASE("the resolver selection applies to the fallback too") {
  const auto rows = nxdomain_window();
  const LoginRecord l = login(T0);
  auto o = window_10m();
  o.resolvers = {"unbound"};
  const json t = derive_tables(std::span(&l, 1), rows, o);
  const json& n = t["logins"][0]["domains"][0]["nearest_with_address"];
  CHECK(n["before"]["by_resolver"].empty());
  REQUIRE(n["after"]["by_resolver"].size() == 1);
  CHECK(n["after"]["by_resolver"][0]["resolver"] == "unbound");
  CHECK(union_addresses(t) == std::vector<std::string>{"192.0.2.12"});
}

TEST_CASE("leaves_needed_for_login keeps the nearest answers of a window without an address") {
  // A long run of NXDOMAINs around the login, answers only far before and far after.
  std::vector<ObservationRow> many;
  many.push_back(obs(0, T0 - 20 * 3600 * S, "knot", {"192.0.2.1"}));
  many.push_back(obs(1, T0 - 19 * 3600 * S, "knot", {"192.0.2.2"}));
  for (int k = -100; k <= 100; ++k) many.push_back(obs(many.size(), T0 + k * 300 * S, "knot", {}, "nxdomain"));
  many.push_back(obs(many.size(), T0 + 18 * 3600 * S, "knot", {"192.0.2.3"}));
  many.push_back(obs(many.size(), T0 + 19 * 3600 * S, "knot", {"192.0.2.4"}));
  const LoginRecord l = login(T0);
  const auto needed = leaves_needed_for_login(l.at.ns, many, window_10m());
  CHECK(std::binary_search(needed.begin(), needed.end(), 1u));
  CHECK(std::binary_search(needed.begin(), needed.end(), many[many.size() - 2].leaf_index));
  std::vector<ObservationRow> subset;
  for (const auto& r : many)
    if (std::binary_search(needed.begin(), needed.end(), r.leaf_index)) subset.push_back(r);
  CHECK(subset.size() < 20);
  const json all = derive_tables(std::span(&l, 1), many, window_10m());
  CHECK(derive_tables(std::span(&l, 1), subset, window_10m()) == all);
  CHECK(union_addresses(all) == std::vector<std::string>{"192.0.2.2", "192.0.2.3"});
}

TEST_CASE("addresses are in numeric order in every table: IPv4 by value, then IPv6 by its bytes") {
  const std::vector<ObservationRow> rows = {
      obs(1, T0 - 300 * S, "knot", {"10.0.0.1", "9.9.9.9", "100.64.0.1"}),
      obs(2, T0 - 299 * S, "knot", {"2001:db8::10", "2001:db8::2", "2001:db8::9:0"}, "answer", "AAAA"),
      obs(3, T0 + 60 * S, "knot", {"10.0.0.1", "9.9.9.9", "10.0.0.2"}),
      obs(4, T0 + 61 * S, "knot", {"2001:db8::10", "2001:db8::2"}, "answer", "AAAA")};
  const LoginRecord l = login(T0);
  auto o = window_10m({"A", "AAAA"});
  o.from_ns = T0 - 3600 * S;
  o.until_ns = T0 + 3600 * S;
  const json t = derive_tables(std::span(&l, 1), rows, o);
  const json& a = t["logins"][0]["domains"][0];
  const json& aaaa = t["logins"][0]["domains"][1];
  std::vector<std::string> window_a;
  for (const auto& x : a["window"]["addresses"]) window_a.push_back(x["address"].get<std::string>());
  CHECK(window_a == std::vector<std::string>{"9.9.9.9", "10.0.0.1", "10.0.0.2", "100.64.0.1"});
  CHECK(a["before"]["addresses"] == json::array({"9.9.9.9", "10.0.0.1", "100.64.0.1"}));
  CHECK(a["before"]["by_resolver"][0]["addresses"] == json::array({"9.9.9.9", "10.0.0.1", "100.64.0.1"}));
  CHECK(a["changes_24h"]["changes"][0]["after"] == json::array({"9.9.9.9", "10.0.0.1", "10.0.0.2"}));
  CHECK(aaaa["after"]["addresses"] == json::array({"2001:db8::2", "2001:db8::10"}));
  CHECK(aaaa["before"]["addresses"] == json::array({"2001:db8::2", "2001:db8::10", "2001:db8::9:0"}));
  CHECK(union_addresses(t) == std::vector<std::string>{"9.9.9.9", "10.0.0.1", "10.0.0.2", "100.64.0.1",
                                                       "2001:db8::2", "2001:db8::10", "2001:db8::9:0"});
  std::vector<std::string> period_a;
  for (const auto& x : t["period"]["domains"][0]["addresses"]) period_a.push_back(x["address"].get<std::string>());
  CHECK(period_a == window_a);

  // Leaves read back: a leaf whose list is in text order still gives a numeric row, with its TTLs.
  const auto r = observation_row_of_leaf(
      5, R"({"addresses":["10.0.0.1","9.9.9.9"],"answers":[{"data":"9.9.9.9","name":"x.com.","ttl":60,"type":"A"},)"
         R"({"data":"10.0.0.1","name":"x.com.","ttl":30,"type":"A"}],"kind":"observation","outcome":"answer",)"
         R"("qname":"x.com","qtype":"A","resolver":{"name":"knot"},"run_id":"r1","sent_at":"2023-11-21T02:00:00Z"})");
  REQUIRE(r);
  CHECK(r->addresses == std::vector<std::string>{"9.9.9.9", "10.0.0.1"});
  CHECK(r->ttls.at("9.9.9.9") == std::vector<std::uint32_t>{60});
  CHECK(r->ttls.at("10.0.0.1") == std::vector<std::uint32_t>{30});

  // The resolver summary's client-subnet answers.
  ResolverFactsBuilder facts;
  facts.add(1, json::parse(R"({"resolver":{"name":"ns@x/ecs=24"},"outcome":"answer","qname":"x.com","qtype":"A",)"
                           R"("client_subnet":{"sent":"203.0.113.0/24"},"addresses":["10.0.0.1","9.9.9.9"]})"));
  facts.add(2, json::parse(R"({"resolver":{"name":"ns@x/ecs=24"},"outcome":"answer","qname":"x.com","qtype":"A",)"
                           R"("client_subnet":{"sent":"203.0.113.0/24"},"addresses":["100.64.0.1"]})"));
  CHECK(facts.result()[0]["client_subnet"]["answers"][0]["addresses"] ==
        json::array({"9.9.9.9", "10.0.0.1", "100.64.0.1"}));
}
