// `dnswitness verify` and the TSAs behind a bundle's RFC 3161 tokens (issue 16, item 5), with the
// lab's real TSAs (tests/lab/tsa.sh): without --tsa-ca the tokens verify to the roots they carry
// and verify says their signers are unchecked; with --tsa-ca every token must chain to one of the
// reader's roots; "accredited" is verify's own decision (a --tsa-ca root AND a signer in the list
// of accredited TSAs), so a home-made TSA's token labelled accredited fails whatever roots the
// reader gives, and is reported as unconfirmed when the reader gives none;
// and a changed byte in a certificate a token carries (in the token, or in chain_pem) fails, at
// many positions.
#include <doctest/doctest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "crypto/encoding.h"
#include "dnswitness/version.h"
#include "reports/verify.h"
#include "support/lab.h"

using namespace dnswitness;
using namespace dnswitness::test;
using nlohmann::json;

namespace {

// A one-run ledger whose tree head is stamped by `tsa_option URL` (trusting `ca` when it asks),
// and its report bundle in DIR/r.
std::string stamped_bundle(const Lab& lab, const TempDir& dir, const std::string& name, const std::string& tsa_option,
                           const std::string& url, const std::string& ca) {
  const std::string ledger = dir / (name + "-ledger"), out = dir / name;
  const auto run = run_dnswitness("resolve-snapshot --ledger " + ledger + " --resolver knot=" + lab.knot() +
                                  " --ntp none --domains x.com --types A -q " + tsa_option + " " + url +
                                  " --tsa-ca " + ca);
  REQUIRE_MESSAGE(run.exit_code == 0, run.err);
  const auto at = run_command("date -u +%Y-%m-%dT%H:%M:%SZ").out.substr(0, 20);
  const auto rep = run_dnswitness("report --ledger " + ledger + " --domains x.com --types A --at " + at +
                                  " --format json --out " + out);
  REQUIRE_MESSAGE(rep.exit_code == 0, rep.err);
  const json b = json::parse(read_file(out + "/report.json"));
  REQUIRE(b["checkpoints"].size() == 1);
  REQUIRE(b["checkpoints"][0]["timestamps"].size() == 1);
  return out + "/report.json";
}

// `b` written alone into a fresh folder (no report.sha256, no manifest.sig), as an attacker who
// edits report.json without the ledger's key would leave it.
std::string edited(const TempDir& dir, const std::string& name, json b) {
  b["manifest_signature"] = nullptr;
  std::filesystem::create_directories(dir / name);
  write_file(dir / (name + "/report.json"), b.dump(1) + "\n");
  return dir / (name + "/report.json");
}

// A list of accredited TSAs: the shipped one with `signer` added to its first service.
std::string list_with(const TempDir& dir, const std::string& name, const std::string& signer) {
  json list = json::parse(read_file(std::string(kSourcePresetsDir) + "/accredited-tsas.json"));
  list["services"][0]["signers"].push_back(signer);
  write_file(dir / name, list.dump(1));
  return dir / name;
}

// A certificate file's DER, to find it inside a token.
std::string cert_der(const std::string& pem_file) {
  FILE* f = std::fopen(pem_file.c_str(), "r");
  REQUIRE(f);
  X509* c = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  REQUIRE(c);
  unsigned char* der = nullptr;
  const int n = i2d_X509(c, &der);
  X509_free(c);
  REQUIRE(n > 0);
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(n));
  OPENSSL_free(der);
  return out;
}

const std::string kUnchecked = "the time-stamp tokens' signatures are intact, but their signers are unchecked";
const std::string kLabSigner = "CN=dnswitness lab lab TSA,O=dnswitness lab";

}  // namespace

