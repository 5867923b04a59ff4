#pragma once
// The ledger's Merkle tree: RFC 9162 §2.1 hashing, proofs and their verification.
//
// Role: everything about the tree that is pure arithmetic over (index, size, hashes). Which subtrees
// a proof needs is index arithmetic; fetching their hashes is the store's job (it passes a
// SubtreeRootFn); verifying a proof needs no store at all. This keeps the security-critical code
// small, storage-free and testable against a recursive reference of the RFC.
// Ownership: free functions own nothing; CompactRange owns its vector of hashes.
// Thread-safety: free functions are thread-safe (the SHA-256 context is per thread); a CompactRange
// object needs external synchronisation when mutated.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "crypto/sha256.h"
#include "model/bytes.h"

namespace dnswitness {

// ---- Hashing (RFC 9162 §2.1.1) ----------------------------------------------------------------

// SHA-256(0x00 || entry). The distinct prefixes keep a leaf from being passed off as a node.
Hash leaf_hash(ByteView entry);
// SHA-256(0x01 || left || right).
Hash node_hash(const Hash& left, const Hash& right);
// MTH({}) = SHA-256 of the empty string.
Hash empty_root();

// Largest power of two strictly smaller than n (n >= 2): where MTH splits D[n] (RFC 9162 §2.1.1).
std::uint64_t split_point(std::uint64_t n);

// ---- Which subtrees a proof needs (pure index arithmetic) --------------------------------------

// The leaves [begin, end) of one subtree whose root hash is a proof element.
struct LeafRange {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
  bool operator==(const LeafRange&) const = default;
};

// PATH(index, D[size]) of RFC 9162 §2.1.3.1, leaf to root. Throws std::invalid_argument unless
// index < size.
std::vector<LeafRange> inclusion_proof_ranges(std::uint64_t index, std::uint64_t size);
// PROOF(m, D[n]) of RFC 9162 §2.1.4.1, leaf to root; empty when m == n. Throws
// std::invalid_argument unless 0 < m <= n (a proof from the empty tree proves nothing).
std::vector<LeafRange> consistency_proof_ranges(std::uint64_t m, std::uint64_t n);

// ---- Proof builders (the store supplies subtree roots) ----------------------------------------

// Returns MTH(D[begin:end]) for end > begin; called only for ranges listed by the functions above.
using SubtreeRootFn = std::function<Hash(std::uint64_t begin, std::uint64_t end)>;

std::vector<Hash> inclusion_proof(std::uint64_t index, std::uint64_t size, const SubtreeRootFn& subtree_root);
std::vector<Hash> consistency_proof(std::uint64_t m, std::uint64_t n, const SubtreeRootFn& subtree_root);

// ---- Verification (no storage) -----------------------------------------------------------------

// RFC 9162 §2.1.3.2. The root the proof leads to, or nullopt when the proof is malformed for
// (index, size): index >= size, too few or too many hashes.
std::optional<Hash> root_from_inclusion_proof(const Hash& leaf_hash, std::uint64_t index, std::uint64_t size,
                                              const std::vector<Hash>& proof);
// True only if the proof is well-formed and leads exactly to `root`.
bool verify_inclusion(const Hash& leaf_hash, std::uint64_t index, std::uint64_t size,
                      const std::vector<Hash>& proof, const Hash& root);

// RFC 9162 §2.1.4.2, with the edge cases the transparency-dev/merkle verifier and its published
// vectors define:
//   m > n                 -> false
//   m == 0                -> false (even for n == 0: a consistency proof from the empty tree is
//                            meaningless; a caller that trusts nothing yet has nothing to check)
//   m == n                -> true iff the proof is empty and root_m == root_n (the RFC's
//                            algorithm would reject the empty path; every RFC-conformant log
//                            sends an empty proof here)
//   0 < m < n             -> the RFC algorithm: non-empty proof of exactly the right length that
//                            reproduces both roots.
bool verify_consistency(std::uint64_t m, std::uint64_t n, const Hash& root_m, const Hash& root_n,
                        const std::vector<Hash>& proof);

// ---- Roots ---------------------------------------------------------------------------------------

// MTH over the given leaf hashes, iteratively (n - 1 node hashes, O(log n) memory).
Hash root_of(std::span<const Hash> leaf_hashes);

// The Merkle frontier of a growing log: the roots of the perfect subtrees that the tree of the
// current size decomposes into (one per set bit of size, largest first). Enough to append and to
// compute the current root without reading any earlier leaf, so a store persists it beside the
// leaves and restores it on start-up.
// Ownership: owns its hashes. Thread-safety: none (one writer; copy it to hand it to readers).
class CompactRange {
 public:
  CompactRange() = default;
  // Throws std::invalid_argument unless hashes.size() == popcount(size).
  CompactRange(std::uint64_t size, std::vector<Hash> hashes);

  // Amortized O(1): one node hash per trailing one bit of the old size.
  void append(const Hash& leaf_hash);
  [[nodiscard]] std::uint64_t size() const noexcept { return size_; }
  // MTH of the first size() leaves; O(log n). empty_root() when size() == 0.
  [[nodiscard]] Hash root() const;
  [[nodiscard]] const std::vector<Hash>& hashes() const noexcept { return hashes_; }

  // Stored format (frozen by a golden test): version byte 0x01, size as 8 bytes big-endian, then
  // popcount(size) hashes of 32 bytes, largest subtree first.
  [[nodiscard]] Bytes serialize() const;
  // nullopt for any other version, a truncated or trailing-byte input, or a wrong hash count.
  static std::optional<CompactRange> deserialize(ByteView bytes);

  bool operator==(const CompactRange&) const = default;

 private:
  std::uint64_t size_ = 0;
  std::vector<Hash> hashes_;
};

}  // namespace dnswitness
