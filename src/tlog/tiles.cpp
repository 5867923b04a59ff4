#include "tlog/tiles.h"

#include <bit>
#include <cctype>
#include <charconv>
#include <stdexcept>

#include <fmt/format.h>

#include "crypto/encoding.h"
#include "ledger/merkle.h"
#include "model/decimal.h"

namespace dnswitness {

namespace {

// Hashes at level `level` (or entries, kEntriesLevel) of a tree of `size`.
std::uint64_t level_width(int level, std::uint64_t size) {
  if (level == TileId::kEntriesLevel) return size;
  const unsigned shift = kTileHeight * static_cast<unsigned>(level);
  return shift >= 64 ? 0 : size >> shift;
}

// A decimal without leading zeros (or "0" alone is not allowed either when `allow_zero` is false).
std::optional<std::uint64_t> plain_decimal(std::string_view s, bool allow_zero) {
  if (s.size() > 19) return std::nullopt;
  const auto v = parse_canonical_decimal(s);
  if (!v || (*v == 0 && !allow_zero)) return std::nullopt;
  return v;
}

bool three_digits(std::string_view s) {
  return s.size() == 3 && std::isdigit(static_cast<unsigned char>(s[0])) &&
         std::isdigit(static_cast<unsigned char>(s[1])) && std::isdigit(static_cast<unsigned char>(s[2]));
}

}  // namespace

std::string tile_index_path(std::uint64_t n) {
  std::string out = fmt::format("{:03}", n % 1000);
  for (n /= 1000; n > 0; n /= 1000) out = fmt::format("x{:03}/", n % 1000) + out;
  return out;
}

std::string TileId::path() const {
  std::string out = entries() ? std::string("tile/entries/") : fmt::format("tile/{}/", level);
  out += tile_index_path(index);
  if (!full()) out += fmt::format(".p/{}", width);
  return out;
}

std::optional<TileId> parse_tile_path(std::string_view path) {
  const std::string_view whole = path;
  if (!path.starts_with("tile/")) return std::nullopt;
  path.remove_prefix(5);
  TileId id;
  const auto slash = path.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::string_view level = path.substr(0, slash);
  if (level == "entries") {
    id.level = TileId::kEntriesLevel;
  } else {
    const auto l = plain_decimal(level, true);
    if (!l || *l > 7) return std::nullopt;  // 256^8 leaves is beyond any uint64 index
    id.level = static_cast<int>(*l);
  }
  path.remove_prefix(slash + 1);
  if (const auto p = path.find(".p/"); p != std::string_view::npos) {
    const auto w = plain_decimal(path.substr(p + 3), false);
    if (!w || *w >= kTileWidth) return std::nullopt;
    id.width = static_cast<unsigned>(*w);
    path = path.substr(0, p);
  }
  std::uint64_t n = 0;
  bool first = true;
  while (true) {
    const auto slash2 = path.find('/');
    const std::string_view group = path.substr(0, slash2);
    if (slash2 == std::string_view::npos) {
      if (!three_digits(group)) return std::nullopt;
      n = n * 1000 + static_cast<std::uint64_t>(std::stoi(std::string(group)));
      break;
    }
    if (group.size() != 4 || group[0] != 'x' || !three_digits(group.substr(1))) return std::nullopt;
    const auto g = static_cast<std::uint64_t>(std::stoi(std::string(group.substr(1))));
    if (first && g == 0) return std::nullopt;  // no leading zero groups: one name per tile
    if (n > (UINT64_MAX - 999) / 1000) return std::nullopt;
    n = n * 1000 + g;
    first = false;
    path.remove_prefix(slash2 + 1);
  }
  id.index = n;
  if (id.path() != whole) return std::nullopt;  // one spelling per tile
  return id;
}

unsigned tile_levels(std::uint64_t size) {
  unsigned levels = 0;
  while (level_width(static_cast<int>(levels), size) > 0) ++levels;
  return levels;
}

namespace {
void add_tiles_of_level(int level, std::uint64_t old_size, std::uint64_t new_size, std::vector<TileId>& out) {
  const std::uint64_t n_old = level_width(level, old_size), n_new = level_width(level, new_size);
  if (n_new == n_old) return;
  for (std::uint64_t i = n_old / kTileWidth; i < n_new / kTileWidth; ++i) out.push_back({level, i, kTileWidth});
  if (n_new % kTileWidth != 0)
    out.push_back({level, n_new / kTileWidth, static_cast<unsigned>(n_new % kTileWidth)});
}
}  // namespace

std::vector<TileId> tiles_added(std::uint64_t old_size, std::uint64_t new_size) {
  if (old_size > new_size) throw std::invalid_argument("tiles_added: the tree cannot shrink");
  std::vector<TileId> out;
  add_tiles_of_level(TileId::kEntriesLevel, old_size, new_size, out);
  for (unsigned level = 0; level < tile_levels(new_size); ++level)
    add_tiles_of_level(static_cast<int>(level), old_size, new_size, out);
  return out;
}

std::vector<TileId> tiles_of_size(std::uint64_t size) { return tiles_added(0, size); }

TileId tile_holding(int level, std::uint64_t i, std::uint64_t size) {
  const std::uint64_t n = level_width(level, size);
  if (i >= n) throw std::invalid_argument(fmt::format("no hash {} at level {} of a tree of size {}", i, level, size));
  const std::uint64_t index = i / kTileWidth;
  const unsigned width = index < n / kTileWidth ? kTileWidth : static_cast<unsigned>(n % kTileWidth);
  return {level, index, width};
}

Bytes tile_bytes(const std::vector<Hash>& hashes) {
  Bytes out;
  out.reserve(hashes.size() * 32);
  for (const auto& h : hashes) out.insert(out.end(), h.begin(), h.end());
  return out;
}

std::optional<std::vector<Hash>> split_tile(ByteView bytes) {
  if (bytes.empty() || bytes.size() % 32 != 0 || bytes.size() > kTileWidth * 32) return std::nullopt;
  std::vector<Hash> out(bytes.size() / 32);
  for (std::size_t i = 0; i < out.size(); ++i) std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(32 * i), 32, out[i].begin());
  return out;
}

