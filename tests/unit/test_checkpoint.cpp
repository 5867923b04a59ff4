// Checkpoints (c2sp.org/tlog-checkpoint) and offline proofs (c2sp.org/tlog-proof): golden text,
// strict parsing, sign/open round trips, and rejection of every altered twin.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "crypto/encoding.h"
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"

using namespace dnswitness;

namespace {

const std::string kOrigin = "dnswitness.example-law.jp/ledger-1";

Hash hash_from_b64(std::string_view b64) {
  const auto b = base64_decode(b64);
  REQUIRE(b);
  REQUIRE(b->size() == 32);
  Hash h{};
  std::copy(b->begin(), b->end(), h.begin());
  return h;
}

Ed25519PrivateKey test_key() {
  // RFC 8032 §7.1 TEST 1 seed: fixed, so signatures below are reproducible.
  return Ed25519PrivateKey::from_seed(*hex_decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
}

std::vector<Bytes> entries(std::size_t n) {
  std::vector<Bytes> out;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string e = "{\"observation\":" + std::to_string(i) + "}";
    out.emplace_back(e.begin(), e.end());
  }
  return out;
}

}  // namespace

TEST_CASE("golden checkpoint text (FORMATS.md)") {
  const Checkpoint cp{kOrigin, 5, hash_from_b64("6Fc5I5dtc6kE9kCyCDnhWm8Dus4K6C8hSQFu9J3Tfs0=")};
  const std::string text = "dnswitness.example-law.jp/ledger-1\n5\n6Fc5I5dtc6kE9kCyCDnhWm8Dus4K6C8hSQFu9J3Tfs0=\n";
  CHECK(cp.to_text() == text);
  const auto parsed = Checkpoint::parse(text);
  REQUIRE(parsed);
  CHECK(*parsed == cp);

  const Checkpoint empty{kOrigin, 0, empty_root()};
  CHECK(empty.to_text() == kOrigin + "\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
  const Checkpoint max{kOrigin, UINT64_MAX, empty_root()};
  CHECK(Checkpoint::parse(max.to_text()) == max);
}

TEST_CASE("golden signed checkpoint (frozen bytes)") {
  // Independently computed with Python's `cryptography` package over the same seed and text; Ed25519
  // is deterministic, so any change here is a format change.
  const auto key = test_key();
  const Checkpoint cp{kOrigin, 5, hash_from_b64("6Fc5I5dtc6kE9kCyCDnhWm8Dus4K6C8hSQFu9J3Tfs0=")};
  const std::string golden =
      "dnswitness.example-law.jp/ledger-1\n"
      "5\n"
      "6Fc5I5dtc6kE9kCyCDnhWm8Dus4K6C8hSQFu9J3Tfs0=\n"
      "\n"
      "\xE2\x80\x94 dnswitness.example-law.jp/ledger-1 "
      "eh3QPF5v/PHj7WHTbs+SfMuZDMMMBgLUI/xG2WY8PTysAy4x+6CA4Q35Fn7spkgxpPCMZzu0Oc8JjjZhLkG6vNXz2gw=\n";
  CHECK(note_key_id(kOrigin, key.public_key()) == 0x7a1dd03cU);
  CHECK(format_verifier_key(kOrigin, key.public_key()) ==
        "dnswitness.example-law.jp/ledger-1+7a1dd03c+AddamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea");
  CHECK(sign_checkpoint(cp, key) == golden);
  const auto v = parse_verifier_key("dnswitness.example-law.jp/ledger-1+7a1dd03c+AddamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea");
  CHECK(open_signed_checkpoint(golden, v) == cp);
}

TEST_CASE("strict parsing rejects every non-canonical or malformed checkpoint") {
  const std::string root = "6Fc5I5dtc6kE9kCyCDnhWm8Dus4K6C8hSQFu9J3Tfs0=";
  const std::string o = kOrigin + "\n";
  const std::vector<std::string> bad = {
      "",
      o,
      o + "5\n",
      o + "5\n" + root,                          // missing final newline
      o + "5\n" + root + "\n\n",                 // extra blank line
      o + "5\n" + root + "\nextension line\n",   // extension lines: not ours
      "\n5\n" + root + "\n",                     // empty origin
      "or\tigin\n5\n" + root + "\n",             // control character in the origin
      o + "05\n" + root + "\n",                  // leading zero
      o + "00\n" + root + "\n",
      o + "+5\n" + root + "\n",                  // sign
      o + "-5\n" + root + "\n",
      o + " 5\n" + root + "\n",                  // white space
      o + "5 \n" + root + "\n",
      o + "0x5\n" + root + "\n",
      o + "5.0\n" + root + "\n",
      o + "\n" + root + "\n",                    // empty size
      o + "18446744073709551616\n" + root + "\n",  // 2^64: overflow
      o + "99999999999999999999999\n" + root + "\n",
      o + "5\n" + root.substr(0, 43) + "\n",     // truncated base64
      o + "5\n" + root.substr(0, 43) + "\n",
      o + "5\n6Fc5I5dtc6kE9kCyCDnhWm8Dus4K6C8hSQFu9J3Tfs1=\n",  // non-zero padding bits
      o + "5\n" + root + "=\n",
      o + "5\n" + "AAAA\n",                      // 3 bytes, not 32
      o + "5\n" + base64_encode(Bytes(33, 0)) + "\n",
      o + "5\n" + "6Fc5I5dtc6kE9kCyCDnhWm8Dus4K6C8hSQFu9J3Tfs0\n",  // unpadded
      o + "5\n" + "6Fc5I5dtc6kE9kCyCDnhWm8Dus4K6C8hSQFu9J3Tfs0=\r\n",
      o + "5\n" + "6Fc5I5dtc6kE9kCyCDnhWm8Dus4K6C8hSQFu9J3Tf-0=\n",  // URL alphabet
      kOrigin + "\r\n5\n" + root + "\n",
  };
  for (std::size_t i = 0; i < bad.size(); ++i) {
    CAPTURE(i);
    std::string why;
    CHECK_FALSE(Checkpoint::parse(bad[i], &why));
    CHECK_FALSE(why.empty());
  }
  CHECK(Checkpoint::parse(o + "0\n" + root + "\n"));
  const Checkpoint no_origin{"", 1, Hash{}};
  const Checkpoint two_lines{"two\nlines", 1, Hash{}};
  CHECK_THROWS_AS((void)no_origin.to_text(), NoteError);
  CHECK_THROWS_AS((void)two_lines.to_text(), NoteError);
}

TEST_CASE("sign and open a checkpoint; altered twins are refused") {
  const auto key = test_key();
  const NoteVerifier verifier = make_note_verifier(kOrigin, key.public_key());
  const Checkpoint cp{kOrigin, 42, leaf_hash(as_bytes("root stand-in"))};
  const std::string note = sign_checkpoint(cp, key);

  std::string why;
  const auto opened = open_signed_checkpoint(note, verifier, &why);
  REQUIRE_MESSAGE(opened, why);
  CHECK(*opened == cp);

  // Another size in the text: the signature no longer matches.
  std::string altered = note;
  altered.replace(altered.find("\n42\n"), 4, "\n43\n");
  CHECK_FALSE(open_signed_checkpoint(altered, verifier, &why));
  CHECK(why.find("does not verify") != std::string::npos);

  // Signed by another key under the same name.
  const auto other = Ed25519PrivateKey::generate();
  CHECK_FALSE(open_signed_checkpoint(sign_checkpoint(cp, other), verifier, &why));
  CHECK(why.find("no signature") != std::string::npos);

  // The key name must equal the origin: a note signed under another name is not a checkpoint of ours.
  const std::string foreign = sign_note(cp.to_text(), "someone.else/log", key);
  CHECK_FALSE(open_signed_checkpoint(foreign, verifier));
  const NoteVerifier foreign_verifier = make_note_verifier("someone.else/log", key.public_key());
  CHECK_FALSE(open_signed_checkpoint(foreign, foreign_verifier, &why));
  CHECK(why.find("origin") != std::string::npos);

  // A correctly signed text that is not a strict checkpoint.
  const std::string loose = sign_note(kOrigin + "\n042\n" + base64_encode(cp.root) + "\n", kOrigin, key);
  CHECK_FALSE(open_signed_checkpoint(loose, verifier));

  // A cosignature from an unknown witness does not disturb the log's signature.
  const auto witness = Ed25519PrivateKey::generate();
  const std::string cosigned = sign_note(cp.to_text(), "witness.example/w", witness);
  const std::string both = note + cosigned.substr(cp.to_text().size() + 1);
  CHECK(open_signed_checkpoint(both, verifier) == cp);

  // Origins that cannot be key names cannot be signed.
  const Checkpoint spaced{"has space", 1, Hash{}};
  const Checkpoint plussed{"has+plus", 1, Hash{}};
  CHECK_THROWS_AS(sign_checkpoint(spaced, key), NoteError);
  CHECK_THROWS_AS(sign_checkpoint(plussed, key), NoteError);
}

TEST_CASE("tlog-proof: build, print, parse and verify offline for every leaf of a small log") {
  const auto key = test_key();
  const NoteVerifier verifier = make_note_verifier(kOrigin, key.public_key());
  const auto es = entries(13);
  std::vector<Hash> leaves;
  leaves.reserve(es.size());
  for (const auto& e : es) leaves.push_back(leaf_hash(e));
  const Checkpoint cp{kOrigin, leaves.size(), root_of(leaves)};
  const std::string note = sign_checkpoint(cp, key);
  const SubtreeRootFn roots = [&](std::uint64_t b, std::uint64_t e) {
    return root_of(std::span<const Hash>(leaves).subspan(b, e - b));
  };

  for (std::uint64_t i = 0; i < leaves.size(); ++i) {
    CAPTURE(i);
    const TlogProof proof{i, inclusion_proof(i, cp.size, roots), note, std::nullopt};
    const std::string text = proof.to_text();
    std::string why;
    const auto parsed = TlogProof::parse(text, &why);
    REQUIRE_MESSAGE(parsed, why);
    CHECK(*parsed == proof);
    CHECK(parsed->to_text() == text);
    const auto verified = verify_tlog_proof(*parsed, es[i], verifier, &why);
    REQUIRE_MESSAGE(verified, why);
    CHECK(*verified == cp);
    // Another entry, another index or another key: refused.
    CHECK_FALSE(verify_tlog_proof(*parsed, es[(i + 1) % es.size()], verifier));
    TlogProof shifted = *parsed;
    shifted.index = (i + 1) % es.size();
    CHECK_FALSE(verify_tlog_proof(shifted, es[i], verifier));
    CHECK_FALSE(verify_tlog_proof(*parsed, es[i],
                                  make_note_verifier(kOrigin, Ed25519PrivateKey::generate().public_key())));
  }
}

TEST_CASE("tlog-proof golden layout and strict parsing") {
  const auto key = test_key();
  const Hash h1 = leaf_hash(as_bytes("a"));
  const Hash h2 = leaf_hash(as_bytes("b"));
  const Checkpoint cp{kOrigin, 3, node_hash(node_hash(h1, h2), leaf_hash(as_bytes("c")))};
  const std::string note = sign_checkpoint(cp, key);
  const TlogProof proof{1, {h1, leaf_hash(as_bytes("c"))}, note, std::nullopt};
  const std::string text = proof.to_text();
  CHECK(text == "c2sp.org/tlog-proof@v1\nindex 1\n" + base64_encode(h1) + "\n" + base64_encode(leaf_hash(as_bytes("c"))) +
                    "\n\n" + note);
  CHECK(verify_tlog_proof(proof, as_bytes("b"), make_note_verifier(kOrigin, key.public_key())) == cp);

  // Optional extra data (c2sp.org/tlog-proof) round-trips.
  TlogProof with_extra = proof;
  with_extra.extra = Bytes{1, 2, 3};
  CHECK(with_extra.to_text().starts_with("c2sp.org/tlog-proof@v1\nextra AQID\nindex 1\n"));
  CHECK(TlogProof::parse(with_extra.to_text()) == with_extra);

  // A one-leaf tree has no proof hashes: header, index, blank line, checkpoint.
  const TlogProof single{0, {}, note, std::nullopt};
  CHECK(single.to_text() == "c2sp.org/tlog-proof@v1\nindex 0\n\n" + note);
  CHECK(TlogProof::parse(single.to_text()) == single);

  const std::string body = "\n\n" + note;
  const std::string hl = base64_encode(h1) + "\n";
  const std::vector<std::string> bad = {
      "",
      "c2sp.org/tlog-proof@v2\nindex 1\n" + hl + body,
      "c2sp.org/tlog-proof@v1 \nindex 1\n" + hl + body,
      "c2sp.org/tlog-proof@v1\n" + hl + body,                 // no index
      "c2sp.org/tlog-proof@v1\nindex\n" + hl + body,
      "c2sp.org/tlog-proof@v1\nindex 01\n" + hl + body,
      "c2sp.org/tlog-proof@v1\nindex +1\n" + hl + body,
      "c2sp.org/tlog-proof@v1\nindex -1\n" + hl + body,
      "c2sp.org/tlog-proof@v1\nindex 18446744073709551616\n" + hl + body,
      "c2sp.org/tlog-proof@v1\nindex  1\n" + hl + body,
      "c2sp.org/tlog-proof@v1\nextra !!\nindex 1\n" + hl + body,
      "c2sp.org/tlog-proof@v1\nextra \nindex 1\n" + hl + body,
      "c2sp.org/tlog-proof@v1\nindex 1\nAAAA\n" + body,       // 3-byte hash
      "c2sp.org/tlog-proof@v1\nindex 1\n" + base64_encode(Bytes(31, 0)) + "\n" + body,
      "c2sp.org/tlog-proof@v1\nindex 1\n" + hl.substr(0, hl.size() - 2) + "\n" + body,
      "c2sp.org/tlog-proof@v1\nindex 1\n" + hl,               // no blank line, no checkpoint
      "c2sp.org/tlog-proof@v1\nindex 1\n" + hl + "\n",        // no checkpoint
      "c2sp.org/tlog-proof@v1\nindex 1\n" + hl + "\n" + note.substr(0, note.size() - 1),  // truncated
  };
  for (std::size_t i = 0; i < bad.size(); ++i) {
    CAPTURE(i);
    std::string why;
    CHECK_FALSE(TlogProof::parse(bad[i], &why));
    CHECK_FALSE(why.empty());
  }
  // More than 64 hashes cannot be a proof in a 2^64 tree.
  std::string many = "c2sp.org/tlog-proof@v1\nindex 1\n";
  for (int i = 0; i < 65; ++i) many += hl;
  CHECK_FALSE(TlogProof::parse(many + "\n" + note));

  // A parsed proof whose checkpoint note is damaged fails verification, not parsing.
  std::string damaged = text;
  damaged[damaged.size() - 10] = damaged[damaged.size() - 10] == 'A' ? 'B' : 'A';
  const auto parsed = TlogProof::parse(damaged);
  REQUIRE(parsed);
  std::string why;
  CHECK_FALSE(verify_tlog_proof(*parsed, as_bytes("b"), make_note_verifier(kOrigin, key.public_key()), &why));
  CHECK_FALSE(why.empty());
}
