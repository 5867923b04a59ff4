#pragma once
// TileCache: a local folder of a remote log's hash tiles and entry bundles, so that a second report
// from the same log fetches only what is new.
//
// Role: storage only, never trust. Tiles and entry bundles are immutable once named (full and
// partial alike: a partial tile of width W is the first W hashes of the later full tile), so a file
// is cached under its tile path and never needs invalidating. The checkpoint is never cached. Every
// file read back from here is checked by the caller exactly like a fetched one; a file that does not
// check out (damaged, edited, or from another log that uses the same origin) is removed with
// remove() and fetched again.
//
// Layout: <root>/<lower-case hex SHA-256 of the origin>/tile/..., with <root> by default
// $XDG_CACHE_HOME/dnswitness/logs (or ~/.cache/dnswitness/logs when XDG_CACHE_HOME is unset or not
// absolute). Files are written to a temporary name and renamed, without fsync: a file torn by a crash
// fails its check and is fetched again.
//
// Failures to read or write the cache are not errors (the cache is an optimisation): a file that
// cannot be written is simply not cached.
// Ownership: plain paths. Thread-safety: one TileCache per thread; several processes may share a
// folder (each file appears whole by rename).
#include <filesystem>
#include <optional>
#include <string>

#include "model/bytes.h"
#include "tlog/tiles.h"

namespace dnswitness {

// $XDG_CACHE_HOME/dnswitness/logs, else $HOME/.cache/dnswitness/logs; nullopt when neither variable
// gives an absolute path.
std::optional<std::filesystem::path> default_log_cache_root();

class TileCache {
 public:
  TileCache(const std::filesystem::path& root, const std::string& origin);

  // The cached bytes of `tile`, or nullopt when absent, unreadable or larger than such a file may be.
  [[nodiscard]] std::optional<Bytes> read(const TileId& tile) const;
  // Stores `bytes` (already checked by the caller) as `tile`; false when it could not.
  bool write(const TileId& tile, ByteView bytes) const;
  // Removes the cached file of `tile`, if any.
  void remove(const TileId& tile) const;
  // The same for another immutable file of the log (`path` relative to its prefix, e.g. a run
  // summary), with the caller's size limit.
  [[nodiscard]] std::optional<Bytes> read_path(const std::string& path, std::size_t limit) const;
  bool write_path(const std::string& path, ByteView bytes) const;
  void remove_path(const std::string& path) const;
  [[nodiscard]] const std::filesystem::path& folder() const noexcept { return folder_; }
  [[nodiscard]] std::filesystem::path file_of(const TileId& tile) const { return folder_ / tile.path(); }

 private:
  std::filesystem::path folder_;
};

}  // namespace dnswitness
