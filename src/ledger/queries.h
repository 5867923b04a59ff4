#pragma once
// Read queries for reports: leaves, the runs they belong to, signed tree heads, index ranges, and
// Merkle proofs for many leaves of a large ledger.
//
// Role: proofs without reading the whole tree. A proof for one leaf of an n-leaf tree needs the
// roots of about log2(n) subtrees, the largest covering half the log; reading their leaf hashes
// would read the whole ledger for every proof. Every aligned subtree whose left edge is a multiple
// of twice its size is, however, one of the hashes of the Merkle frontier (CompactRange) stored
// with any checkpoint whose size lies in its upper half, so LedgerReader takes it from there (one
// primary-key lookup) and only reads leaf hashes for subtrees of at most 64 leaves or where no run
// ended. Roots are memoised, so the many proofs of one report share their upper levels. Proofs
// built this way are checked by the caller against the signed root, so a damaged stored frontier
// cannot produce a proof that verifies.
// Ownership: borrows the store (which must outlive the reader). Thread-safety: none.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "ledger/leaves.h"
#include "ledger/merkle.h"
#include "ledger/store.h"

namespace dnswitness {

// Every resolver name the ledger's observations carry (as `report --resolver` takes them), sorted.
std::vector<std::string> recorded_resolvers(LedgerStore& store);

class LedgerReader {
 public:
  explicit LedgerReader(LedgerStore& store);

  // The newest signed tree head; throws LedgerError(usage) when the ledger is empty.
  const CheckpointRow& newest() const { return newest_; }
  // The checkpoint of exactly this size (each one ends a run), or nullopt.
  std::optional<CheckpointRow> checkpoint(std::uint64_t size);

  // The run a leaf belongs to: [begin, end), begin being the run leaf and end the size of the
  // checkpoint signed with that run. Throws LedgerError(integrity) beyond the newest checkpoint.
  struct RunSpan {
    std::uint64_t begin = 0, end = 0;
  };
  RunSpan run_of(std::uint64_t leaf);

  std::string leaf(std::uint64_t index);

  // MTH(D[begin:end]) for end <= newest().size, memoised.
  Hash subtree_root(std::uint64_t begin, std::uint64_t end);
  std::vector<Hash> inclusion_proof(std::uint64_t index, std::uint64_t size);
  std::vector<Hash> consistency_proof(std::uint64_t m, std::uint64_t n);

  // Index rows of one domain with time in [lo, hi] (inclusive), by time, then leaf index.
  std::vector<IndexRow> index_rows(const std::string& qname, std::int64_t lo, std::int64_t hi);
  // The nearest index row of (qname, qtype) strictly before `t` (before=true) or strictly after,
  // among the given resolvers (empty: all), or nullopt. With `with_address`, only a row that holds
  // at least one address counts.
  std::optional<IndexRow> nearest_row(const std::string& qname, const std::string& qtype, std::int64_t t,
                                      bool before, const std::vector<std::string>& resolvers,
                                      bool with_address = false);

 private:
  // Subtrees of up to 64 leaves are hashed from the leaf hashes, a 64-leaf aligned block at a time.
  static constexpr unsigned kBlockHeight = 6;
  static constexpr std::uint64_t kBlockWidth = std::uint64_t{1} << kBlockHeight;
  Hash perfect_root(std::uint64_t begin, unsigned height);
  // The perfect subtree roots of one aligned 64-leaf block: level h (leaf hashes at h = 0) starts
  // at nodes[128 - (128 >> h)]; `leaves` is how many leaves it has (fewer at the ledger's end).
  // One allocation per block instead of one per memoised node.
  struct Block {
    std::array<Hash, 2 * kBlockWidth - 1> nodes{};
    std::uint64_t leaves = 0;
  };
  // Reads the leaf hashes of [block, block + 64) and hashes every perfect subtree within them.
  Block read_block(std::uint64_t block);

  LedgerStore& store_;
  CheckpointRow newest_;
  Stmt leaf_stmt_, hashes_stmt_, run_end_stmt_, run_begin_stmt_, checkpoint_stmt_, frontier_stmt_, index_stmt_, before_stmt_,
      after_stmt_;
  std::unordered_map<std::uint64_t, Hash> perfect_;  // key: begin * 64 + height, height > 6
  std::unordered_map<std::uint64_t, Block> blocks_;  // by first leaf
  std::map<std::pair<std::uint64_t, std::uint64_t>, Hash> ranges_;
};

}  // namespace dnswitness
