// The ledger through the dnswitness binary against the lab: keygen, the first run making a key,
// checks with stock openssl, history across runs whose answers change in Knot, reindex, and
// verify-ledger exit codes on intact and tampered copies; export as JSON Lines and CSV.
#include <doctest/doctest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "crypto/encoding.h"
#include "support/child_process.h"
#include "support/lab.h"
#include "timeutil/timestamp.h"

using namespace dnswitness;
using namespace dnswitness::test;

namespace {

// Runs SQL on a ledger file and returns the first column of the first row ("" if none).
std::string sql(const std::string& db, const std::string& statement) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  std::string first;
  char* err = nullptr;
  const int rc = sqlite3_exec(
      h, statement.c_str(),
      [](void* out, int n, char** values, char**) {
        auto* s = static_cast<std::string*>(out);
        if (s->empty() && n > 0 && values[0]) *s = values[0];
        return 0;
      },
      &first, &err);
  INFO(statement << " -> " << (err ? err : ""));
  sqlite3_free(err);
  sqlite3_close(h);
  REQUIRE(rc == SQLITE_OK);
  return first;
}

std::string snapshot_args(const Lab& lab, const std::string& ledger, const std::string& domains) {
  return "resolve-snapshot --ledger " + ledger + " --resolver knot=" + lab.knot() + " --resolver unbound=" +
         lab.unbound() + " --domains " + domains + " -q";
}

// Sets moving-history.twitter.com A in Knot to `address` (Knot answers the new data at once).
void set_moving_name(const Lab& lab, const std::string& address) {
  const std::string c = "knotc -s " + lab.get("KNOT_CONTROL");
  const auto r = run_command(c + " zone-begin twitter.com && (" + c + " zone-unset twitter.com moving-history A || true) && " + c +
                             " zone-set twitter.com moving-history 300 A " + address + " && " + c + " zone-commit twitter.com");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
}

}  // namespace

