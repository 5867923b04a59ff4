#include "ledger/merkle.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <stdexcept>
#include <string>

namespace dnswitness {
namespace {

// One context per thread: the tree hashes millions of nodes and must not allocate per hash.
Sha256& thread_hasher() {
  thread_local Sha256 hasher;
  return hasher;
}

constexpr std::uint8_t kLeafPrefix = 0x00;  // RFC 9162 §2.1.1
constexpr std::uint8_t kNodePrefix = 0x01;

bool lsb(std::uint64_t x) { return (x & 1U) != 0; }

}  // namespace

Hash leaf_hash(ByteView entry) { return thread_hasher().update(kLeafPrefix).update(entry).finish(); }

Hash node_hash(const Hash& left, const Hash& right) {
  std::array<std::uint8_t, 1 + 2 * sizeof(Hash)> buf;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  buf[0] = kNodePrefix;
  std::memcpy(buf.data() + 1, left.data(), left.size());
  std::memcpy(buf.data() + 1 + left.size(), right.data(), right.size());
  return thread_hasher().update(buf).finish();
}

Hash empty_root() {
  // SHA-256("") = e3b0c442...b855, constant.
  static const Hash root = sha256(ByteView{});
  return root;
}

std::uint64_t split_point(std::uint64_t n) {
  if (n < 2) throw std::invalid_argument("split_point needs a tree of at least two leaves");
  return std::bit_floor(n - 1);
}

// ---- Proof ranges -------------------------------------------------------------------------------

std::vector<LeafRange> inclusion_proof_ranges(std::uint64_t index, std::uint64_t size) {
  if (index >= size)
    throw std::invalid_argument("inclusion proof asked for leaf " + std::to_string(index) + " of a tree of " +
                                std::to_string(size) + " leaves");
  // RFC 9162 §2.1.3.1, unrolled top-down:
  //   PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n])      for m < k
  //   PATH(m, D[n]) = PATH(m - k, D[k:n]) : MTH(D[0:k])  for m >= k
  // The sibling found at the top is the last element of the proof, hence the final reverse.
  std::vector<LeafRange> ranges;
  std::uint64_t begin = 0;
  std::uint64_t end = size;
  while (end - begin > 1) {
    const std::uint64_t mid = begin + split_point(end - begin);
    if (index < mid) {
      ranges.push_back({mid, end});
      end = mid;
    } else {
      ranges.push_back({begin, mid});
      begin = mid;
    }
  }
  std::reverse(ranges.begin(), ranges.end());
  return ranges;
}

std::vector<LeafRange> consistency_proof_ranges(std::uint64_t m, std::uint64_t n) {
  if (m == 0 || m > n)
    throw std::invalid_argument("consistency proof asked from size " + std::to_string(m) + " to size " +
                                std::to_string(n) + "; it needs 0 < m <= n");
  // RFC 9162 §2.1.4.1, unrolled top-down; `whole` is SUBPROOF's flag b (true while the old tree's
  // root is the node we are in, i.e. the verifier already knows it):
  //   SUBPROOF(m, D[m], true)  = {}
  //   SUBPROOF(m, D[m], false) = {MTH(D[m])}
  //   SUBPROOF(m, D[n], b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n])          for m <= k
  //   SUBPROOF(m, D[n], b) = SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])  for m > k
  std::vector<LeafRange> ranges;
  std::uint64_t begin = 0;
  std::uint64_t end = n;
  bool whole = true;
  while (true) {
    if (begin + m == end) {
      if (!whole) ranges.push_back({begin, end});
      break;
    }
    const std::uint64_t k = split_point(end - begin);
    if (m <= k) {
      ranges.push_back({begin + k, end});
      end = begin + k;
    } else {
      ranges.push_back({begin, begin + k});
      begin += k;
      m -= k;
      whole = false;
    }
  }
  std::reverse(ranges.begin(), ranges.end());
  return ranges;
}

namespace {

std::vector<Hash> fetch(const std::vector<LeafRange>& ranges, const SubtreeRootFn& subtree_root) {
  std::vector<Hash> out;
  out.reserve(ranges.size());
  for (const auto& r : ranges) out.push_back(subtree_root(r.begin, r.end));
  return out;
}

}  // namespace

std::vector<Hash> inclusion_proof(std::uint64_t index, std::uint64_t size, const SubtreeRootFn& subtree_root) {
  return fetch(inclusion_proof_ranges(index, size), subtree_root);
}

std::vector<Hash> consistency_proof(std::uint64_t m, std::uint64_t n, const SubtreeRootFn& subtree_root) {
  return fetch(consistency_proof_ranges(m, n), subtree_root);
}

// ---- Verification -------------------------------------------------------------------------------

std::optional<Hash> root_from_inclusion_proof(const Hash& leaf_hash, std::uint64_t index, std::uint64_t size,
                                              const std::vector<Hash>& proof) {
  // RFC 9162 §2.1.3.2. fn walks the leaf's position up the tree, sn the last leaf's; where they
  // meet the path runs along the right border, where a missing right sibling means "no hash".
  if (index >= size) return std::nullopt;                               // step 1
  std::uint64_t fn = index;                                              // step 2
  std::uint64_t sn = size - 1;
  Hash r = leaf_hash;                                                    // step 3
  for (const Hash& p : proof) {                                          // step 4
    if (sn == 0) return std::nullopt;                                    // 4a: too many hashes
    if (lsb(fn) || fn == sn) {                                           // 4b
      r = node_hash(p, r);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;                                                            // 4c
    sn >>= 1;
  }
  if (sn != 0) return std::nullopt;                                      // step 5: too few hashes
  return r;
}

bool verify_inclusion(const Hash& leaf_hash, std::uint64_t index, std::uint64_t size,
                      const std::vector<Hash>& proof, const Hash& root) {
  const auto computed = root_from_inclusion_proof(leaf_hash, index, size, proof);
  return computed && *computed == root;
}

bool verify_consistency(std::uint64_t m, std::uint64_t n, const Hash& root_m, const Hash& root_n,
                        const std::vector<Hash>& proof) {
  if (m > n) return false;
  if (m == 0) return false;  // also for n == 0: see the header; matches transparency-dev/merkle
  if (m == n) return proof.empty() && root_m == root_n;
  // RFC 9162 §2.1.4.2.
  if (proof.empty()) return false;                                       // step 1
  // Step 2: when m is a power of two the old root is itself a node of the new tree, so the proof
  // omits it and the verifier starts from root_m ("prepend first_hash"), without copying the vector.
  const bool seeded = std::has_single_bit(m);
  const std::size_t count = proof.size() + (seeded ? 1 : 0);
  auto at = [&](std::size_t i) -> const Hash& { return seeded ? (i == 0 ? root_m : proof[i - 1]) : proof[i]; };

  std::uint64_t fn = m - 1;                                              // step 3
  std::uint64_t sn = n - 1;
  while (lsb(fn)) {                                                      // step 4
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = at(0);                                                       // step 5
  Hash sr = at(0);
  for (std::size_t i = 1; i < count; ++i) {                              // step 6
    const Hash& c = at(i);
    if (sn == 0) return false;                                           // 6a: too many hashes
    if (lsb(fn) || fn == sn) {                                           // 6b
      fr = node_hash(c, fr);
      sr = node_hash(c, sr);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = node_hash(sr, c);
    }
    fn >>= 1;                                                            // 6c
    sn >>= 1;
  }
  return sn == 0 && fr == root_m && sr == root_n;                        // step 7
}

// ---- Roots ----------------------------------------------------------------------------------------

Hash root_of(std::span<const Hash> leaf_hashes) {
  CompactRange range;
  for (const Hash& h : leaf_hashes) range.append(h);
  return range.root();
}

CompactRange::CompactRange(std::uint64_t size, std::vector<Hash> hashes) : size_(size), hashes_(std::move(hashes)) {
  if (hashes_.size() != static_cast<std::size_t>(std::popcount(size_)))
    throw std::invalid_argument("a compact range of size " + std::to_string(size_) + " holds " +
                                std::to_string(std::popcount(size_)) + " hashes, not " +
                                std::to_string(hashes_.size()));
}

void CompactRange::append(const Hash& leaf_hash) {
  if (size_ == UINT64_MAX) throw std::overflow_error("the Merkle tree cannot grow beyond 2^64 - 1 leaves");
  hashes_.push_back(leaf_hash);
  // Each trailing one bit of the old size is a perfect subtree of the same height as the one just
  // completed: merge them pairwise, exactly like binary carry propagation.
  for (std::uint64_t s = size_; lsb(s); s >>= 1) {
    const Hash right = hashes_.back();
    hashes_.pop_back();
    hashes_.back() = node_hash(hashes_.back(), right);
  }
  ++size_;
}

Hash CompactRange::root() const {
  if (hashes_.empty()) return empty_root();
  // MTH splits at the largest power of two below n, which is exactly the largest perfect subtree;
  // folding right to left reproduces MTH(D[n]) = node(MTH(D[0:k]), MTH(D[k:n])).
  Hash r = hashes_.back();
  for (auto it = hashes_.rbegin() + 1; it != hashes_.rend(); ++it) r = node_hash(*it, r);
  return r;
}

namespace {
constexpr std::uint8_t kCompactRangeVersion = 0x01;
constexpr std::size_t kCompactRangeHeader = 1 + 8;
}  // namespace

Bytes CompactRange::serialize() const {
  Bytes out;
  out.reserve(kCompactRangeHeader + hashes_.size() * sizeof(Hash));
  out.push_back(kCompactRangeVersion);
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(size_ >> shift));
  for (const Hash& h : hashes_) out.insert(out.end(), h.begin(), h.end());
  return out;
}

std::optional<CompactRange> CompactRange::deserialize(ByteView bytes) {
  if (bytes.size() < kCompactRangeHeader || bytes[0] != kCompactRangeVersion) return std::nullopt;
  std::uint64_t size = 0;
  for (std::size_t i = 1; i < kCompactRangeHeader; ++i) size = (size << 8) | bytes[i];
  const auto count = static_cast<std::size_t>(std::popcount(size));
  if (bytes.size() != kCompactRangeHeader + count * sizeof(Hash)) return std::nullopt;
  std::vector<Hash> hashes(count);
  for (std::size_t i = 0; i < count; ++i)
    std::memcpy(hashes[i].data(), bytes.data() + kCompactRangeHeader + i * sizeof(Hash), sizeof(Hash));
  return CompactRange(size, std::move(hashes));
}

}  // namespace dnswitness
