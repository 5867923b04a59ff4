// The list for the carrier (reports/carrier_list.h) through derive_tables: the login's own address
// family, login hosts apart from t.co, withheld for an unusable source IP, "after only" when nothing
// precedes the login, special-purpose destinations flagged.
#include <doctest/doctest.h>

#include "reports/candidates.h"
#include "reports/carrier_list.h"
#include "support/observation_rows.h"

using namespace dnswitness;
using nlohmann::json;

namespace {

constexpr std::int64_t S = kNsPerSecondReport;
constexpr std::int64_t T0 = 1700532000LL * S;  // 2023-11-21T02:00:00Z

LoginRecord login_from(std::int64_t t, std::optional<std::string> ip) {
  LoginRecord l;
  l.at = UtcTime{t};
  l.time_text = "t";
  l.source_ip = std::move(ip);
  l.origin = "command-line";
  return l;
}

// Two runs, 30 min apart, around T0 + 45 min: the X hosts in both families, t.co in IPv4 only.
std::vector<ObservationRow> x_rows(const std::string& x_a = "104.244.42.1") {
  std::vector<ObservationRow> rows;
  std::uint64_t leaf = 1;
  for (const std::int64_t t : {T0 + 30 * 60 * S, T0 + 60 * 60 * S}) {
    rows.push_back(test::observation_row(leaf++, t, "knot", {x_a}, "x.com", "A", "answer", 300));
    rows.push_back(test::observation_row(leaf++, t, "knot", {"2606:1f80:f000::1"}, "x.com", "AAAA", "answer", 300));
    rows.push_back(test::observation_row(leaf++, t, "knot", {"104.244.42.194"}, "api.x.com", "A", "answer", 300));
    rows.push_back(test::observation_row(leaf++, t, "knot", {"104.244.42.5"}, "t.co", "A", "answer", 300));
    rows.push_back(test::observation_row(leaf++, t, "knot", {}, "t.co", "AAAA", "nodata", 300));
  }
  return rows;
}

CandidateOptions x_options() {
  CandidateOptions o;
  o.domains = {"x.com", "api.x.com", "t.co"};
  return o;
}

json list_for(const LoginRecord& l, const std::vector<ObservationRow>& rows, const CandidateOptions& o = x_options()) {
  const json t = derive_tables(std::span(&l, 1), rows, o);
  return t["logins"][0]["carrier_list"];
}

std::vector<std::string> addresses_in(const json& list) {
  std::vector<std::string> out;
  for (const auto& a : list) out.push_back(a["address"].get<std::string>());
  return out;
}

}  // namespace

TEST_CASE("an IPv4 source gets the A candidates of the login hosts; t.co is kept apart") {
  const json c = list_for(login_from(T0 + 45 * 60 * S, "126.33.10.5"), x_rows());
  CHECK(c["status"] == "listed");
  CHECK(c["family"] == 4);
  CHECK(addresses_in(c["addresses"]) == std::vector<std::string>{"104.244.42.1", "104.244.42.194"});
  CHECK(addresses_in(c["other_hosts"]) == std::vector<std::string>{"104.244.42.5"});
  CHECK(c["addresses"][0]["basis"] == "seen in the window");
  CHECK(c["addresses"][0]["domains"] == json::array({"x.com A"}));
  CHECK_FALSE(c["addresses"][0].contains("special"));
  CHECK_FALSE(c.contains("reason"));
  // An IPv4 address written inside ::ffff:0:0/96 is that IPv4 address.
  CHECK(list_for(login_from(T0 + 45 * 60 * S, "::ffff:126.33.10.5"), x_rows())["family"] == 4);
}

TEST_CASE("an IPv6 source gets the AAAA candidates only") {
  const json c = list_for(login_from(T0 + 45 * 60 * S, "2400:4050:a1:b2::1"), x_rows());
  CHECK(c["status"] == "listed");
  CHECK(c["family"] == 6);
  CHECK(addresses_in(c["addresses"]) == std::vector<std::string>{"2606:1f80:f000::1"});
  CHECK(c["other_hosts"].empty());  // t.co has no AAAA
}