Bytes entry_bundle_bytes(const std::vector<std::string_view>& entries) {
  if (entries.size() > kTileWidth) throw std::invalid_argument("an entry bundle holds at most 256 entries");
  Bytes out;
  for (const auto e : entries) {
    if (e.size() > kMaxEntryBytes)
      throw std::invalid_argument(fmt::format("an entry of {} bytes does not fit a tiled log (at most 65535)", e.size()));
    out.push_back(static_cast<std::uint8_t>(e.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(e.size() & 0xff));
    out.insert(out.end(), e.begin(), e.end());
  }
  return out;
}

std::optional<std::vector<std::string_view>> entry_views(ByteView bytes) {
  std::vector<std::string_view> out;
  out.reserve(kTileWidth);
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    if (out.size() == kTileWidth || bytes.size() - pos < 2) return std::nullopt;
    const std::size_t len = (std::size_t{bytes[pos]} << 8) | bytes[pos + 1];
    pos += 2;
    if (bytes.size() - pos < len) return std::nullopt;
    out.emplace_back(reinterpret_cast<const char*>(bytes.data() + pos), len);
    pos += len;
  }
  return out;
}

std::optional<std::vector<std::string>> split_entry_bundle(ByteView bytes) {
  const auto views = entry_views(bytes);
  if (!views) return std::nullopt;
  return std::vector<std::string>(views->begin(), views->end());
}

// ---- TileHashReader ----------------------------------------------------------------------------

TileHashReader::TileHashReader(std::uint64_t size, TileFetchFn fetch) : size_(size), fetch_(std::move(fetch)) {}

const std::vector<Hash>& TileHashReader::tile(unsigned level, std::uint64_t index) {
  const auto key = std::make_pair(level, index);
  if (const auto it = tiles_.find(key); it != tiles_.end()) return it->second;
  const TileId id = tile_holding(static_cast<int>(level), index * kTileWidth, size_);
  const auto bytes = fetch_(id);
  if (!bytes) throw TileReadError(id, fmt::format("the tile {} is missing", id.path()));
  auto hashes = split_tile(*bytes);
  if (!hashes || hashes->size() != id.width)
    throw TileReadError(id, fmt::format("the tile {} has {} bytes, not the {} its name implies", id.path(),
                                        bytes->size(), std::size_t{id.width} * 32));
  // A full tile is vouched for by its parent hash (partial tiles were checked against the root).
  if (verifying_ && id.full() && root_of(*hashes) != hash_at(level + 1, index))
    throw TileReadError(id, fmt::format("the tile {} does not hash to the hash its parent tile holds for it; it "
                                        "was changed or damaged",
                                        id.path()));
  return tiles_.emplace(key, std::move(*hashes)).first->second;
}

Hash TileHashReader::hash_at(unsigned level, std::uint64_t j) { return tile(level, j / kTileWidth)[j % kTileWidth]; }

Hash TileHashReader::subtree_root(std::uint64_t begin, std::uint64_t end) {
  if (begin >= end || end > size_)
    throw std::invalid_argument(fmt::format("no subtree [{}, {}) in a tree of size {}", begin, end, size_));
  const std::uint64_t n = end - begin;
  if (std::has_single_bit(n) && begin % n == 0) {
    const auto height = static_cast<unsigned>(std::countr_zero(n));
    const unsigned level = height / kTileHeight;
    if (height % kTileHeight == 0) return hash_at(level, begin >> (kTileHeight * level));
  }
  // Inside a tile and along the tree's right edge the same subtrees recur in proof after proof (a
  // report asks for tens of thousands): each is hashed once, from its two halves.
  if (const auto it = inner_roots_.find({begin, end}); it != inner_roots_.end()) return it->second;
  const std::uint64_t k = std::has_single_bit(n) ? n / 2 : split_point(n);
  const Hash h = node_hash(subtree_root(begin, begin + k), subtree_root(begin + k, end));
  inner_roots_.emplace(std::pair{begin, end}, h);
  return h;
}

