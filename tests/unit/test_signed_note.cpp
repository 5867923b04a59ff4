// C2SP signed notes: the byte-exact public vector of golang.org/x/mod/sumdb/note (FORMATS.md) and
// its corrupted twins, which must all be rejected.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "crypto/encoding.h"
#include "ledger/signed_note.h"

using namespace dnswitness;

namespace {

const std::string kSignerKey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const std::string kVerifierKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const std::string kText =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
const std::string kSigLine =
    "\xE2\x80\x94 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const std::string kNote = kText + "\n" + kSigLine;

// "PRIVATE+KEY+<name>+<hex ID>+<base64(0x01 || seed)>". The base64 may itself contain '+' (this one
// does: "...QIDr+Y7h..."), so the key is everything after the fourth '+', not after the last one.
std::string_view after_plus(std::string_view s, int count) {
  for (int i = 0; i < count; ++i) {
    const auto p = s.find('+');
    REQUIRE(p != std::string_view::npos);
    s.remove_prefix(p + 1);
  }
  return s;
}

Ed25519PrivateKey peter() {
  REQUIRE(kSignerKey.starts_with("PRIVATE+KEY+PeterNeumann+c74f20a3+"));
  const auto b = base64_decode(after_plus(kSignerKey, 4));
  REQUIRE(b);
  REQUIRE(b->size() == 33);
  REQUIRE((*b)[0] == 0x01);
  return Ed25519PrivateKey::from_seed(ByteView(*b).subspan(1));
}

std::vector<NoteVerifier> peter_verifiers() { return {parse_verifier_key(kVerifierKey)}; }

std::string sig_line(const std::string& name, std::uint32_t id, ByteView sig) {
  Bytes blob{static_cast<std::uint8_t>(id >> 24), static_cast<std::uint8_t>(id >> 16), static_cast<std::uint8_t>(id >> 8),
             static_cast<std::uint8_t>(id)};
  blob.insert(blob.end(), sig.begin(), sig.end());
  return "\xE2\x80\x94 " + name + " " + base64_encode(blob) + "\n";
}

}  // namespace

TEST_CASE("golden: PeterNeumann key, key ID, verifier key and signature line") {
  const auto key = peter();
  CHECK(note_key_id("PeterNeumann", key.public_key()) == 0xc74f20a3U);
  CHECK(format_verifier_key("PeterNeumann", key.public_key()) == kVerifierKey);
  const auto v = parse_verifier_key(kVerifierKey);
  CHECK(v.name == "PeterNeumann");
  CHECK(v.key_id == 0xc74f20a3U);
  CHECK(v.key == key.public_key());

  const std::string note = sign_note(kText, "PeterNeumann", key);
  CHECK(note == kNote);  // byte-exact, including the em dash

  const auto opened = verify_note(kNote, peter_verifiers());
  REQUIRE(opened.status == NoteStatus::ok);
  CHECK(opened.text == kText);
  CHECK(opened.verified == std::vector<NoteSignatureId>{{"PeterNeumann", 0xc74f20a3U}});
  CHECK(opened.ignored.empty());
}

