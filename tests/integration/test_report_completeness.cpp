// Completeness (issue 16, items 1 and 3): a bundle from which an observation or a whole run of a
// window was removed, or whose coverage gaps were edited, fails verify even when everything derived
// from the leaves (observation summary, resolver summary, runs, coverage, tables) was re-derived
// without it -- the attack of an expert who knows docs/report.md. The re-deriver below is checked
// first: applied with nothing removed it must give back the bundle byte for byte, so the attacks
// are real ones, not bundles broken some other way.
#include <doctest/doctest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "crypto/encoding.h"
#include "model/observation.h"
#include "reports/bundle.h"
#include "reports/candidates.h"
#include "reports/coverage_gaps.h"
#include "reports/resolver_facts.h"
#include "reports/verify.h"
#include "support/lab.h"
#include "timeutil/timestamp.h"

using namespace dnswitness;
using namespace dnswitness::test;
using nlohmann::json;

namespace {

struct CompletenessFixture {
  TempDir dir;
  std::string all, filtered;  // a bundle of every resolver, and one of knot only
  std::string period;         // --from/--until and a login file with source IPs, for the field list
  CompletenessFixture() {
    const Lab lab;
    const std::string ledger = dir / "ledger";
    for (int i = 0; i < 5; ++i) {
      const auto r = run_dnswitness("resolve-snapshot --ledger " + ledger + " --resolver knot=" + lab.knot() +
                                    " --resolver unbound=" + lab.unbound() + " --domains x.com,t.co --ntp none -q");
      REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    }
    const auto now = run_command("date -u +%Y-%m-%dT%H:%M:%SZ").out.substr(0, 20);
    auto r = run_dnswitness("report --ledger " + ledger + " --domains x.com,t.co --at " + now +
                            " --format json --out " + dir / "all");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    r = run_dnswitness("report --ledger " + ledger + " --domains x.com,t.co --resolver knot --at " + now +
                       " --format json --out " + dir / "knot");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    write_file(dir / "logins.csv", "time,ip,account\n" + now + ",223.216.231.10,acct\n2020-01-01T00:00:00Z,100.64.1.2,x\n");
    const auto hour_ago = run_command("date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ").out.substr(0, 20);
    // A minute ahead: `now` is cut to the second, and the runs may lie in the same second after it.
    const auto soon = run_command("date -u -d '+1 minute' +%Y-%m-%dT%H:%M:%SZ").out.substr(0, 20);
    r = run_dnswitness("report --ledger " + ledger + " --domains x.com,t.co --resolver knot --logins " +
                       dir / "logins.csv" + " --from " + hour_ago + " --until " + soon + " --format json --out " +
                       dir / "period");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    period = read_file(dir / "period/report.json");
    all = read_file(dir / "all/report.json");
    filtered = read_file(dir / "knot/report.json");
  }
};

CompletenessFixture& fixture() {
  static CompletenessFixture f;
  return f;
}

std::string leaf_text(const json& leaf) {
  const auto data = base64_decode(leaf.at("data_base64").get<std::string>());
  REQUIRE(data);
  return std::string(data->begin(), data->end());
}

// Removes the leaves in `drop` and re-derives, the way report does, everything that depends on them.
json without_leaves(json b, const std::set<std::uint64_t>& drop) {
  json kept = json::array();
  for (const auto& l : b["leaves"])
    if (!drop.count(l["index"].get<std::uint64_t>())) kept.push_back(l);
  b["leaves"] = kept;

  std::vector<ObservationRow> rows;
  ResolverFactsBuilder facts;
  std::vector<std::int64_t> starts;
  std::set<std::uint64_t> run_leaves;
  for (const auto& l : kept) {
    const json j = json::parse(leaf_text(l));
    const auto index = l["index"].get<std::uint64_t>();
    if (auto row = observation_row_of_json(index, j)) {
      rows.push_back(*row);
      facts.add(index, j);
    } else {
      starts.push_back(parse_rfc3339(j["started_at"].get<std::string>())->ns);
      run_leaves.insert(index);
    }
  }
  std::int64_t first = 0, last = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i == 0 || rows[i].time_ns < first) first = rows[i].time_ns;
    if (i == 0 || rows[i].time_ns > last) last = rows[i].time_ns;
  }
  b["observations"] = {{"count", rows.size()},
                       {"first", rows.empty() ? json() : json(format_rfc3339_ns(UtcTime{first}))},
                       {"last", rows.empty() ? json() : json(format_rfc3339_ns(UtcTime{last}))}};
  b["resolvers"] = facts.result();
  json runs = json::array();
  for (const auto& r : b["runs"])
    if (run_leaves.count(r["run_leaf"].get<std::uint64_t>())) runs.push_back(r);
  b["runs"] = runs;

  std::vector<LoginInput> inputs;
  for (const auto& in : b["logins"]["inputs"]) {
    LoginInput li;
    li.kind = in["kind"];
    li.name = in["name"];
    li.values = in["values"].get<std::vector<std::string>>();
    inputs.push_back(li);
  }
  const auto logins = read_login_inputs(inputs, b["logins"]["tz"]);
  const json& sel = b["selection"];
  CandidateOptions o;
  o.domains = sel["domains"].get<std::vector<std::string>>();
  o.types = sel["types"].get<std::vector<std::string>>();
  o.resolvers = sel["resolvers"].get<std::vector<std::string>>();
  o.before_ns = sel["before_ns"];
  o.after_ns = sel["after_ns"];
  std::sort(starts.begin(), starts.end());
  b["coverage"] = coverage_of(starts, report_windows(logins, o), std::nullopt);
  b["tables"] = derive_tables(logins, rows, o);
  return b;
}

