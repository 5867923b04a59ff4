#pragma once
// A folder holding a log as static tiles (c2sp.org/tlog-tiles), as its one writer sees it: files
// that are immutable once named (tiles, entry bundles, run heads), files that grow or are replaced
// (time-stamp lists, log.json, the checkpoint), the lock that keeps a second writer out, and the
// step that adds the tiles and bundles of a grown tree.
//
// Role: shared by `publish` (a ledger's folder, tlog/publish.h) and the collector (one folder per
// probe, collector/probe_tiles.h). What a folder must hold, and in which order it is made durable,
// is the caller's; this file only writes safely and refuses to replace what must never change.
//
// Crash safety: each file is written under a temporary name and renamed; sync() makes everything
// written so far durable at once, so a caller writes the checkpoint only after it.
// Ownership: TileFolder borrows the result it counts into. Thread-safety: none.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>

#include "crypto/sha256.h"
#include "model/bytes.h"
#include "tlog/tiles.h"

namespace dnswitness {

class PublishError : public std::runtime_error {
 public:
  enum class Kind {
    usage,  // the folder is not this log's (another origin), or is busy: exit 2
    fork,   // the folder holds a checkpoint or a file this log does not extend: exit 4
    io,     // cannot read or write the folder: exit 1
  };
  PublishError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  [[nodiscard]] Kind kind() const noexcept { return kind_; }

 private:
  Kind kind_;
};

// Files a write wrote, and files that were already there with the right bytes.
struct TileFolderCounts {
  std::uint64_t files_written = 0;
  std::uint64_t files_present = 0;
};

// The bytes of a regular file of at most `limit` bytes; nullopt when absent. Throws PublishError
// (fork) for something that is not a regular file or is too large, (io) when it cannot be read.
std::optional<std::string> read_small_file(const std::filesystem::path& p, std::uintmax_t limit);

// Tests only: DNSWITNESS_TEST_PUBLISH_KILL_AT=N sends this process SIGKILL at its Nth step (a step
// is creating a temporary file, renaming one into place, or syncing), so crash-safety tests can
// stop a real writer at exact moments instead of guessing them with timers.
class KillSwitch {
 public:
  KillSwitch();
  void step();

 private:
  long at_ = -1;
  long steps_ = 0;
};

class TileFolder {
 public:
  TileFolder(std::filesystem::path dir, TileFolderCounts& counts) : dir_(std::move(dir)), counts_(counts) {}

  // Puts `bytes` at `rel` unless a file with exactly these bytes is there; a file with other bytes
  // is a fork (PublishError). Not durable until sync() unless `durable`.
  void put_immutable(const std::string& rel, ByteView bytes, bool durable = false);
  // Replaces the file at `rel`, durably (log.json, checkpoint).
  void put_replacing(const std::string& rel, std::string_view text) { write(dir_ / rel, text, true, true); }
  // Replaces the file at `rel`; durable at the next sync() (lists that grow).
  void put_growing(const std::string& rel, std::string_view text) { write(dir_ / rel, text, true, false); }
  // A file this write would make that is already there with the right bytes.
  void count_present() { ++counts_.files_present; }
  [[nodiscard]] const std::filesystem::path& dir() const noexcept { return dir_; }
  // Makes every file written so far durable at once (one syncfs instead of an fsync per file).
  void sync();

 private:
  void write(const std::filesystem::path& p, std::string_view data, bool replace, bool durable);
  static void remove_stale_temporaries(const std::filesystem::path& folder);

  std::filesystem::path dir_;
  std::filesystem::path made_;
  std::set<std::string> cleaned_;
  TileFolderCounts& counts_;
  KillSwitch kill_;
};

// Holds an flock on <dir>/.publish-lock for the object's life; a second holder fails at once
// (PublishError usage).
class TileFolderLock {
 public:
  explicit TileFolderLock(const std::filesystem::path& dir);
  ~TileFolderLock();
  TileFolderLock(const TileFolderLock&) = delete;
  TileFolderLock& operator=(const TileFolderLock&) = delete;

 private:
  int fd_ = -1;
};

// A hash tile of the folder, for a TileHashReader (which checks its size and hashes).
std::optional<Bytes> folder_tile(const std::filesystem::path& dir, const TileId& id);

// Calls `leaf(index, bytes, leaf hash)` for every leaf in [from, to), in order, having checked each
// against whatever its store keeps (a stored hash, no gap); throws when it cannot.
using LeafVisitor = std::function<void(std::uint64_t, ByteView, const Hash&)>;
using LeafStream = std::function<void(std::uint64_t from, std::uint64_t to, const LeafVisitor& leaf)>;

struct TreeHead {
  std::uint64_t size = 0;
  Hash root{};
};

// Writes the tiles and entry bundles that a tree of `newest` adds to the folder's tree `held` (size
// 0: an empty folder), and checks that they lead to newest.root. The folder's partial tiles of the
// held size are read back only after they lead to held.root. Any mismatch is PublishError (fork);
// nothing is durable until folder.sync(). `progress(done, to_do)` is called now and then.
void write_tiles(TileFolder& folder, const TreeHead& held, const TreeHead& newest, const LeafStream& leaves,
                 const std::function<void(std::uint64_t, std::uint64_t)>& progress = {});

}  // namespace dnswitness
