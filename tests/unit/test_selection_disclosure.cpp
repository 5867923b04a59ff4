// What a filtered report leaves out (issue 16, item 2): the counts of every observation in each
// window, what the selection excluded, and what the excluded resolvers saw that the included ones
// did not -- an address only they returned, a change only they saw -- as a table and as warnings.
#include <doctest/doctest.h>

#include "model/address.h"
#include "reports/candidates.h"
#include "reports/selection_disclosure.h"
#include "support/observation_rows.h"

using namespace dnswitness;
using nlohmann::json;

namespace {

constexpr std::int64_t kSec = kNsPerSecondReport;
constexpr std::int64_t kT = 1700532000LL * kSec;  // 2023-11-21T02:00:00Z

ObservationRow observed(std::uint64_t leaf, std::int64_t t, const std::string& resolver,
                        std::vector<std::string> addrs, const std::string& qname = "x.com",
                        const std::string& qtype = "A", const std::string& outcome = "answer") {
  return test::observation_row(leaf, t, resolver, std::move(addrs), qname, qtype, outcome);
}

LoginRecord at(std::int64_t t) {
  LoginRecord l;
  l.at = UtcTime{t};
  l.time_text = "t";
  l.line = 1;
  l.origin = "lines";
  return l;
}

CandidateOptions only_knot() {
  CandidateOptions o;
  o.domains = {"x.com"};
  o.types = {"A"};
  o.resolvers = {"knot"};
  o.before_ns = 3600 * kSec;
  o.after_ns = 600 * kSec;
  return o;
}

// Five runs 5 minutes apart before the login; knot always answers 192.0.2.1, unbound switches to
// 198.51.100.7 at the fourth; a t.co AAAA answer of knot's is outside the selection.
std::vector<ObservationRow> five_runs() {
  std::vector<ObservationRow> rows;
  std::uint64_t leaf = 0;
  for (int i = 0; i < 5; ++i) {
    const std::int64_t t = kT - (25 - 5 * i) * 60 * kSec;
    ++leaf;  // the run leaf
    rows.push_back(observed(leaf++, t, "knot", {"192.0.2.1"}));
    rows.push_back(observed(leaf++, t + kSec, "unbound", {i < 3 ? "192.0.2.1" : "198.51.100.7"}));
    rows.push_back(observed(leaf++, t + 2 * kSec, "knot", {"2001:db8::1"}, "t.co", "AAAA"));
    for (auto it = rows.end() - 3; it != rows.end(); ++it) it->run_id = "run-" + std::to_string(i);
  }
  return rows;
}

}  // namespace

TEST_CASE("a report filtered to knot states what unbound saw that knot did not") {
  const auto rows = five_runs();
  const std::vector<LoginRecord> logins = {at(kT)};
  const json s = selection_disclosure(logins, rows, only_knot());
  REQUIRE(s["windows"].size() == 1);
  const json& w = s["windows"][0];
  CHECK(w["runs"] == 5);
  CHECK(w["observations"] == 15);
  CHECK(w["included_observations"] == 5);
  CHECK(w["resolvers"] == json::array({"knot", "unbound"}));
  CHECK(w["excluded"]["observations"] == 10);
  CHECK(w["excluded"]["resolvers"] == json::array({"unbound"}));
  CHECK(w["excluded"]["domains"] == json::array({"t.co"}));
  CHECK(w["excluded"]["types"] == json::array({"AAAA"}));
  REQUIRE(w["addresses_only_in_excluded"].size() == 1);
  CHECK(w["addresses_only_in_excluded"][0] ==
        json({{"qname", "x.com"}, {"qtype", "A"}, {"address", "198.51.100.7"}, {"resolvers", {"unbound"}}}));
  REQUIRE(w["changes_only_in_excluded"].size() == 1);
  CHECK(w["changes_only_in_excluded"][0]["resolver"] == "unbound");
  CHECK(w["changes_only_in_excluded"][0]["before"] == json::array({"192.0.2.1"}));
  CHECK(w["changes_only_in_excluded"][0]["after"] == json::array({"198.51.100.7"}));

  // The login's table says so: not "no change" for a report that left the change out.
  const json tables = derive_tables(logins, rows, only_knot());
  const json& login = tables["logins"][0];
  CHECK(login["domains"][0]["changes_24h"]["changed"] == false);
  const std::string warnings = login["warnings"].dump();
  CHECK(warnings.find("Resolvers this report leaves out answered x.com A in the window with address(es) the included "
                      "resolvers did not return: 198.51.100.7 (from unbound).") != std::string::npos);
  CHECK(warnings.find("The resolver unbound, which this report leaves out, saw the address set of x.com A change in "
                      "the window") != std::string::npos);
  CHECK(tables["selection"] == s);
}

TEST_CASE("nothing excluded: the disclosure counts everything and warns of nothing") {
  const auto rows = five_runs();
  CandidateOptions all = only_knot();
  all.resolvers.clear();
  all.domains = {"x.com", "t.co"};
  all.types = {"A", "AAAA"};
  const std::vector<LoginRecord> logins = {at(kT)};
  const json w = selection_disclosure(logins, rows, all)["windows"][0];
  CHECK(w["included_observations"] == 15);
  CHECK(w["excluded"]["observations"] == 0);
  CHECK(w["addresses_only_in_excluded"].empty());
  CHECK(w["changes_only_in_excluded"].empty());
  CHECK(excluded_observation_warnings(rows, all, kT - 3600 * kSec, kT + 600 * kSec).empty());
}

TEST_CASE("only the window counts: what unbound saw outside it is not reported against the login") {
  auto rows = five_runs();
  // An unbound answer two hours earlier with another address: outside the 1 h window.
  rows.push_back(observed(100, kT - 2 * 3600 * kSec, "unbound", {"203.0.113.9"}));
  const std::vector<LoginRecord> logins = {at(kT)};
  const json w = selection_disclosure(logins, rows, only_knot())["windows"][0];
  CHECK(w["addresses_only_in_excluded"].size() == 1);  // 198.51.100.7 only
}
