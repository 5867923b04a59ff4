// manifest.sig on real bundles from a lab ledger (docs/manifest.md): report signs it, verify and the
// documented openssl steps accept it; then the opposing party's edits, each on a fresh copy of the
// bundle with report.sha256 recomputed as `sha256sum` would: bytes of the PDF and of
// evidence-description.txt changed at many positions, an incremental update appended to the PDF,
// a manifest.sig re-signed with another key or edited under the ledger's signature, an extra file,
// a deleted manifest.sig. Each must fail with exit 4 and the sentence naming the file. Bundles
// without a manifest (made without the key, or by an older dnswitness) verify with a warning.
#include <doctest/doctest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "crypto/ed25519.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "model/bytes.h"
#include "reports/manifest.h"
#include "support/lab.h"

using namespace dnswitness;
using namespace dnswitness::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kPdfName = "exhibit.pdf";

struct Signed {
  TempDir dir;
  std::string ledger, origin;
  fs::path bundle;
  Signed() {
    const Lab lab;
    ledger = dir / "ledger";
    for (int i = 0; i < 2; ++i) {
      const auto r = run_dnswitness("resolve-snapshot --ledger " + ledger + " --resolver knot=" + lab.knot() +
                                    " --domains x.com,t.co --ntp none -q");
      REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    }
    bundle = dir.path() / "r";
    const auto r = run_dnswitness(report_args(bundle));
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.out.find("manifest.sig: the SHA-256 of every file above, signed with the ledger's key") !=
          std::string::npos);
    origin = json::parse(read_file(bundle / "report.json"))["ledger"]["origin"].get<std::string>();
  }
  // `extra` "--format json" writes no PDF, so it takes no --name.
  std::string report_args(const fs::path& out, const std::string& extra = "") const {
    const auto now = run_command("date -u +%Y-%m-%dT%H:%M:%SZ");
    return "report --ledger " + ledger + " --domains x.com,t.co --at " + now.out.substr(0, 20) + " --case test" +
           (extra.find("--format json") == std::string::npos ? " --name " + kPdfName : "") + " --out " +
           out.string() + extra;
  }
};

Signed& signed_bundle() {
  static Signed s;
  return s;
}

std::string sha256_hex_of(const std::string& bytes) { return hex_encode(sha256(as_bytes(bytes))); }

// A copy of the bundle in a new folder `name`.
fs::path copy_bundle(const std::string& name) {
  auto& s = signed_bundle();
  const fs::path to = s.dir.path() / name;
  fs::remove_all(to);
  fs::copy(s.bundle, to);
  return to;
}

// report.sha256 written again for the files as they now are, the way an editor of the PDF would.
void recompute_sums(const fs::path& dir, const std::vector<std::string>& names) {
  std::string sums;
  for (const auto& n : names) sums += sha256_hex_of(read_file(dir / n)) + "  " + n + "\n";
  write_file(dir / "report.sha256", sums);
}

const std::string kTechnicalName = "exhibit_技術資料.pdf";
const std::vector<std::string> kFiles = {"report.json", kPdfName, kTechnicalName, "evidence-description.txt",
                                         "evidence-description.docx"};

CommandResult verify(const fs::path& dir) { return run_dnswitness("verify -q " + (dir / "report.json").string()); }

std::string changed_file_sentence(const fs::path& dir, const std::string& name) {
  return "dnswitness: the report " + (dir / "report.json").string() + " is NOT valid: " + name +
         " is not the file the report signed (its SHA-256 differs from the one in manifest.sig, so it was changed "
         "after the report was made).\n";
}

std::string doc_manifest_steps() {
  const std::string doc = read_file(std::string(DNSWITNESS_TESTDATA_DIR) + "/../../docs/manifest.md");
  const auto b = doc.find("<!-- manifest-steps:begin -->"), e = doc.find("<!-- manifest-steps:end -->");
  REQUIRE(b != std::string::npos);
  REQUIRE(e != std::string::npos);
  const std::string block = doc.substr(b, e - b);
  const auto open = block.find("```sh\n"), close = block.rfind("```");
  REQUIRE(open != std::string::npos);
  REQUIRE(close > open);
  return block.substr(open + 6, close - open - 6);
}

}  // namespace