TEST_CASE("keygen: 0600 PKCS#8 key, fingerprint and verifier key that openssl agrees with, never overwrites") {
  TempDir dir;
  const std::string ledger = dir / "ledger";
  const auto r = run_dnswitness("keygen --ledger " + ledger + " --origin example-law.jp/ledger-1");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  struct stat st {};
  REQUIRE(::stat((ledger + "/keys/ledger.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(read_file(ledger + "/keys/ledger.key").find("-----BEGIN PRIVATE KEY-----") == 0);
  CHECK(r.out.find("PRIVATE KEY") == std::string::npos);  // no key material on the terminal
  const auto fp = run_command("openssl pkey -pubin -in " + ledger + "/keys/ledger.pub -outform DER | sha256sum");
  REQUIRE(fp.exit_code == 0);
  CHECK(r.out.find("fingerprint:  " + fp.out.substr(0, 64)) != std::string::npos);
  CHECK(r.out.find("verifier key: example-law.jp/ledger-1+") != std::string::npos);

  const std::string before = read_file(ledger + "/keys/ledger.key");
  const auto again = run_dnswitness("keygen --ledger " + ledger);
  CHECK(again.exit_code == 1);
  CHECK(again.err.find("never replaces a key") != std::string::npos);
  CHECK(read_file(ledger + "/keys/ledger.key") == before);
  const auto show = run_dnswitness("keygen --show --ledger " + ledger);
  CHECK(show.exit_code == 0);
  CHECK(show.out.find(fp.out.substr(0, 64)) != std::string::npos);
}

TEST_CASE("the first run makes a key and says so; each run's checkpoint verifies with stock openssl") {
  const Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger";
  const auto first = run_dnswitness(snapshot_args(lab, ledger, "x.com,t.co") + " --origin lab.test/ledger");
  REQUIRE_MESSAGE(first.exit_code == 0, first.err);
  CHECK(first.err.find("created a new signing key") != std::string::npos);
  const auto second = run_dnswitness(snapshot_args(lab, ledger, "x.com"));
  REQUIRE_MESSAGE(second.exit_code == 0, second.err);
  CHECK(second.err.find("created a new signing key") == std::string::npos);
  const std::string db = ledger + "/ledger.sqlite";
  CHECK(sql(db, "SELECT count(*) FROM checkpoints") == "2");
  CHECK(sql(db, "SELECT count(*) FROM leaves") == std::to_string(1 + 8 + 1 + 4));
  CHECK(std::stoul(sql(db, "SELECT max(length(data)) FROM leaves")) < 65536);

  // --no-ledger leaves the ledger alone.
  const auto none = run_dnswitness(snapshot_args(lab, ledger, "x.com") + " --no-ledger");
  CHECK(none.exit_code == 0);
  CHECK(sql(db, "SELECT count(*) FROM checkpoints") == "2");

  // docs/ledger.md: the signed text is everything up to the blank line; the signature is the
  // base64 after the key name, minus its first 4 bytes (the key ID).
  const std::string note = sql(db, "SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1");
  const auto blank = note.find("\n\n");
  REQUIRE(blank != std::string::npos);
  const std::string text = note.substr(0, blank + 1);
  CHECK(text == "lab.test/ledger\n14\n" + text.substr(text.find("14\n") + 3));
  const auto last_space = note.rfind(' ');
  const auto sig = base64_decode(note.substr(last_space + 1, note.size() - last_space - 2));
  REQUIRE(sig);
  REQUIRE(sig->size() == 68);
  write_file(dir / "text", text);
  write_file(dir / "sig", std::string(sig->begin() + 4, sig->end()));
  const std::string verify = "openssl pkeyutl -verify -pubin -inkey " + ledger + "/keys/ledger.pub -rawin -in " +
                             (dir / "text") + " -sigfile " + (dir / "sig");
  const auto ok = run_command(verify);
  CHECK_MESSAGE(ok.exit_code == 0, (ok.out + ok.err));
  write_file(dir / "text", text.substr(0, text.size() - 2) + "A\n");
  CHECK(run_command(verify).exit_code != 0);
  // Leaf hash by hand: SHA-256(0x00 || leaf bytes) equals the stored hash.
  const std::string leaf_hex = sql(db, "SELECT hex(data) FROM leaves WHERE idx = 3");
  const std::string hash_hex = sql(db, "SELECT lower(hex(hash)) FROM leaves WHERE idx = 3");
  const auto by_hand = run_command("(printf '\\000'; echo " + leaf_hex + " | xxd -r -p) | openssl dgst -sha256 -r");
  CHECK(by_hand.out.substr(0, 64) == hash_hex);

  const auto v = run_dnswitness("verify-ledger --ledger " + ledger);
  CHECK_MESSAGE(v.exit_code == 0, v.err);
  CHECK(v.out.find("2 signed tree heads") != std::string::npos);
  CHECK(v.out.find("14 leaves") != std::string::npos);
  CHECK(v.out.find("1 consistency proofs") != std::string::npos);
  CHECK(v.out.find("The ledger is intact: tree size 14") != std::string::npos);

  // A different origin for an existing ledger is a usage error.
  CHECK(run_dnswitness(snapshot_args(lab, ledger, "x.com") + " --origin other").exit_code == 2);
}

TEST_CASE("history across runs whose answers change; --since, --until, --type, --resolver, --json; reindex") {
  const Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger";
  struct Restore {
    const Lab& lab;
    ~Restore() { set_moving_name(lab, "104.244.42.3"); }
  } restore{lab};
  const std::string knot_only = "resolve-snapshot --ledger " + ledger + " --resolver knot=" + lab.knot() +
                                " --domains moving-history.twitter.com,nonexistent.twitter.com --types A -q";

  set_moving_name(lab, "104.244.42.3");
  REQUIRE(run_dnswitness(knot_only).exit_code == 0);
  const UtcTime between = utc_now();
  set_moving_name(lab, "104.244.42.99");
  REQUIRE(run_dnswitness(knot_only).exit_code == 0);
  REQUIRE(run_dnswitness(knot_only).exit_code == 0);

  auto history = [&](const std::string& args) {
    const auto r = run_dnswitness("history --ledger " + ledger + " --json " + args);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return nlohmann::json::parse(r.out);
  };
  const auto all = history("moving-history.twitter.com nonexistent.twitter.com");
  REQUIRE(all.size() == 2);
  CHECK(all[0]["qname"] == "moving-history.twitter.com");
  CHECK(all[0]["observations"] == 3);
  REQUIRE(all[0]["bindings"].size() == 2);
  const auto& old_b = all[0]["bindings"][0];
  const auto& new_b = all[0]["bindings"][1];
  CHECK(old_b["address"] == "104.244.42.3");
  CHECK(old_b["count"] == 1);
  CHECK(old_b["first_seen"] == old_b["last_seen"]);
  CHECK(new_b["address"] == "104.244.42.99");
  CHECK(new_b["count"] == 2);
  CHECK(new_b["resolvers"]["knot"] == 2);
  CHECK(new_b["first_seen"].get<std::string>() > old_b["last_seen"].get<std::string>());
  CHECK(new_b["last_seen"].get<std::string>() > new_b["first_seen"].get<std::string>());
  CHECK(all[1]["without_address"]["nxdomain"] == 3);

  const std::string cut = format_rfc3339_ns(between);
  const auto before = history("moving-history.twitter.com --until " + cut);
  REQUIRE(before[0]["bindings"].size() == 1);
  CHECK(before[0]["bindings"][0]["address"] == "104.244.42.3");
  const auto after = history("moving-history.twitter.com --since " + cut);
  REQUIRE(after[0]["bindings"].size() == 1);
  CHECK(after[0]["bindings"][0]["address"] == "104.244.42.99");
  CHECK(history("moving-history.twitter.com --type AAAA")[0]["observations"] == 0);
  CHECK(history("moving-history.twitter.com --resolver google")[0]["observations"] == 0);
  CHECK(history("Moving-History.Twitter.COM.")[0]["observations"] == 3);

  const auto table = run_dnswitness("history --ledger " + ledger + " moving-history.twitter.com");
  CHECK(table.exit_code == 0);
  CHECK(table.out.find("(UTC)") != std::string::npos);
  CHECK(table.out.find("(JST)") != std::string::npos);
  CHECK(run_dnswitness("history --ledger " + ledger + " moving-history.twitter.com --since yesterday").exit_code == 2);

  // reindex rebuilds a damaged index; verify-ledger sees the damage before and not after.
  sql(ledger + "/ledger.sqlite", "DELETE FROM observation_index WHERE addresses = '104.244.42.3'");
  CHECK(history("moving-history.twitter.com")[0]["bindings"].size() == 1);
  const auto bad = run_dnswitness("verify-ledger --ledger " + ledger);
  CHECK(bad.exit_code == 4);
  CHECK(bad.err.find("index has no row for observation leaf 1") != std::string::npos);
  const auto re = run_dnswitness("reindex --ledger " + ledger);
  CHECK_MESSAGE(re.exit_code == 0, re.err);
  CHECK(history("moving-history.twitter.com")[0]["bindings"].size() == 2);
  CHECK(run_dnswitness("verify-ledger --ledger " + ledger).exit_code == 0);

  // A mistyped --ledger is refused, and nothing is created where it points.
  const std::string typo = ledger + "-typo";
  const auto missing = run_dnswitness("reindex --ledger " + typo);
  CHECK(missing.exit_code == 2);
  CHECK_MESSAGE(missing.err.find("There is no ledger at " + typo) != std::string::npos, missing.err);
  CHECK_FALSE(std::filesystem::exists(typo));
}

TEST_CASE("verify-ledger exits 4 and names the place for each kind of tampering") {
  const Lab lab;
  TempDir dir;
  const std::string pristine = dir / "pristine";
  for (int i = 0; i < 3; ++i)  // 1 run leaf + 2 domains x 2 types x 2 resolvers = 9 leaves a run
    REQUIRE(run_dnswitness(snapshot_args(lab, pristine, "x.com,t.co")).exit_code == 0);
  REQUIRE(run_dnswitness("verify-ledger --ledger " + pristine).exit_code == 0);

  struct Case {
    const char* name;
    std::string sql;
    const char* expect;
  };
  const std::vector<Case> cases = {
      {"one byte of a leaf",
       "DROP TRIGGER leaves_append_only_u; UPDATE leaves SET data = substr(data, 1, 40) || x'30' || "
       "substr(data, 42) WHERE idx = 12",
       "leaf 12: its stored hash does not match"},
      {"one byte of a stored hash",
       "DROP TRIGGER leaves_append_only_u; UPDATE leaves SET hash = x'00' || substr(hash, 2) WHERE idx = 4",
       "leaf 4: its stored hash does not match"},
      {"one byte of a signature",
       "DROP TRIGGER checkpoints_append_only_u; UPDATE checkpoints SET note = substr(note, 1, length(note) - 10) || "
       "(CASE substr(note, length(note) - 9, 1) WHEN 'A' THEN 'B' ELSE 'A' END) || substr(note, length(note) - 8) "
       "WHERE size = 18",
       "tree head at size 18 does not verify"},
      {"one byte of a tree head",
       "DROP TRIGGER checkpoints_append_only_u; UPDATE checkpoints SET root = x'00' || substr(root, 2) WHERE size = 9",
       "tree head at size 9"},
      {"a deleted leaf", "DROP TRIGGER leaves_append_only_d; DELETE FROM leaves WHERE idx = 10", "leaf 10 is missing"},
      {"reordered leaves",
       "DROP TRIGGER leaves_append_only_u; UPDATE leaves SET idx = -1 WHERE idx = 20; "
       "UPDATE leaves SET idx = 20 WHERE idx = 21; UPDATE leaves SET idx = 21 WHERE idx = -1",
       "tree head at size 27 (run"},
  };
  for (const auto& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    const std::string copy = dir / "copy";
    std::filesystem::remove_all(copy);
    std::filesystem::copy(pristine, copy, std::filesystem::copy_options::recursive);
    sql(copy + "/ledger.sqlite", c.sql);
    const auto r = run_dnswitness("verify-ledger --ledger " + copy);
    CHECK_MESSAGE(r.exit_code == 4, (r.out + r.err));
    CHECK_MESSAGE(r.err.find(c.expect) != std::string::npos, r.err);
    CHECK(r.err.find("NOT intact") != std::string::npos);
  }
  // A different trusted key also fails; the original still verifies.
  REQUIRE(run_dnswitness("keygen --ledger " + (dir / "other")).exit_code == 0);
  const auto wrong = run_dnswitness("verify-ledger --ledger " + pristine + " --public-key " + (dir / "other") +
                                    "/keys/ledger.pub");
  CHECK(wrong.exit_code == 4);
  CHECK(run_dnswitness("verify-ledger --ledger " + pristine).exit_code == 0);
}

TEST_CASE("export: JSON Lines whose lines give the signed leaves back, CSV for Excel, one run, and refusals") {
  const Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger";
  const std::string run = "resolve-snapshot -q --ledger " + ledger + " --resolver knot=" + lab.knot() +
                          " --resolver unbound=" + lab.unbound() + " --domains x.com,t.co --types A";
  REQUIRE(run_dnswitness(run).exit_code == 0);
  REQUIRE(run_dnswitness(run).exit_code == 0);
  const std::string db = ledger + "/ledger.sqlite";

  // JSON Lines: 8 observations (2 runs x 2 names x 2 resolvers), in leaf order; without leaf_index and
  // leaf_hash each line's canonical form is the stored leaf, and leaf_hash is what sha256sum gives.
  const auto jsonl = run_dnswitness("export --ledger " + ledger);
  REQUIRE_MESSAGE(jsonl.exit_code == 0, jsonl.err);
  CHECK(jsonl.err.find("exported 8 observation(s) of 2 run(s)") != std::string::npos);
  std::istringstream lines(jsonl.out);
  std::string line;
  std::vector<nlohmann::json> rows;
  while (std::getline(lines, line)) rows.push_back(nlohmann::json::parse(line));
  REQUIRE(rows.size() == 8);
  std::uint64_t previous = 0;
  for (auto row : rows) {
    const std::uint64_t index = row["leaf_index"];
    CHECK(index > previous);
    previous = index;
    const std::string hash = row["leaf_hash"];
    row.erase("leaf_index");
    row.erase("leaf_hash");
    const std::string stored = sql(db, "SELECT data FROM leaves WHERE idx = " + std::to_string(index));
    CHECK(row.dump() == stored);
    write_file(dir / "leaf", stored);
    const auto sum = run_command("(printf '\\000'; cat " + dir / "leaf" + ") | sha256sum");
    CHECK(sum.out.substr(0, 64) == hash);
  }

  // CSV: a byte-order mark, the header, CRLF rows; JST is UTC + 9 h.
  const std::string csv = dir / "observations.csv";
  REQUIRE(run_dnswitness("export -q --format csv --ledger " + ledger + " --out " + csv).exit_code == 0);
  const std::string text = read_file(csv);
  REQUIRE(text.starts_with("\xEF\xBB\xBF" "leaf_index,time_utc,time_jst,qname,qtype,resolver,resolver_address,"
                           "transport,outcome,rcode,addresses,rtt_ms,run_id\r\n"));
  CHECK(count_of(text, "\r\n") == 9);
  const std::string first = text.substr(text.find("\r\n") + 2, text.find("\r\n", text.find("\r\n") + 2));
  CHECK(first.starts_with(std::to_string(rows[0]["leaf_index"].get<std::uint64_t>()) + "," +
                          rows[0]["sent_at"].get<std::string>() + ","));
  const auto utc = parse_rfc3339(rows[0]["sent_at"].get<std::string>());
  REQUIRE(utc);
  const std::string jst = format_rfc3339_ns(UtcTime{utc->ns + 9LL * 3600 * 1'000'000'000});
  CHECK(first.find("," + jst.substr(0, 10) + " " + jst.substr(11, 12) + ",") != std::string::npos);
  CHECK(first.find(",x.com,A,") != std::string::npos);

  // One run: its observations only; the other run's are not there.
  const std::string run_id = rows[4]["run_id"];
  const auto one = run_dnswitness("export -q --ledger " + ledger + " --run " + run_id);
  REQUIRE(one.exit_code == 0);
  CHECK(count_of(one.out, "\n") == 4);
  CHECK(count_of(one.out, run_id) == 4);

  // Refused before anything is written.
  const auto unknown = run_dnswitness("export --ledger " + ledger + " --run 00000000000000000000000000000000");
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("has no run '00000000000000000000000000000000'") != std::string::npos);
  const auto swapped = run_dnswitness("export --ledger " + ledger + " --since 2026-12-05 --until 2026-12-01");
  CHECK(swapped.exit_code == 2);
  CHECK(swapped.err.find("--since is later than --until") != std::string::npos);
  // A range before the ledger's runs: nothing, and said so.
  const auto none = run_dnswitness("export --ledger " + ledger + " --until 2001-01-01");
  CHECK(none.exit_code == 0);
  CHECK(none.out.empty());
  CHECK(none.err.find("exported 0 observation(s)") != std::string::npos);
}
