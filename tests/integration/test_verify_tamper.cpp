// dnswitness verify on a fresh bundle from a lab ledger, and on copies with one byte changed: in
// leaves, inclusion proofs, tlog-proof blocks, signatures, tree heads, consistency proofs, login
// records, the stored login input and the tables, at many positions each. Every one must fail
// (exit 4, naming the item); an unreadable file is exit 1.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "reports/verify.h"
#include "support/lab.h"

using namespace dnswitness;
using namespace dnswitness::test;
using nlohmann::json;

namespace {

struct Fresh {
  TempDir dir;
  std::string report;
  Fresh() {
    const Lab lab;
    const std::string ledger = dir / "ledger";
    for (int i = 0; i < 3; ++i) {
      const auto r = run_dnswitness("resolve-snapshot --ledger " + ledger + " --resolver knot=" + lab.knot() +
                                    " --resolver unbound=" + lab.unbound() + " --domains x.com,t.co,api.x.com -q");
      REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    }
    write_file(dir / "logins.csv",
         "time,ip,account\n" + std::string("2030-01-01T00:00:00Z,223.216.231.10,1\n") +
             "2020-01-01 09:00:00,100.64.1.2,2\n");
    const auto now = run_command("date -u +%Y-%m-%dT%H:%M:%SZ");
    const auto r = run_dnswitness("report --ledger " + ledger + " --domains x.com,t.co,api.x.com --logins " +
                                  dir / "logins.csv" + " --at " + now.out.substr(0, 20) + " --format json --out " +
                                  dir / "r");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    report = read_file(dir / "r/report.json");
  }
};

Fresh& fresh() {
  static Fresh f;
  return f;
}

// Every string or number value under `root` whose JSON pointer starts with one of `prefixes`.
void collect(const json& j, const std::string& path, std::vector<std::string>& out) {
  if (j.is_object())
    for (const auto& [k, v] : j.items()) collect(v, path + "/" + k, out);
  else if (j.is_array())
    for (std::size_t i = 0; i < j.size(); ++i) collect(j[i], path + "/" + std::to_string(i), out);
  else if (j.is_string() || j.is_number() || j.is_boolean())
    out.push_back(path);
}

char other_char(char c, std::mt19937& rng) {
  static const std::string digits = "0123456789", b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::string& pool = (c >= '0' && c <= '9') ? digits : b64;
  char d = c;
  while (d == c) d = pool[rng() % pool.size()];
  return d;
}

// Changes one ASCII character of the value at `ptr` (a number changes by one). Returns false when
// the value has no character that can be changed meaningfully.
bool mutate(json& b, const std::string& ptr, std::mt19937& rng, std::string* what) {
  json& v = b[json::json_pointer(ptr)];
  if (v.is_boolean()) {
    v = !v.get<bool>();
    *what = ptr + " flipped";
    return true;
  }
  if (v.is_number_unsigned()) {
    v = v.get<std::uint64_t>() + 1;
    *what = ptr + " +1";
    return true;
  }
  if (v.is_number_integer()) {
    v = v.get<std::int64_t>() + 1;
    *what = ptr + " +1";
    return true;
  }
  std::string s = v.get<std::string>();
  // The last 4 characters of base64 may be padding or unused bits; skip them.
  const std::size_t limit = s.size() > 8 ? s.size() - 4 : s.size();
  std::vector<std::size_t> positions;
  for (std::size_t i = 0; i < limit; ++i)
    if (std::isalnum(static_cast<unsigned char>(s[i]))) positions.push_back(i);
  if (positions.empty()) return false;
  const std::size_t p = positions[rng() % positions.size()];
  const char before = s[p];
  s[p] = other_char(before, rng);
  *what = ptr + " byte " + std::to_string(p) + " '" + before + "'->'" + s[p] + "'";
  v = s;
  return true;
}

}  // namespace

TEST_CASE("verify: a fresh bundle is valid; the CLI prints the fingerprint and exits 0") {
  auto& f = fresh();
  const auto v = verify_bundle(f.report);
  REQUIRE_MESSAGE(v.ok, v.failure);
  CHECK(v.observation_leaves > 0);
  CHECK(v.login_records == 3);
  const auto r = run_dnswitness("verify " + f.dir / "r/report.json");
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find(v.key_fingerprint) != std::string::npos);
  CHECK(r.out.find("shared CGNAT") == std::string::npos);  // warnings are in plain sentences
  CHECK(r.out.find("cannot be used for a carrier request") != std::string::npos);

  // The list for the carrier is re-derived: changed, it fails; a report made before it existed (no
  // login has one) is checked on the rest, with a warning; one list dropped of several fails.
  json changed = json::parse(f.report);
  changed["tables"]["logins"][0]["carrier_list"]["family"] = 5;
  const auto vc = verify_bundle(changed.dump());
  CHECK_FALSE(vc.ok);
  CHECK(vc.failure.find("tables.logins[0].carrier_list") != std::string::npos);
  json older = json::parse(f.report);
  for (auto& l : older["tables"]["logins"]) l.erase("carrier_list");
  const auto vo = verify_bundle(older.dump());
  CHECK_MESSAGE(vo.ok, vo.failure);
  CHECK(std::any_of(vo.warnings.begin(), vo.warnings.end(),
                    [](const std::string& w) { return w.find("without the list for the carrier") != std::string::npos; }));
  json partly = json::parse(f.report);
  partly["tables"]["logins"][1].erase("carrier_list");
  CHECK_FALSE(verify_bundle(partly.dump()).ok);
}

