// The ledger store on real SQLite files: leaf bytes exactly as canonical_dump makes them, tree heads
// and signed checkpoints after each run, proofs from stored hashes for every (index, size) up to 64,
// the frozen schema, oversized observations, keys, verify_ledger on intact and altered stores, and
// history against a direct tally of the observations.
#include <doctest/doctest.h>

#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "crypto/encoding.h"
#include "ledger/checkpoint.h"
#include "ledger/history.h"
#include "ledger/leaves.h"
#include "ledger/merkle.h"
#include "ledger/store.h"
#include "ledger/verify.h"
#include "model/record_json.h"
#include "model/target.h"
#include "support/lab.h"

using namespace dnswitness;
using dnswitness::test::TempDir;

namespace {

Observation make_observation(int i, std::int64_t t) {
  Observation o;
  o.qname = i % 3 == 0 ? "twitter.com" : (i % 3 == 1 ? "x.com" : "t.co");
  o.qtype = i % 2 == 0 ? 1 : 28;
  o.resolver = ResolverSpec{i % 2 ? "google" : "lab", Protocol::udp, "127.0.0.1", 5300, {}};
  o.sent_at = UtcTime{t};
  o.rtt_us = 400 + i;
  o.outcome = i % 5 == 4 ? Outcome::nxdomain : Outcome::answer;
  o.rcode = i % 5 == 4 ? 3 : 0;
  o.flags = {"qr", "rd", "ra"};
  if (o.outcome == Outcome::answer) {
    o.addresses = o.qtype == 1 ? std::vector<std::string>{"104.244.42.1", "104.244.42.65"}
                               : std::vector<std::string>{"2606:1f80:f000::1"};
    for (const auto& a : o.addresses) o.answers.push_back({o.qname + ".", o.qtype == 1 ? "A" : "AAAA", 300, a});
  }
  o.query_wire = Bytes(29, static_cast<std::uint8_t>(i));
  o.response_wire = Bytes(61, static_cast<std::uint8_t>(i + 1));
  Exchange e;
  e.query_id = static_cast<std::uint16_t>(i);
  e.sent_at = o.sent_at;
  e.rtt_us = o.rtt_us;
  e.result = "response";
  e.query_wire = o.query_wire;
  e.response_wire = o.response_wire;
  o.exchanges.push_back(e);
  return o;
}

struct Run {
  RunRecord record;
  std::vector<Observation> observations;
};

Run make_run(int n, std::int64_t t0) {
  Run r;
  r.record.run_id = new_run_id();
  r.record.started_at = UtcTime{t0};
  r.record.finished_at = UtcTime{t0 + 1'000'000};
  r.record.tool_version = "0.1.0";
  r.record.hostname = "test";
  for (int i = 0; i < n; ++i) r.observations.push_back(make_observation(i, t0 + i * 1000));
  r.record.observation_count = static_cast<std::uint64_t>(n);
  return r;
}

Ed25519PrivateKey key_of(LedgerStore& store) {
  bool created = false;
  return store.load_or_create_key(&created);
}

void exec(const std::string& db, const std::string& sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &err);
  INFO(sql << " -> " << (err ? err : ""));
  sqlite3_free(err);
  sqlite3_close(h);
  REQUIRE(rc == SQLITE_OK);
}

}  // namespace

