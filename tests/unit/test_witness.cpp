// The witness's decision (witness/add_checkpoint.h) on a real state folder (SQLite file, key file):
// every status of the c2sp.org/tlog-witness table with its body and content type, the cosignature it
// returns verifying with the witness's key, its memory surviving a reopen, and a forked tree (same
// key, another history) refused. Trees are built leaf by leaf (support/tree_log.h).
#include <doctest/doctest.h>

#include <filesystem>

#include "crypto/encoding.h"
#include "model/errors.h"
#include "support/lab.h"
#include "support/tree_log.h"
#include "tlog/cosignature.h"
#include "witness/add_checkpoint.h"
#include "witness/witness_state.h"

using namespace dnswitness;
using namespace dnswitness::test;
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kNow = 1'790'000'000;

struct Witness {
  TempDir dir;
  std::optional<WitnessState> state;
  Witness() {
    WitnessState::create(dir.path() / "w", "witness.example/1");
    state.emplace(dir.path() / "w");
  }
  WitnessResponse add(const std::string& body) { return add_checkpoint(*state, body, kNow); }
};

}  // namespace

TEST_CASE("a witness cosigns a growing log, answers 409 with the size it holds, and remembers across a reopen") {
  Witness w;
  const TreeLog log;
  REQUIRE(w.state->add_log(log.origin, log.vkey()));
  CHECK_FALSE(w.state->add_log(log.origin, log.vkey()));

  // A log that does not know the witness's size asks with old 0 ... but this witness holds none yet.
  auto r = w.add(log.request(0, 10));
  INFO(r.body);
  REQUIRE(r.status == 200);
  // The answer is one cosignature line that verifies with the witness's key over the checkpoint.
  const std::string cosigned = log.note(10) + r.body;
  const auto verifier = parse_cosignature_verifier_key(w.state->verifier_key());
  const auto check = verify_cosignatures(cosigned, std::span<const CosignatureVerifier>(&verifier, 1));
  REQUIRE(check);
  REQUIRE(check.verified.size() == 1);
  CHECK(check.verified[0].timestamp == kNow);
  CHECK(check.verified[0].name == "witness.example/1");

  // old 0 now: 409 with the size held, as text/x.tlog.size.
  r = w.add(log.request(0, 20));
  CHECK(r.status == 409);
  CHECK(r.content_type == "text/x.tlog.size");
  CHECK(r.body == "10\n");
  // From 10 with a proof: cosigned; the same checkpoint again: cosigned again.
  CHECK(w.add(log.request(10, 20)).status == 200);
  CHECK(w.add(log.request(20, 20)).status == 200);
  for (const std::uint64_t n : {21, 33, 64, 65, 1000}) {
    const std::uint64_t held = w.state->log(log.origin)->size;
    CAPTURE(n);
    CHECK(w.add(log.request(held, n)).status == 200);
  }
  const auto held = w.state->log(log.origin);
  CHECK(held->size == 1000);
  CHECK(held->root == log.root(1000));
  CHECK(held->cosigned_note.starts_with(log.note(1000)));

  // Reopened (a restart): the same memory.
  w.state.reset();
  w.state.emplace(w.dir.path() / "w");
  CHECK(w.state->log(log.origin)->size == 1000);
  r = w.add(log.request(20, 1001));
  CHECK(r.status == 409);
  CHECK(r.body == "1000\n");
}

TEST_CASE("every refusal of the spec's table: 400, 403, 404, 409, 422, and the size held never moves") {
  Witness w;
  const TreeLog log;
  REQUIRE(w.state->add_log(log.origin, log.vkey()));
  REQUIRE(w.add(log.request(0, 100)).status == 200);
  const std::string good = log.request(100, 150);
  std::string body;
  int status = 0;
  SUBCASE("400: no old line") {
    body = "\n" + log.note(150);
    status = 400;
  }
  SUBCASE("400: old not a number") {
    body = "old 1e2\n\n" + log.note(150);
    status = 400;
  }
  SUBCASE("400: a proof line that is not base64") {
    body = "old 100\n!!!!\n\n" + log.note(150);
    status = 400;
  }
  SUBCASE("400: 64 proof lines") {
    body = "old 100\n";
    for (int i = 0; i < 64; ++i) body += base64_encode(ByteView(log.root(1).data(), 32)) + "\n";
    body += "\n" + log.note(150);
    status = 400;
  }
  SUBCASE("400: no empty line before the checkpoint") {
    body = "old 100\n" + log.note(150);
    status = 400;
  }
  SUBCASE("400: old larger than the new size") {
    body = "old 200\n\n" + log.note(150);
    status = 400;
  }
  SUBCASE("400: a body over the limit") {
    body = good + std::string(kMaxAddCheckpointBody, 'x');
    status = 400;
  }
  SUBCASE("403: signed by another key") {
    TreeLog other;
    other.key = Ed25519PrivateKey::from_seed(Bytes(32, 8));
    body = other.request(100, 150);
    status = 403;
  }
  SUBCASE("403: a signature that fails") {
    body = good;
    body[body.size() - 10] = body[body.size() - 10] == 'A' ? 'B' : 'A';
    status = 403;
  }
  SUBCASE("404: an origin the witness does not follow") {
    TreeLog other;
    other.origin = "log.example/unknown";
    body = other.request(0, 150);
    status = 404;
  }
  SUBCASE("409: an old size that is not the one held") {
    body = log.request(99, 150);
    status = 409;
  }
  SUBCASE("422: a proof that does not verify") {
    body = log.request(100, 150, false);
    status = 422;
  }
  SUBCASE("422: the same size with another root (a fork)") {
    body = TreeLog("fork ").request(100, 100);
    status = 422;
  }
  SUBCASE("422: a forked tree that grew, with its own proof") {
    const TreeLog fork("fork ");
    std::string proof_part;
    for (const auto& h : fork.proof(100, 150)) proof_part += base64_encode(ByteView(h.data(), h.size())) + "\n";
    body = "old 100\n" + proof_part + "\n" + fork.note(150);
    status = 422;
  }
  CAPTURE(body.substr(0, 200));
  const WitnessResponse r = w.add(body);
  INFO(r.body);
  CHECK(r.status == status);
  CHECK(r.body.ends_with("\n"));
  CHECK(std::count(r.body.begin(), r.body.end(), '\n') == 1);
  CHECK(w.state->log(log.origin)->size == 100);
  CHECK(w.state->log(log.origin)->root == log.root(100));
  // And it goes on answering the good request.
  CHECK(w.add(good).status == 200);
}

TEST_CASE("witness keygen and add-log refuse what cannot be right") {
  TempDir t;
  CHECK_THROWS_AS(WitnessState::create(t.path() / "a", "has space"), UsageError);
  WitnessState::create(t.path() / "w", "witness.example/2");
  CHECK_THROWS_AS(WitnessState::create(t.path() / "w", "witness.example/2"), UsageError);
  CHECK_THROWS_AS(WitnessState(t.path() / "none"), UsageError);
  WitnessState w(t.path() / "w");
  const TreeLog log;
  CHECK_THROWS_AS(w.add_log("log.example/other-name", log.vkey()), UsageError);
  CHECK_THROWS_AS(w.add_log(log.origin, "not a key"), UsageError);
  REQUIRE(w.add_log(log.origin, log.vkey()));
  TreeLog rekeyed;
  rekeyed.key = Ed25519PrivateKey::from_seed(Bytes(32, 9));
  CHECK_THROWS_AS(w.add_log(log.origin, rekeyed.vkey()), UsageError);
  CHECK(w.logs().size() == 1);
}