TEST_CASE("an IPv6 login to names without AAAA records: an empty list, not labelled 'after only'") {
  std::vector<ObservationRow> rows;
  for (const std::int64_t t : {T0 + 30 * 60 * S, T0 + 60 * 60 * S}) {
    rows.push_back(test::observation_row(rows.size() + 1, t, "knot", {"104.244.42.1"}, "x.com", "A", "answer", 300));
    rows.push_back(test::observation_row(rows.size() + 1, t, "knot", {}, "x.com", "AAAA", "nodata", 300));
  }
  const json c = list_for(login_from(T0 + 45 * 60 * S, "2400:4050:a1:b2::1"), rows);
  CHECK(c["status"] == "listed");
  CHECK(c["addresses"].empty());
}

TEST_CASE("no source IP: both families") {
  const json c = list_for(login_from(T0 + 45 * 60 * S, std::nullopt), x_rows());
  CHECK(c["status"] == "listed");
  CHECK(c["family"].is_null());
  CHECK(addresses_in(c["addresses"]) ==
        std::vector<std::string>{"104.244.42.1", "104.244.42.194", "2606:1f80:f000::1"});
}

TEST_CASE("a source IP a carrier cannot use: the list is withheld with the reason") {
  for (const char* ip : {"10.1.2.3", "100.64.0.9", "192.0.2.10", "fe80::1"}) {
    CAPTURE(ip);
    const json c = list_for(login_from(T0 + 45 * 60 * S, ip), x_rows());
    CHECK(c["status"] == "withheld");
    CHECK(c["addresses"].empty());
    CHECK(c["other_hosts"].empty());
    CHECK(c["reason"].get<std::string>().find("cannot be used in a request to a carrier") != std::string::npos);
  }
  CHECK(list_for(login_from(T0, "10.1.2.3"), x_rows())["family"] == 4);
}

TEST_CASE("a login before the first observation: the list is for reference, after the login only") {
  const json c = list_for(login_from(T0 + 20 * 60 * S, "126.33.10.5"), x_rows());
  CHECK(c["status"] == "after_only");
  CHECK(addresses_in(c["addresses"]) == std::vector<std::string>{"104.244.42.1", "104.244.42.194"});
  // Only t.co observed before the login (not a login host): still after only.
  auto rows = x_rows();
  rows.push_back(test::observation_row(99, T0, "knot", {"104.244.42.5"}, "t.co", "A", "answer", 300));
  CHECK(list_for(login_from(T0 + 20 * 60 * S, "126.33.10.5"), rows)["status"] == "after_only");
  // An IPv6 login with only an A record before it is after only too (its family's type is AAAA).
  rows.push_back(test::observation_row(100, T0, "knot", {"104.244.42.1"}, "x.com", "A", "answer", 300));
  CHECK(list_for(login_from(T0 + 20 * 60 * S, "126.33.10.5"), rows)["status"] == "listed");
  CHECK(list_for(login_from(T0 + 20 * 60 * S, "2400:4050:a1:b2::1"), rows)["status"] == "after_only");
}

TEST_CASE("special-purpose destination addresses are flagged with their class") {
  const json c = list_for(login_from(T0 + 45 * 60 * S, "126.33.10.5"), x_rows("192.0.2.7"));
  REQUIRE(c["addresses"].size() == 2);
  CHECK(c["addresses"][0]["address"] == "104.244.42.194");
  CHECK_FALSE(c["addresses"][0].contains("special"));
  CHECK(c["addresses"][1]["address"] == "192.0.2.7");
  CHECK(c["addresses"][1]["special"] == "documentation");
}

TEST_CASE("a report about other names keeps every candidate in one list") {
  std::vector<ObservationRow> rows = {
      test::observation_row(1, T0, "knot", {"198.51.100.1"}, "a.lab.test", "A", "answer", 300),
      test::observation_row(2, T0, "knot", {"203.0.113.9"}, "t.co", "A", "answer", 300)};
  CandidateOptions o;
  o.domains = {"a.lab.test", "t.co"};
  const json c = list_for(login_from(T0 + 60 * S, "126.33.10.5"), rows, o);
  CHECK(addresses_in(c["addresses"]) == std::vector<std::string>{"198.51.100.1", "203.0.113.9"});
  CHECK(c["other_hosts"].empty());
  CHECK(is_login_host("API.X.com."));
  CHECK_FALSE(is_login_host("t.co"));
  CHECK_FALSE(is_login_host("s.twitter.com"));
}
