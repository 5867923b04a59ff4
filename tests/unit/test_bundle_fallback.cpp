// What `report` selects for a window without an address (issue 16, item 7): the ledger around the
// login holds only NXDOMAIN and NODATA for more than 24 hours on each side, so the nearest answers
// lie beyond the index horizon and must still be in the bundle, be the candidates, and verify.
#include <doctest/doctest.h>

#include <set>

#include "ledger/store.h"
#include "reports/bundle.h"
#include "reports/verify.h"
#include "support/lab.h"

using namespace dnswitness;
using nlohmann::json;

namespace {

constexpr std::int64_t kFallbackHour = 3'600'000'000'000;
// 2023-11-21T02:00:00Z, the login time.
constexpr std::int64_t kLoginNs = 1'700'532'000'000'000'000;

Observation fallback_obs(std::int64_t t, Outcome outcome, std::vector<std::string> addresses) {
  Observation o;
  o.qname = "x.com";
  o.qtype = 1;
  o.resolver = ResolverSpec{"knot", Protocol::udp, "127.0.0.1", 53, {}};
  o.sent_at = UtcTime{t};
  o.outcome = outcome;
  o.rcode = outcome == Outcome::nxdomain ? 3 : 0;
  o.addresses = std::move(addresses);
  for (const auto& a : o.addresses) o.answers.push_back({"x.com.", "A", 300, a});
  o.query_wire = Bytes(30, 1);
  return o;
}

}  // namespace

TEST_CASE("report brings the nearest answers from beyond 24 hours when the window holds no address") {
  dnswitness::test::TempDir dir;
  LedgerStore store(LedgerPaths{dir.path() / "l"}, LedgerStore::Mode::read_write, "test/fallback");
  bool created = false;
  const auto key = store.load_or_create_key(&created);
  // (hours from the login, outcome, addresses), one run each.
  const std::vector<std::tuple<int, Outcome, std::vector<std::string>>> runs = {
      {-40, Outcome::answer, {"10.0.0.1", "9.9.9.9"}},
      {-30, Outcome::answer, {"192.0.2.10", "192.0.2.9"}},
      {-20, Outcome::nxdomain, {}},
      {0, Outcome::nxdomain, {}},
      {20, Outcome::nodata, {}},
      {30, Outcome::answer, {"192.0.2.100", "192.0.2.20"}},
      {40, Outcome::answer, {"203.0.113.1"}}};
  std::vector<std::uint64_t> first_leaf;
  for (std::size_t k = 0; k < runs.size(); ++k) {
    const auto& [hours, outcome, addresses] = runs[k];
    const std::int64_t t = kLoginNs + hours * kFallbackHour - 1'000'000'000;  // a second before the hour
    RunRecord run;
    run.run_id = "run" + std::to_string(k);
    run.started_at = UtcTime{t};
    run.finished_at = UtcTime{t + 1};
    run.observation_count = 1;
    first_leaf.push_back(store.checkpoints().empty() ? 0 : store.checkpoints().back().size);
    const std::vector<Observation> os = {fallback_obs(t, outcome, addresses)};
    store.append_run(make_run_leaves(run, os), key);
  }

  ReportRequest req;
  LoginInput at;
  at.kind = "command-line";
  at.name = "--at";
  at.values = {"2023-11-21T02:00:00Z"};
  req.inputs.push_back(at);
  req.options.domains = {"x.com"};
  req.options.types = {"A"};
  req.options.before_ns = req.options.after_ns = kFallbackHour / 6;
  req.created_at = UtcTime{kLoginNs + 100 * kFallbackHour};
  const json b = build_bundle(store, req);

  std::set<std::uint64_t> leaves;
  for (const auto& l : b["leaves"]) leaves.insert(l["index"].get<std::uint64_t>());
  const auto observation_of_run = [&](std::size_t k) { return first_leaf[k] + 1; };
  CHECK(leaves.count(observation_of_run(1)) == 1);  // the answer 30 h before
  CHECK(leaves.count(observation_of_run(5)) == 1);  // the answer 30 h after
  CHECK(leaves.count(observation_of_run(0)) == 0);  // farther answers are not needed
  CHECK(leaves.count(observation_of_run(6)) == 0);

  const json& d = b["tables"]["logins"][0]["domains"][0];
  CHECK(d["window"]["without_address"] == json({{"nxdomain", 1}}));
  CHECK(d["nearest_with_address"]["before"]["by_resolver"][0]["leaf_index"] == observation_of_run(1));
  CHECK(d["nearest_with_address"]["after"]["by_resolver"][0]["leaf_index"] == observation_of_run(5));
  json u = json::array();
  for (const auto& a : b["tables"]["logins"][0]["union"]["addresses"]) u.push_back(a["address"]);
  CHECK(u == json::array({"192.0.2.9", "192.0.2.10", "192.0.2.20", "192.0.2.100"}));
  CHECK(d["warnings"].dump().find("before the login time, leaf " + std::to_string(observation_of_run(1)) +
                                  " (knot, 30.0 h earlier); after it, leaf " +
                                  std::to_string(observation_of_run(5)) + " (knot, 30.0 h later).") !=
        std::string::npos);

  const auto v = verify_bundle(b.dump(1) + "\n");
  CHECK_MESSAGE(v.ok, v.failure);
}
