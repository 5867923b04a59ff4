#pragma once
// Ed25519 (RFC 8032) keys for signing tree heads, through OpenSSL 3 EVP.
//
// Role: generate, store, load and use the log's signing key and the public keys that verify it.
// Key files are PEM: PKCS#8 "PRIVATE KEY" for the private key (created 0600, never overwritten),
// SubjectPublicKeyInfo "PUBLIC KEY" for the public key.
// Ownership: every EVP_PKEY is owned by a Pkey (RAII, reference counted by OpenSSL). A private key is
// move-only so the secret is not duplicated by accident; a public key is a cheap copy.
// Thread-safety: const member functions may be called concurrently on one object (they only read
// the EVP_PKEY and use per-call EVP contexts); non-const ones need external synchronisation.
// Errors throw CryptoError with one sentence naming the file and what to do; no key material ever
// appears in a message.
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>

#include <openssl/types.h>

#include "crypto/sha256.h"
#include "model/bytes.h"

namespace dnswitness {

// Owns one reference to an OpenSSL EVP_PKEY; copying takes another reference (EVP_PKEY_up_ref).
class Pkey {
 public:
  Pkey() noexcept = default;
  explicit Pkey(EVP_PKEY* adopted) noexcept : pkey_(adopted) {}
  Pkey(const Pkey& other) noexcept;
  Pkey& operator=(const Pkey& other) noexcept;
  Pkey(Pkey&& other) noexcept;
  Pkey& operator=(Pkey&& other) noexcept;
  ~Pkey();

  [[nodiscard]] EVP_PKEY* get() const noexcept { return pkey_; }
  explicit operator bool() const noexcept { return pkey_ != nullptr; }

 private:
  EVP_PKEY* pkey_ = nullptr;
};

using Ed25519Signature = std::array<std::uint8_t, 64>;
using Ed25519RawPublicKey = std::array<std::uint8_t, 32>;

class Ed25519PublicKey {
 public:
  static Ed25519PublicKey from_raw(ByteView raw32);  // throws CryptoError unless 32 valid bytes
  static Ed25519PublicKey load_pem_file(const std::filesystem::path& path);
  // Creates the file (mode 0644) and refuses to overwrite an existing one.
  void save_pem_file(const std::filesystem::path& path) const;

  [[nodiscard]] const Ed25519RawPublicKey& raw() const noexcept { return raw_; }
  [[nodiscard]] Bytes der() const;            // SubjectPublicKeyInfo, DER
  [[nodiscard]] std::string pem() const;      // SubjectPublicKeyInfo, PEM
  [[nodiscard]] std::string fingerprint() const;  // lower-case hex SHA-256 of der()
  // False for a wrong-length or invalid signature; never throws on attacker-controlled input.
  [[nodiscard]] bool verify(ByteView message, ByteView signature) const;

  bool operator==(const Ed25519PublicKey& other) const noexcept { return raw_ == other.raw_; }

 private:
  Ed25519PublicKey(Pkey pkey, const Ed25519RawPublicKey& raw) : pkey_(std::move(pkey)), raw_(raw) {}
  Pkey pkey_;
  Ed25519RawPublicKey raw_{};
};

class Ed25519PrivateKey {
 public:
  static Ed25519PrivateKey generate();
  static Ed25519PrivateKey from_seed(ByteView seed32);  // RFC 8032 §5.1.5 32-byte private key
  static Ed25519PrivateKey load_pem_file(const std::filesystem::path& path);
  // Creates the file with mode 0600 (open O_CREAT|O_EXCL) and refuses to overwrite an existing one,
  // so a key is never replaced by accident and never readable by others, even briefly.
  void save_pem_file(const std::filesystem::path& path) const;

  Ed25519PrivateKey(Ed25519PrivateKey&&) noexcept = default;
  Ed25519PrivateKey& operator=(Ed25519PrivateKey&&) noexcept = default;
  Ed25519PrivateKey(const Ed25519PrivateKey&) = delete;
  Ed25519PrivateKey& operator=(const Ed25519PrivateKey&) = delete;
  ~Ed25519PrivateKey() = default;

  // Pure Ed25519 (no pre-hash): deterministic, so equal inputs give equal signatures.
  [[nodiscard]] Ed25519Signature sign(ByteView message) const;
  [[nodiscard]] const Ed25519PublicKey& public_key() const noexcept { return public_key_; }

 private:
  Ed25519PrivateKey(Pkey pkey, Ed25519PublicKey pub) : pkey_(std::move(pkey)), public_key_(std::move(pub)) {}
  static Ed25519PrivateKey from_pkey(Pkey pkey, const std::string& origin);
  Pkey pkey_;
  Ed25519PublicKey public_key_;
};

}  // namespace dnswitness