std::set<std::uint64_t> leaves_of_kind(const json& b, const char* kind) {
  std::set<std::uint64_t> out;
  for (const auto& l : b["leaves"])
    if (l["kind"] == kind) out.insert(l["index"].get<std::uint64_t>());
  return out;
}

std::string verify_failure(const json& b) {
  const auto v = verify_bundle(b.dump(1) + "\n");
  return v.ok ? std::string("valid") : v.failure;
}

}  // namespace

TEST_CASE("completeness: the re-deriver gives back each bundle unchanged, and both verify") {
  for (const std::string* text : {&fixture().all, &fixture().filtered}) {
    const json b = json::parse(*text);
    CHECK(b["format"] == "dnswitness-report/2");
    CHECK(without_leaves(b, {}) == b);
    const auto v = verify_bundle(*text);
    CHECK_MESSAGE(v.ok, v.failure);
    CHECK(v.completeness_checked);
  }
}

TEST_CASE("completeness: every observation of a run in the window is carried, even those the selection excludes") {
  const json b = json::parse(fixture().filtered);
  std::set<std::string> resolvers;
  for (const auto& l : b["leaves"]) {
    const json j = json::parse(leaf_text(l));
    if (l["kind"] == "observation") resolvers.insert(j["resolver"]["name"].get<std::string>());
  }
  // The report selected knot only; the bundle still carries unbound's answers of the same runs.
  CHECK(resolvers.size() == 2);
}

TEST_CASE("completeness: a dropped observation of a window's run fails verify, naming the leaf and run") {
  for (const std::string* text : {&fixture().all, &fixture().filtered}) {
    const json b = json::parse(*text);
    const auto observations = leaves_of_kind(b, "observation");
    REQUIRE(observations.size() >= 20);
    for (const auto index : observations) {
      CAPTURE(index);
      const std::string why = verify_failure(without_leaves(b, {index}));
      CHECK(why.find("leaf " + std::to_string(index) + " of run ") == 0);
      CHECK(why.find("must carry all its") != std::string::npos);
    }
  }
}

TEST_CASE("completeness: a dropped run (its run leaf and all its observations) fails verify") {
  const json b = json::parse(fixture().all);
  const auto runs = leaves_of_kind(b, "run");
  REQUIRE(runs.size() == 5);
  const auto observations = leaves_of_kind(b, "observation");
  for (auto it = runs.begin(); it != runs.end(); ++it) {
    const std::uint64_t begin = *it;
    const std::uint64_t end = std::next(it) == runs.end() ? b["ledger"]["newest_size"].get<std::uint64_t>() : *std::next(it);
    std::set<std::uint64_t> drop;
    for (std::uint64_t i = begin; i < end; ++i) drop.insert(i);
    CAPTURE(begin);
    const std::string why = verify_failure(without_leaves(b, drop));
    CHECK(why.find("the bundle does not carry every run from ") == 0);
  }
}

