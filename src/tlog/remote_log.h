#pragma once
// RemoteLog: reads a dnswitness log published as static tiles (c2sp.org/tlog-tiles), wherever a
// LogSource finds it (http(s):// prefix or folder), checking every byte up to a signed checkpoint
// before it is used; and finds its leaves by time.
//
// Role: the reading layer of `report --log URL` (issue 17, item 4). It knows tiles, checkpoints and
// leaf times, not reports.
//
// Trust: open() fetches the checkpoint (never cached) and requires a signature by the given key,
// whose name must be the checkpoint's origin. The tree's partial tiles (what its root is computed
// from) are then checked against the signed root, and every full hash tile against the hash its
// parent tile holds for it when it is first read (TileHashReader::verify_against). An entry bundle is
// checked against the level-0 hashes before any of its bytes is returned. Cached files are checked
// the same way; one that fails is removed and fetched again (stats().cache_rejected).
//
// Time search: a leaf's time is leaf_own_time_ns() (tlog/leaf_time.h): a run record's started_at,
// an observation's sent_at, and for any other leaf (events) the time of the leaf before it (a log
// that starts with such leaves: before any time). Leaves are appended in time order, so
// first_at_or_after(t) is a search over entry bundles that reads one bundle per step (its last
// leaf's time decides) and fetches only the bundles it probes: where the times at both ends of the
// range are known it guesses by them (leaves come at a steady pace), else it halves the range; at
// most about 3 log2(size / 256) + 1 reads, usually a few.
// When times are non-decreasing the answer is exact. When they are not (a run is appended when it
// finishes, so two overlapping runs, say cron and a manual run, append the later-started one's
// leaves after the earlier's; a clock set back does the same), the answer is *a* boundary: the first
// leaf at or after t within a bundle whose last time is >= t and that follows a bundle (if any)
// whose last time is < t. Leaves out of order by d can then be missed on either side of the boundary
// by at most d, where d is at most the duration of the longest run that overlapped another (plus any
// backward clock step, which watch records as a clock_step event). Callers therefore widen their
// window by kTimeSearchSlackNs on each side, then select leaves by their own times, and check
// (from the run records they read) that no run longer than the slack could reach into the window.
//
// Errors: RemoteLogError, whose kind gives the exit code: fetch (exit 1: server down, HTTP status,
// too slow or too large, or a file the checkpoint needs is missing), tampered (exit 4: a checkpoint
// not signed by the key or unparsable, a tile or bundle whose hashes do not match, naming its URL),
// usage (exit 2: an index outside the tree). The message is one plain sentence.
//
// Ownership: borrows the LogSource (which must outlive it); owns its tile reader, a few verified
// entry bundles (the last kBundleMemo), and its cache handle. Thread-safety: none; one RemoteLog per
// thread (as LogSource).
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/checkpoint.h"
#include "ledger/signed_note.h"
#include "tlog/log_source.h"
#include "tlog/tile_cache.h"
#include "tlog/tiles.h"

namespace dnswitness {

// How far callers widen a time window on each side before searching (see above): one hour, far
// longer than a run of the preset lists takes (minutes at most).
inline constexpr std::int64_t kTimeSearchSlackNs = 3'600'000'000'000;

class RemoteLogError : public std::runtime_error {
 public:
  enum class Kind { fetch, tampered, usage };
  RemoteLogError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  [[nodiscard]] Kind kind() const noexcept { return kind_; }
  // 1 for fetch, 4 for tampered, 2 for usage (the CLI's exit codes).
  [[nodiscard]] int exit_code() const noexcept;

 private:
  Kind kind_;
};

struct RemoteLogStats {
  std::uint64_t requests = 0;        // requests made to the source since open() began
  std::uint64_t bytes_fetched = 0;   // body bytes received (decoded) since open() began
  std::uint64_t cache_hits = 0;      // tiles and bundles read from the cache
  std::uint64_t cache_rejected = 0;  // cached files that did not check out, removed and fetched again
  std::uint64_t bundles_read = 0;    // entry bundles read and checked (fetched or cached)
};

struct RemoteLogOptions {
  // Root of the tile cache (default_log_cache_root() for the user's); nullopt: no cache (a log read
  // from a local folder needs none).
  std::optional<std::filesystem::path> cache_root;
};

class RemoteLog {
 public:
  static constexpr std::size_t kBundleMemo = 8;

  // Fetches and verifies the checkpoint, then checks the tree's partial tiles against its root.
  // Throws RemoteLogError.
  static std::unique_ptr<RemoteLog> open(LogSource& source, const NoteVerifier& key, RemoteLogOptions options = {});
  RemoteLog(const RemoteLog&) = delete;
  RemoteLog& operator=(const RemoteLog&) = delete;

  [[nodiscard]] const Checkpoint& checkpoint() const noexcept { return checkpoint_; }
  // The signed note exactly as served (what a report carries as evidence).
  [[nodiscard]] const std::string& signed_checkpoint() const noexcept { return note_; }
  [[nodiscard]] std::uint64_t size() const noexcept { return checkpoint_.size; }
  [[nodiscard]] LogSource& source() const noexcept { return source_; }

