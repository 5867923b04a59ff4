// Tiles (c2sp.org/tlog-tiles): names, which tiles a size has, tile and bundle bytes, roots rebuilt
// from tiles, and the tiles of a tiled log made by another implementation (Sunlight).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "crypto/encoding.h"
#include "ledger/merkle.h"
#include "support/published_log.h"
#include "tlog/tiles.h"

using namespace dnswitness;

namespace {

Hash leaf_n(std::uint64_t i) {
  const std::string e = "entry " + std::to_string(i);
  return leaf_hash(as_bytes(e));
}

// Builds every tile of a tree of `size` with TileBuilder, in two steps (to `middle`, then on from
// the partial tiles of `middle`), keeping the newest bytes of each path as a publisher would.
std::map<std::string, std::vector<Hash>> build(std::uint64_t middle, std::uint64_t size) {
  std::map<std::string, std::vector<Hash>> files;
  const auto keep = [&](const TileId& id, const std::vector<Hash>& h) { files[id.path()] = h; };
  TileBuilder first(0, {});
  for (std::uint64_t i = 0; i < middle; ++i) first.append(leaf_n(i), keep);
  std::vector<std::vector<Hash>> open;
  for (const auto& [id, h] : first.partial_tiles()) {
    keep(id, h);
    open.resize(static_cast<std::size_t>(id.level) + 1);
    open[static_cast<std::size_t>(id.level)] = h;
  }
  TileBuilder second(middle, open);
  for (std::uint64_t i = middle; i < size; ++i) second.append(leaf_n(i), keep);
  for (const auto& [id, h] : second.partial_tiles()) keep(id, h);
  return files;
}

}  // namespace

TEST_CASE("tile names follow the spec, and only the spec's spelling parses") {
  CHECK(tile_index_path(5) == "005");
  CHECK(tile_index_path(1234067) == "x001/x234/067");
  CHECK(tile_index_path(1000) == "x001/000");
  CHECK(TileId{0, 1234067, 256}.path() == "tile/0/x001/x234/067");
  CHECK(TileId{1, 1, 44}.path() == "tile/1/001.p/44");
  CHECK(TileId{TileId::kEntriesLevel, 0, 3}.path() == "tile/entries/000.p/3");
  for (const TileId id : {TileId{0, 0, 256}, TileId{3, 999, 1}, TileId{TileId::kEntriesLevel, 1234067, 255},
                          TileId{2, 1000000, 256}}) {
    const auto back = parse_tile_path(id.path());
    REQUIRE(back);
    CHECK(*back == id);
  }
  for (const char* bad : {"tile/0/5", "tile/0/x000/005", "tile/00/005", "tile/0/005.p/0", "tile/0/005.p/256",
                          "tile/0/005.p/044", "tile/entries/05", "tile/0/x1/005", "tile/0/005/", "tiles/0/005",
                          "tile/8/000", "tile/0/005.p/", "tile/-1/000"})
    CHECK_MESSAGE(!parse_tile_path(bad), bad);
}

TEST_CASE("which tiles a tree has, and which a grown tree adds") {
  CHECK(tiles_of_size(0).empty());
  CHECK(tile_levels(255) == 1);
  CHECK(tile_levels(256) == 2);
  CHECK(tile_levels(65536) == 3);
  std::vector<std::string> names;
  for (const auto& t : tiles_of_size(300)) names.push_back(t.path());
  CHECK(names == std::vector<std::string>{"tile/entries/000", "tile/entries/001.p/44", "tile/0/000",
                                          "tile/0/001.p/44", "tile/1/000.p/1"});
  names.clear();
  for (const auto& t : tiles_added(300, 512)) names.push_back(t.path());
  CHECK(names == std::vector<std::string>{"tile/entries/001", "tile/0/001", "tile/1/000.p/2"});
  CHECK(tiles_added(512, 512).empty());
  CHECK_THROWS_AS(tiles_added(2, 1), std::invalid_argument);
  CHECK(tile_holding(0, 299, 300) == TileId{0, 1, 44});
  CHECK(tile_holding(0, 255, 300) == TileId{0, 0, 256});
  CHECK(tile_holding(TileId::kEntriesLevel, 299, 300) == TileId{TileId::kEntriesLevel, 1, 44});
}

