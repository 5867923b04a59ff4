#pragma once
// Test support: a log published as static tiles (c2sp.org/tlog-tiles), written straight from a list
// of entries with TileBuilder and a test key, the way a publisher lays it out: every hash tile (full
// and partial), every entry bundle, log.json and the signed checkpoint, written last.
//
// The same helper makes the logs a mirror must refuse: a rewound log (a smaller size, same key) and
// a forked one (same key, other entries). Header-only.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ledger/checkpoint.h"
#include "ledger/merkle.h"
#include "tlog/tiles.h"

namespace dnswitness::test {

class TiledLog {
 public:
  explicit TiledLog(std::string origin = "log.test.example/mirror", std::uint8_t seed = 42)
      : origin_(std::move(origin)), key_(Ed25519PrivateKey::from_seed(Bytes(32, seed))) {}

  [[nodiscard]] std::string verifier_key() const { return format_verifier_key(origin_, key_.public_key()); }
  [[nodiscard]] const std::string& origin() const { return origin_; }

  // The i-th entry of the log named `variant` (another variant makes another tree under one key).
  static std::string entry(std::uint64_t i, const std::string& variant = "") {
    return fmt::format(R"({{"index":{},"note":"observation{} {} of the test log, padded to compress well: {}"}})", i,
                       variant, i, std::string(40 + i % 50, 'x'));
  }

  // Writes the first `size` entries of `variant` as a tiled log into `dir` (created if needed).
  // Existing files of the same names are replaced; others are left (as an incremental publish does).
  // Returns the signed checkpoint.
  std::string publish(const std::filesystem::path& dir, std::uint64_t size, const std::string& variant = "") const {
    std::vector<std::string> entries;
    for (std::uint64_t i = 0; i < size; ++i) entries.push_back(entry(i, variant));
    return publish_entries(dir, entries);
  }

  std::string publish_entries(const std::filesystem::path& dir, const std::vector<std::string>& entries) const {
    TileBuilder builder(0, {});
    const auto put = [&](const TileId& id, const Bytes& bytes) {
      const auto path = dir / id.path();
      std::filesystem::create_directories(path.parent_path());
      std::ofstream(path, std::ios::binary | std::ios::trunc)
          .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    };
    for (const auto& e : entries)
      builder.append(leaf_hash(as_bytes(e)), [&](const TileId& id, const std::vector<Hash>& h) { put(id, tile_bytes(h)); });
    for (const auto& [id, h] : builder.partial_tiles()) put(id, tile_bytes(h));
    for (std::size_t first = 0; first < entries.size(); first += kTileWidth) {
      std::vector<std::string_view> bundle;
      for (std::size_t i = first; i < entries.size() && i < first + kTileWidth; ++i) bundle.push_back(entries[i]);
      put(TileId{TileId::kEntriesLevel, first / kTileWidth, static_cast<unsigned>(bundle.size())},
          entry_bundle_bytes(bundle));
    }
    std::vector<Hash> leaves;
    for (const auto& e : entries) leaves.push_back(leaf_hash(as_bytes(e)));
    const std::string note = sign_checkpoint(Checkpoint{origin_, entries.size(), root_of(leaves)}, key_);
    nlohmann::ordered_json j;
    j["origin"] = origin_;
    j["verifier_key"] = verifier_key();
    j["tool"] = {{"name", "dnswitness-test"}};
    std::ofstream(dir / "log.json", std::ios::trunc) << j.dump(2) << "\n";
    std::ofstream(dir / "checkpoint", std::ios::binary | std::ios::trunc) << note;
    return note;
  }

 private:
  std::string origin_;
  Ed25519PrivateKey key_;
};

}  // namespace dnswitness::test