TEST_CASE("verify: one changed byte anywhere in the evidence fails, at many positions") {
  auto& f = fresh();
  const json original = json::parse(f.report);
  std::vector<std::string> all;
  collect(original, "", all);
  // The categories that must be covered, with how many mutations each.
  const std::vector<std::pair<std::string, int>> categories = {
      {"/leaves/", 120},        // data_base64, leaf_hash, index, kind
      {"/checkpoints/", 60},    // notes (signatures, sizes, roots), roots, consistency proofs
      {"/logins/records/", 40}, {"/logins/inputs/", 20}, {"/tables/", 150}, {"/runs/", 15},
      {"/ledger/", 15},         {"/selection/", 10},     {"/observations/", 6},
  };
  std::mt19937 rng(20261128);
  std::map<std::string, int> by_kind;
  int total = 0;
  for (const auto& [prefix, count] : categories) {
    std::vector<std::string> paths;
    // The input file's name is a label (docs/report.md: covered only by report.sha256).
    for (const auto& p : all)
      if (p.rfind(prefix, 0) == 0 && !(p.rfind("/logins/inputs/", 0) == 0 && p.ends_with("/name")))
        paths.push_back(p);
    REQUIRE_MESSAGE(!paths.empty(), prefix);
    for (int i = 0; i < count; ++i) {
      json b = original;
      std::string what;
      if (!mutate(b, paths[rng() % paths.size()], rng, &what)) continue;
      const auto v = verify_bundle(b.dump(1));
      CHECK_MESSAGE(!v.ok, "undetected: " << what);
      ++total;
      // The tlog-proof, inclusion proof, note and table paths each appear with their own reason.
      if (!v.ok) ++by_kind[v.failure.substr(0, v.failure.find(':'))];
    }
  }
  CHECK(total > 400);
  // Specific items, each named in the failure.
  const auto expect = [&](const std::string& ptr, const std::string& named) {
    json b = original;
    std::string what;
    REQUIRE(mutate(b, ptr, rng, &what));
    const auto v = verify_bundle(b.dump());
    CHECK_MESSAGE(!v.ok, what);
    CHECK_MESSAGE(v.failure.find(named) != std::string::npos, what << " -> " << v.failure);
  };
  expect("/leaves/3/data_base64", "leaf");
  expect("/leaves/3/inclusion_proof/0", "inclusion proof");
  expect("/leaves/3/tlog_proof", "tlog-proof");
  expect("/checkpoints/0/consistency_proof_to_newest/0", "consistency proof");
  expect("/logins/records/0/account", "login records");
  expect("/tables/logins/0/domains/0/window/observations", "tables.logins[0].domains[0].window.observations");
  // The signature line of the newest note: change one base64 character of the signature.
  {
    json b = original;
    std::string note = b["checkpoints"].back()["note"];
    const auto pos = note.rfind(' ') + 20;
    note[pos] = other_char(note[pos], rng);
    b["checkpoints"].back()["note"] = note;
    const auto v = verify_bundle(b.dump());
    CHECK(!v.ok);
    CHECK_MESSAGE(v.failure.find("does not verify with the bundle's key") != std::string::npos, v.failure);
  }
}

TEST_CASE("verify CLI: exit 4 naming the item, report.sha256 checked, exit 1 when unreadable") {
  auto& f = fresh();
  const std::string dir = f.dir / "t";
  std::filesystem::create_directories(dir);
  json b = json::parse(f.report);
  b["tables"]["logins"][0]["union"]["destination_port"] = 80;
  write_file(dir + "/report.json", b.dump(1));
  auto r = run_dnswitness("verify " + dir + "/report.json");
  CHECK(r.exit_code == 4);
  CHECK(r.err.find("tables.logins[0].union.destination_port") != std::string::npos);

  // A whitespace change keeps the JSON's meaning; only report.sha256 beside it can notice.
  std::filesystem::copy_file(f.dir / "r/report.sha256", dir + "/report.sha256");
  std::filesystem::copy_file(f.dir / "r/manifest.sig", dir + "/manifest.sig");
  write_file(dir + "/report.json", f.report + " ");
  r = run_dnswitness("verify " + dir + "/report.json");
  CHECK(r.exit_code == 4);
  CHECK(r.err.find("report.sha256") != std::string::npos);
  write_file(dir + "/report.json", f.report);
  r = run_dnswitness("verify " + dir + "/report.json");
  CHECK_MESSAGE(r.exit_code == 0, r.err);

  std::filesystem::remove(dir + "/report.sha256");
  write_file(dir + "/report.json", f.report.substr(0, f.report.size() / 2));
  CHECK(run_dnswitness("verify " + dir + "/report.json").exit_code == 1);
  CHECK(run_dnswitness("verify " + dir + "/missing.json").exit_code == 1);
}