Hash TileHashReader::root() { return size_ == 0 ? empty_root() : subtree_root(0, size_); }

void TileHashReader::verify_against(const Hash& root) {
  tiles_.clear();
  inner_roots_.clear();
  const Hash computed = this->root();
  if (computed != root) {
    tiles_.clear();
    inner_roots_.clear();
    throw TileReadError(TileId{0, 0, kTileWidth},
                        fmt::format("the tiles lead to the root {}, not to the checkpoint's {}; a tile was changed "
                                    "or damaged",
                                    base64_encode(computed), base64_encode(root)));
  }
  verifying_ = true;
}

std::optional<std::string> TileHashReader::check_all(const Hash& root) {
  try {
    const unsigned levels = tile_levels(size_);
    for (unsigned level = 0; level + 1 < levels; ++level) {
      const std::uint64_t full = level_width(static_cast<int>(level), size_) / kTileWidth;
      for (std::uint64_t n = 0; n < full; ++n)
        if (root_of(tile(level, n)) != hash_at(level + 1, n))
          return fmt::format("the tile {} does not hash to the hash tile {} holds for it",
                             TileId{static_cast<int>(level), n, kTileWidth}.path(),
                             tile_holding(static_cast<int>(level) + 1, n, size_).path());
    }
    // Partial tiles and the top level are covered by the root.
    for (unsigned level = 0; level < levels; ++level) {
      const std::uint64_t n = level_width(static_cast<int>(level), size_);
      if (n % kTileWidth != 0) (void)tile(level, n / kTileWidth);
    }
    if (this->root() != root)
      return fmt::format("the tiles lead to the root {}, not to the checkpoint's {}", base64_encode(this->root()),
                         base64_encode(root));
  } catch (const TileReadError& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

std::optional<std::string> TileHashReader::check_entries(const TileId& bundle, ByteView bytes) {
  const auto entries = split_entry_bundle(bytes);
  if (!entries || entries->size() != bundle.width)
    return fmt::format("the entry bundle {} does not hold {} entries", bundle.path(), bundle.width);
  try {
    for (std::size_t k = 0; k < entries->size(); ++k) {
      const std::uint64_t i = bundle.index * kTileWidth + k;
      if (leaf_hash(as_bytes((*entries)[k])) != hash_at(0, i))
        return fmt::format("entry {} in the entry bundle {} does not hash to its leaf hash", i, bundle.path());
    }
  } catch (const TileReadError& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

// ---- TileBuilder -------------------------------------------------------------------------------

TileBuilder::TileBuilder(std::uint64_t start_size, std::vector<std::vector<Hash>> open_tiles)
    : size_(start_size), open_(std::move(open_tiles)) {
  const unsigned levels = tile_levels(start_size);
  if (open_.size() < levels) open_.resize(levels);
  for (unsigned level = 0; level < open_.size(); ++level)
    if (open_[level].size() != level_width(static_cast<int>(level), start_size) % kTileWidth)
      throw std::invalid_argument(fmt::format("level {} of a tree of size {} has {} hashes in its open tile, not {}",
                                              level, start_size, open_[level].size(),
                                              level_width(static_cast<int>(level), start_size) % kTileWidth));
}

void TileBuilder::push(unsigned level, const Hash& h,
                       const std::function<void(const TileId&, const std::vector<Hash>&)>& full_tile) {
  if (open_.size() <= level) open_.resize(level + 1);
  open_[level].push_back(h);
  if (open_[level].size() < kTileWidth) return;
  const std::uint64_t index = level_width(static_cast<int>(level), size_) / kTileWidth - 1;
  full_tile(TileId{static_cast<int>(level), index, kTileWidth}, open_[level]);
  const Hash up = root_of(open_[level]);
  open_[level].clear();
  push(level + 1, up, full_tile);
}

void TileBuilder::append(const Hash& leaf_hash,
                         const std::function<void(const TileId&, const std::vector<Hash>&)>& full_tile) {
  ++size_;
  push(0, leaf_hash, full_tile);
}

std::vector<std::pair<TileId, std::vector<Hash>>> TileBuilder::partial_tiles() const {
  std::vector<std::pair<TileId, std::vector<Hash>>> out;
  for (unsigned level = 0; level < open_.size(); ++level) {
    if (open_[level].empty()) continue;
    const std::uint64_t n = level_width(static_cast<int>(level), size_);
    out.emplace_back(TileId{static_cast<int>(level), n / kTileWidth, static_cast<unsigned>(open_[level].size())},
                     open_[level]);
  }
  return out;
}

}  // namespace dnswitness
