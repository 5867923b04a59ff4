// Ed25519 keys: RFC 8032 vector, PEM files (mode 0600, no overwrite), fingerprint against the openssl
// command line, and verification failing on any flipped bit.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "crypto/ed25519.h"
#include "crypto/encoding.h"

using namespace dnswitness;

namespace {

Bytes hexb(std::string_view hex) {
  auto b = hex_decode(hex);
  REQUIRE(b);
  return *b;
}

// A fresh directory under $TMPDIR, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "dnswitness-ed25519-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 256> buf{};
  while (std::fgets(buf.data(), static_cast<int>(buf.size()), pipe) != nullptr) out += buf.data();
  const int status = ::pclose(pipe);
  REQUIRE(status == 0);
  return out;
}

// RFC 8032 §7.1, TEST 1.
const char* const kRfcSeed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const char* const kRfcPublic = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
const char* const kRfcSignature =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

}  // namespace

TEST_CASE("RFC 8032 test 1: seed, public key and signature of the empty message") {
  const auto key = Ed25519PrivateKey::from_seed(hexb(kRfcSeed));
  CHECK(hex_encode(key.public_key().raw()) == kRfcPublic);
  const auto sig = key.sign(ByteView{});
  CHECK(hex_encode(sig) == kRfcSignature);
  CHECK(key.public_key().verify(ByteView{}, sig));
  // Fingerprint of the SubjectPublicKeyInfo, computed independently (Python cryptography).
  CHECK(key.public_key().fingerprint() == "06e3fd8fda29bb60ab59557de61edb0aecdb231134be30e75b455f8e1b792fa9");
  // SPKI DER of Ed25519 = fixed 12-byte prefix (RFC 8410) + raw key.
  CHECK(hex_encode(key.public_key().der()) == std::string("302a300506032b6570032100") + kRfcPublic);
}

TEST_CASE("verification fails on any flipped bit, wrong length or other key") {
  const auto key = Ed25519PrivateKey::generate();
  const auto other = Ed25519PrivateKey::generate();
  CHECK_FALSE(key.public_key() == other.public_key());
  const std::string msg = "dnswitness.example/ledger-1\n5\n";
  const auto sig = key.sign(as_bytes(msg));
  REQUIRE(key.public_key().verify(as_bytes(msg), sig));
  CHECK_FALSE(other.public_key().verify(as_bytes(msg), sig));

  for (std::size_t bit = 0; bit < sig.size() * 8; ++bit) {
    auto bad = sig;
    bad[bit / 8] ^= static_cast<std::uint8_t>(1U << (bit % 8));
    CHECK_FALSE(key.public_key().verify(as_bytes(msg), bad));
  }
  for (std::size_t bit = 0; bit < msg.size() * 8; ++bit) {
    std::string bad = msg;
    bad[bit / 8] = static_cast<char>(bad[bit / 8] ^ (1 << (bit % 8)));
    CHECK_FALSE(key.public_key().verify(as_bytes(bad), sig));
  }
  CHECK_FALSE(key.public_key().verify(as_bytes(msg), ByteView(sig).first(63)));
  Bytes longer(sig.begin(), sig.end());
  longer.push_back(0);
  CHECK_FALSE(key.public_key().verify(as_bytes(msg), longer));
  CHECK_FALSE(key.public_key().verify(as_bytes(msg), ByteView{}));
}

TEST_CASE("bad raw keys and seeds are refused") {
  CHECK_THROWS_AS(Ed25519PrivateKey::from_seed(Bytes(31, 1)), CryptoError);
  CHECK_THROWS_AS(Ed25519PrivateKey::from_seed(Bytes(33, 1)), CryptoError);
  CHECK_THROWS_AS(Ed25519PublicKey::from_raw(Bytes(31, 1)), CryptoError);
  CHECK_THROWS_AS(Ed25519PublicKey::from_raw(ByteView{}), CryptoError);
}

