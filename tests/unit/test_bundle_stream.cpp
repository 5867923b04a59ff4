// write_bundle (the streamed report.json `report` writes) against the JSON tree of build_bundle
// dumped the way `report` used to write it: the same bytes, the same SHA-256, on a ledger whose
// runs have awkward sizes (so proofs have every length, and some leaves sit in partial 64-leaf
// blocks at the ledger's end), with names holding non-ASCII text, quotes, backslashes and control
// characters, a period, and a selection with no leaves at all.
#include <doctest/doctest.h>

#include <filesystem>

#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "ledger/store.h"
#include "reports/bundle.h"
#include "reports/verify.h"
#include "support/lab.h"

using namespace dnswitness;

namespace {

constexpr std::int64_t kHour = 3'600'000'000'000;
constexpr std::int64_t kStart = 1'700'000'000'000'000'000;

Observation obs(std::size_t i, std::int64_t t) {
  Observation o;
  o.qname = i % 3 == 0 ? "t.co" : "x.com";
  o.qtype = i % 2 == 0 ? 1 : 28;
  o.resolver = ResolverSpec{i % 4 == 0 ? "r1" : "r2", Protocol::udp, "192.0.2.1", 53, {}};
  o.sent_at = UtcTime{t};
  o.outcome = Outcome::answer;
  o.rcode = 0;
  if (o.qtype == 1) {
    o.addresses = {"104.244.42." + std::to_string(i % 5 + 1)};
    o.answers = {{o.qname + ".", "A", 300, o.addresses[0]}};
  } else {
    o.addresses = {"2606:1f80::" + std::to_string(i % 5 + 1)};
    o.answers = {{o.qname + ".", "AAAA", 300, o.addresses[0]}};
  }
  o.query_wire = Bytes(30, static_cast<std::uint8_t>(i));
  return o;
}

std::string streamed(LedgerStore& store, const ReportRequest& req, BundleWritten* w) {
  std::string out;
  std::size_t pieces = 0;
  *w = write_bundle(store, req, [&](std::string_view piece) {
    out.append(piece);
    ++pieces;
  });
  CHECK(pieces >= 1);
  return out;
}

}  // namespace

TEST_CASE("write_bundle writes exactly build_bundle's dump(1), with its SHA-256") {
  dnswitness::test::TempDir dir;
  LedgerStore store(LedgerPaths{dir.path() / "l"}, LedgerStore::Mode::read_write, "test/stream");
  bool created = false;
  const auto key = store.load_or_create_key(&created);
  const std::vector<std::size_t> sizes = {1, 6, 63, 64, 2, 129, 30, 255, 1, 300, 17, 5};
  std::int64_t t = kStart;
  for (std::size_t k = 0; k < sizes.size(); ++k) {
    RunRecord run;
    run.run_id = "run" + std::to_string(k);
    run.started_at = UtcTime{t};
    run.finished_at = UtcTime{t + 1};
    std::vector<Observation> os;
    for (std::size_t i = 0; i < sizes[k]; ++i) os.push_back(obs(i, t + static_cast<std::int64_t>(i) * 1'000'000'000));
    run.observation_count = os.size();
    store.append_run(make_run_leaves(run, os), key);
    t += kHour / 2;
  }

  ReportRequest req;
  LoginInput at;
  at.kind = "command-line";
  at.name = "--at";
  // Before every run, between runs, exactly at one, and after the last.
  at.values = {"2023-11-14T22:00:00Z", "2023-11-14T23:10:00Z", "2023-11-15T01:13:20Z", "2023-11-15T06:00:00Z"};
  at.content = "";
  req.inputs.push_back(at);
  LoginInput file;
  file.kind = "file";
  file.name = "ログイン \"x\".txt";
  file.content = "2023-11-15T00:40:00Z\n";
  req.inputs.push_back(file);
  req.options.domains = {"x.com", "t.co"};
  req.case_name = "令和8年(ワ)第123号 \"quoted\" back\\slash\ttab";
  req.operator_name = std::string("Operator \x01 control");
  req.created_at = UtcTime{kStart + 100 * kHour};

  SUBCASE("logins over two domains, both types") {}
  SUBCASE("one resolver and a period") {
    req.options.resolvers = {"r1"};
    req.options.from_ns = kStart + kHour;
    req.options.until_ns = kStart + 3 * kHour;
  }
  SUBCASE("a domain never observed: no leaves") {
    req.options.domains = {"nothing.example"};
  }

  BundleStats stats;
  const std::string expected = build_bundle(store, req, &stats).dump(1) + "\n";
  BundleWritten w;
  const std::string got = streamed(store, req, &w);
  REQUIRE(got.size() == expected.size());
  CHECK(got == expected);
  CHECK(w.bytes == expected.size());
  CHECK(hex_encode(w.sha256) ==
        hex_encode(sha256(ByteView(reinterpret_cast<const std::uint8_t*>(expected.data()), expected.size()))));
  CHECK(w.stats.observation_leaves == stats.observation_leaves);
  CHECK(w.stats.run_leaves == stats.run_leaves);
  CHECK(w.stats.checkpoints == stats.checkpoints);
  CHECK(w.key_fingerprint == store.bound_public_key()->fingerprint());
  const auto v = verify_bundle(got);
  CHECK_MESSAGE(v.ok, v.failure);
}
