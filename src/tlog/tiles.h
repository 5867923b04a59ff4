#pragma once
// The arithmetic of a log published as static tiles (c2sp.org/tlog-tiles): tile names, which tiles a
// tree of a given size consists of, the bytes of hash tiles and entry bundles, and the Merkle roots
// recomputed from tiles.
//
// Role: pure functions shared by everything that writes or reads a tiled log (publish, mirror,
// remote reports, their tests). No file or network access here: reading goes through a TileFetchFn
// the caller supplies, so one reader serves a directory, an HTTP server and a cache.
//
// Layout, as the spec has it: a hash tile holds up to 256 hashes of 32 bytes. Level 0 holds the leaf
// hashes; a hash at level L >= 1 is the root of one full tile of level L - 1, so hash j of level L is
// MTH of the leaves [j * 256^L, (j + 1) * 256^L). For tree size s, level L has s >> 8L hashes: tile N
// of level L is full (256 hashes) when N < (s >> 8L) / 256, and the last one is partial with
// (s >> 8L) % 256 hashes, named `.p/<W>`, when that is not zero. Entry bundle N holds the entries
// [256 N, 256 N + 256), each as a 2-byte big-endian length and the bytes, with partial bundles named
// like partial tiles.
// Ownership: plain values. Thread-safety: all functions are thread-safe; a TileHashReader is not.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "crypto/sha256.h"
#include "model/bytes.h"

namespace dnswitness {

inline constexpr std::uint64_t kTileWidth = 256;
inline constexpr unsigned kTileHeight = 8;  // log2(kTileWidth)
inline constexpr std::size_t kMaxEntryBytes = 65535;
// Every tile and bundle is at most this big: 256 entries of at most 65,537 bytes. Readers refuse more.
inline constexpr std::size_t kMaxBundleBytes = kTileWidth * (kMaxEntryBytes + 2);

// One hash tile (level >= 0) or entry bundle (level == kEntriesLevel).
struct TileId {
  static constexpr int kEntriesLevel = -1;
  int level = 0;
  std::uint64_t index = 0;
  unsigned width = kTileWidth;  // 1..256; 256 is a full tile
  [[nodiscard]] bool full() const noexcept { return width == kTileWidth; }
  [[nodiscard]] bool entries() const noexcept { return level == kEntriesLevel; }
  // "tile/<L>/<N>[.p/<W>]" or "tile/entries/<N>[.p/<W>]", relative to the log's prefix.
  [[nodiscard]] std::string path() const;
  bool operator==(const TileId&) const = default;
  auto operator<=>(const TileId&) const = default;
};

// <N> in groups of three digits, all but the last prefixed with 'x': 1234067 -> "x001/x234/067".
std::string tile_index_path(std::uint64_t n);
// The inverse of TileId::path(), for names read back from a directory; nullopt when `path` is not
// exactly a tile name the spec allows (leading zeros, widths 0 or 256 in .p, and so on).
std::optional<TileId> parse_tile_path(std::string_view path);

// Number of hash levels a tree of `size` has tiles for (0 for the empty tree).
unsigned tile_levels(std::uint64_t size);
// Every hash tile (levels 0 upwards, full then partial) and entry bundle of a tree of `size`,
// ordered by level (entry bundles first), then index.
std::vector<TileId> tiles_of_size(std::uint64_t size);
// The tiles a tree of `new_size` has that a tree of `old_size` does not (old_size <= new_size): new
// full tiles, and every partial tile whose width changed. Full tiles of the old tree are never in it.
std::vector<TileId> tiles_added(std::uint64_t old_size, std::uint64_t new_size);
// The tile of level `level` (or entry bundle, kEntriesLevel) that holds hash/entry `i` in a tree of
// `size` (i < the level's width): its full form if complete, else its partial form.
TileId tile_holding(int level, std::uint64_t i, std::uint64_t size);

// A hash tile's bytes: the hashes concatenated. Splits them back, nullopt unless the length is a
// non-zero multiple of 32 and at most 256 hashes.
Bytes tile_bytes(const std::vector<Hash>& hashes);
std::optional<std::vector<Hash>> split_tile(ByteView bytes);

// An entry bundle: each entry as a big-endian uint16 length, then its bytes. Throws
// std::invalid_argument for an entry over 65,535 bytes or more than 256 entries.
Bytes entry_bundle_bytes(const std::vector<std::string_view>& entries);
// nullopt on a truncated length or entry, trailing bytes, or more than 256 entries.
std::optional<std::vector<std::string>> split_entry_bundle(ByteView bytes);
// The same as views into `bytes` (no copies: for a reader that takes a few entries of a bundle).
std::optional<std::vector<std::string_view>> entry_views(ByteView bytes);

// Fetches one tile's bytes by its id, or nullopt when it is absent (a missing file, a 404). Throws
// for anything else (the reader passes it on).
using TileFetchFn = std::function<std::optional<Bytes>(const TileId&)>;

// Computes hashes of a tree of a known size from its hash tiles: any subtree root, hence the root
// and proofs (ledger/merkle.h SubtreeRootFn). Tiles are fetched at most once and memoised.
// A hash read from a tile is only as good as the tile: the caller checks the root it leads to
// against a signed checkpoint before using anything derived from it.
// Ownership: owns its cache; the fetch function is copied. Thread-safety: none.
class TileHashReader {
 public:
  TileHashReader(std::uint64_t size, TileFetchFn fetch);