TEST_CASE("entry bundles and hash tiles round-trip, and truncated or overlong ones are refused") {
  const std::string big(65535, 'a');
  const auto b = entry_bundle_bytes({"", "abc", big});
  CHECK(b.size() == 2 + 5 + 2 + 65535);
  const auto back = split_entry_bundle(b);
  REQUIRE(back);
  CHECK(*back == std::vector<std::string>{"", "abc", big});
  CHECK_THROWS_AS(entry_bundle_bytes({std::string(65536, 'a')}), std::invalid_argument);
  Bytes cut(b.begin(), b.end() - 1);
  CHECK(!split_entry_bundle(cut));
  CHECK(!split_entry_bundle(Bytes{0x00}));
  Bytes many;
  for (int i = 0; i < 257; ++i) many.insert(many.end(), {0x00, 0x00});
  CHECK(!split_entry_bundle(many));

  const std::vector<Hash> hashes = {leaf_n(0), leaf_n(1)};
  CHECK(split_tile(tile_bytes(hashes)) == hashes);
  CHECK(!split_tile(Bytes{}));
  CHECK(!split_tile(Bytes(33, 0)));
  CHECK(!split_tile(Bytes(257 * 32, 0)));
}

TEST_CASE("tiles built incrementally equal tiles built at once, and rebuild every root and proof") {
  for (const auto& [middle, size] : std::vector<std::pair<std::uint64_t, std::uint64_t>>{
           {0, 1}, {1, 2}, {100, 256}, {256, 257}, {255, 70000}, {65535, 65537}, {300, 300}, {70000, 131073}}) {
    CAPTURE(middle);
    CAPTURE(size);
    const auto files = build(middle, size);
    const auto once = build(size, size);
    // A publisher writes partial tiles of the middle size that the final size supersedes; what the
    // final size names must be identical either way.
    std::vector<std::string> expected;
    for (const auto& t : tiles_of_size(size))
      if (!t.entries()) expected.push_back(t.path());
    for (const auto& p : expected) {
      REQUIRE(files.count(p) == 1);
      REQUIRE(once.count(p) == 1);
      CHECK(files.at(p) == once.at(p));
    }
    TileHashReader reader(size, [&](const TileId& id) -> std::optional<Bytes> {
      const auto it = once.find(id.path());
      if (it == once.end()) return std::nullopt;
      return tile_bytes(it->second);
    });
    std::vector<Hash> leaves;
    for (std::uint64_t i = 0; i < size; ++i) leaves.push_back(leaf_n(i));
    CHECK(reader.root() == root_of(leaves));
    const std::uint64_t probe = size / 3;
    const auto proof = inclusion_proof(probe, size, [&](std::uint64_t b, std::uint64_t e) { return reader.subtree_root(b, e); });
    CHECK(verify_inclusion(leaves[probe], probe, size, proof, root_of(leaves)));
    if (middle > 0 && middle < size) {
      const auto c = consistency_proof(middle, size, [&](std::uint64_t b, std::uint64_t e) { return reader.subtree_root(b, e); });
      CHECK(verify_consistency(middle, size, root_of(std::span<const Hash>(leaves.data(), middle)), root_of(leaves), c));
    }
  }
}

TEST_CASE("a missing or wrong-sized tile is named") {
  TileHashReader reader(300, [](const TileId& id) -> std::optional<Bytes> {
    if (id.level == 1) return std::nullopt;
    return Bytes(std::size_t{id.width} * 32 - (id.full() ? 0 : 1), 0);
  });
  try {
    reader.subtree_root(0, 300);
    FAIL("no error");
  } catch (const TileReadError& e) {
    CHECK(e.tile() == TileId{0, 1, 44});
    CHECK(std::string(e.what()) == "the tile tile/0/001.p/44 has 1407 bytes, not the 1408 its name implies");
  }
  try {
    reader.hash_at(1, 0);
    FAIL("no error");
  } catch (const TileReadError& e) {
    CHECK(std::string(e.what()) == "the tile tile/1/000.p/1 is missing");
  }
}