  // Fetches ahead, concurrently where the source can (LogSource::fetch_many), the entry bundles of
  // the leaves [first, last) and the level-0 tiles they are checked against, unless memory or the
  // cache holds them. Nothing is checked here: entries() and the tile reader check those bytes when
  // they use them, exactly as if they had fetched them then. Throws RemoteLogError (fetch).
  void prefetch(std::uint64_t first, std::uint64_t last);
  // The same for the entry bundles numbered `bundles` (any order, each < the number of bundles).
  void prefetch_bundles(const std::vector<std::uint64_t>& bundles);
  // Fetches the files `paths` of the log (run summaries: the caller checks them) and, at the same
  // time, the level-0 tiles holding `leaves` that are not held yet, kept as prefetch() keeps them.
  // Returns the files as LogSource::fetch_many does. Throws RemoteLogError (fetch).
  std::vector<std::optional<Bytes>> fetch_with_leaf_tiles(const std::vector<std::string>& paths,
                                                          const std::vector<std::uint64_t>& leaves);
  // The entries [first, last) (last <= size()), each checked against its leaf hash. Throws
  // RemoteLogError (usage for a range outside the tree).
  std::vector<std::string> entries(std::uint64_t first, std::uint64_t last);
  // One entry, checked against its leaf hash. From a bundle in the cache only that entry is hashed
  // (a report carries a few dozen leaves of a bundle); a fetched bundle is checked whole.
  std::string entry(std::uint64_t index);
  // The leaf hash of `index`, from the verified level-0 tile.
  Hash leaf_hash_at(std::uint64_t index);
  // RFC 9162 proofs to the checkpoint's size, from the verified tiles: inclusion of leaf `index`
  // (< size()), and consistency of the tree of size m (0 < m <= size()) with the checkpoint's.
  std::vector<Hash> inclusion_proof(std::uint64_t index);
  std::vector<Hash> consistency_proof(std::uint64_t m);
  // MTH of the first m leaves (0 < m <= size()): the root an older checkpoint of this log must have.
  Hash root_at(std::uint64_t m);

  // The first leaf index whose time is >= time_ns, or size() when there is none (see the header
  // comment for non-monotonic times).
  std::uint64_t first_at_or_after(std::int64_t time_ns);
  // The time of leaf `index` as the search sees it (its own, or inherited); nullopt when no leaf at
  // or before it has a time.
  std::optional<std::int64_t> time_of(std::uint64_t index);

  // Other immutable files of the log (run summaries) in the tile cache, for a caller that checks
  // them itself: the cached bytes (nullopt without a cache or a copy; counted as a cache hit), a copy
  // to keep, and one to remove because it did not check out.
  std::optional<Bytes> cached_file(const std::string& path, std::size_t limit);
  void cache_file(const std::string& path, const Bytes& bytes);
  void drop_cached_file(const std::string& path);

  [[nodiscard]] RemoteLogStats stats() const;
  // Where a tile or bundle is read from, for messages.
  [[nodiscard]] std::string url_of(const TileId& tile) const { return source_.url_of(tile.path()); }

 private:
  RemoteLog(LogSource& source, Checkpoint checkpoint, std::string note, RemoteLogOptions options);
  std::optional<Bytes> load_tile(const TileId& id);
  template <class F>
  auto with_tiles(F&& f) -> decltype(f());
  [[noreturn]] void refuse_tile(const TileReadError& e);
  Bytes fetch_required(const TileId& id);
  // fetch_many of `paths` and of the `tiles` not held yet (in memory, ahead or in the cache), which
  // go to prefetched_; returns the files of `paths`.
  std::vector<std::optional<Bytes>> fetch_ahead(std::vector<TileId> tiles, const std::vector<std::string>& paths);
  const std::vector<std::string>& bundle(std::uint64_t n);
  // Time of the last leaf of bundle n, inheriting from earlier bundles when it has no timed leaf.
  std::optional<std::int64_t> last_time_of_bundle(std::uint64_t n);
  // first_at_or_after without its memo.
  std::uint64_t search_time(std::int64_t time_ns);
  void check_range(std::uint64_t first, std::uint64_t last) const;

  LogSource& source_;
  Checkpoint checkpoint_;
  std::string note_;
  std::optional<TileCache> cache_;
  TileHashReader reader_;
  bool verified_ = false;
  std::uint64_t requests0_ = 0, bytes0_ = 0;
  RemoteLogStats stats_;
  std::set<TileId> op_from_cache_;         // tiles read from the cache in the current operation
  std::set<TileId> no_cache_;              // cached files rejected once: always fetched now
  std::map<TileId, Bytes> pending_;        // fetched in the current operation, cached when it succeeds
  std::map<TileId, Bytes> prefetched_;     // fetched ahead by prefetch(), not yet used or checked
  std::map<std::uint64_t, std::vector<std::string>> bundles_;  // verified, by bundle index
  std::vector<std::uint64_t> bundle_order_;                     // oldest first, for eviction
  // Bundles read from the cache for entry(), split but not hashed: each entry is checked as it is
  // taken. The last kBundleMemo, oldest first in cached_order_.
  struct CachedBundle {
    Bytes bytes;                           // the file as read
    std::vector<std::string_view> entries;  // into bytes
  };
  std::map<std::uint64_t, CachedBundle> cached_entries_;
  std::vector<std::uint64_t> cached_order_;
  std::map<std::uint64_t, std::optional<std::int64_t>> last_times_;  // last_time_of_bundle, memoised
  std::map<std::int64_t, std::uint64_t> first_at_;                    // first_at_or_after, memoised
};

}  // namespace dnswitness
