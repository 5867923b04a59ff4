#include "tlog/remote_log.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "crypto/encoding.h"
#include "ledger/merkle.h"
#include "tlog/leaf_time.h"

namespace dnswitness {

namespace {

std::string remote_text_of(const Bytes& b) { return std::string(b.begin(), b.end()); }

// `what` (a TileHashReader sentence naming `path`) with the path replaced by `url`, capitalised.
std::string remote_naming_url(std::string what, const std::string& path, const std::string& url) {
  if (const auto at = what.find(path); at != std::string::npos) what.replace(at, path.size(), url);
  if (!what.empty()) what.front() = static_cast<char>(std::toupper(static_cast<unsigned char>(what.front())));
  return what;
}

constexpr const char* kRemoteNotTheLog =
    "; the server does not serve the log its checkpoint signed (or someone changed it), so nothing from it was used.";

}  // namespace

int RemoteLogError::exit_code() const noexcept {
  switch (kind_) {
    case Kind::fetch: return 1;
    case Kind::tampered: return 4;
    case Kind::usage: return 2;
  }
  return 1;
}

std::unique_ptr<RemoteLog> RemoteLog::open(LogSource& source, const NoteVerifier& key, RemoteLogOptions options) {
  const std::uint64_t requests0 = source.requests(), bytes0 = source.bytes_received();
  const std::string url = source.url_of("checkpoint");
  std::optional<Bytes> bytes;
  try {
    bytes = source.fetch("checkpoint");
  } catch (const LogFetchError& e) {
    throw RemoteLogError(RemoteLogError::Kind::fetch, e.what());
  }
  if (!bytes)
    throw RemoteLogError(RemoteLogError::Kind::fetch,
                         fmt::format("{} is missing (HTTP 404 or no such file), so there is no log there; check the "
                                     "URL or folder given with --log.",
                                     url));
  std::string note = remote_text_of(*bytes);
  std::string why;
  auto checkpoint = open_signed_checkpoint(note, key, &why);
  if (!checkpoint)
    throw RemoteLogError(RemoteLogError::Kind::tampered,
                         fmt::format("The checkpoint at {} does not verify with the log key {} ({}); the server does "
                                     "not serve that log or someone changed it, so nothing from it was used.",
                                     url, key.name, why));
  std::unique_ptr<RemoteLog> log(new RemoteLog(source, *checkpoint, std::move(note), std::move(options)));
  log->requests0_ = requests0;
  log->bytes0_ = bytes0;
  log->with_tiles([&] {
    log->reader_.verify_against(log->checkpoint_.root);
    return 0;
  });
  log->verified_ = true;
  return log;
}

RemoteLog::RemoteLog(LogSource& source, Checkpoint checkpoint, std::string note, RemoteLogOptions options)
    : source_(source),
      checkpoint_(std::move(checkpoint)),
      note_(std::move(note)),
      reader_(checkpoint_.size, [this](const TileId& id) { return load_tile(id); }) {
  if (options.cache_root) cache_.emplace(*options.cache_root, checkpoint_.origin);
}

RemoteLogStats RemoteLog::stats() const {
  RemoteLogStats s = stats_;
  s.requests = source_.requests() - requests0_;
  s.bytes_fetched = source_.bytes_received() - bytes0_;
  return s;
}

Bytes RemoteLog::fetch_required(const TileId& id) {
  if (auto ahead = prefetched_.extract(id)) return std::move(ahead.mapped());
  std::optional<Bytes> bytes;
  try {
    bytes = source_.fetch(id.path());
  } catch (const LogFetchError& e) {
    throw RemoteLogError(RemoteLogError::Kind::fetch, e.what());
  }
  if (!bytes)
    throw RemoteLogError(RemoteLogError::Kind::fetch,
                         fmt::format("{} is missing (HTTP 404 or no such file) although the log's checkpoint needs "
                                     "it; the log is incomplete there, so try again later or tell its operator.",
                                     url_of(id)));
  return std::move(*bytes);
}

std::optional<Bytes> RemoteLog::load_tile(const TileId& id) {
  if (cache_ && !no_cache_.contains(id)) {
    if (auto cached = cache_->read(id)) {
      ++stats_.cache_hits;
      op_from_cache_.insert(id);
      return cached;
    }
  }
  Bytes bytes = fetch_required(id);
  if (cache_) pending_[id] = bytes;
  return bytes;
}

// Runs one operation on the tile reader. Tiles it fetched are cached only when it succeeds (then
// every one of them was checked). A check that fails on a tile read from the cache removes that
// file (or, while the root itself is being checked, every cached tile the check read) and runs the
// operation again with those tiles fetched; one that fails on a fetched tile refuses the log.
template <class F>
auto RemoteLog::with_tiles(F&& f) -> decltype(f()) {
  for (;;) {
    op_from_cache_.clear();
    pending_.clear();
    try {
      auto result = f();
      if (cache_)
        for (const auto& [id, bytes] : pending_) (void)cache_->write(id, bytes);
      pending_.clear();
      return result;
    } catch (const TileReadError& e) {
      pending_.clear();
      std::vector<TileId> culprits;
      if (op_from_cache_.contains(e.tile()))
        culprits.push_back(e.tile());
      else if (!verified_)
        culprits.assign(op_from_cache_.begin(), op_from_cache_.end());
      if (culprits.empty()) refuse_tile(e);
      for (const auto& id : culprits) {
        cache_->remove(id);
        no_cache_.insert(id);
        ++stats_.cache_rejected;
      }
    } catch (...) {
      pending_.clear();
      throw;
    }
  }
}

void RemoteLog::refuse_tile(const TileReadError& e) {
  if (!verified_) {
    // A tile of the wrong size names itself; a root that differs names the partial tiles it was
    // computed from.
    std::string urls;
    for (const auto& t : tiles_of_size(checkpoint_.size))
      if (!t.entries() && !t.full()) urls += (urls.empty() ? "" : ", ") + url_of(t);
    if (urls.empty()) urls = url_of(e.tile());
    if (std::string(e.what()).find(e.tile().path()) != std::string::npos)
      throw RemoteLogError(RemoteLogError::Kind::tampered,
                           remote_naming_url(e.what(), e.tile().path(), url_of(e.tile())) + kRemoteNotTheLog);
    throw RemoteLogError(RemoteLogError::Kind::tampered,
                         fmt::format("The hash tiles {} do not lead to the root of the checkpoint at {}{}", urls,
                                     source_.url_of("checkpoint"), kRemoteNotTheLog));
  }
  throw RemoteLogError(RemoteLogError::Kind::tampered,
                       remote_naming_url(e.what(), e.tile().path(), url_of(e.tile())) + kRemoteNotTheLog);
}

void RemoteLog::check_range(std::uint64_t first, std::uint64_t last) const {
  if (first > last || last > size())
    throw RemoteLogError(RemoteLogError::Kind::usage,
                         fmt::format("The entries [{}, {}) are not in the log {}, which holds {} entries; ask for "
                                     "entries below its size.",
                                     first, last, source_.location(), size()));
}

const std::vector<std::string>& RemoteLog::bundle(std::uint64_t n) {
  if (const auto it = bundles_.find(n); it != bundles_.end()) return it->second;
  const TileId id = tile_holding(TileId::kEntriesLevel, n * kTileWidth, size());
  // The level-0 tile the bundle is checked against, itself checked up to the root.
  (void)with_tiles([&] { return reader_.hash_at(0, n * kTileWidth); });
  for (;;) {
    std::optional<Bytes> bytes;
    bool cached = false;
    if (cache_ && !no_cache_.contains(id)) {
      bytes = cache_->read(id);
      cached = bytes.has_value();
      if (cached) ++stats_.cache_hits;
    }
    if (!bytes) bytes = fetch_required(id);
    if (auto problem = reader_.check_entries(id, *bytes)) {
      if (cached) {
        cache_->remove(id);
        no_cache_.insert(id);
        ++stats_.cache_rejected;
        continue;
      }
      throw RemoteLogError(RemoteLogError::Kind::tampered,
                           remote_naming_url(*problem, id.path(), url_of(id)) + kRemoteNotTheLog);
    }
    if (cache_ && !cached) (void)cache_->write(id, *bytes);
    ++stats_.bundles_read;
    auto entries = split_entry_bundle(*bytes);  // check_entries has split it once already
    if (bundle_order_.size() >= kBundleMemo) {
      bundles_.erase(bundle_order_.front());
      bundle_order_.erase(bundle_order_.begin());
    }
    bundle_order_.push_back(n);
    // Its last time, for the time search, while it is at hand (one leaf parsed, usually).
    if (!last_times_.contains(n))
      for (auto it = entries->rbegin(); it != entries->rend(); ++it)
        if (auto t = leaf_own_time_ns(*it)) {
          last_times_[n] = t;
          break;
        }
    return bundles_.emplace(n, std::move(*entries)).first->second;
  }
}

void RemoteLog::prefetch(std::uint64_t first, std::uint64_t last) {
  check_range(first, last);
  if (first == last) return;
  std::vector<std::uint64_t> bundles;
  for (std::uint64_t n = first / kTileWidth; n <= (last - 1) / kTileWidth; ++n) bundles.push_back(n);
  prefetch_bundles(bundles);
}

void RemoteLog::prefetch_bundles(const std::vector<std::uint64_t>& bundles) {
  std::vector<TileId> wanted;
  for (const std::uint64_t n : bundles) {
    check_range(n * kTileWidth, n * kTileWidth + 1);
    if (bundles_.contains(n) || cached_entries_.contains(n)) continue;
    wanted.push_back(tile_holding(0, n * kTileWidth, size()));
    wanted.push_back(tile_holding(TileId::kEntriesLevel, n * kTileWidth, size()));
  }
  (void)fetch_ahead(std::move(wanted), {});
}

std::vector<std::optional<Bytes>> RemoteLog::fetch_with_leaf_tiles(const std::vector<std::string>& paths,
                                                                 const std::vector<std::uint64_t>& leaves) {
  std::vector<TileId> wanted;
  for (const std::uint64_t i : leaves) {
    check_range(i, i + 1);
    wanted.push_back(tile_holding(0, i / kTileWidth * kTileWidth, size()));
  }
  return fetch_ahead(std::move(wanted), paths);
}

std::vector<std::optional<Bytes>> RemoteLog::fetch_ahead(std::vector<TileId> tiles,
                                                       const std::vector<std::string>& paths) {
  const auto held = [&](const TileId& id) {
    if (id.level == 0 && !id.entries() && reader_.has_tile(0, id.index)) return true;
    return prefetched_.contains(id) ||
           (cache_ && !no_cache_.contains(id) && std::filesystem::exists(cache_->file_of(id)));
  };
  std::sort(tiles.begin(), tiles.end());
  tiles.erase(std::unique(tiles.begin(), tiles.end()), tiles.end());
  std::erase_if(tiles, held);
  if (tiles.empty() && paths.empty()) return {};
  std::vector<std::string> all = paths;
  for (const auto& id : tiles) all.push_back(id.path());
  std::vector<std::optional<Bytes>> got;
  try {
    got = source_.fetch_many(all);
  } catch (const LogFetchError& e) {
    throw RemoteLogError(RemoteLogError::Kind::fetch, e.what());
  }
  // An absent tile is left to fetch_required, which says what it means.
  for (std::size_t i = 0; i < tiles.size(); ++i)
    if (auto& bytes = got[paths.size() + i]) prefetched_.emplace(tiles[i], std::move(*bytes));
  got.resize(paths.size());
  return got;
}

std::vector<std::string> RemoteLog::entries(std::uint64_t first, std::uint64_t last) {
  check_range(first, last);
  std::vector<std::string> out;
  out.reserve(last - first);
  for (std::uint64_t i = first; i < last;) {
    const std::uint64_t n = i / kTileWidth;
    const std::uint64_t end = std::min(last, (n + 1) * kTileWidth);
    const auto& b = bundle(n);
    for (; i < end; ++i) out.push_back(b[i - n * kTileWidth]);
  }
  return out;
}

std::string RemoteLog::entry(std::uint64_t index) {
  check_range(index, index + 1);
  const std::uint64_t n = index / kTileWidth, k = index % kTileWidth;
  if (const auto it = bundles_.find(n); it != bundles_.end()) return it->second[k];
  const TileId id = tile_holding(TileId::kEntriesLevel, n * kTileWidth, size());
  if (cache_ && !no_cache_.contains(id)) {
    const Hash expected = with_tiles([&] { return reader_.hash_at(0, index); });
    auto held = cached_entries_.find(n);
    if (held == cached_entries_.end()) {
      if (auto bytes = cache_->read(id)) {
        // The views point into the bytes' own buffer, which moving the vector keeps.
        CachedBundle b{std::move(*bytes), {}};
        auto views = entry_views(ByteView(b.bytes.data(), b.bytes.size()));
        if (views && views->size() == id.width) {
          b.entries = std::move(*views);
          ++stats_.cache_hits;
          ++stats_.bundles_read;
          if (cached_order_.size() >= kBundleMemo) {
            cached_entries_.erase(cached_order_.front());
            cached_order_.erase(cached_order_.begin());
          }
          cached_order_.push_back(n);
          held = cached_entries_.emplace(n, std::move(b)).first;
        }
      }
    }
    if (held != cached_entries_.end()) {
      const std::string_view e = held->second.entries[k];
      if (leaf_hash(as_bytes(e)) == expected)
        return std::string(e);
      cached_entries_.erase(held);
      std::erase(cached_order_, n);
    }
    // Not in the cache, or the cached copy does not check out: read whole below, which drops a
    // bad cached copy and fetches the bundle again.
  }
  return bundle(n)[k];
}

Hash RemoteLog::leaf_hash_at(std::uint64_t index) {
  check_range(index, index + 1);
  return with_tiles([&] { return reader_.hash_at(0, index); });
}

std::optional<Bytes> RemoteLog::cached_file(const std::string& path, std::size_t limit) {
  if (!cache_) return std::nullopt;
  auto bytes = cache_->read_path(path, limit);
  if (bytes) ++stats_.cache_hits;
  return bytes;
}

void RemoteLog::cache_file(const std::string& path, const Bytes& bytes) {
  if (cache_) (void)cache_->write_path(path, ByteView(bytes.data(), bytes.size()));
}

void RemoteLog::drop_cached_file(const std::string& path) {
  if (!cache_) return;
  cache_->remove_path(path);
  ++stats_.cache_rejected;
}

std::vector<Hash> RemoteLog::inclusion_proof(std::uint64_t index) {
  check_range(index, index + 1);
  return with_tiles([&] {
    const SubtreeRootFn subtree = [&](std::uint64_t b, std::uint64_t e) { return reader_.subtree_root(b, e); };
    return ::dnswitness::inclusion_proof(index, size(), subtree);
  });
}

std::vector<Hash> RemoteLog::consistency_proof(std::uint64_t m) {
  if (m == 0 || m > size())
    throw RemoteLogError(RemoteLogError::Kind::usage,
                         fmt::format("A consistency proof from a tree of {} entries to the log {} of {} entries does "
                                     "not exist; give a size from 1 to {}.",
                                     m, source_.location(), size(), size()));
  return with_tiles([&] {
    const SubtreeRootFn subtree = [&](std::uint64_t b, std::uint64_t e) { return reader_.subtree_root(b, e); };
    return ::dnswitness::consistency_proof(m, size(), subtree);
  });
}

Hash RemoteLog::root_at(std::uint64_t m) {
  if (m == 0 || m > size())
    throw RemoteLogError(RemoteLogError::Kind::usage,
                         fmt::format("The log {} has no tree of {} entries; give a size from 1 to {}.",
                                     source_.location(), m, size()));
  return with_tiles([&] { return reader_.subtree_root(0, m); });
}

std::optional<std::int64_t> RemoteLog::last_time_of_bundle(std::uint64_t n) {
  if (const auto it = last_times_.find(n); it != last_times_.end()) return it->second;
  std::optional<std::int64_t> found;
  // Entry by entry from the end (entry() hashes only what it returns from a cached bundle); usually
  // the last leaf has a time of its own.
  for (std::uint64_t k = n + 1; k-- > 0 && !found;) {
    const std::uint64_t first = k * kTileWidth, last = std::min(size(), first + kTileWidth);
    for (std::uint64_t i = last; i-- > first && !found;) found = leaf_own_time_ns(entry(i));
  }
  last_times_[n] = found;
  return found;
}

std::optional<std::int64_t> RemoteLog::time_of(std::uint64_t index) {
  check_range(index, index + 1);
  const std::uint64_t n = index / kTileWidth;
  {
    const auto& b = bundle(n);
    for (std::uint64_t k = index % kTileWidth + 1; k-- > 0;)
      if (auto t = leaf_own_time_ns(b[k])) return t;
  }
  return n == 0 ? std::nullopt : last_time_of_bundle(n - 1);
}

std::uint64_t RemoteLog::first_at_or_after(std::int64_t time_ns) {
  // The same time asked again (a report searches each window once per name) gets the same answer
  // without reading its bundle again.
  if (const auto it = first_at_.find(time_ns); it != first_at_.end()) return it->second;
  const std::uint64_t found = search_time(time_ns);
  first_at_.emplace(time_ns, found);
  return found;
}

std::uint64_t RemoteLog::search_time(std::int64_t time_ns) {
  const std::uint64_t bundles = (size() + kTileWidth - 1) / kTileWidth;
  // The first bundle whose last leaf's time is >= time_ns. When the search ends on bundle lo > 0,
  // it probed bundle lo - 1 and found its last time < time_ns, so the untimed leaves at the start
  // of bundle lo (which inherit that time) are before the answer.
  // Bundles probed by earlier searches narrow this one: a report searches many nearby times, and
  // each probe would read a whole bundle. With times out of order the memo may contradict itself;
  // then the whole range is searched, as without it.
  std::uint64_t lo = 0, hi = bundles;
  for (const auto& [n, t] : last_times_) {
    if (t && *t >= time_ns) hi = std::min(hi, n);
    else lo = std::max(lo, n + 1);
  }
  if (lo > hi) lo = 0, hi = bundles;
  // Leaves come at a steady pace (runs at fixed intervals), so where time_ns falls between the
  // times known at both ends of [lo, hi) is a better guess than the middle; then the bundle on the
  // other side of the guess closes the range, usually for good: two reads instead of a dozen. A
  // guess (two reads) that does not halve the range is followed by a halving step, so a log whose
  // pace changes costs at most about three times the reads of plain halving.
  const auto probe = [&](std::uint64_t n) {
    const auto t = last_time_of_bundle(n);
    const bool at_or_after = t && *t >= time_ns;
    if (at_or_after)
      hi = n;
    else
      lo = n + 1;
    return at_or_after;
  };
  // The last time of bundle n when a probe read it (and it has one).
  const auto known_time = [&](std::uint64_t n, std::int64_t& t) {
    const auto it = last_times_.find(n);
    if (it == last_times_.end() || !it->second) return false;
    t = *it->second;
    return true;
  };
  bool guess = true;
  while (lo < hi) {
    const std::uint64_t width = hi - lo;
    std::uint64_t mid = lo + width / 2;
    std::int64_t below = 0, above = 0;
    const bool guessing = guess && lo > 0 && hi < bundles && known_time(lo - 1, below) && known_time(hi, above) &&
                          above > below && time_ns > below;
    if (guessing) {
      // Bundle lo - 1 + k ends near below + k * (above - below) / (width + 1).
      const long double f = static_cast<long double>(time_ns - below) / static_cast<long double>(above - below);
      const auto k = static_cast<std::uint64_t>(std::ceil(f * static_cast<long double>(width + 1)));
      mid = std::clamp<std::uint64_t>(lo + k - 1, lo, hi - 1);
    }
    const bool after = probe(mid);
    if (guessing && lo < hi) {
      if (after && mid > lo)
        probe(mid - 1);
      else if (!after && mid + 1 < hi)
        probe(mid + 1);
    }
    guess = 2 * (hi - lo) <= width;
  }
  if (lo == bundles) return size();
  std::optional<std::int64_t> current;  // inherited: < time_ns (see above)
  for (std::uint64_t i = lo * kTileWidth; i < std::min(size(), (lo + 1) * kTileWidth); ++i) {
    if (auto t = leaf_own_time_ns(entry(i))) current = t;
    if (current && *current >= time_ns) return i;
  }
  return size();  // not reached: the bundle's last time is >= time_ns
}

}  // namespace dnswitness