TEST_CASE("without --tsa-ca the signers are unchecked, said in one sentence; with it every token must chain to them") {
  const Lab lab;
  TempDir dir;
  const std::string r = stamped_bundle(lab, dir, "plain", "--tsa", lab.get("TSA_URL"), lab.get("TSA_CA"));
  const auto bare = run_dnswitness("verify " + r);
  CHECK_MESSAGE(bare.exit_code == 0, bare.err);
  CHECK_MESSAGE(bare.err.find("dnswitness: warning: " + kUnchecked) != std::string::npos, bare.err);
  CHECK(bare.out.find("1 RFC 3161 time-stamp tokens over the tree heads verified") != std::string::npos);
  // -q prints only problems, and unchecked signers are one.
  CHECK(run_dnswitness("verify -q " + r).err.find(kUnchecked) != std::string::npos);

  const auto anchored = run_dnswitness("verify " + r + " --tsa-ca " + lab.get("TSA_CA"));
  CHECK_MESSAGE(anchored.exit_code == 0, anchored.err);
  CHECK(anchored.err.find(kUnchecked) == std::string::npos);
  CHECK(anchored.out.find("every token chains to a root given with --tsa-ca; signers: " + kLabSigner) !=
        std::string::npos);
  CHECK(anchored.out.find("0 of them accredited") != std::string::npos);
  // Several roots: each token needs only one of them.
  CHECK(run_dnswitness("verify -q " + r + " --tsa-ca " + lab.get("TSA_UNTRUSTED_CA") + " --tsa-ca " + lab.get("TSA_CA"))
            .exit_code == 0);

  const auto other = run_dnswitness("verify " + r + " --tsa-ca " + lab.get("TSA_UNTRUSTED_CA"));
  CHECK(other.exit_code == 4);
  CHECK_MESSAGE(other.err.find("time-stamp token 0 of the tree head at size 2 (from " + lab.get("TSA_URL") +
                               ") does not chain to a root given with --tsa-ca") != std::string::npos,
                other.err);
  // The reader's own files are checked before the bundle: a wrong path is bad usage, not a bad bundle.
  CHECK(run_dnswitness("verify " + r + " --tsa-ca " + (dir / "missing.pem")).exit_code == 2);
  CHECK(run_dnswitness("verify " + r + " --tsa-ca " + lab.get("TSA_CA") + " --accredited-tsas " + r).exit_code == 2);
}

TEST_CASE("a home-made TSA's token labelled accredited is rejected with any roots, and unconfirmed without") {
  const Lab lab;
  TempDir dir;
  // The operator trusts its own TSA's root and labels it accredited.
  const std::string r =
      stamped_bundle(lab, dir, "home", "--tsa-accredited", lab.get("TSA_UNTRUSTED_URL"), lab.get("TSA_UNTRUSTED_CA"));
  CHECK(json::parse(read_file(r))["checkpoints"][0]["timestamps"][0]["accredited"] == true);
  const std::string token = "time-stamp token 0 of the tree head at size 2 (from " + lab.get("TSA_UNTRUSTED_URL") + ")";
  const auto expect = [&](const std::string& args, const std::string& says) {
    const auto v = run_dnswitness("verify " + r + args);
    CHECK(v.exit_code == 4);
    CHECK_MESSAGE(v.err.find(token + says) != std::string::npos, args << " -> " << v.err);
    CHECK(v.out.empty());
  };
  // Nothing to decide it with: the label alone proves nothing, and verify says it is unconfirmed.
  {
    const auto v = run_dnswitness("verify " + r);
    CHECK(v.exit_code == 0);
    CHECK_MESSAGE(v.err.find("warning: " + token + " is labelled accredited (総務大臣認定) by the report, which verify "
                             "decides itself and only with the TSA's root certificate given with --tsa-ca; it is "
                             "not counted as accredited") != std::string::npos,
                  v.err);
    CHECK(v.out.find("0 of them accredited") == std::string::npos);
  }
  // The reader's root: the home-made chain does not lead there, even with its signer put on the list.
  expect(" --tsa-ca " + lab.get("TSA_CA"), " does not chain to a root given with --tsa-ca");
  expect(" --tsa-ca " + lab.get("TSA_CA") + " --accredited-tsas " +
             list_with(dir, "home-list.json", "CN=dnswitness lab untrusted TSA,O=dnswitness lab"),
         " does not chain to a root given with --tsa-ca");
  // Its own root given: the chain holds, but its signer is on no accredited service of the shipped list.
  expect(" --tsa-ca " + lab.get("TSA_UNTRUSTED_CA"),
         " is labelled accredited (総務大臣認定), but its signer \"CN=dnswitness lab untrusted TSA,O=dnswitness lab\" "
         "is not a signer of any service in the list of accredited TSAs");

  // The label written into an honest bundle by hand fails the same way.
  const std::string plain = stamped_bundle(lab, dir, "plain", "--tsa", lab.get("TSA_URL"), lab.get("TSA_CA"));
  json b = json::parse(read_file(plain));
  b["checkpoints"][0]["timestamps"][0]["accredited"] = true;
  const std::string forged = edited(dir, "forged", b);
  for (const std::string& args : {" --tsa-ca " + lab.get("TSA_CA")}) {
    const auto v = run_dnswitness("verify " + forged + args);
    CHECK(v.exit_code == 4);
    CHECK_MESSAGE(v.err.find("time-stamp token 0 of the tree head at size 2 (from " + lab.get("TSA_URL") +
                             ") is labelled accredited") != std::string::npos,
                  v.err);
  }
  b["checkpoints"][0]["timestamps"][0]["accredited"] = "yes";
  CHECK(!verify_bundle(b.dump()).ok);
}

