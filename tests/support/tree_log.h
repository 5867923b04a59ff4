#pragma once
// Test support: a small log signed by a fixed key, whose checkpoints, roots and consistency proofs of
// any size are computed leaf by leaf with the RFC 9162 functions, and the add-checkpoint request
// body (c2sp.org/tlog-witness) that asks a witness to cosign it. Another `variant` makes another
// history under the same key (a fork). Header-only.
#include <span>
#include <string>
#include <vector>

#include "crypto/encoding.h"
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"
#include "ledger/signed_note.h"

namespace dnswitness::test {

struct TreeLog {
  std::string origin = "log.example/witness-test";
  Ed25519PrivateKey key = Ed25519PrivateKey::from_seed(Bytes(32, 7));
  std::string variant;
  explicit TreeLog(std::string v = "") : variant(std::move(v)) {}

  [[nodiscard]] std::string vkey() const { return format_verifier_key(origin, key.public_key()); }
  [[nodiscard]] std::vector<Hash> leaves(std::uint64_t n) const {
    std::vector<Hash> out;
    for (std::uint64_t i = 0; i < n; ++i) {
      const std::string e = variant + "entry " + std::to_string(i);
      out.push_back(leaf_hash(ByteView(reinterpret_cast<const std::uint8_t*>(e.data()), e.size())));
    }
    return out;
  }
  [[nodiscard]] Hash root(std::uint64_t n) const {
    const auto l = leaves(n);
    return root_of(l);
  }
  [[nodiscard]] std::string note(std::uint64_t n) const { return sign_checkpoint(Checkpoint{origin, n, root(n)}, key); }
  [[nodiscard]] std::vector<Hash> proof(std::uint64_t m, std::uint64_t n) const {
    const auto l = leaves(n);
    return consistency_proof(m, n, [&](std::uint64_t b, std::uint64_t e) {
      return root_of(std::span<const Hash>(l.data() + b, e - b));
    });
  }
  [[nodiscard]] std::string request(std::uint64_t old, std::uint64_t n, bool with_proof = true) const {
    std::string body = "old " + std::to_string(old) + "\n";
    if (with_proof && old > 0 && old < n)
      for (const auto& h : proof(old, n)) body += base64_encode(ByteView(h.data(), h.size())) + "\n";
    return body + "\n" + note(n);
  }
};

}  // namespace dnswitness::test