TEST_CASE("corrupted twins are rejected") {
  const auto vs = peter_verifiers();

  SUBCASE("one flipped bit in the signature") {
    const auto blob_at = kNote.find("x08go");
    for (const std::size_t bit : {0U, 7U, 40U, 100U, 300U, 500U}) {
      const auto sigb64 = kSigLine.substr(kSigLine.find(' ', 4) + 1, 92);
      auto blob = *base64_decode(sigb64);
      blob[4 + bit / 8] ^= static_cast<std::uint8_t>(1U << (bit % 8));
      std::string bad = kNote;
      bad.replace(blob_at, 92, base64_encode(blob));
      CAPTURE(bit);
      CHECK(verify_note(bad, vs).status == NoteStatus::bad_signature);
    }
  }
  SUBCASE("one flipped bit in the text") {
    for (std::size_t i = 0; i + 1 < kText.size(); i += 7) {
      std::string bad = kNote;
      bad[i] = static_cast<char>(bad[i] ^ 0x01);
      CAPTURE(i);
      const auto status = verify_note(bad, vs).status;
      CHECK(status != NoteStatus::ok);
    }
    std::string bad = kNote;
    bad[0] = 'i';
    const auto opened = verify_note(bad, vs);
    CHECK(opened.status == NoteStatus::bad_signature);
    CHECK(opened.text.empty());
  }
  SUBCASE("one flipped bit in the key name makes it an unknown key: no known signature") {
    std::string bad = kNote;
    bad.replace(bad.find("PeterNeumann"), 1, "Q");  // 'P' ^ 0x01 == 'Q'
    const auto opened = verify_note(bad, vs);
    CHECK(opened.status == NoteStatus::no_known_signature);
    REQUIRE(opened.ignored.size() == 1);
    CHECK(opened.ignored[0].name == "QeterNeumann");
  }
  SUBCASE("one flipped bit in the key ID: unknown (name, ID) pair") {
    std::string bad = kNote;
    const auto blob_at = bad.find("x08go");
    auto blob = *base64_decode(std::string_view(bad).substr(blob_at, 92));
    blob[0] ^= 0x01;
    bad.replace(blob_at, 92, base64_encode(blob));
    CHECK(verify_note(bad, vs).status == NoteStatus::no_known_signature);
  }
  SUBCASE("no known key") {
    CHECK(verify_note(kNote, {}).status == NoteStatus::no_known_signature);
    const auto stranger = Ed25519PrivateKey::generate();
    const std::vector<NoteVerifier> others{make_note_verifier("stranger.example/log", stranger.public_key())};
    CHECK(verify_note(kNote, others).status == NoteStatus::no_known_signature);
  }
  SUBCASE("a known name with another key (so another ID) is not our key") {
    const auto impostor = Ed25519PrivateKey::generate();
    const std::string forged = sign_note(kText, "PeterNeumann", impostor);
    CHECK(verify_note(forged, vs).status == NoteStatus::no_known_signature);
  }
  SUBCASE("right name and ID but a signature by another key") {
    const auto impostor = Ed25519PrivateKey::generate();
    const auto sig = impostor.sign(as_bytes(kText));
    const std::string forged = kText + "\n" + sig_line("PeterNeumann", 0xc74f20a3U, sig);
    CHECK(verify_note(forged, vs).status == NoteStatus::bad_signature);
  }
  SUBCASE("wrong signature length from a known key") {
    const auto key = peter();
    const auto sig = key.sign(as_bytes(kText));
    CHECK(verify_note(kText + "\n" + sig_line("PeterNeumann", 0xc74f20a3U, ByteView(sig).first(63)), vs).status ==
          NoteStatus::bad_signature);
    Bytes longer(sig.begin(), sig.end());
    longer.push_back(0);
    CHECK(verify_note(kText + "\n" + sig_line("PeterNeumann", 0xc74f20a3U, longer), vs).status ==
          NoteStatus::bad_signature);
  }
}

TEST_CASE("unknown signatures are ignored; every known signature must verify") {
  const auto vs = peter_verifiers();
  const auto other = Ed25519PrivateKey::generate();
  const std::string other_line =
      sig_line("witness.example/w1", note_key_id("witness.example/w1", other.public_key()), other.sign(as_bytes(kText)));

  const auto before = verify_note(kText + "\n" + other_line + kSigLine, vs);
  REQUIRE(before.status == NoteStatus::ok);
  CHECK(before.text == kText);
  CHECK(before.verified.size() == 1);
  REQUIRE(before.ignored.size() == 1);
  CHECK(before.ignored[0].name == "witness.example/w1");
  CHECK(verify_note(kNote + other_line, vs).status == NoteStatus::ok);

  // An unknown signature that does not even verify is still ignored (we cannot check it).
  const std::string junk_line = sig_line("junk.example", 0x01020304U, Bytes(64, 0xAA));
  CHECK(verify_note(kNote + junk_line, vs).status == NoteStatus::ok);

  // A duplicate line from the known key carrying a bad signature is not skipped.
  auto blob = *base64_decode(std::string_view(kSigLine).substr(kSigLine.find(' ', 4) + 1, 92));
  blob[10] ^= 0x40;
  const std::string bad_dup = "\xE2\x80\x94 PeterNeumann " + base64_encode(blob) + "\n";
  CHECK(verify_note(kNote + bad_dup, vs).status == NoteStatus::bad_signature);
  // An identical duplicate is harmless and the key is listed once.
  const auto dup = verify_note(kNote + kSigLine, vs);
  CHECK(dup.status == NoteStatus::ok);
  CHECK(dup.verified.size() == 1);

  // Both keys trusted: both listed.
  auto both = vs;
  both.push_back(make_note_verifier("witness.example/w1", other.public_key()));
  const auto two = verify_note(kNote + other_line, both);
  CHECK(two.status == NoteStatus::ok);
  CHECK(two.verified.size() == 2);
}