TEST_CASE("the lab TSA with --tsa-ca is chain-valid, and accredited only when the list names its signer") {
  const Lab lab;
  TempDir dir;
  const std::string labelled =
      stamped_bundle(lab, dir, "labelled", "--tsa-accredited", lab.get("TSA_URL"), lab.get("TSA_CA"));
  const std::string plain = stamped_bundle(lab, dir, "plain", "--tsa", lab.get("TSA_URL"), lab.get("TSA_CA"));
  // The shipped list does not name the lab's signer: its label is refused.
  const auto shipped = run_dnswitness("verify " + labelled + " --tsa-ca " + lab.get("TSA_CA"));
  CHECK(shipped.exit_code == 4);
  CHECK_MESSAGE(shipped.err.find("its signer \"" + kLabSigner + "\" is not a signer of any service") !=
                    std::string::npos,
                shipped.err);
  // The name the list needs is what docs/report.md tells a reader to take from the certificate.
  const auto subject = run_command("openssl x509 -in " + lab.get("TSA_SIGNER_CERT") +
                                   " -noout -subject -nameopt RFC2253,-esc_msb");
  CHECK(subject.out == "subject=" + kLabSigner + "\n");
  const std::string list = list_with(dir, "lab-list.json", kLabSigner);

  const auto ok = run_dnswitness("verify " + labelled + " --tsa-ca " + lab.get("TSA_CA") + " --accredited-tsas " + list);
  CHECK_MESSAGE(ok.exit_code == 0, ok.err);
  CHECK(ok.out.find("1 of them accredited (総務大臣認定) by the list " + list) != std::string::npos);
  CHECK(ok.out.find("time-stamp token 0 of the tree head at size 2: セイコータイムスタンプサービス "
                    "(セイコーソリューションズ株式会社)") != std::string::npos);
  // The list alone decides nothing: without the reader's root the label stays unconfirmed.
  const auto unrooted = run_dnswitness("verify " + labelled + " --accredited-tsas " + list);
  CHECK(unrooted.exit_code == 0);
  CHECK(unrooted.err.find("it is not counted as accredited") != std::string::npos);
  // A bundle that understates is valid; verify says what it found.
  const auto modest = run_dnswitness("verify " + plain + " --tsa-ca " + lab.get("TSA_CA") + " --accredited-tsas " + list);
  CHECK_MESSAGE(modest.exit_code == 0, modest.err);
  CHECK(modest.out.find("accredited, though the bundle does not label it so: time-stamp token 0") != std::string::npos);
}