  // MTH(D[begin:end]) for begin < end <= size. Throws TileReadError when a needed tile is absent or
  // malformed (its size is not what the tree size implies).
  Hash subtree_root(std::uint64_t begin, std::uint64_t end);
  // MTH(D[0:size]); empty_root() for size 0.
  Hash root();
  // Hash j of level `level` (j < size >> 8 * level).
  Hash hash_at(unsigned level, std::uint64_t j);
  [[nodiscard]] std::uint64_t size() const noexcept { return size_; }
  [[nodiscard]] std::uint64_t tiles_fetched() const noexcept { return tiles_.size(); }
  // Whether the tile holding hash j of `level` has been read (and, once verifying, checked).
  [[nodiscard]] bool has_tile(unsigned level, std::uint64_t index) const { return tiles_.contains({level, index}); }

  // From now on every tile is checked before any of its hashes is used: the partial tiles (one per
  // level, which are exactly what the root is computed from) now, by computing the root and
  // comparing it with `root`; each full tile when it is first read, against the hash its parent
  // tile (checked the same way) holds for it. Throws TileReadError when the root differs; later
  // reads throw TileReadError naming a tile that does not match.
  void verify_against(const Hash& root);

  // Checks the whole tree: every full tile hashes to the hash its parent tile holds for it, and the
  // root is `root`. Reads every hash tile. Returns the first problem (naming the tile), or nullopt.
  // A root computed for a proof uses the highest tiles available and never looks at the full
  // tiles below them, so a mirror or a publisher that vouches for a directory must call this.
  std::optional<std::string> check_all(const Hash& root);
  // Checks that the entries of a bundle hash to the level-0 hashes of its leaves; the problem, or
  // nullopt.
  std::optional<std::string> check_entries(const TileId& bundle, ByteView bytes);

 private:
  const std::vector<Hash>& tile(unsigned level, std::uint64_t index);
  std::uint64_t size_;
  TileFetchFn fetch_;
  bool verifying_ = false;
  // Hashed, not ordered: a report's proofs look nodes up about 600,000 times.
  struct PairHash {
    template <class A, class B>
    std::size_t operator()(const std::pair<A, B>& p) const noexcept {
      const auto a = static_cast<std::uint64_t>(p.first), b = static_cast<std::uint64_t>(p.second);
      return static_cast<std::size_t>((a * 0x9E3779B97F4A7C15ULL) ^ (b + 0x632BE59BD9B4E019ULL + (a << 6) + (a >> 2)));
    }
  };
  std::unordered_map<std::pair<unsigned, std::uint64_t>, std::vector<Hash>, PairHash> tiles_;
  // Roots of subtrees that are not a whole tile hash (inside a tile, or along the tree's right
  // edge), by [begin, end): a report asks for the same nodes in thousands of proofs. Emptied with
  // tiles_.
  std::unordered_map<std::pair<std::uint64_t, std::uint64_t>, Hash, PairHash> inner_roots_;
};

class TileReadError : public std::runtime_error {
 public:
  TileReadError(const TileId& tile, const std::string& what) : std::runtime_error(what), tile_(tile) {}
  [[nodiscard]] const TileId& tile() const noexcept { return tile_; }

 private:
  TileId tile_;
};

// Hash tiles from a sequence of leaf hashes, as a publisher builds them: feed the leaf hashes in
// order after the first `start_size` leaves, whose incomplete tiles (one per level, (start_size >> 8L)
// % 256 hashes each: exactly the partial tiles an incremental publish reads back) are given, and
// collect every tile of the tree of the final size.
// Ownership: owns the hashes of the open (incomplete) tile of each level. Thread-safety: none.
class TileBuilder {
 public:
  // `open_tiles[L]`: the hashes already in the incomplete tile of level L, level 0 first; levels
  // beyond the vector are empty. Throws std::invalid_argument when a count is not
  // (start_size >> 8L) % 256.
  TileBuilder(std::uint64_t start_size, std::vector<std::vector<Hash>> open_tiles);
  // Adds the next leaf hash; calls `full_tile` for each tile it completes, lowest level first.
  void append(const Hash& leaf_hash, const std::function<void(const TileId&, const std::vector<Hash>&)>& full_tile);
  // The partial tiles of the current size, lowest level first (one per level whose open tile is
  // not empty).
  [[nodiscard]] std::vector<std::pair<TileId, std::vector<Hash>>> partial_tiles() const;
  [[nodiscard]] std::uint64_t size() const noexcept { return size_; }

 private:
  void push(unsigned level, const Hash& h, const std::function<void(const TileId&, const std::vector<Hash>&)>& full_tile);
  std::uint64_t size_;
  std::vector<std::vector<Hash>> open_;  // open_[L]: hashes of level L's incomplete tile
};

}  // namespace dnswitness