TEST_CASE("PEM files: round trip, mode 0600, no overwrite, openssl agrees on the fingerprint") {
  TempDir dir;
  const auto priv_path = dir.path() / "log.key";
  const auto pub_path = dir.path() / "log.pub";

  const auto key = Ed25519PrivateKey::generate();
  key.save_pem_file(priv_path);
  key.public_key().save_pem_file(pub_path);

  struct stat st {};
  REQUIRE(::stat(priv_path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  REQUIRE(::stat(pub_path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0644);

  const std::string priv_pem = slurp(priv_path);
  CHECK(priv_pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));  // PKCS#8, not a legacy format
  CHECK(slurp(pub_path).starts_with("-----BEGIN PUBLIC KEY-----\n"));
  CHECK(slurp(pub_path) == key.public_key().pem());

  const auto loaded = Ed25519PrivateKey::load_pem_file(priv_path);
  CHECK(loaded.public_key() == key.public_key());
  const std::string msg = "same key, same signature\n";
  CHECK(loaded.sign(as_bytes(msg)) == key.sign(as_bytes(msg)));  // Ed25519 is deterministic
  const auto loaded_pub = Ed25519PublicKey::load_pem_file(pub_path);
  CHECK(loaded_pub == key.public_key());
  CHECK(loaded_pub.verify(as_bytes(msg), key.sign(as_bytes(msg))));

  // Refuse to overwrite, and leave the existing file untouched.
  const auto other = Ed25519PrivateKey::generate();
  CHECK_THROWS_AS(other.save_pem_file(priv_path), CryptoError);
  CHECK_THROWS_AS(other.public_key().save_pem_file(pub_path), CryptoError);
  CHECK(slurp(priv_path) == priv_pem);
  try {
    other.save_pem_file(priv_path);
  } catch (const CryptoError& e) {
    const std::string what = e.what();
    CHECK(what.find(priv_path.string()) != std::string::npos);
    CHECK(what.find("already exists") != std::string::npos);
  }

  // The fingerprint is SHA-256 of the DER SubjectPublicKeyInfo, as the openssl tool computes it.
  const std::string cmd =
      "openssl pkey -pubin -in '" + pub_path.string() + "' -outform DER | sha256sum";
  const std::string out = run(cmd);
  CHECK(out.substr(0, 64) == key.public_key().fingerprint());
  // And openssl reads our private key file as the same key.
  const std::string from_priv = run("openssl pkey -in '" + priv_path.string() + "' -pubout -outform DER | sha256sum");
  CHECK(from_priv.substr(0, 64) == key.public_key().fingerprint());
}

TEST_CASE("loading refuses missing, garbage, non-Ed25519 and wrong-kind files without echoing content") {
  TempDir dir;
  const auto missing = dir.path() / "missing.key";
  CHECK_THROWS_AS(Ed25519PrivateKey::load_pem_file(missing), CryptoError);
  CHECK_THROWS_AS(Ed25519PublicKey::load_pem_file(missing), CryptoError);

  const auto garbage = dir.path() / "garbage.key";
  {
    std::ofstream(garbage) << "SECRET-LOOKING-CONTENT not a key\n";
  }
  try {
    (void)Ed25519PrivateKey::load_pem_file(garbage);
    FAIL("garbage loaded as a key");
  } catch (const CryptoError& e) {
    const std::string what = e.what();
    CHECK(what.find(garbage.string()) != std::string::npos);
    CHECK(what.find("SECRET-LOOKING-CONTENT") == std::string::npos);
  }

  // A valid private key file is not a public key file, and the other way round.
  const auto key = Ed25519PrivateKey::from_seed(hexb(kRfcSeed));
  const auto priv_path = dir.path() / "k.key";
  const auto pub_path = dir.path() / "k.pub";
  key.save_pem_file(priv_path);
  key.public_key().save_pem_file(pub_path);
  try {
    (void)Ed25519PublicKey::load_pem_file(priv_path);
    FAIL("private key file loaded as a public key");
  } catch (const CryptoError& e) {
    // Never any part of the key in a message.
    const std::string what = e.what();
    CHECK(what.find(kRfcSeed) == std::string::npos);
    CHECK(what.find(slurp(priv_path).substr(28, 20)) == std::string::npos);
  }
  CHECK_THROWS_AS(Ed25519PrivateKey::load_pem_file(pub_path), CryptoError);

  // An EC key in a valid PKCS#8 file is not an Ed25519 key.
  const auto ec_path = dir.path() / "ec.key";
  run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out '" + ec_path.string() + "' 2>/dev/null");
  try {
    (void)Ed25519PrivateKey::load_pem_file(ec_path);
    FAIL("EC key loaded as Ed25519");
  } catch (const CryptoError& e) {
    CHECK(std::string(e.what()).find("not an Ed25519 key") != std::string::npos);
  }

  // An encrypted key fails instead of prompting for a passphrase on the terminal.
  const auto enc_path = dir.path() / "enc.key";
  run("openssl pkey -in '" + priv_path.string() + "' -aes256 -passout pass:secret -out '" + enc_path.string() + "'");
  CHECK_THROWS_AS(Ed25519PrivateKey::load_pem_file(enc_path), CryptoError);

  // Saving into a directory that does not exist names the path.
  try {
    key.save_pem_file(dir.path() / "no-such-dir" / "k.key");
    FAIL("saved into a missing directory");
  } catch (const CryptoError& e) {
    CHECK(std::string(e.what()).find("no-such-dir") != std::string::npos);
  }
}

TEST_CASE("a public key is a cheap shared copy") {
  const auto key = Ed25519PrivateKey::generate();
  Ed25519PublicKey a = key.public_key();  // NOLINT(performance-unnecessary-copy-initialization): tested
  Ed25519PublicKey b = a;
  b = a;
  Ed25519PublicKey c = std::move(b);
  CHECK(c == key.public_key());
  const auto sig = key.sign(as_bytes("x"));
  CHECK(c.verify(as_bytes("x"), sig));
  CHECK(a.verify(as_bytes("x"), sig));
  Ed25519PrivateKey moved = Ed25519PrivateKey::from_seed(hexb(kRfcSeed));
  Ed25519PrivateKey target = std::move(moved);
  CHECK(hex_encode(target.public_key().raw()) == kRfcPublic);
}
