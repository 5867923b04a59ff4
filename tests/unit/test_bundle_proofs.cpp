// LedgerReader's proofs (subtree roots taken from stored Merkle frontiers, memoised) against the
// plain builders over every leaf hash, on ledgers whose runs have awkward sizes, for every leaf and
// every checkpoint; and the run span of each leaf.
#include <doctest/doctest.h>

#include <filesystem>

#include "ledger/queries.h"
#include "ledger/store.h"
#include "support/lab.h"

using namespace dnswitness;

namespace {

Observation obs(std::size_t i, std::int64_t t) {
  Observation o;
  o.qname = "x.com";
  o.qtype = 1;
  o.resolver = ResolverSpec{"r", Protocol::udp, "192.0.2.1", 53, {}};
  o.sent_at = UtcTime{t};
  o.outcome = Outcome::answer;
  o.rcode = 0;
  o.addresses = {"104.244.42." + std::to_string(i % 200 + 1)};
  o.answers = {{"x.com.", "A", 300, o.addresses[0]}};
  o.query_wire = Bytes(30, static_cast<std::uint8_t>(i));
  return o;
}

}  // namespace

TEST_CASE("LedgerReader proofs equal the plain proofs for every leaf and checkpoint") {
  dnswitness::test::TempDir dir;
  LedgerStore store(LedgerPaths{dir.path() / "l"}, LedgerStore::Mode::read_write, "test/proofs");
  bool created = false;
  const auto key = store.load_or_create_key(&created);
  // Run sizes (observations) chosen so that frontiers exist at some levels and not at others.
  const std::vector<std::size_t> sizes = {0, 1, 6, 63, 64, 2, 129, 30, 255, 1, 300, 17};
  std::int64_t t = 1'700'000'000'000'000'000;
  for (std::size_t k = 0; k < sizes.size(); ++k) {
    RunRecord run;
    run.run_id = "run" + std::to_string(k);
    run.started_at = UtcTime{t};
    run.finished_at = UtcTime{t + 1};
    std::vector<Observation> os;
    for (std::size_t i = 0; i < sizes[k]; ++i) os.push_back(obs(i, t + static_cast<std::int64_t>(i)));
    run.observation_count = os.size();
    store.append_run(make_run_leaves(run, os), key);
    t += 3'600'000'000'000;
  }
  const auto cps = store.checkpoints();
  LedgerReader reader(store);
  const std::uint64_t n = reader.newest().size;
  CHECK(n == cps.back().size);
  const SubtreeRootFn plain = [&](std::uint64_t b, std::uint64_t e) { return store.subtree_root(b, e); };
  for (std::uint64_t i = 0; i < n; ++i) {
    const auto p = reader.inclusion_proof(i, n);
    REQUIRE_MESSAGE(p == inclusion_proof(i, n, plain), "leaf " << i);
    const auto span = reader.run_of(i);
    std::uint64_t begin = 0, end = 0;
    for (const auto& c : cps) {
      if (c.size > i) {
        end = c.size;
        break;
      }
      begin = c.size;
    }
    CHECK(span.begin == begin);
    CHECK(span.end == end);
  }
  for (const auto& c : cps) {
    CHECK(reader.consistency_proof(c.size, n) == consistency_proof(c.size, n, plain));
    CHECK(reader.subtree_root(0, c.size) == c.root);
  }
  CHECK_THROWS_AS(reader.run_of(n), LedgerError);
}