TEST_CASE("malformed notes are rejected cleanly") {
  const auto vs = peter_verifiers();
  const std::string em = "\xE2\x80\x94 ";
  const std::string b64 = kSigLine.substr(kSigLine.find(' ', 4) + 1, 92);
  const std::vector<std::string> bad = {
      "",
      "\n",
      "\n\n",
      kText,                                              // no signatures
      kText + kSigLine,                                   // no blank line
      kText + "\n",                                       // blank line, no signatures
      kText + "\n" + kSigLine.substr(0, kSigLine.size() - 1),  // last line unterminated
      kText + "\n" + "- PeterNeumann " + b64 + "\n",      // ASCII hyphen instead of em dash
      kText + "\n" + "\xE2\x80\x94PeterNeumann " + b64 + "\n",  // no space after the dash
      kText + "\n" + em + "PeterNeumann\n",              // no signature
      kText + "\n" + em + "PeterNeumann \n",             // empty signature
      kText + "\n" + em + " " + b64 + "\n",              // empty key name
      kText + "\n" + em + "Peter+Neumann " + b64 + "\n", // '+' in the key name
      kText + "\n" + em + "PeterNeumann " + b64 + " extra\n",
      kText + "\n" + em + "PeterNeumann  " + b64 + "\n",
      kText + "\n" + em + "PeterNeumann " + b64.substr(0, 91) + "\n",  // broken base64
      kText + "\n" + em + "PeterNeumann AAAA\n",         // 3 bytes: shorter than a key ID + 1
      kText + "\n" + kSigLine + "\n",                    // trailing blank line
      kText + "\n" + kSigLine + "trailing\n",
      "text\twith tab\n\n" + kSigLine,                   // control character
      "text\r\n\n" + kSigLine,
      std::string("nul\0byte\n", 9) + "\n" + kSigLine,
      "bad utf8 \xC3\x28\n\n" + kSigLine,
      "overlong \xC0\xAF\n\n" + kSigLine,
      "surrogate \xED\xA0\x80\n\n" + kSigLine,
      "truncated \xE2\x80\n\n" + kSigLine,
      kText + "\n" + "\xE2\x80" + " PeterNeumann " + b64 + "\n",  // truncated em dash
  };
  for (std::size_t i = 0; i < bad.size(); ++i) {
    CAPTURE(i);
    const auto opened = verify_note(bad[i], vs);
    CHECK(opened.status != NoteStatus::ok);
    CHECK(opened.text.empty());
  }
  CHECK(verify_note(kText + "\n" + em + "PeterNeumann " + b64 + " extra\n", vs).status == NoteStatus::malformed);

  // Too many signatures: malformed, even though one of them verifies.
  std::string many = kNote;
  for (std::size_t i = 0; i < kMaxNoteSignatures; ++i) many += sig_line("n" + std::to_string(i), 1, Bytes(64, 1));
  CHECK(verify_note(many, vs).status == NoteStatus::malformed);
  // But at least 16 must be accepted (c2sp.org/signed-note).
  std::string sixteen = kNote;
  for (int i = 0; i < 15; ++i) sixteen += sig_line("n" + std::to_string(i), 1, Bytes(64, 1));
  CHECK(verify_note(sixteen, vs).status == NoteStatus::ok);
}