TEST_CASE("report signs the manifest; verify and the documented openssl steps accept it") {
  auto& s = signed_bundle();
  const std::string note = read_file(s.bundle / "manifest.sig");
  // The text is the header and report.sha256's lines sorted by name (docs/manifest.md).
  std::vector<ManifestEntry> entries;
  for (const auto& n : kFiles) entries.push_back({n, sha256_hex_of(read_file(s.bundle / n))});
  const std::string text = manifest_text(entries);
  CHECK(text == "dnswitness report manifest v1\n" + entries[4].sha256_hex + "  evidence-description.docx\n" +
                    entries[3].sha256_hex + "  evidence-description.txt\n" + entries[1].sha256_hex + "  exhibit.pdf\n" +
                    entries[2].sha256_hex + "  exhibit_技術資料.pdf\n" + entries[0].sha256_hex + "  report.json\n");
  CHECK(note.starts_with(text + "\n\xE2\x80\x94 " + s.origin + " "));
  CHECK(json::parse(read_file(s.bundle / "report.json"))["manifest_signature"] == "manifest.sig");

  const auto v = run_dnswitness("verify " + (s.bundle / "report.json").string());
  CHECK_MESSAGE(v.exit_code == 0, v.err);
  CHECK(v.err.empty());
  CHECK(v.out.find("manifest.sig: signed with the ledger's key; its 5 file(s) match and every file of the report "
                   "is listed") != std::string::npos);

  REQUIRE_MESSAGE(run_command("command -v jq openssl sha256sum").exit_code == 0, "install jq and openssl");
  const fs::path work = s.dir.path() / "by-hand";
  fs::create_directories(work);
  write_file(work / "steps.sh", doc_manifest_steps());
  const auto steps = [&](const fs::path& dir) {
    return run_command("cd " + work.string() + " && D=" + dir.string() + " sh -e steps.sh");
  };
  const auto ok = steps(s.bundle);
  CHECK_MESSAGE(ok.exit_code == 0, ok.out << ok.err);
  CHECK(ok.out.find("Signature Verified Successfully") != std::string::npos);
  CHECK(ok.out.find("manifest.sig verified") != std::string::npos);
  // The steps catch a changed evidence description with report.sha256 recomputed, like verify.
  const fs::path t = copy_bundle("by-hand-changed");
  write_file(t / "evidence-description.txt", read_file(t / "evidence-description.txt") + " ");
  recompute_sums(t, kFiles);
  CHECK(steps(t).exit_code != 0);
}

TEST_CASE("bytes of the PDF or the evidence description changed, report.sha256 recomputed: exit 4 naming the file") {
  auto& s = signed_bundle();
  const std::string tie = "report.json SHA-256 " + sha256_hex_of(read_file(s.bundle / "report.json"));
  std::mt19937 rng(16006);
  int tried = 0;
  for (const std::string& name :
       {kPdfName, kTechnicalName, std::string("evidence-description.txt"), std::string("evidence-description.docx")}) {
    const std::string original = read_file(s.bundle / name);
    REQUIRE(original.size() > 100);
    const std::size_t tie_at = original.find(tie);
    // First, last, middle and random positions; each byte XOR 0x01, 0x80 or 0xff.
    std::vector<std::size_t> positions = {0, 1, original.size() / 2, original.size() - 1};
    while (positions.size() < 7) positions.push_back(rng() % original.size());
    for (std::size_t i = 0; i < positions.size(); ++i) {
      const std::size_t p = positions[i];
      // The PDF's metadata names report.json's SHA-256: a change there is caught before the
      // manifest (by the tie), with another sentence, so those positions are left to test_report_pdf.
      if (tie_at != std::string::npos && p >= tie_at && p < tie_at + tie.size()) continue;
      const fs::path t = copy_bundle("bytes");
      std::string changed = original;
      changed[p] = static_cast<char>(changed[p] ^ std::vector<int>{0x01, 0x80, 0xff}[i % 3]);
      write_file(t / name, changed);
      recompute_sums(t, kFiles);
      const auto r = verify(t);
      INFO(name << " byte " << p);
      CHECK(r.exit_code == 4);
      CHECK_MESSAGE(r.err == changed_file_sentence(t, name), r.err);
      ++tried;
    }
  }
  CHECK(tried >= 24);

  // A black box drawn as an incremental update (bytes appended to the PDF), and a line appended to
  // the evidence description.
  for (const std::string& name : {kPdfName, std::string("evidence-description.txt")}) {
    const fs::path t = copy_bundle("appended");
    write_file(t / name, read_file(t / name) +
                             (name == kPdfName ? "\n1 0 obj\n<< /Type /Annot /Subtype /Square /IC [0 0 0] >>\nendobj\n%%EOF\n"
                                               : "立証趣旨: 追記\n"));
    recompute_sums(t, kFiles);
    const auto r = verify(t);
    CHECK(r.exit_code == 4);
    CHECK_MESSAGE(r.err == changed_file_sentence(t, name), r.err);
  }
}