TEST_CASE("coverage: every change to the gaps fails verify") {
  const json b = json::parse(fixture().all);
  REQUIRE(b["coverage"]["windows"].size() == 1);
  REQUIRE(!b["coverage"]["windows"][0]["gaps"].empty());
  const auto expect_coverage_failure = [&](const json& changed) {
    const std::string why = verify_failure(changed);
    CHECK_MESSAGE(why.find("the coverage at coverage") == 0, why);
  };
  {
    json c = b;  // a gap deleted
    c["coverage"]["windows"][0]["gaps"].erase(0);
    expect_coverage_failure(c);
  }
  for (const char* edge : {"from", "until"})
    for (const std::int64_t shift : {-1000000000LL, -1LL, 1LL, 60000000000LL}) {
      json c = b;  // a gap edge moved by 1 ns to a minute
      auto& g = c["coverage"]["windows"][0]["gaps"][0];
      g[edge] = format_rfc3339_ns(UtcTime{parse_rfc3339(g[edge].get<std::string>())->ns + shift});
      expect_coverage_failure(c);
    }
  for (const json& garbage : {json("yesterday"), json(""), json(nullptr), json(42), json("2026-13-01T00:00:00Z")}) {
    json c = b;
    c["coverage"]["windows"][0]["gaps"][0]["from"] = garbage;
    expect_coverage_failure(c);
  }
  for (const json& threshold : {json(1), json(b["coverage"]["interval_seconds"].get<std::int64_t>() * 3), json(nullptr)}) {
    json c = b;  // a threshold no longer twice the interval
    c["coverage"]["gap_threshold_seconds"] = threshold;
    expect_coverage_failure(c);
  }
  {
    json c = b;  // an extra gap
    c["coverage"]["windows"][0]["gaps"].push_back(c["coverage"]["windows"][0]["gaps"][0]);
    expect_coverage_failure(c);
  }
  {
    json c = b;  // the interval changed with its threshold
    c["coverage"]["interval_seconds"] = 3600;
    c["coverage"]["gap_threshold_seconds"] = 7200;
    expect_coverage_failure(c);
  }
}

TEST_CASE("completeness: a bundle relabelled as format 1 (to skip the checks) is refused") {
  json b = json::parse(fixture().all);
  b["format"] = "dnswitness-report/1";
  const std::string why = verify_failure(b);
  CHECK(why.find("the bundle is format dnswitness-report/1, made by an older dnswitness") == 0);
}

namespace {

// The field list of docs/report.md ("Every field of `tables`"), with its ".*" shapes expanded.
std::set<std::string> documented_table_fields() {
  const std::string doc = read_file(std::string(DNSWITNESS_TESTDATA_DIR) + "/../../docs/report.md");
  const auto begin = doc.find("```fields\n");
  REQUIRE(begin != std::string::npos);
  const auto end = doc.find("```", begin + 10);
  std::vector<std::string> lines;
  std::istringstream in(doc.substr(begin + 10, end - begin - 10));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line.substr(0, line.find(' ')));
  std::set<std::string> fields;
  const auto with_prefix = [&](const std::string& from, const std::string& to) {
    for (const auto& l : lines)
      if (l.rfind(from, 0) == 0 && l.find(".*") == std::string::npos) fields.insert(to + l.substr(from.size()));
  };
  for (const auto& l : lines) {
    if (l.size() < 2 || l.compare(l.size() - 2, 2, ".*") != 0) {
      fields.insert(l);
      continue;
    }
    const std::string prefix = l.substr(0, l.size() - 1);  // "...after."
    if (prefix == "tables.period.domains[].")
      with_prefix("tables.logins[].domains[].window.", prefix);
    else
      with_prefix("tables.logins[].domains[].before.", prefix);
  }
  return fields;
}

void table_fields(const json& j, const std::string& path, std::set<std::string>& out) {
  if (j.is_object()) {
    const bool keyed_by_name = path.ends_with(".resolvers") || path.ends_with(".without_address");
    const std::string name = path.ends_with(".resolvers") ? ".<resolver>" : ".<outcome>";
    for (const auto& [k, v] : j.items()) table_fields(v, path + (keyed_by_name ? name : "." + k), out);
  } else if (j.is_array()) {
    for (const auto& v : j)
      if (v.is_object() || v.is_array()) table_fields(v, path + "[]", out);
      else out.insert(path + "[]");
  } else {
    out.insert(path);
  }
}

}  // namespace

TEST_CASE("docs/report.md lists every field the tables hold") {
  const auto documented = documented_table_fields();
  CHECK(documented.count("tables.logins[].domains[].after.by_resolver[].gap_seconds"));
  CHECK(documented.count("tables.period.domains[].addresses[].first_leaf"));
  std::set<std::string> seen;
  for (const std::string* text : {&fixture().all, &fixture().filtered, &fixture().period})
    table_fields(json::parse(*text)["tables"], "tables", seen);
  REQUIRE(seen.size() > 40);
  CHECK(seen.count("tables.period.domains[].addresses[].first_leaf"));
  CHECK(seen.count("tables.logins[].domains[].nearest_with_address.after.by_resolver[].gap_seconds"));
  for (const auto& f : seen) CHECK_MESSAGE(documented.count(f), f << " is in the tables but not in docs/report.md");
}