TEST_CASE("leaves are canonical_dump bytes, run first, and the tree head after each run covers them") {
  TempDir dir;
  const LedgerPaths paths{dir.path() / "ledger"};
  std::vector<Hash> hashes;
  std::vector<std::string> notes;
  {
    LedgerStore store(paths, LedgerStore::Mode::read_write, "test.example/ledger-1");
    bool created = false;
    const auto key = store.load_or_create_key(&created);
    CHECK(created);
    CHECK(store.size() == 0);
    for (int r = 0; r < 3; ++r) {
      const Run run = make_run(5 + r, 1'700'000'000'000'000'000 + r * 1'000'000'000LL);
      const RunLeaves leaves = make_run_leaves(run.record, run.observations);
      REQUIRE(leaves.leaves.size() == run.observations.size() + 1);
      CHECK(leaves.leaves[0] == canonical_dump(run_json(run.record)));
      for (std::size_t i = 0; i < run.observations.size(); ++i)
        CHECK(leaves.leaves[i + 1] == canonical_dump(observation_json(run.observations[i], run.record.run_id)));
      const AppendResult a = store.append_run(leaves, key);
      CHECK(a.first_index == hashes.size());
      for (const auto& l : leaves.leaves) hashes.push_back(leaf_hash(as_bytes(l)));
      CHECK(a.size == hashes.size());
      const auto cp = open_signed_checkpoint(a.note, make_note_verifier("test.example/ledger-1", key.public_key()));
      REQUIRE(cp);
      CHECK(cp->size == hashes.size());
      CHECK(cp->root == root_of(hashes));
      notes.push_back(a.note);
      // The stored bytes are the leaf bytes.
      CHECK(store.leaf(a.first_index) == leaves.leaves[0]);
    }
  }
  // Reopening restores the frontier: the next run extends the same tree.
  LedgerStore store(paths, LedgerStore::Mode::read_write);
  CHECK(store.origin() == "test.example/ledger-1");
  const auto key = key_of(store);
  const Run run = make_run(2, 1'800'000'000'000'000'000);
  const auto a = store.append_run(make_run_leaves(run.record, run.observations), key);
  for (const auto& l : make_run_leaves(run.record, run.observations).leaves) hashes.push_back(leaf_hash(as_bytes(l)));
  const auto cps = store.checkpoints();
  REQUIRE(cps.size() == 4);
  CHECK(cps.back().size == hashes.size());
  CHECK(cps.back().root == root_of(hashes));
  CHECK(cps[0].note == notes[0]);
  CHECK(a.size == hashes.size());
  const auto v = verify_ledger(store, key.public_key());
  CHECK_MESSAGE(v.ok, v.failure);
  CHECK(v.leaves == hashes.size());
  CHECK(v.tree_heads == 4);
  CHECK(v.signatures == 4);
  CHECK(v.consistency_proofs == 3);
  CHECK(v.index_rows == 5 + 6 + 7 + 2);
}

TEST_CASE("inclusion and consistency proofs from stored hashes for every (index, size) up to 64") {
  TempDir dir;
  LedgerStore store(LedgerPaths{dir.path()}, LedgerStore::Mode::read_write, "proofs");
  const auto key = key_of(store);
  // 64 leaves in runs of 1 + 7 observations: checkpoints at 8, 16, ..., 64.
  for (int r = 0; r < 8; ++r) {
    const Run run = make_run(7, 1'700'000'000'000'000'000 + r * 1'000'000'000LL);
    store.append_run(make_run_leaves(run.record, run.observations), key);
  }
  REQUIRE(store.size() == 64);
  std::vector<Hash> hashes;
  for (std::uint64_t i = 0; i < 64; ++i) hashes.push_back(leaf_hash(as_bytes(store.leaf(i))));
  const SubtreeRootFn from_store = [&store](std::uint64_t b, std::uint64_t e) { return store.subtree_root(b, e); };
  for (std::uint64_t n = 1; n <= 64; ++n) {
    const Hash root_n = store.subtree_root(0, n);
    REQUIRE(root_n == root_of(std::span<const Hash>(hashes).first(n)));
    for (std::uint64_t i = 0; i < n; ++i) {
      const auto proof = inclusion_proof(i, n, from_store);
      CHECK(verify_inclusion(hashes[i], i, n, proof, root_n));
      CHECK_FALSE(verify_inclusion(hashes[(i + 1) % 64 == i ? 0 : (i + 1) % 64], i, n, proof, root_n));
    }
    for (std::uint64_t m = 1; m <= n; ++m) {
      const auto proof = consistency_proof(m, n, from_store);
      const Hash root_m = store.subtree_root(0, m);
      CHECK(verify_consistency(m, n, root_m, root_n, proof));
      if (m < n) {
        Hash wrong = root_m;
        wrong[0] ^= 1;
        CHECK_FALSE(verify_consistency(m, n, wrong, root_n, proof));
      }
    }
  }
}

TEST_CASE("frozen schema (version 3)") {
  TempDir dir;
  LedgerStore store(LedgerPaths{dir.path()}, LedgerStore::Mode::read_write, "schema");
  auto columns = [&store](const char* table) {
    Stmt s(store.db(), (std::string("SELECT group_concat(name || ':' || type || ':' || pk, ',') FROM pragma_table_info('") +
                        table + "')")
                           .c_str());
    REQUIRE(s.step());
    return std::string(s.text(0));
  };
  CHECK(columns("meta") == "key:TEXT:1,value:TEXT:0");
  CHECK(columns("leaves") == "idx:INTEGER:1,hash:BLOB:0,data:BLOB:0");
  CHECK(columns("checkpoints") == "size:INTEGER:1,root:BLOB:0,note:TEXT:0,compact_range:BLOB:0,run_id:TEXT:0");
  CHECK(columns("observation_index") ==
        "qname:TEXT:1,time_ns:INTEGER:2,leaf_index:INTEGER:3,qtype:TEXT:0,resolver:TEXT:0,outcome:TEXT:0,"
        "addresses:TEXT:0");
  // Part of the schema since version 2 (docs/ledger.md, "Schema versions"); `migrate` adds both.
  CHECK(columns("timestamps") ==
        "id:INTEGER:1,size:INTEGER:0,tsa_url:TEXT:0,accredited:INTEGER:0,requested_at:TEXT:0,gen_time:TEXT:0,"
        "status:TEXT:0,response:BLOB:0,chain:BLOB:0,error:TEXT:0");
  CHECK(columns("migrations") ==
        "id:INTEGER:1,from_version:INTEGER:0,to_version:INTEGER:0,migrated_at:TEXT:0,backup:TEXT:0,"
        "tool_version:TEXT:0");
  // Since version 3.
  CHECK(columns("cosignatures") ==
        "id:INTEGER:1,size:INTEGER:0,witness:TEXT:0,verifier_key:TEXT:0,url:TEXT:0,requested_at:TEXT:0,"
        "old_size:INTEGER:0,status:TEXT:0,http_status:INTEGER:0,cosignature:TEXT:0,cosigned_at:INTEGER:0,"
        "error:TEXT:0");
  {
    Stmt version(store.db(), "SELECT value FROM meta WHERE key = 'schema_version'");
    REQUIRE(version.step());
    CHECK(version.text(0) == "3");
  }
  {
    Stmt mode(store.db(), "PRAGMA journal_mode");
    REQUIRE(mode.step());
    CHECK(mode.text(0) == "wal");
  }
  // Append-only guard.
  const auto key = key_of(store);
  const Run run = make_run(1, 1'700'000'000'000'000'000);
  store.append_run(make_run_leaves(run.record, run.observations), key);
  CHECK(sqlite3_exec(store.db().get(), "UPDATE leaves SET data = x'00' WHERE idx = 0", nullptr, nullptr, nullptr) !=
        SQLITE_OK);
  CHECK(sqlite3_exec(store.db().get(), "DELETE FROM checkpoints", nullptr, nullptr, nullptr) != SQLITE_OK);
  CHECK(sqlite3_exec(store.db().get(),
                     "INSERT INTO cosignatures(size, witness, verifier_key, url, requested_at, old_size, status) "
                     "VALUES (1, 'w', 'w+00+AA', 'http://127.0.0.1:1', 'now', 0, 'failed')",
                     nullptr, nullptr, nullptr) == SQLITE_OK);
  CHECK(sqlite3_exec(store.db().get(), "UPDATE cosignatures SET status = 'cosigned'", nullptr, nullptr, nullptr) !=
        SQLITE_OK);
  CHECK(sqlite3_exec(store.db().get(), "DELETE FROM cosignatures", nullptr, nullptr, nullptr) != SQLITE_OK);
}

TEST_CASE("an observation too big for one entry keeps everything but its wire bytes, and says so") {
  Run run = make_run(2, 1'700'000'000'000'000'000);
  run.observations[1].response_wire = Bytes(60000, 0xab);
  run.observations[1].exchanges.back().response_wire = run.observations[1].response_wire;
  const RunLeaves leaves = make_run_leaves(run.record, run.observations);
  CHECK(leaves.shrunk == 1);
  REQUIRE(leaves.leaves.size() == 3);
  CHECK(leaves.leaves[1] == canonical_dump(observation_json(run.observations[0], run.record.run_id)));
  CHECK(leaves.leaves[2].size() <= kMaxLeafBytes);
  const auto j = nlohmann::json::parse(leaves.leaves[2]);
  CHECK(j.contains("ledger_note"));
  CHECK_FALSE(j.contains("response_wire"));
  CHECK(j["addresses"] == nlohmann::json(run.observations[1].addresses));
  CHECK(j["answers"].size() == run.observations[1].answers.size());
  // Its index row is still derived from it.
  const auto row = index_row_of_leaf(2, leaves.leaves[2]);
  REQUIRE(row);
  CHECK(row->addresses == "2606:1f80:f000::1");
}

TEST_CASE("index rows made at append time equal the rows parsed back from the leaf bytes") {
  Run run = make_run(20, 1'700'000'000'123'456'789);
  // Strings the fast scanner must skip or hand over to the full parser.
  run.observations[3].error = "a \"quoted\" \\ error with } and ] inside";
  run.observations[4].qname = "we\"ird";
  run.observations[5].resolver.name = "name\\with\\backslash";
  run.observations[6].addresses.clear();
  const RunLeaves leaves = make_run_leaves(run.record, run.observations);
  CHECK_FALSE(index_row_of_leaf(0, leaves.leaves[0]));
  CHECK_FALSE(index_row_of_leaf_reference(0, leaves.leaves[0]));
  for (const auto& row : leaves.rows) {
    const auto parsed = index_row_of_leaf(row.leaf_index, leaves.leaves[row.leaf_index]);
    REQUIRE(parsed);
    CHECK(*parsed == row);
    const auto reference = index_row_of_leaf_reference(row.leaf_index, leaves.leaves[row.leaf_index]);
    REQUIRE(reference);
    CHECK(*reference == row);
  }
  CHECK(leaves.rows[4].qname == "we\"ird");
  CHECK(leaves.rows[6].addresses.empty());
  CHECK_THROWS_AS(index_row_of_leaf(1, "{not json"), std::invalid_argument);
  CHECK_THROWS_AS(index_row_of_leaf(1, R"({"kind":"observation"})"), std::invalid_argument);
}

TEST_CASE("keys: 0600 private key, one key per ledger, a foreign key is refused") {
  TempDir dir;
  const LedgerPaths paths{dir.path() / "l"};
  LedgerStore store(paths, LedgerStore::Mode::read_write, "keys");
  bool created = false;
  const auto key = store.load_or_create_key(&created);
  CHECK(created);
  struct stat st {};
  REQUIRE(::stat(paths.private_key().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(::stat(paths.dir.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  const auto again = store.load_or_create_key(&created);
  CHECK_FALSE(created);
  CHECK(again.public_key() == key.public_key());
  const auto other = Ed25519PrivateKey::generate();
  const Run run = make_run(1, 1'700'000'000'000'000'000);
  CHECK_THROWS_AS(store.append_run(make_run_leaves(run.record, run.observations), other), LedgerError);
  // The origin of an existing ledger cannot be changed.
  CHECK_THROWS_AS(LedgerStore(paths, LedgerStore::Mode::read_write, "another"), LedgerError);
  CHECK_THROWS_AS(LedgerStore(paths, LedgerStore::Mode::read_write, "bad name"), LedgerError);
  TempDir fresh;
  CHECK_THROWS_AS(LedgerStore(LedgerPaths{fresh.path()}, LedgerStore::Mode::read_write, "bad+name"), LedgerError);
  CHECK_THROWS_AS(LedgerStore(LedgerPaths{fresh.path() / "none"}, LedgerStore::Mode::read_only), LedgerError);
}

TEST_CASE("append refuses to sign when the stored frontier no longer matches the last signed tree head") {
  TempDir dir;
  const LedgerPaths paths{dir.path()};
  LedgerStore store(paths, LedgerStore::Mode::read_write, "frontier");
  const auto key = key_of(store);
  const Run run = make_run(3, 1'700'000'000'000'000'000);
  store.append_run(make_run_leaves(run.record, run.observations), key);
  exec(paths.database().string(),
       "DROP TRIGGER checkpoints_append_only_u; UPDATE checkpoints SET compact_range = "
       "substr(compact_range, 1, 9) || zeroblob(length(compact_range) - 9)");
  const Run next = make_run(3, 1'700'000'001'000'000'000);
  try {
    store.append_run(make_run_leaves(next.record, next.observations), key);
    FAIL("append should have been refused");
  } catch (const LedgerError& e) {
    CHECK(e.kind() == LedgerError::Kind::integrity);
  }
  CHECK(store.size() == 4);
  CHECK(store.checkpoints().size() == 1);
}

TEST_CASE("verify_ledger names the first altered leaf, hash, tree head or index row") {
  struct Case {
    const char* name;
    const char* sql;
    const char* expect;
  };
  const Case cases[] = {
      {"leaf byte", "DROP TRIGGER leaves_append_only_u; UPDATE leaves SET data = "
                    "substr(data, 1, 10) || x'21' || substr(data, 12) WHERE idx = 5",
       "leaf 5: its stored hash"},
      {"leaf byte with its hash recomputed", nullptr, "tree head at size 8"},
      {"stored hash", "DROP TRIGGER leaves_append_only_u; UPDATE leaves SET hash = zeroblob(32) WHERE idx = 2",
       "leaf 2: its stored hash"},
      {"signature", "DROP TRIGGER checkpoints_append_only_u; UPDATE checkpoints SET note = "
                    "replace(note, substr(note, length(note) - 5, 4), 'AAAA') WHERE size = 8",
       "tree head at size 8 does not verify"},
      {"tree head root column", "DROP TRIGGER checkpoints_append_only_u; UPDATE checkpoints SET root = "
                                "zeroblob(32) WHERE size = 12",
       "tree head at size 12"},
      {"deleted leaf", "DROP TRIGGER leaves_append_only_d; DELETE FROM leaves WHERE idx = 6", "leaf 6 is missing"},
      {"deleted last leaf", "DROP TRIGGER leaves_append_only_d; DELETE FROM leaves WHERE idx = 11",
       "tree head at size 12 covers leaves that are missing"},
      {"reordered leaves",
       "DROP TRIGGER leaves_append_only_u; UPDATE leaves SET idx = 1000 WHERE idx = 1; "
       "UPDATE leaves SET idx = 1 WHERE idx = 2; UPDATE leaves SET idx = 2 WHERE idx = 1000",
       "tree head at size 4 (run"},
      {"index row", "UPDATE observation_index SET addresses = '6.6.6.6' WHERE leaf_index = 7",
       "index row for leaf 7"},
      {"missing index row", "DELETE FROM observation_index WHERE leaf_index = 9", "no row for observation leaf 9"},
  };
  for (const auto& c : cases) {
    SUBCASE(c.name) {
      TempDir dir;
      const LedgerPaths paths{dir.path()};
      std::optional<Ed25519PublicKey> pub;
      {
        LedgerStore store(paths, LedgerStore::Mode::read_write, "tamper");
        const auto key = key_of(store);
        pub = key.public_key();
        for (int r = 0; r < 3; ++r) {  // sizes 4, 8, 12
          const Run run = make_run(3, 1'700'000'000'000'000'000 + r * 1'000'000'000LL);
          store.append_run(make_run_leaves(run.record, run.observations), key);
        }
        const auto v = verify_ledger(store, *pub);
        REQUIRE_MESSAGE(v.ok, v.failure);
        if (!c.sql) {
          // Change a leaf and fix up its stored hash: only the tree head can tell.
          std::string leaf = store.leaf(5);
          leaf[10] = '!';
          const Hash h = leaf_hash(as_bytes(leaf));
          exec(paths.database().string(), "DROP TRIGGER leaves_append_only_u; UPDATE leaves SET data = x'" +
                                              hex_encode(as_bytes(leaf)) + "', hash = x'" + hex_encode(h) +
                                              "' WHERE idx = 5");
        }
      }
      if (c.sql) exec(paths.database().string(), c.sql);
      LedgerStore store(paths, LedgerStore::Mode::read_only);
      const auto v = verify_ledger(store, *pub);
      CHECK_FALSE(v.ok);
      INFO(v.failure);
      CHECK(v.failure.find(c.expect) != std::string::npos);
    }
  }
}

TEST_CASE("verify_ledger rejects a different trusted key and a corrupt database file is a clear error") {
  TempDir dir;
  const LedgerPaths paths{dir.path()};
  {
    LedgerStore store(paths, LedgerStore::Mode::read_write, "keycheck");
    const auto key = key_of(store);
    const Run run = make_run(2, 1'700'000'000'000'000'000);
    store.append_run(make_run_leaves(run.record, run.observations), key);
    const auto v = verify_ledger(store, Ed25519PrivateKey::generate().public_key());
    CHECK_FALSE(v.ok);
    CHECK(v.failure.find("trusted public key") != std::string::npos);
  }
  {
    std::ofstream out(paths.database(), std::ios::binary | std::ios::trunc);
    out << std::string(8192, 'x');
  }
  try {
    LedgerStore store(paths, LedgerStore::Mode::read_only);
    FAIL("a corrupt file must not open");
  } catch (const LedgerError& e) {
    CHECK(e.kind() == LedgerError::Kind::unreadable);
    CHECK(std::string(e.what()).find("damaged") != std::string::npos);
  }
}

TEST_CASE("history equals a direct tally of the appended observations, with and without filters") {
  // Several runs whose address sets change, interleaved types and resolvers, some observations
  // without address; query_history (index scan, grouping by shape) must agree with a plain count
  // over the in-memory observations.
  TempDir dir;
  LedgerStore store(LedgerPaths{dir.path() / "ledger"}, LedgerStore::Mode::read_write, "test.example/history");
  const auto key = key_of(store);
  std::vector<Observation> all;
  const std::vector<std::string> resolvers = {"lab", "google", "quad9"};
  for (int r = 0; r < 6; ++r) {
    Run run = make_run(24, 1'700'000'000'000'000'000 + r * 3'600'000'000'000LL);
    for (std::size_t i = 0; i < run.observations.size(); ++i) {
      Observation& o = run.observations[i];
      o.resolver.name = resolvers[(i + static_cast<std::size_t>(r)) % 3];
      if (o.outcome == Outcome::answer && o.qtype == 1)  // the A set moves between runs
        o.addresses = r < 3 ? std::vector<std::string>{"192.0.2.1", "192.0.2.2"}
                            : std::vector<std::string>{"192.0.2.2", "192.0.2.3"};
      if (r == 4 && i % 7 == 0) o.outcome = Outcome::timeout, o.addresses.clear(), o.rcode.reset();
      all.push_back(o);
    }
    store.append_run(make_run_leaves(run.record, run.observations), key);
  }

  auto reference = [&](const HistoryQuery& q) {
    std::vector<DomainHistory> out;
    for (const auto& domain : q.domains) {
      DomainHistory h;
      h.qname = domain;
      std::map<std::pair<std::string, std::string>, Binding> by;
      for (std::size_t i = 0; i < all.size(); ++i) {
        const Observation& o = all[i];
        const std::string type = qtype_name(o.qtype);
        if (o.qname != domain || (q.since_ns && o.sent_at.ns < *q.since_ns) ||
            (q.until_ns && o.sent_at.ns > *q.until_ns) ||
            (!q.types.empty() && std::find(q.types.begin(), q.types.end(), type) == q.types.end()) ||
            (!q.resolvers.empty() &&
             std::find(q.resolvers.begin(), q.resolvers.end(), o.resolver.name) == q.resolvers.end()))
          continue;
        ++h.observations;
        if (o.addresses.empty()) ++h.without_address[std::string(outcome_name(o.outcome))];
        // Leaf index: one run leaf per 24 observations, before them.
        const std::uint64_t leaf = i + i / 24 + 1;
        for (const auto& a : o.addresses) {
          auto [it, fresh] = by.try_emplace({type, a});
          Binding& b = it->second;
          if (fresh) b.qname = domain, b.qtype = type, b.address = a, b.first_ns = b.last_ns = o.sent_at.ns,
                     b.first_leaf = b.last_leaf = leaf;
          if (o.sent_at.ns < b.first_ns) b.first_ns = o.sent_at.ns, b.first_leaf = leaf;
          if (o.sent_at.ns > b.last_ns) b.last_ns = o.sent_at.ns, b.last_leaf = leaf;
          ++b.count;
          ++b.resolvers[o.resolver.name];
        }
      }
      for (auto& [k, b] : by) h.bindings.push_back(b);
      std::sort(h.bindings.begin(), h.bindings.end(), [](const Binding& a, const Binding& b) {
        if (a.qtype != b.qtype) return a.qtype < b.qtype;
        if (a.first_ns != b.first_ns) return a.first_ns < b.first_ns;
        return a.address < b.address;
      });
      out.push_back(std::move(h));
    }
    return out;
  };
  auto same = [](const std::vector<DomainHistory>& got, const std::vector<DomainHistory>& want) {
    REQUIRE(got.size() == want.size());
    for (std::size_t d = 0; d < got.size(); ++d) {
      CHECK(got[d].qname == want[d].qname);
      CHECK(got[d].observations == want[d].observations);
      CHECK(got[d].without_address == want[d].without_address);
      REQUIRE(got[d].bindings.size() == want[d].bindings.size());
      for (std::size_t i = 0; i < got[d].bindings.size(); ++i) {
        const Binding& a = got[d].bindings[i];
        const Binding& b = want[d].bindings[i];
        INFO(a.qtype, " ", a.address);
        CHECK(a.qtype == b.qtype);
        CHECK(a.address == b.address);
        CHECK(a.first_ns == b.first_ns);
        CHECK(a.last_ns == b.last_ns);
        CHECK(a.first_leaf == b.first_leaf);
        CHECK(a.last_leaf == b.last_leaf);
        CHECK(a.count == b.count);
        CHECK(a.resolvers == b.resolvers);
      }
    }
  };

  HistoryQuery q;
  q.domains = {"twitter.com", "x.com", "t.co", "absent.example"};
  same(query_history(store, q), reference(q));
  q.types = {"A"};
  same(query_history(store, q), reference(q));
  q.types.clear();
  q.resolvers = {"google", "quad9"};
  same(query_history(store, q), reference(q));
  q.resolvers.clear();
  q.since_ns = 1'700'000'000'000'000'000 + 2 * 3'600'000'000'000LL;
  q.until_ns = 1'700'000'000'000'000'000 + 4 * 3'600'000'000'000LL + 10'000;
  same(query_history(store, q), reference(q));
  CHECK(reference(q)[0].observations > 0);
}
