#include "ledger/verify.h"

#include <fmt/format.h>

#include <array>
#include <bit>
#include <cstring>
#include <map>
#include <optional>
#include <vector>

#include "crypto/encoding.h"
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"
#include "ledger/signed_note.h"

namespace dnswitness {
namespace {

// Subtree roots of the recomputed tree, for building consistency proofs without rereading it:
// the roots of every aligned 256-leaf block and of every perfect subtree above them (about n/4
// bytes of memory for n leaves). Smaller subtrees come from the current block or from the stored
// leaf hashes, which by then have been checked against the recomputed ones.
class TreeMemo {
 public:
  explicit TreeMemo(LedgerStore& store) : store_(store) {}

  void add(const Hash& leaf) {
    block_.push_back(leaf);
    if (block_.size() < kBlock) return;
    push(0, root_of(block_));
    block_.clear();
  }

  // MTH(D[begin:end]) of the leaves added so far.
  Hash range_root(std::uint64_t begin, std::uint64_t end) {
    const std::uint64_t n = end - begin;
    if (std::has_single_bit(n) && begin % n == 0) return perfect(begin, n);
    if (n == 1) return perfect(begin, 1);
    const std::uint64_t k = split_point(n);
    return node_hash(range_root(begin, begin + k), range_root(begin + k, end));
  }

 private:
  static constexpr std::uint64_t kBlock = 256;

  void push(std::size_t level, const Hash& h) {
    if (levels_.size() <= level) levels_.resize(level + 1);
    levels_[level].push_back(h);
    const auto& v = levels_[level];
    if (v.size() % 2 == 0) push(level + 1, node_hash(v[v.size() - 2], v[v.size() - 1]));
  }

  Hash perfect(std::uint64_t begin, std::uint64_t size) {
    if (size >= kBlock) {
      const auto level = static_cast<std::size_t>(std::countr_zero(size / kBlock));
      const std::uint64_t pos = begin / size;
      if (level < levels_.size() && pos < levels_[level].size()) return levels_[level][pos];
    }
    const std::uint64_t block_start = (levels_.empty() ? 0 : levels_[0].size()) * kBlock;
    if (begin >= block_start && begin + size <= block_start + block_.size())
      return root_of(std::span<const Hash>(block_).subspan(begin - block_start, size));
    return store_.subtree_root(begin, begin + size);
  }

