#include "crypto/ed25519.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string_view>
#include <system_error>
#include <utility>

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "crypto/encoding.h"
#include "model/safe_file.h"

namespace dnswitness {
namespace {

struct BioFree {
  void operator()(BIO* bio) const noexcept { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

// Every throw clears OpenSSL's thread-local error queue, so a stale entry never surfaces later as
// somebody else's failure.
[[noreturn]] void fail(const std::string& message) {
  ERR_clear_error();
  throw CryptoError(message);
}

// std::strerror is not thread-safe; the generic category's message is (it uses strerror_r).
std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

std::string quoted(const std::filesystem::path& path) { return fmt::format("'{}'", path.string()); }

// OpenSSL's default PEM passphrase callback prompts on the terminal; a service must never block on
// that, so an encrypted key simply fails to load.
int no_passphrase(char*, int, int, void*) { return 0; }

// Non-null pointer for OpenSSL APIs that dislike a null buffer even when the length is zero.
const std::uint8_t* data_or_empty(ByteView v) {
  static constexpr std::uint8_t empty = 0;
  return v.empty() ? &empty : v.data();
}

BioPtr open_for_reading(const std::filesystem::path& path, const char* what) {
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) {
    const int err = errno;
    fail(std::string("Cannot open the ") + what + " file " + quoted(path) + " (" + errno_text(err) +
         "); check the path and its permissions.");
  }
  return bio;
}

// Creates `path` with exactly `mode` through SafeFile (model/safe_file.h): written and fsynced under
// a random temporary name made with O_EXCL|O_NOFOLLOW, then moved to `path` without ever replacing
// an existing file or link (RENAME_NOREPLACE), so a key is never overwritten, never written
// through a planted symlink, and never seen half-written, even after a crash.
void write_new_file(const std::filesystem::path& path, std::string_view data, mode_t mode, const char* what) {
  SafeFileOptions options = SafeFileOptions::owner_only().no_replace();
  options.mode = mode;
  try {
    write_file_safely(path, data, options);
  } catch (const FileWriteError& e) {
    if (e.error() == EEXIST && e.stage() == FileWriteError::Stage::write)
      fail(std::string("The ") + what + " file " + quoted(path) +
           " already exists; refusing to overwrite it, choose another path or move the old file away first.");
    if (e.stage() == FileWriteError::Stage::create && (e.error() == EEXIST || e.error() == ELOOP)) fail(e.what());
    if (e.stage() == FileWriteError::Stage::create)
      fail(std::string("Cannot create the ") + what + " file " + quoted(path) + " (" + errno_text(e.error()) +
           "); check that the directory exists and is writable.");
    fail(std::string("Cannot write the ") + what + " file " + quoted(path) + " (" + errno_text(e.error()) +
         "); check the free space and permissions of its directory.");
  }
}

Ed25519RawPublicKey raw_public_of(EVP_PKEY* pkey, const std::string& origin) {
  Ed25519RawPublicKey raw{};
  std::size_t len = raw.size();
  if (EVP_PKEY_get_raw_public_key(pkey, raw.data(), &len) != 1 || len != raw.size())
    fail("OpenSSL could not extract the public half of the Ed25519 key from " + origin +
         "; check the key file.");
  return raw;
}

void require_ed25519(const Pkey& pkey, const std::filesystem::path& path, const char* what) {
  if (EVP_PKEY_is_a(pkey.get(), "ED25519") != 1)
    fail(std::string("The ") + what + " in " + quoted(path) +
         " is not an Ed25519 key; the ledger signs only with Ed25519, so point to an Ed25519 key file.");
}

}  // namespace

// ---- Pkey -------------------------------------------------------------------------------------

Pkey::Pkey(const Pkey& other) noexcept : pkey_(other.pkey_) {
  if (pkey_ != nullptr) EVP_PKEY_up_ref(pkey_);
}

Pkey& Pkey::operator=(const Pkey& other) noexcept {
  if (this != &other) {
    Pkey copy(other);
    std::swap(pkey_, copy.pkey_);
  }
  return *this;
}

Pkey::Pkey(Pkey&& other) noexcept : pkey_(std::exchange(other.pkey_, nullptr)) {}

Pkey& Pkey::operator=(Pkey&& other) noexcept {
  if (this != &other) {
    EVP_PKEY_free(pkey_);
    pkey_ = std::exchange(other.pkey_, nullptr);
  }
  return *this;
}

Pkey::~Pkey() { EVP_PKEY_free(pkey_); }

// ---- Ed25519PublicKey ---------------------------------------------------------------------------

Ed25519PublicKey Ed25519PublicKey::from_raw(ByteView raw32) {
  if (raw32.size() != 32)
    fail("An Ed25519 public key must be exactly 32 bytes; check where the key was copied from.");
  Pkey pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw32.data(), raw32.size()));
  if (!pkey) fail("OpenSSL rejected the Ed25519 public key; check where the key was copied from.");
  Ed25519RawPublicKey raw{};
  std::memcpy(raw.data(), raw32.data(), raw.size());
  return Ed25519PublicKey(std::move(pkey), raw);
}

