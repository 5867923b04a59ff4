// What the log keeps of a witness's answer (tlog/witness_client.h, pick_cosignature_line): exactly
// one line of that witness's key that verifies over this checkpoint with a time, whatever else the
// answer holds; and the log's own note taken back out of a cosigned checkpoint (note_signed_by).
#include <doctest/doctest.h>

#include "ledger/checkpoint.h"
#include "ledger/signed_note.h"
#include "tlog/cosignature.h"
#include "tlog/witness_client.h"

using namespace dnswitness;

namespace {

struct AnswerFixture {
  Ed25519PrivateKey log_key = Ed25519PrivateKey::from_seed(Bytes(32, 0x11));
  Ed25519PrivateKey witness_key = Ed25519PrivateKey::from_seed(Bytes(32, 0x22));
  Ed25519PrivateKey other_key = Ed25519PrivateKey::from_seed(Bytes(32, 0x33));
  Checkpoint cp{"example.jp/log", 7, Hash{}};
  Checkpoint other_cp{"example.jp/log", 8, Hash{}};
  std::string note = sign_checkpoint(cp, log_key);
  CosignatureVerifier witness = make_cosignature_verifier("w.example.jp", witness_key.public_key());
  std::string good = cosign_checkpoint(cp.to_text(), "w.example.jp", witness_key, 1700000000);
};

}  // namespace

TEST_CASE("a witness's answer: the one line of its key that verifies is kept, nothing else") {
  const AnswerFixture f;
  SUBCASE("a plain answer") {
    const auto p = pick_cosignature_line(f.note, f.good, f.witness);
    REQUIRE(p);
    CHECK(p->line == f.good);
    CHECK(p->timestamp == 1700000000);
  }
  SUBCASE("several lines, as the spec allows: another key's, another checkpoint's, then ours") {
    const std::string answer = cosign_checkpoint(f.cp.to_text(), "w.example.jp", f.other_key, 1700000001) +
                               cosign_checkpoint(f.other_cp.to_text(), "w.example.jp", f.witness_key, 1700000002) +
                               cosign_checkpoint(f.cp.to_text(), "other.example", f.witness_key, 1700000003) + f.good;
    const auto p = pick_cosignature_line(f.note, answer, f.witness);
    REQUIRE(p);
    CHECK(p->line == f.good);
  }
  SUBCASE("a blank line before the cosignature is dropped, not stored with it") {
    const auto p = pick_cosignature_line(f.note, "\n" + f.good, f.witness);
    REQUIRE(p);
    CHECK(p->line == f.good);
  }
  SUBCASE("a line posing as the log's own signature is never kept") {
    const std::string answer = f.good + "\u2014 example.jp/log AAAAAAAAAAAAAAAA\n";
    const auto p = pick_cosignature_line(f.note, answer, f.witness);
    REQUIRE(p);
    CHECK(p->line == f.good);
  }
  SUBCASE("nothing usable: none") {
    CHECK_FALSE(pick_cosignature_line(f.note, "", f.witness));
    CHECK_FALSE(pick_cosignature_line(f.note, f.good.substr(0, f.good.size() - 1), f.witness));  // no newline
    CHECK_FALSE(pick_cosignature_line(
        f.note, cosign_checkpoint(f.other_cp.to_text(), "w.example.jp", f.witness_key, 1700000000), f.witness));
    // A time of 0 is no cosignature (tlog-cosignature).
    CHECK_FALSE(pick_cosignature_line(f.note, cosign_checkpoint(f.cp.to_text(), "w.example.jp", f.witness_key, 0),
                                      f.witness));
  }
}

TEST_CASE("note_signed_by: the log's own note back out of a cosigned checkpoint, byte for byte") {
  const AnswerFixture f;
  CHECK(note_signed_by(f.note + f.good, "example.jp/log") == f.note);
  CHECK(note_signed_by(f.note, "example.jp/log") == f.note);
  CHECK_FALSE(note_signed_by(f.note + f.good, "nobody.example"));
  CHECK_FALSE(note_signed_by("not a note", "example.jp/log"));
}