TEST_CASE("a forged manifest.sig fails: another key, an edited text, an unlisted file, a deleted signature") {
  auto& s = signed_bundle();
  const auto edited_copy = [&](const std::string& folder) {
    const fs::path t = copy_bundle(folder);
    write_file(t / "evidence-description.txt", read_file(t / "evidence-description.txt") + "追記\n");
    recompute_sums(t, kFiles);
    std::vector<ManifestEntry> entries;
    for (const auto& n : kFiles) entries.push_back({n, sha256_hex_of(read_file(t / n))});
    return std::make_pair(t, entries);
  };

  // Re-signed with another key under the ledger's own name: the key ID differs, so it is no
  // signature of the ledger's.
  {
    const auto [t, entries] = edited_copy("other-key");
    write_file(t / "manifest.sig", sign_manifest(entries, s.origin, Ed25519PrivateKey::generate()));
    const auto r = verify(t);
    CHECK(r.exit_code == 4);
    CHECK_MESSAGE(r.err == "dnswitness: the report " + (t / "report.json").string() +
                               " is NOT valid: manifest.sig is not signed by this report's ledger key (" + s.origin +
                               "); it was signed by another key.\n",
                  r.err);
  }
  // The text edited to the new hashes under the ledger's genuine signature line.
  {
    const auto [t, entries] = edited_copy("edited-text");
    const std::string genuine = read_file(t / "manifest.sig");
    const std::string sig_lines = genuine.substr(genuine.find("\n\n") + 1);
    write_file(t / "manifest.sig", manifest_text(entries) + sig_lines);
    const auto r = verify(t);
    CHECK(r.exit_code == 4);
    CHECK_MESSAGE(r.err.find("NOT valid: the signature in manifest.sig does not verify with the ledger's key") !=
                      std::string::npos,
                  r.err);
    // The genuine line plus one by another key: still the ledger's line that fails.
    write_file(t / "manifest.sig", sign_manifest(entries, s.origin, Ed25519PrivateKey::generate()) +
                                        sig_lines.substr(1));
    CHECK(verify(t).err.find("the signature in manifest.sig does not verify") != std::string::npos);
  }
  // A second PDF typeset from the same report.json, listed in report.sha256 but not in the manifest.
  {
    const fs::path t = copy_bundle("extra");
    fs::copy_file(t / kPdfName, t / "extra.pdf");
    std::vector<std::string> listed = kFiles;
    listed.push_back("extra.pdf");
    recompute_sums(t, listed);
    const auto r = verify(t);
    CHECK(r.exit_code == 4);
    CHECK_MESSAGE(r.err.find("NOT valid: extra.pdf belongs to the report but is not listed in the signed "
                             "manifest.sig, so it is not a file the report signed.") != std::string::npos,
                  r.err);
  }
  // Deleted, or made unreadable junk.
  {
    const fs::path t = copy_bundle("deleted");
    fs::remove(t / "manifest.sig");
    const auto r = verify(t);
    CHECK(r.exit_code == 4);
    CHECK_MESSAGE(r.err == "dnswitness: the report " + (t / "report.json").string() +
                               " is NOT valid: manifest.sig is missing: report.json says the report signed its "
                               "manifest, so the signature was removed or the bundle is incomplete.\n",
                  r.err);
    write_file(t / "manifest.sig", "dnswitness report manifest v1\n");
    CHECK(verify(t).err.find("NOT valid: manifest.sig is not a signed note") != std::string::npos);
  }
}

TEST_CASE("bundles without a manifest: made without the private key, or by an older dnswitness, warn") {
  auto& s = signed_bundle();
  // The key moved away (as for another user given a copy of the ledger without it): the report is
  // made, unsigned, with a warning; --force over a signed report removes its manifest.sig.
  const fs::path key = fs::path(s.ledger) / "keys/ledger.key", kept = s.dir.path() / "ledger.key";
  const fs::path u = copy_bundle("unsigned");
  fs::rename(key, kept);
  const auto r = run_dnswitness(s.report_args(u, " --force"));
  fs::rename(kept, key);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK_MESSAGE(r.err.find("warning: the report is not signed as a whole (there is no private key at " +
                           key.string() + ")") != std::string::npos,
                r.err);
  CHECK(!fs::exists(u / "manifest.sig"));
  CHECK(json::parse(read_file(u / "report.json"))["manifest_signature"].is_null());
  auto v = verify(u);
  CHECK_MESSAGE(v.exit_code == 0, v.err);
  CHECK(v.err == "dnswitness: warning: the report was made without the ledger's private key, so it is not signed as "
                 "a whole: its PDF and evidence description are covered only by report.sha256, which anyone can "
                 "recompute.\n");

  // A bundle from before signed manifests: no manifest_signature, no manifest.sig (JSON only, since
  // the PDF cites report.json's SHA-256, which the edit changes).
  const fs::path o = s.dir.path() / "older";
  fs::remove_all(o);
  REQUIRE(run_dnswitness(s.report_args(o, " --format json")).exit_code == 0);
  json b = json::parse(read_file(o / "report.json"));
  b.erase("manifest_signature");
  write_file(o / "report.json", b.dump(1) + "\n");
  fs::remove(o / "manifest.sig");
  recompute_sums(o, {"report.json"});
  v = verify(o);
  CHECK_MESSAGE(v.exit_code == 0, v.err);
  CHECK_MESSAGE(v.err.find("dnswitness: warning: the bundle was made by a dnswitness that did not sign reports as a "
                           "whole (no manifest.sig)") != std::string::npos,
                v.err);
  // A value other than "manifest.sig" or null is not one report writes.
  b["manifest_signature"] = "other.sig";
  write_file(o / "report.json", b.dump(1) + "\n");
  recompute_sums(o, {"report.json"});
  v = verify(o);
  CHECK(v.exit_code == 4);
  CHECK(v.err.find("manifest_signature is neither \"manifest.sig\" nor null") != std::string::npos);
}
