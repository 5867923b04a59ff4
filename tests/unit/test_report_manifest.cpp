// The signed manifest of a report bundle (reports/manifest.h, docs/manifest.md): golden texts that
// freeze its format byte for byte, its strict reading, and check_manifest's verdicts on changed
// files, unlisted files, other keys and damaged notes.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "ledger/signed_note.h"
#include "model/bytes.h"
#include "reports/manifest.h"

using namespace dnswitness;

namespace {

const std::string kOrigin = "dnswitness.example-law.jp/ledger-1";
// SHA-256 of "", "abc" and "{}\n".
const std::string kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const std::string kAbc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const std::string kBraces = "ca3d163bab055381827226140568f3bef7eaac187cebd76878e0b63e9e442356";
const std::string kPdf = "DNS\xE8\xA6\xB3\xE6\xB8\xAC\xE5\xA0\xB1\xE5\x91\x8A\xE6\x9B\xB8_test_20231121.pdf";  // DNS観測報告書_…

// The manifest of a report.json "{}\n", a PDF "abc" and an empty evidence description, given in
// report.sha256's order (report.json first): the text sorts them by name, as bytes.
const std::vector<ManifestEntry> kEntries = {
    {"report.json", kBraces}, {kPdf, kAbc}, {"evidence-description.txt", kEmpty}};
const std::string kGoldenText =
    "dnswitness report manifest v1\n"
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  DNS\xE8\xA6\xB3\xE6\xB8\xAC\xE5\xA0\xB1\xE5\x91\x8A\xE6\x9B\xB8_test_20231121.pdf\n"
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  evidence-description.txt\n"
    "ca3d163bab055381827226140568f3bef7eaac187cebd76878e0b63e9e442356  report.json\n";

// A fixed key: seed bytes 0x00, 0x01, ..., 0x1f (Ed25519 is deterministic, so the note is too; the
// signature below was computed with openssl pkeyutl -sign -rawin, not with this code).
Ed25519PrivateKey fixed_key() {
  Bytes seed(32);
  for (std::size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<std::uint8_t>(i);
  return Ed25519PrivateKey::from_seed(seed);
}

Ed25519PrivateKey other_key() {
  Bytes seed(32, 0x42);
  return Ed25519PrivateKey::from_seed(seed);
}

const std::string kGoldenNote = kGoldenText + "\n" + "\xE2\x80\x94 " + kOrigin + " NN0ue8ZFEjluiZUFCfxhB9xzA7rzNkUqTVZ49Gt6Itf2GnROhrUFskMHlGKXV3MbIRGwzgHMR0eA7n9XNuQh0boDWww=\n";

std::string hex_sha256(const std::string& s) { return hex_encode(sha256(as_bytes(s))); }

struct Folder {
  std::string report = "{}\n";
  std::map<std::string, std::string> files = {{kPdf, "abc"}, {"evidence-description.txt", ""}};
  std::vector<std::string> must_list = {"report.json", kPdf, "evidence-description.txt"};

  ManifestCheck check(const std::string& note, const NoteVerifier& v) const {
    return check_manifest(
        note, v, report,
        [&](const std::string& name) -> std::optional<std::string> {
          const auto it = files.find(name);
          if (it == files.end()) return std::nullopt;
          return it->second;
        },
        must_list);
  }
};

}  // namespace

TEST_CASE("golden: the manifest text of a fixed bundle, byte for byte") {
  CHECK(manifest_text(kEntries) == kGoldenText);
  CHECK(hex_sha256("") == kEmpty);
  CHECK(hex_sha256("abc") == kAbc);
  CHECK(hex_sha256("{}\n") == kBraces);
  const auto parsed = parse_manifest_text(kGoldenText);
  REQUIRE(parsed);
  CHECK(parsed->size() == 3);
  CHECK(manifest_text(*parsed) == kGoldenText);
}

TEST_CASE("golden: the signed manifest.sig of a fixed bundle and key, byte for byte") {
  const std::string note = sign_manifest(kEntries, kOrigin, fixed_key());
  CHECK(note == kGoldenNote);
  const auto v = make_note_verifier(kOrigin, fixed_key().public_key());
  const NoteVerifier vs[] = {v};
  const auto opened = verify_note(note, vs);
  REQUIRE(opened);
  CHECK(opened.text == kGoldenText);
}

TEST_CASE("a manifest is read strictly: one way to write each") {
  std::string why;
  const auto bad = [&](const std::string& text) {
    why.clear();
    const bool refused = !parse_manifest_text(text, &why);
    CHECK_MESSAGE(refused, text);
    CHECK(!why.empty());
  };
  bad("");
  bad("dnswitness report manifest v2\n" + kBraces + "  report.json\n");
  bad("dnswitness report manifest v1\n");                                  // no file
  bad("dnswitness report manifest v1\n" + kAbc + "  a.pdf\n");              // no report.json
  bad("dnswitness report manifest v1\n" + kBraces + "  report.json");       // no final newline
  bad("dnswitness report manifest v1\n" + kBraces + " report.json\n");      // one space
  bad("dnswitness report manifest v1\n" + kBraces + "\treport.json\n");     // a tab
  bad("dnswitness report manifest v1\n" + kBraces + "  report.json\n\n");   // an empty line
  bad("dnswitness report manifest v1\r\n" + kBraces + "  report.json\n");   // CRLF
  std::string upper = kBraces;
  upper[0] = 'C';
  bad("dnswitness report manifest v1\n" + upper + "  report.json\n");      // upper-case hex
  bad("dnswitness report manifest v1\n" + kBraces.substr(1) + "  report.json\n");
  // Out of order, repeated, folders, the files that are never listed.
  bad("dnswitness report manifest v1\n" + kBraces + "  report.json\n" + kAbc + "  a.pdf\n");
  bad("dnswitness report manifest v1\n" + kBraces + "  report.json\n" + kBraces + "  report.json\n");
  bad("dnswitness report manifest v1\n" + kAbc + "  ../a.pdf\n" + kBraces + "  report.json\n");
  bad("dnswitness report manifest v1\n" + kAbc + "  manifest.sig\n" + kBraces + "  report.json\n");
  bad("dnswitness report manifest v1\n" + kBraces + "  report.json\n" + kAbc + "  report.sha256\n");
  CHECK_THROWS_AS(manifest_text({{"a.pdf", kAbc}}), std::invalid_argument);
  CHECK_THROWS_AS(manifest_text({{"report.json", kBraces}, {"a\nb.pdf", kAbc}}), std::invalid_argument);
}

TEST_CASE("check_manifest: the fixed bundle verifies; each change is named") {
  const std::string note = sign_manifest(kEntries, kOrigin, fixed_key());
  const auto ledger = make_note_verifier(kOrigin, fixed_key().public_key());
  const Folder ok;
  const auto good = ok.check(note, ledger);
  CHECK_MESSAGE(good, good.failure);
  CHECK(good.files == 3);

  // One byte of the PDF or the evidence description changed.
  for (const std::string& name : {kPdf, std::string("evidence-description.txt")}) {
    Folder f;
    f.files[name] += "x";
    const auto c = f.check(note, ledger);
    CHECK(!c);
    CHECK_MESSAGE(c.failure.starts_with(name + " is not the file the report signed"), c.failure);
  }
  {
    Folder f;
    f.report = "{ }\n";
    const auto c = f.check(note, ledger);
    CHECK_MESSAGE(c.failure.starts_with("report.json is not the file the report signed"), c.failure);
  }
  {
    Folder f;
    f.files.erase(kPdf);
    const auto c = f.check(note, ledger);
    CHECK_MESSAGE(c.failure == "manifest.sig lists " + kPdf + ", which is not in the report's folder or cannot be read",
                  c.failure);
  }
  {
    Folder f;
    f.must_list.push_back("other.pdf");
    const auto c = f.check(note, ledger);
    CHECK_MESSAGE(c.failure.starts_with("other.pdf belongs to the report but is not listed"), c.failure);
  }
  // Signed by another key under the same name: not the ledger's signature.
  {
    const auto c = ok.check(sign_manifest(kEntries, kOrigin, other_key()), ledger);
    CHECK_MESSAGE(c.failure.starts_with("manifest.sig is not signed by this report's ledger key"), c.failure);
  }
  // The text changed under the ledger's signature line.
  {
    std::string forged = note;
    forged.replace(forged.find(kAbc), 64, hex_sha256("abcd"));
    Folder f;
    f.files[kPdf] = "abcd";
    const auto c = f.check(forged, ledger);
    CHECK_MESSAGE(c.failure.starts_with("the signature in manifest.sig does not verify"), c.failure);
  }
  // Not a note at all; a signed note in another format (a checkpoint-like text).
  CHECK(ok.check("garbage", ledger).failure.starts_with("manifest.sig is not a signed note"));
  {
    const auto c = ok.check(sign_note(kOrigin + "\n5\nAAAA\n", kOrigin, fixed_key()), ledger);
    CHECK_MESSAGE(c.failure.starts_with("the signed manifest in manifest.sig cannot be read"), c.failure);
  }
}