TEST_CASE("the text may contain blank lines; the last blank line separates the signatures") {
  const auto key = peter();
  const std::string text = "first paragraph\n\nsecond paragraph\n";
  const std::string note = sign_note(text, "PeterNeumann", key);
  const auto opened = verify_note(note, peter_verifiers());
  REQUIRE(opened.status == NoteStatus::ok);
  CHECK(opened.text == text);
  // Non-ASCII text is fine.
  const std::string unicode = "Ognuno sta solo sul cuor della terra \xE2\x80\x94 \xE3\x81\x82\n";
  CHECK(verify_note(sign_note(unicode, "PeterNeumann", key), peter_verifiers()).text == unicode);
}

TEST_CASE("signing refuses bad texts and key names") {
  const auto key = peter();
  CHECK_THROWS_AS(sign_note("no final newline", "k", key), NoteError);
  CHECK_THROWS_AS(sign_note("", "k", key), NoteError);
  CHECK_THROWS_AS(sign_note("tab\there\n", "k", key), NoteError);
  CHECK_THROWS_AS(sign_note("bad \xFF utf8\n", "k", key), NoteError);
  CHECK_THROWS_AS(sign_note("ok\n", "", key), NoteError);
  CHECK_THROWS_AS(sign_note("ok\n", "has space", key), NoteError);
  CHECK_THROWS_AS(sign_note("ok\n", "has+plus", key), NoteError);
  CHECK_THROWS_AS(sign_note("ok\n", "nbsp\xC2\xA0name", key), NoteError);
  CHECK_THROWS_AS(sign_note("ok\n", "ideographic\xE3\x80\x80space", key), NoteError);
  CHECK_THROWS_AS(sign_note("ok\n", "new\nline", key), NoteError);
  CHECK_NOTHROW(sign_note("ok\n", "dnswitness.example-law.jp/ledger-1", key));
  CHECK(is_valid_key_name("example.com/\xC3\xA9t\xC3\xA9"));
  CHECK_FALSE(is_valid_key_name("tab\tname"));
}

TEST_CASE("verifier key strings are parsed strictly") {
  CHECK_THROWS_AS(parse_verifier_key(""), NoteError);
  CHECK_THROWS_AS(parse_verifier_key("PeterNeumann"), NoteError);
  CHECK_THROWS_AS(parse_verifier_key("PeterNeumann+c74f20a3"), NoteError);
  CHECK_THROWS_AS(parse_verifier_key("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"), NoteError);
  CHECK_THROWS_AS(parse_verifier_key("PeterNeumann+c74f20+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"), NoteError);
  CHECK_THROWS_AS(parse_verifier_key("PeterNeumann+c74f20zz+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"), NoteError);
  CHECK_THROWS_AS(parse_verifier_key("+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"), NoteError);
  // Signature type 0x02 (ECDSA) is not supported.
  CHECK_THROWS_AS(parse_verifier_key("PeterNeumann+c74f20a3+Alpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"), NoteError);
  // Name altered: the ID no longer matches.
  CHECK_THROWS_AS(parse_verifier_key("PeterNeumanN+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"), NoteError);
  // Key truncated.
  CHECK_THROWS_AS(parse_verifier_key("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy"), NoteError);
  // Round trip of a fresh key.
  const auto key = Ed25519PrivateKey::generate();
  const auto vkey = format_verifier_key("dnswitness.example/log", key.public_key());
  const auto v = parse_verifier_key(vkey);
  CHECK(v.key == key.public_key());
  CHECK(v.key_id == note_key_id("dnswitness.example/log", key.public_key()));
}

TEST_CASE("two different trusted keys with the same (name, ID) are reported, not guessed") {
  const auto key = peter();
  auto vs = peter_verifiers();
  const auto other = Ed25519PrivateKey::generate();
  vs.push_back(NoteVerifier{"PeterNeumann", 0xc74f20a3U, other.public_key()});
  CHECK(verify_note(kNote, vs).status == NoteStatus::ambiguous_verifier);
}
