// Witness cosignatures (c2sp.org/tlog-cosignature): the Sunlight fixtures verify with the keys in
// their JSON files, unknown lines are ignored, and every flipped byte of a cosignature or of the
// checkpoint text makes the check fail.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ledger/checkpoint.h"
#include "tlog/cosignature.h"

using namespace dnswitness;

namespace {

const std::filesystem::path kSunlight = std::filesystem::path(DNSWITNESS_SHARED_TESTDATA) / "sunlight";

std::string slurp_cosig(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  REQUIRE(in);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

CosignatureVerifier key_from_json(const std::filesystem::path& p) {
  const auto j = nlohmann::json::parse(slurp_cosig(p));
  return parse_cosignature_verifier_key(j.at("verifier_keys").at(0).get<std::string>());
}

Ed25519PrivateKey witness_key(std::uint8_t fill) { return Ed25519PrivateKey::from_seed(Bytes(32, fill)); }

}  // namespace

TEST_CASE("the Sunlight mirror's cosigned checkpoint verifies with mirror.v0.json") {
  const auto mirror = key_from_json(kSunlight / "mirror/mirror.v0.json");
  CHECK(mirror.name == "mirror.example.org");
  CHECK(fmt::format("{:08x}", mirror.key_id) == "3fb148ef");
  const std::vector<CosignatureVerifier> keys{mirror};
  const auto check = verify_cosignatures(slurp_cosig(kSunlight / "mirror/checkpoint"), keys);
  REQUIRE(check.status == CosignatureStatus::ok);
  REQUIRE(check.verified.size() == 1);
  CHECK(check.verified[0].name == "mirror.example.org");
  CHECK(check.verified[0].timestamp == 1767139200);
  const auto cp = Checkpoint::parse(check.text);
  REQUIRE(cp);
  CHECK(cp->origin == "rome2026h1.example.org");
  CHECK(cp->size == 300);
}

TEST_CASE("the Sunlight witness cosignature verifies and the log's type 0x05 line is ignored") {
  const std::vector<CosignatureVerifier> keys{key_from_json(kSunlight / "witness/witness.v0.json")};
  const auto check = verify_cosignatures(slurp_cosig(kSunlight / "witness/cosigned-checkpoint"), keys);
  REQUIRE(check.status == CosignatureStatus::ok);
  REQUIRE(check.verified.size() == 1);
  CHECK(check.verified[0].name == "witness.example.org");
  CHECK(check.verified[0].timestamp == 1767139200);
  REQUIRE(check.ignored.size() == 1);
  CHECK(check.ignored[0].name == "rome2026h1.example.org");
}

TEST_CASE("a witness key that signed nothing in the note verifies nothing and fails nothing") {
  const std::vector<CosignatureVerifier> keys{key_from_json(kSunlight / "mirror/mirror.v0.json")};
  const auto check = verify_cosignatures(slurp_cosig(kSunlight / "witness/cosigned-checkpoint"), keys);
  CHECK(check.status == CosignatureStatus::ok);
  CHECK(check.verified.empty());
  CHECK(check.ignored.size() == 2);
}

TEST_CASE("every flipped byte of the Sunlight cosigned checkpoints fails or drops the cosignature") {
  for (const auto& [note_file, key_file] :
       {std::pair{std::string("witness/cosigned-checkpoint"), std::string("witness/witness.v0.json")},
        std::pair{std::string("mirror/checkpoint"), std::string("mirror/mirror.v0.json")}}) {
    const std::vector<CosignatureVerifier> keys{key_from_json(kSunlight / key_file)};
    const std::string note = slurp_cosig(kSunlight / note_file);
    // The checkpoint text, the blank line and the witness's own line; flips in a line of a key the
    // reader does not know (the log's type 0x05 line) change nothing it checks.
    const std::size_t text_end = note.find("\n\n") + 2;
    const std::size_t own_line = note.find("\xE2\x80\x94 " + keys[0].name + " ");
    REQUIRE(own_line != std::string::npos);
    const std::size_t own_end = note.find('\n', own_line) + 1;
    for (std::size_t i = 0; i < note.size(); ++i) {
      if (i >= text_end && (i < own_line || i >= own_end)) continue;
      std::string bad = note;
      bad[i] = static_cast<char>(bad[i] ^ 0x01);
      const auto check = verify_cosignatures(bad, keys);
      // Either the note breaks, the known line fails, or the flip changed the line's name or key ID so
      // the witness's cosignature is no longer there: never a verified cosignature over other bytes.
      INFO(note_file << " byte " << i);
      CHECK((check.status != CosignatureStatus::ok || check.verified.empty()));
    }
  }
}

TEST_CASE("witness verifier keys: round trip, wrong type, wrong key ID") {
  const auto key = witness_key(7);
  const std::string text = format_cosignature_verifier_key("witness.test", key.public_key());
  const auto v = parse_cosignature_verifier_key(text);
  CHECK(v.name == "witness.test");
  CHECK(v.key == key.public_key());
  // The log's own key form (type 0x01) is not a witness key.
  CHECK_THROWS_AS(parse_cosignature_verifier_key(format_verifier_key("witness.test", key.public_key())), NoteError);
  std::string wrong_id = text;
  wrong_id[wrong_id.find('+') + 1] = wrong_id[wrong_id.find('+') + 1] == '0' ? '1' : '0';
  CHECK_THROWS_AS(parse_cosignature_verifier_key(wrong_id), NoteError);
  CHECK_THROWS_AS(parse_cosignature_verifier_key("witness.test"), NoteError);
}

TEST_CASE("a cosignature made here verifies beside the log's signature, and a forged one is refused") {
  const auto log_key = Ed25519PrivateKey::from_seed(Bytes(32, 1));
  const Checkpoint cp{"log.test/x", 5, Hash{}};
  const std::string note = sign_checkpoint(cp, log_key);
  const auto w = witness_key(9);
  const std::string cosigned = note + cosign_checkpoint(cp.to_text(), "witness.test", w, 1700000000);
  const std::vector<CosignatureVerifier> keys{make_cosignature_verifier("witness.test", w.public_key())};
  const auto ok = verify_cosignatures(cosigned, keys);
  REQUIRE(ok.status == CosignatureStatus::ok);
  REQUIRE(ok.verified.size() == 1);
  CHECK(ok.verified[0].timestamp == 1700000000);
  CHECK(ok.ignored.size() == 1);  // the log's own Ed25519 line
  // The log's signature still verifies on the cosigned note (the witness line is unknown to it).
  CHECK(open_signed_checkpoint(cosigned, make_note_verifier("log.test/x", log_key.public_key())));

  // Another key signing under the witness's name and key ID: a known line that fails.
  const auto impostor = witness_key(10);
  std::string forged_line = cosign_checkpoint(cp.to_text(), "witness.test", impostor, 1700000000);
  const auto real_line = cosign_checkpoint(cp.to_text(), "witness.test", w, 1700000000);
  // Put the real key ID in (the first 6 base64 characters hold the 4-byte ID and the first half of
  // the timestamp's first byte, which is zero in both lines).
  const auto blob_at = forged_line.rfind(' ') + 1;
  forged_line.replace(blob_at, 6, real_line.substr(real_line.rfind(' ') + 1, 6));
  const auto check = verify_cosignatures(note + forged_line, keys);
  CHECK(check.status != CosignatureStatus::ok);
  CHECK_FALSE(check.problem.empty());
}