  LedgerStore& store_;
  std::vector<std::vector<Hash>> levels_;
  std::vector<Hash> block_;
};

// An order-independent digest of a set of index rows, kept per bucket of leaves so a mismatch can
// be narrowed down to one bucket and then to one leaf.
constexpr std::uint64_t kBucket = 65536;
using Digest = std::array<std::uint64_t, 4>;

void add_row(std::map<std::uint64_t, Digest>& buckets, Sha256& hasher, const IndexRow& r) {
  const std::string text = fmt::format("{}\n{}\n{}\n{}\n{}\n{}\n{}", r.leaf_index, r.qname, r.qtype, r.time_ns,
                                       r.resolver, r.outcome, r.addresses);
  const Hash h = hasher.update(as_bytes(text)).finish();
  Digest& d = buckets[r.leaf_index / kBucket];
  for (std::size_t i = 0; i < 4; ++i) {
    std::uint64_t lane = 0;
    std::memcpy(&lane, h.data() + 8 * i, 8);
    d[i] += lane;
  }
}

IndexRow row_from_index(const Stmt& s) {
  return IndexRow{static_cast<std::uint64_t>(s.i64(0)), std::string(s.text(1)), std::string(s.text(2)), s.i64(3),
                  std::string(s.text(4)), std::string(s.text(5)), std::string(s.text(6))};
}

constexpr const char* kIndexRowsQuery = "SELECT leaf_index, qname, qtype, time_ns, resolver, outcome, addresses FROM "
                                      "observation_index";

std::string describe_row(const IndexRow& r) {
  return fmt::format("{} {} at {} from {}: {} [{}]", r.qname, r.qtype, format_rfc3339_ns(UtcTime{r.time_ns}),
                     r.resolver, r.outcome, r.addresses);
}

// Finds the first leaf of `bucket` whose index row differs, by comparing the rows one by one.
std::string locate_index_mismatch(LedgerStore& store, std::uint64_t bucket) {
  const auto lo = static_cast<std::int64_t>(bucket * kBucket);
  const auto hi = static_cast<std::int64_t>((bucket + 1) * kBucket);
  std::multimap<std::uint64_t, IndexRow> stored;
  {
    Stmt s(store.db(), fmt::format("{} WHERE leaf_index >= ?1 AND leaf_index < ?2", kIndexRowsQuery).c_str());
    s.bind(1, lo).bind(2, hi);
    while (s.step("reading the index")) {
      IndexRow r = row_from_index(s);
      stored.emplace(r.leaf_index, std::move(r));
    }
  }
  std::map<std::uint64_t, IndexRow> expected;
  {
    Stmt s(store.db(), "SELECT idx, data FROM leaves WHERE idx >= ?1 AND idx < ?2");
    s.bind(1, lo).bind(2, hi);
    while (s.step("reading the leaves")) {
      const ByteView b = s.blob(1);
      const auto idx = static_cast<std::uint64_t>(s.i64(0));
      if (auto r = index_row_of_leaf(idx, std::string_view(reinterpret_cast<const char*>(b.data()), b.size())))
        expected.emplace(idx, std::move(*r));
    }
  }
  auto si = stored.begin();
  auto ei = expected.begin();
  while (si != stored.end() || ei != expected.end()) {
    if (si == stored.end() || (ei != expected.end() && ei->first < si->first))
      return fmt::format("the index has no row for observation leaf {} ({})", ei->first, describe_row(ei->second));
    if (ei == expected.end() || si->first < ei->first)
      return fmt::format("the index has a row for leaf {} that no observation leaf gives ({})", si->first,
                         describe_row(si->second));
    if (!(si->second == ei->second))
      return fmt::format("the index row for leaf {} says '{}' but the leaf says '{}'", si->first,
                         describe_row(si->second), describe_row(ei->second));
    ++si;
    ++ei;
    if (si != stored.end() && si->first == std::prev(si)->first)
      return fmt::format("the index has two rows for leaf {}", si->first);
  }
  return fmt::format("the index rows for leaves {} to {} differ from the leaves", lo, hi - 1);
}

std::string b64(const Hash& h) { return base64_encode(h); }

}  // namespace

LedgerVerification verify_ledger(LedgerStore& store, const Ed25519PublicKey& trusted_key,
                                 const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  LedgerVerification v;
  auto fail = [&v](std::string why) {
    v.ok = false;
    v.failure = std::move(why);
    return v;
  };

  if (const auto bound = store.bound_public_key(); bound && !(*bound == trusted_key))
    return fail(fmt::format("the ledger records the signing key {} but the trusted public key is {}", bound->fingerprint(),
                            trusted_key.fingerprint()));

  // 1. Every checkpoint: signature, and that the stored columns say what the signed note says.
  const std::vector<CheckpointRow> checkpoints = store.checkpoints();
  const NoteVerifier verifier = make_note_verifier(store.origin(), trusted_key);
  for (const auto& cp : checkpoints) {
    std::string why;
    const auto opened = open_signed_checkpoint(cp.note, verifier, &why);
    if (!opened) return fail(fmt::format("the tree head at size {} does not verify: {}", cp.size, why));
    ++v.signatures;
    if (opened->size != cp.size)
      return fail(fmt::format("the tree head stored at size {} is signed for size {}", cp.size, opened->size));
    if (opened->root != cp.root)
      return fail(fmt::format("the tree head at size {}: the stored root {} differs from the signed root {}", cp.size,
                              b64(cp.root), b64(opened->root)));
  }
  const std::uint64_t total = checkpoints.empty() ? 0 : checkpoints.back().size;

  // 2. One pass over the leaves: hashes, tree heads, consistency proofs, index rows.
  CompactRange range;
  TreeMemo memo(store);
  Sha256 row_hasher;
  std::map<std::uint64_t, Digest> expected_rows;
  std::optional<std::string> first_bad_record;
  std::size_t next_cp = 0;
  std::uint64_t previous_size = 0;
  Hash previous_root{};

  Stmt leaves(store.db(), "SELECT idx, hash, data FROM leaves ORDER BY idx");
  while (leaves.step("reading the leaves")) {
    const auto idx = static_cast<std::uint64_t>(leaves.i64(0));
    if (idx != range.size()) {
      if (idx > range.size())
        return fail(fmt::format("leaf {} is missing (the next stored leaf is {})", range.size(), idx));
      return fail(fmt::format("leaf {} is stored out of order", idx));
    }
    if (next_cp >= checkpoints.size())
      return fail(fmt::format("leaf {} is not covered by any signed tree head (the last one has size {})", idx, total));
    const ByteView data = leaves.blob(2);
    const Hash computed = leaf_hash(data);
    const ByteView stored = leaves.blob(1);
    if (stored.size() != computed.size() || std::memcmp(stored.data(), computed.data(), computed.size()) != 0)
      return fail(fmt::format("leaf {}: its stored hash does not match the hash of its stored bytes", idx));
    range.append(computed);
    memo.add(computed);
    ++v.leaves;

    if (!first_bad_record) {
      try {
        if (auto row = index_row_of_leaf(idx, std::string_view(reinterpret_cast<const char*>(data.data()),
                                                               data.size())))
          add_row(expected_rows, row_hasher, *row);
      } catch (const std::invalid_argument& e) {
        first_bad_record = e.what();
      }
    }

    const CheckpointRow& cp = checkpoints[next_cp];
    if (range.size() == cp.size) {
      const Hash root = range.root();
      if (root != cp.root)
        return fail(fmt::format("the tree head at size {} (run {}, leaves {} to {}) does not match the stored leaves: "
                                "they give the root {}, the signed root is {}",
                                cp.size, cp.run_id, previous_size, cp.size - 1, b64(root), b64(cp.root)));
      ++v.tree_heads;
      if (cp.compact_range != range.serialize())
        return fail(fmt::format("the stored tree state at size {} differs from the one recomputed from the leaves",
                                cp.size));
      if (previous_size > 0) {
        const auto proof = consistency_proof(previous_size, cp.size, [&memo](std::uint64_t b, std::uint64_t e) {
          return memo.range_root(b, e);
        });
        if (!verify_consistency(previous_size, cp.size, previous_root, cp.root, proof))
          return fail(fmt::format("the tree heads at sizes {} and {} are not consistent", previous_size, cp.size));
        ++v.consistency_proofs;
      }
      previous_size = cp.size;
      previous_root = cp.root;
      ++next_cp;
    }
    if (progress && v.leaves % 65536 == 0) progress(v.leaves, total);
  }
  if (next_cp < checkpoints.size())
    return fail(fmt::format("the tree head at size {} covers leaves that are missing (only {} leaves are stored)",
                            checkpoints[next_cp].size, range.size()));
  if (progress) progress(v.leaves, total);

  // 3. The derived index against the leaves.
  if (first_bad_record)
    return fail(fmt::format("{}; the leaf is signed, but it is not a record this tool writes", *first_bad_record));
  std::map<std::uint64_t, Digest> stored_rows;
  {
    Stmt rows(store.db(), kIndexRowsQuery);
    while (rows.step("reading the index")) {
      add_row(stored_rows, row_hasher, row_from_index(rows));
      ++v.index_rows;
    }
  }
  if (stored_rows != expected_rows) {
    std::uint64_t bucket = 0;
    auto a = stored_rows.begin();
    auto b = expected_rows.begin();
    while (a != stored_rows.end() && b != expected_rows.end() && a->first == b->first && a->second == b->second) {
      ++a;
      ++b;
    }
    if (a == stored_rows.end()) bucket = b->first;
    else if (b == expected_rows.end()) bucket = a->first;
    else bucket = std::min(a->first, b->first);
    return fail(locate_index_mismatch(store, bucket) + "; 'dnswitness reindex' rebuilds the index from the leaves");
  }
  v.ok = true;
  return v;
}

}  // namespace dnswitness