Ed25519PublicKey Ed25519PublicKey::load_pem_file(const std::filesystem::path& path) {
  const BioPtr bio = open_for_reading(path, "public key");
  Pkey pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, no_passphrase, nullptr));
  if (!pkey)
    fail("The file " + quoted(path) +
         " does not hold a PEM public key (BEGIN PUBLIC KEY); point to the log's public key file.");
  require_ed25519(pkey, path, "public key");
  const auto raw = raw_public_of(pkey.get(), quoted(path));
  return Ed25519PublicKey(std::move(pkey), raw);
}

std::string Ed25519PublicKey::pem() const {
  const BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), pkey_.get()) != 1)
    fail("OpenSSL could not encode the Ed25519 public key as PEM; check the OpenSSL installation.");
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

void Ed25519PublicKey::save_pem_file(const std::filesystem::path& path) const {
  write_new_file(path, pem(), 0644, "public key");
}

Bytes Ed25519PublicKey::der() const {
  const int len = i2d_PUBKEY(pkey_.get(), nullptr);
  if (len <= 0) fail("OpenSSL could not encode the Ed25519 public key as DER; check the OpenSSL installation.");
  Bytes out(static_cast<std::size_t>(len));
  unsigned char* p = out.data();
  if (i2d_PUBKEY(pkey_.get(), &p) != len)
    fail("OpenSSL could not encode the Ed25519 public key as DER; check the OpenSSL installation.");
  return out;
}

std::string Ed25519PublicKey::fingerprint() const { return hex_encode(sha256(der())); }

bool Ed25519PublicKey::verify(ByteView message, ByteView signature) const {
  if (signature.size() != Ed25519Signature{}.size() || !pkey_) return false;
  const MdCtxPtr ctx(EVP_MD_CTX_new());
  // Ed25519 is "pure": no digest is named, the whole message goes to EVP_DigestVerify (RFC 8032 §5.1.7).
  const bool ok = ctx &&
                  EVP_DigestVerifyInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, pkey_.get(), nullptr) == 1 &&
                  EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), data_or_empty(message),
                                   message.size()) == 1;
  if (!ok) ERR_clear_error();
  return ok;
}

// ---- Ed25519PrivateKey --------------------------------------------------------------------------

Ed25519PrivateKey Ed25519PrivateKey::from_pkey(Pkey pkey, const std::string& origin) {
  auto pub = Ed25519PublicKey::from_raw(raw_public_of(pkey.get(), origin));
  return Ed25519PrivateKey(std::move(pkey), std::move(pub));
}

Ed25519PrivateKey Ed25519PrivateKey::generate() {
  Pkey pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!pkey) fail("OpenSSL could not generate an Ed25519 key; check the OpenSSL installation and its random source.");
  return from_pkey(std::move(pkey), "a newly generated key");
}

Ed25519PrivateKey Ed25519PrivateKey::from_seed(ByteView seed32) {
  if (seed32.size() != 32) fail("An Ed25519 private key seed must be exactly 32 bytes; check its source.");
  Pkey pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed32.data(), seed32.size()));
  if (!pkey) fail("OpenSSL rejected the Ed25519 private key seed; check its source.");
  return from_pkey(std::move(pkey), "the given seed");
}

Ed25519PrivateKey Ed25519PrivateKey::load_pem_file(const std::filesystem::path& path) {
  const BioPtr bio = open_for_reading(path, "private key");
  Pkey pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!pkey)
    fail("The file " + quoted(path) +
         " does not hold an unencrypted PEM private key (BEGIN PRIVATE KEY); point to the log's signing key file.");
  require_ed25519(pkey, path, "private key");
  return from_pkey(std::move(pkey), quoted(path));
}

void Ed25519PrivateKey::save_pem_file(const std::filesystem::path& path) const {
  // A secure-memory BIO: the PEM text holds the secret, so its buffer is cleansed when freed.
  const BioPtr bio(BIO_new(BIO_s_secmem()));
  // PEM_write_bio_PrivateKey writes PKCS#8 ("BEGIN PRIVATE KEY") in OpenSSL 3.
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    fail("OpenSSL could not encode the Ed25519 private key for " + quoted(path) + "; check the OpenSSL installation.");
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  write_new_file(path, std::string_view(data, static_cast<std::size_t>(len)), 0600, "private key");
}

Ed25519Signature Ed25519PrivateKey::sign(ByteView message) const {
  Ed25519Signature sig{};
  std::size_t len = sig.size();
  const MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx ||
      EVP_DigestSignInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, pkey_.get(), nullptr) != 1 ||
      EVP_DigestSign(ctx.get(), sig.data(), &len, data_or_empty(message), message.size()) != 1 ||
      len != sig.size())
    fail("OpenSSL could not sign with the Ed25519 key; check the key and the OpenSSL installation.");
  return sig;
}

}  // namespace dnswitness