TEST_CASE("the Sunlight log's tiles rehash to its checkpoint's root, and any flipped byte breaks that") {
  const std::filesystem::path dir = std::filesystem::path(DNSWITNESS_SHARED_TESTDATA) / "sunlight" / "mirror";
  std::map<std::string, Bytes> files;
  for (const auto& t : tiles_of_size(300)) {
    if (t.entries()) continue;
    const auto b = dnswitness::test::read_published_file(dir / t.path());
    REQUIRE_MESSAGE(b, t.path());
    files[t.path()] = *b;
  }
  const auto root = base64_decode("gw31yQrqZZCcEOPrzX+bpy3nJ6QgngTKn8G1m0i62uU=");
  REQUIRE(root);
  const auto root_with = [&](const std::map<std::string, Bytes>& f) {
    TileHashReader reader(300, [&](const TileId& id) -> std::optional<Bytes> { return f.at(id.path()); });
    const Hash h = reader.root();
    return Bytes(h.begin(), h.end());
  };
  CHECK(root_with(files) == *root);
  const auto check_with = [&](const std::map<std::string, Bytes>& f) {
    TileHashReader reader(300, [&](const TileId& id) -> std::optional<Bytes> { return f.at(id.path()); });
    Hash r{};
    std::copy(root->begin(), root->end(), r.begin());
    return reader.check_all(r);
  };
  CHECK(check_with(files) == std::nullopt);
  // Level 1's one hash is the root of the first full level-0 tile.
  CHECK(*split_tile(files.at("tile/1/000.p/1")) == std::vector<Hash>{root_of(*split_tile(files.at("tile/0/000")))});
  // The root of 300 is built from the level-1 hash and the partial level-0 tile; the full level-0
  // tile is vouched for by its parent hash, which check_all compares.
  for (const std::string path : {"tile/0/000", "tile/0/001.p/44", "tile/1/000.p/1"}) {
    for (std::size_t pos = 0; pos < files.at(path).size(); pos += 29) {
      auto changed = files;
      changed[path][pos] ^= 0x01;
      const auto problem = check_with(changed);
      REQUIRE_MESSAGE(problem, path << " byte " << pos);
      if (path == "tile/0/000") {
        CHECK(*problem == "the tile tile/0/000 does not hash to the hash tile tile/1/000.p/1 holds for it");
        CHECK(root_with(changed) == *root);  // what a proof-only reader would not notice
      } else {
        CHECK(root_with(changed) != *root);
      }
    }
  }
}

TEST_CASE("a reader verifying against the root refuses a changed tile before using any of its hashes") {
  const std::uint64_t size = 70000;
  auto files = build(size, size);
  std::vector<Hash> leaves;
  for (std::uint64_t i = 0; i < size; ++i) leaves.push_back(leaf_n(i));
  const Hash root = root_of(leaves);
  const auto reader_of = [&](const std::map<std::string, std::vector<Hash>>& f) {
    return TileHashReader(size, [&f](const TileId& id) -> std::optional<Bytes> { return tile_bytes(f.at(id.path())); });
  };
  {
    auto reader = reader_of(files);
    reader.verify_against(root);
    CHECK(reader.hash_at(0, 12345) == leaves[12345]);
    const auto proof = inclusion_proof(777, size, [&](std::uint64_t b, std::uint64_t e) { return reader.subtree_root(b, e); });
    CHECK(verify_inclusion(leaves[777], 777, size, proof, root));
  }
  // A full level-0 tile: only noticed when it is read, and then refused.
  files["tile/0/048"][3][0] ^= 0x01;
  {
    auto reader = reader_of(files);
    reader.verify_against(root);
    CHECK(reader.hash_at(0, 47 * 256) == leaves[47 * 256]);
    try {
      (void)reader.hash_at(0, 48 * 256 + 3);
      FAIL("no error");
    } catch (const TileReadError& e) {
      CHECK(e.tile() == TileId{0, 48, 256});
    }
  }
  // A partial tile: the root no longer matches.
  files["tile/0/048"][3][0] ^= 0x01;
  files["tile/0/273.p/112"][0][5] ^= 0x80;
  auto reader = reader_of(files);
  CHECK_THROWS_AS(reader.verify_against(root), TileReadError);
}
