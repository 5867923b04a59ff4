#pragma once
// SHA-256 (FIPS 180-4) through OpenSSL 3 EVP, for leaf and node hashing, key IDs and fingerprints.
//
// Role: the one place the project computes SHA-256. The ledger hashes millions of leaves per run,
// so Sha256 keeps one EVP_MD_CTX (and the fetched SHA-256 implementation) alive across messages
// instead of allocating and fetching per call.
// Ownership: a Sha256 owns its EVP_MD_CTX (RAII, move-only; a moved-from object may only be
// destroyed or assigned to).
// Thread-safety: a Sha256 object is not thread-safe; use one per thread. sha256() is thread-safe.
#include <array>
#include <cstdint>
#include <memory>
#include <stdexcept>

#include <openssl/types.h>

#include "model/bytes.h"

namespace dnswitness {

using Hash = std::array<std::uint8_t, 32>;

// Failure inside the crypto layer (OpenSSL error, unusable key or key file). Messages are one plain
// sentence for the user and never contain key material.
class CryptoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Sha256 {
 public:
  Sha256();  // throws CryptoError if OpenSSL cannot provide SHA-256
  Sha256(Sha256&&) noexcept = default;
  Sha256& operator=(Sha256&&) noexcept = default;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  ~Sha256() = default;

  Sha256& update(ByteView data);
  Sha256& update(std::uint8_t byte);
  // Returns the digest of everything since construction or the last finish()/reset(), and leaves
  // the object ready for the next message.
  Hash finish();
  // Discards anything fed since the last finish().
  void reset();

 private:
  struct CtxDeleter {
    void operator()(EVP_MD_CTX* ctx) const noexcept;
  };
  std::unique_ptr<EVP_MD_CTX, CtxDeleter> ctx_;
};

// One-shot digest; reuses a per-thread Sha256, so it is cheap to call in a loop.
Hash sha256(ByteView data);

}  // namespace dnswitness