TEST_CASE("a changed byte in a certificate a token carries fails verify, at every few positions") {
  const Lab lab;
  TempDir dir;
  const std::string r = stamped_bundle(lab, dir, "plain", "--tsa", lab.get("TSA_URL"), lab.get("TSA_CA"));
  const json original = json::parse(read_file(r));
  REQUIRE(verify_bundle(original.dump()).ok);
  const std::string b64 = original["checkpoints"][0]["timestamps"][0]["token_base64"];
  const auto der = base64_decode(b64);
  REQUIRE(der);
  const std::string token(der->begin(), der->end());
  const std::string name = "time-stamp token 0 of the tree head at size 2";

  // The certificates openssl ts put into the token: the signer's and its root.
  std::size_t tried = 0;
  for (const auto& file : {lab.get("TSA_SIGNER_CERT"), lab.get("TSA_CA")}) {
    const std::string cert = cert_der(file);
    const auto at = token.find(cert);
    REQUIRE_MESSAGE(at != std::string::npos, file << " is not embedded in the token");
    for (std::size_t i = 0; i < cert.size(); i += 3) {
      for (const unsigned char flip : {0x01, 0x80}) {
        std::string bad = token;
        bad[at + i] = static_cast<char>(bad[at + i] ^ flip);
        json b = original;
        b["checkpoints"][0]["timestamps"][0]["token_base64"] =
            base64_encode(as_bytes(bad));
        const auto v = verify_bundle(b.dump());
        INFO(file << " byte " << i << " ^ " << int(flip));
        CHECK(!v.ok);
        CHECK(v.failure.find(name) != std::string::npos);
        ++tried;
      }
    }
  }
  CHECK(tried > 500);

  // The same certificates as chain_pem carries them: each base64 character changed, every few.
  const std::string pem = original["checkpoints"][0]["timestamps"][0]["chain_pem"];
  static const std::string kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::size_t changed = 0;
  for (std::size_t i = 0; i < pem.size(); i += 4) {
    const auto k = kB64.find(pem[i]);
    // Header lines and the last characters before each END line (padding bits) are left alone.
    const auto line_start = pem.rfind('\n', i) == std::string::npos ? 0 : pem.rfind('\n', i) + 1;
    const auto line_end = pem.find('\n', i);
    if (k == std::string::npos || pem[line_start] == '-' || pem.compare(line_end + 1, 5, "-----") == 0) continue;
    std::string bad = pem;
    bad[i] = kB64[(k + 1) % 64];
    json b = original;
    b["checkpoints"][0]["timestamps"][0]["chain_pem"] = bad;
    const auto v = verify_bundle(b.dump());
    INFO("chain_pem character " << i);
    CHECK(!v.ok);
    CHECK(v.failure.find(name) != std::string::npos);
    ++changed;
  }
  CHECK(changed > 150);

  // Through the command: exit 4, one sentence naming the token and what differs.
  const std::string cert = cert_der(lab.get("TSA_SIGNER_CERT"));
  std::string bad = token;
  const auto at = token.find(cert) + cert.size() - 10;  // inside the signer certificate's signature
  bad[at] = static_cast<char>(bad[at] ^ 0x01);
  json b = original;
  b["checkpoints"][0]["timestamps"][0]["token_base64"] =
      base64_encode(as_bytes(bad));
  const auto v = run_dnswitness("verify " + edited(dir, "cert", b));
  CHECK(v.exit_code == 4);
  CHECK_MESSAGE(v.err.find("NOT valid: " + name + " (from " + lab.get("TSA_URL") +
                           ") does not verify: certificate 0 embedded in the token is not one of the certificate "
                           "chain that verified (its bytes differ).\n") != std::string::npos,
                v.err);
}
