#include "ledger/queries.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>

namespace dnswitness {
namespace {

IndexRow row_from(const Stmt& s, const std::string& qname) {
  IndexRow r;
  r.qname = qname;
  r.leaf_index = static_cast<std::uint64_t>(s.i64(0));
  r.qtype = std::string(s.text(1));
  r.time_ns = s.i64(2);
  r.resolver = std::string(s.text(3));
  r.outcome = std::string(s.text(4));
  r.addresses = std::string(s.text(5));
  return r;
}

constexpr const char* kIndexColumns = "leaf_index, qtype, time_ns, resolver, outcome, addresses";

}  // namespace

std::vector<std::string> recorded_resolvers(LedgerStore& store) {
  std::vector<std::string> names;
  Stmt s(store.db(), "SELECT DISTINCT resolver FROM observation_index ORDER BY resolver");
  while (s.step("listing the ledger's resolvers")) names.emplace_back(s.text(0));
  return names;
}

LedgerReader::LedgerReader(LedgerStore& store)
    : store_(store),
      leaf_stmt_(store.db(), "SELECT data FROM leaves WHERE idx = ?1"),
      hashes_stmt_(store.db(), "SELECT idx, hash FROM leaves WHERE idx >= ?1 AND idx < ?2 ORDER BY idx"),
      run_end_stmt_(store.db(), "SELECT size FROM checkpoints WHERE size > ?1 ORDER BY size LIMIT 1"),
      run_begin_stmt_(store.db(), "SELECT size FROM checkpoints WHERE size <= ?1 ORDER BY size DESC LIMIT 1"),
      checkpoint_stmt_(store.db(), "SELECT size, root, note, compact_range, run_id FROM checkpoints WHERE size = ?1"),
      frontier_stmt_(store.db(),
                     "SELECT size, compact_range FROM checkpoints WHERE size >= ?1 AND size < ?2 ORDER BY size LIMIT 1"),
      index_stmt_(store.db(), fmt::format("SELECT {} FROM observation_index WHERE qname = ?1 AND time_ns >= ?2 AND "
                                          "time_ns <= ?3 ORDER BY time_ns, leaf_index",
                                          kIndexColumns)
                                  .c_str()),
      before_stmt_(store.db(), fmt::format("SELECT {} FROM observation_index WHERE qname = ?1 AND time_ns < ?2 "
                                           "ORDER BY time_ns DESC, leaf_index DESC",
                                           kIndexColumns)
                                   .c_str()),
      after_stmt_(store.db(), fmt::format("SELECT {} FROM observation_index WHERE qname = ?1 AND time_ns > ?2 "
                                          "ORDER BY time_ns, leaf_index",
                                          kIndexColumns)
                                  .c_str()) {
  Stmt last(store.db(), "SELECT size FROM checkpoints ORDER BY size DESC LIMIT 1");
  if (!last.step("reading the newest tree head"))
    throw LedgerError(LedgerError::Kind::usage,
                      fmt::format("The ledger {} holds no run yet; run resolve-snapshot first.",
                                  store.paths().dir.string()));
  const auto size = static_cast<std::uint64_t>(last.i64(0));
  auto cp = checkpoint(size);
  newest_ = std::move(*cp);
}

std::optional<CheckpointRow> LedgerReader::checkpoint(std::uint64_t size) {
  Stmt& s = checkpoint_stmt_;
  s.bind(1, static_cast<std::int64_t>(size));
  std::optional<CheckpointRow> out;
  if (s.step("reading a tree head")) {
    CheckpointRow row;
    row.size = static_cast<std::uint64_t>(s.i64(0));
    const ByteView root = s.blob(1);
    if (root.size() == 32) std::copy(root.begin(), root.end(), row.root.begin());
    row.note = std::string(s.text(2));
    const ByteView cr = s.blob(3);
    row.compact_range.assign(cr.begin(), cr.end());
    row.run_id = std::string(s.text(4));
    out = std::move(row);
  }
  s.reset();
  return out;
}

LedgerReader::RunSpan LedgerReader::run_of(std::uint64_t leaf) {
  RunSpan span;
  run_end_stmt_.bind(1, static_cast<std::int64_t>(leaf));
  const bool found = run_end_stmt_.step("reading the tree heads");
  if (found) span.end = static_cast<std::uint64_t>(run_end_stmt_.i64(0));
  run_end_stmt_.reset();
  if (!found)
    throw LedgerError(LedgerError::Kind::integrity, fmt::format("leaf {} lies beyond the newest tree head", leaf));
  run_begin_stmt_.bind(1, static_cast<std::int64_t>(leaf));
  if (run_begin_stmt_.step("reading the tree heads")) span.begin = static_cast<std::uint64_t>(run_begin_stmt_.i64(0));
  run_begin_stmt_.reset();
  return span;
}

std::string LedgerReader::leaf(std::uint64_t index) {
  leaf_stmt_.bind(1, static_cast<std::int64_t>(index));
  if (!leaf_stmt_.step("reading a leaf")) {
    leaf_stmt_.reset();
    throw LedgerError(LedgerError::Kind::integrity, fmt::format("leaf {} is missing", index));
  }
  const ByteView b = leaf_stmt_.blob(0);
  std::string out(reinterpret_cast<const char*>(b.data()), b.size());
  leaf_stmt_.reset();
  return out;
}

Hash LedgerReader::perfect_root(std::uint64_t begin, unsigned height) {
  const std::uint64_t width = std::uint64_t{1} << height;
  if (height <= kBlockHeight) {
    // Hashed for the whole 64-leaf block by read_block, along with every other small subtree root
    // of that block: neighbouring leaves' proofs share these, and one range read replaces a
    // statement prepared and a range read per subtree (which was 30 % of a report).
    const std::uint64_t block = begin - begin % kBlockWidth;
    auto it = blocks_.find(block);
    if (it == blocks_.end()) it = blocks_.emplace(block, read_block(block)).first;
    const Block& b = it->second;
    const std::uint64_t j = (begin - block) >> height;
    if (((j + 1) << height) > b.leaves)
      throw LedgerError(LedgerError::Kind::integrity, fmt::format("leaf {} is missing", block + b.leaves));
    return b.nodes[(2 * kBlockWidth - (2 * kBlockWidth >> height)) + j];
  }
  const std::uint64_t key = begin * 64 + height;
  if (auto it = perfect_.find(key); it != perfect_.end()) return it->second;
  Hash h{};
  bool found = false;
  if (begin % (width * 2) == 0) {
    // A checkpoint of size s in [begin + width, begin + 2 * width) has this subtree in its frontier.
    frontier_stmt_.bind(1, static_cast<std::int64_t>(begin + width)).bind(2, static_cast<std::int64_t>(begin + 2 * width));
    if (frontier_stmt_.step("reading a tree head")) {
      const auto size = static_cast<std::uint64_t>(frontier_stmt_.i64(0));
      const auto range = CompactRange::deserialize(frontier_stmt_.blob(1));
      if (range && range->size() == size) {
        const auto pos = static_cast<std::size_t>(std::popcount(size >> (height + 1)));
        if (pos < range->hashes().size()) {
          h = range->hashes()[pos];
          found = true;
        }
      }
    }
    frontier_stmt_.reset();
  }
  if (!found) h = node_hash(perfect_root(begin, height - 1), perfect_root(begin + width / 2, height - 1));
  perfect_.emplace(key, h);
  return h;
}

LedgerReader::Block LedgerReader::read_block(std::uint64_t block) {
  Block out;
  Stmt& s = hashes_stmt_;
  s.bind(1, static_cast<std::int64_t>(block)).bind(2, static_cast<std::int64_t>(block + kBlockWidth));
  try {
    while (s.step("reading leaf hashes")) {
      const auto idx = static_cast<std::uint64_t>(s.i64(0));
      if (idx != block + out.leaves)
        throw LedgerError(LedgerError::Kind::integrity, fmt::format("leaf {} is missing", block + out.leaves));
      const ByteView b = s.blob(1);
      if (b.size() != 32)
        throw LedgerError(LedgerError::Kind::integrity,
                          fmt::format("the stored hash of leaf {} is not a 32-byte hash", idx));
      std::copy(b.begin(), b.end(), out.nodes[out.leaves].begin());
      ++out.leaves;
    }
  } catch (...) {
    s.reset();
    throw;
  }
  s.reset();
  // Level by level, every perfect subtree lying wholly within the leaves read (a block at the end
  // of the ledger may hold fewer than 64). Level h starts at 128 - (128 >> h).
  std::uint64_t below = 0, count = out.leaves;
  for (unsigned height = 1; height <= kBlockHeight; ++height) {
    const std::uint64_t at = 2 * kBlockWidth - (2 * kBlockWidth >> height);
    for (std::uint64_t j = 0; j < count / 2; ++j)
      out.nodes[at + j] = node_hash(out.nodes[below + 2 * j], out.nodes[below + 2 * j + 1]);
    below = at;
    count /= 2;
  }
  return out;
}

Hash LedgerReader::subtree_root(std::uint64_t begin, std::uint64_t end) {
  const std::uint64_t n = end - begin;
  if (std::has_single_bit(n) && begin % n == 0)
    return perfect_root(begin, static_cast<unsigned>(std::countr_zero(n)));
  if (auto it = ranges_.find({begin, end}); it != ranges_.end()) return it->second;
  const std::uint64_t k = split_point(n);
  const Hash h = node_hash(subtree_root(begin, begin + k), subtree_root(begin + k, end));
  ranges_.emplace(std::make_pair(begin, end), h);
  return h;
}

std::vector<Hash> LedgerReader::inclusion_proof(std::uint64_t index, std::uint64_t size) {
  return dnswitness::inclusion_proof(index, size, [this](std::uint64_t b, std::uint64_t e) { return subtree_root(b, e); });
}

std::vector<Hash> LedgerReader::consistency_proof(std::uint64_t m, std::uint64_t n) {
  return dnswitness::consistency_proof(m, n, [this](std::uint64_t b, std::uint64_t e) { return subtree_root(b, e); });
}

std::vector<IndexRow> LedgerReader::index_rows(const std::string& qname, std::int64_t lo, std::int64_t hi) {
  std::vector<IndexRow> out;
  index_stmt_.bind(1, qname).bind(2, lo).bind(3, hi);
  while (index_stmt_.step("reading the index")) out.push_back(row_from(index_stmt_, qname));
  index_stmt_.reset();
  return out;
}

std::optional<IndexRow> LedgerReader::nearest_row(const std::string& qname, const std::string& qtype, std::int64_t t,
                                                  bool before, const std::vector<std::string>& resolvers,
                                                  bool with_address) {
  Stmt& s = before ? before_stmt_ : after_stmt_;
  s.bind(1, qname).bind(2, t);
  std::optional<IndexRow> out;
  while (s.step("reading the index")) {
    if (s.text(1) != qtype) continue;
    if (!resolvers.empty() && std::find(resolvers.begin(), resolvers.end(), s.text(3)) == resolvers.end()) continue;
    if (with_address && s.text(5).empty()) continue;
    out = row_from(s, qname);
    break;
  }
  s.reset();
  return out;
}

}  // namespace dnswitness
