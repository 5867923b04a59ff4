#include "tlog/publish.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "crypto/encoding.h"
#include "ledger/checkpoint.h"
#include "ledger/queries.h"
#include "ledger/signed_note.h"
#include "model/printable.h"
#include "model/safe_file.h"
#include "tlog/tiles.h"
#include "dnswitness/version.h"

namespace dnswitness {

namespace {

// A published checkpoint note is a few hundred bytes; anything larger is not ours.
constexpr std::uintmax_t kMaxPublishedNoteBytes = 64 * 1024;
constexpr std::uint64_t kProgressEvery = 65536;

std::string errno_text(int err) { return std::strerror(err); }

// Tests only: DNSWITNESS_TEST_PUBLISH_KILL_AT=N sends this process SIGKILL at its Nth step (a step
// is creating a temporary file, renaming one into place, or syncing), so the crash-safety test can
// stop a real publish at exact moments instead of guessing them with timers.
class KillSwitch {
 public:
  KillSwitch() {
    if (const char* v = std::getenv("DNSWITNESS_TEST_PUBLISH_KILL_AT"); v && *v) at_ = std::strtol(v, nullptr, 10);
  }
  void step() {
    if (++steps_ == at_) ::raise(SIGKILL);
  }

 private:
  long at_ = -1;
  long steps_ = 0;
};

// The bytes of a regular file of at most `limit` bytes; nullopt when absent. Throws PublishError for
// a file that cannot be read, is not a regular file, or is too large (`what` names it in messages).
std::optional<std::string> read_small_file(const std::filesystem::path& p, std::uintmax_t limit) {
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::nullopt;
    throw PublishError(PublishError::Kind::io, fmt::format("Cannot read {} ({}).", p.string(), errno_text(errno)));
  }
  if (!S_ISREG(st.st_mode) || static_cast<std::uintmax_t>(st.st_size) > limit)
    throw PublishError(PublishError::Kind::fork,
                       fmt::format("{} is not a file this ledger published (not a regular file of at most {} bytes); "
                                   "the folder was changed by hand: keep it as it is and publish to a new folder.",
                                   p.string(), limit));
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  if (!in && !in.eof())
    throw PublishError(PublishError::Kind::io, fmt::format("Cannot read {}.", p.string()));
  return s.str();
}

// Writes the files of one publish: immutable tiles and bundles (compared, never replaced), then
// the replaceable log.json and checkpoint.
class PublishedFolder {
 public:
  PublishedFolder(std::filesystem::path dir, PublishResult& result) : dir_(std::move(dir)), result_(result) {}

  // Puts `bytes` at `rel` unless a file with exactly these bytes is there; a file with other bytes
  // is a fork. Not durable until sync().
  void put_immutable(const std::string& rel, ByteView bytes) {
    const std::filesystem::path p = dir_ / rel;
    if (const auto existing = read_small_file(p, kMaxBundleBytes)) {
      if (existing->size() == bytes.size() && std::equal(bytes.begin(), bytes.end(), existing->begin(),
                                                         [](std::uint8_t a, char b) { return a == static_cast<std::uint8_t>(b); })) {
        ++result_.files_present;
        return;
      }
      throw PublishError(PublishError::Kind::fork,
                         fmt::format("{} already exists with other bytes than this ledger implies: the folder holds "
                                     "another tree under this origin (a fork) or was edited. Nothing was replaced; "
                                     "keep the folder as evidence and publish to a new one.",
                                     p.string()));
    }
    write(p, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), false, false);
  }

  // Replaces the file at `rel`, durably (log.json, checkpoint).
  void put_replacing(const std::string& rel, std::string_view text) { write(dir_ / rel, text, true, true); }

  // Makes every file written so far durable at once (one syncfs instead of an fsync per file).
  void sync() {
    kill_.step();
    const int fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || ::syncfs(fd) != 0) {
      const int err = errno;
      if (fd >= 0) ::close(fd);
      throw PublishError(PublishError::Kind::io,
                         fmt::format("Cannot flush {} to disk ({}); the checkpoint was not replaced.", dir_.string(),
                                     errno_text(err)));
    }
    ::close(fd);
  }

 private:
  void write(const std::filesystem::path& p, std::string_view data, bool replace, bool durable) {
    const auto parent = p.parent_path();
    if (parent != made_) {
      std::error_code ec;
      std::filesystem::create_directories(parent, ec);
      if (ec)
        throw PublishError(PublishError::Kind::io,
                           fmt::format("Cannot create the folder {} ({}).", parent.string(), ec.message()));
      made_ = parent;
      if (cleaned_.insert(parent.string()).second) remove_stale_temporaries(parent);
    }
    SafeFileOptions o = SafeFileOptions::shared();
    o.replace = replace;
    o.durable = durable;
    try {
      kill_.step();
      SafeFile f(p, o);
      f.write(data);
      (void)f.flushed_fd();
      kill_.step();
      f.commit();
    } catch (const FileWriteError& e) {
      throw PublishError(PublishError::Kind::io, e.what());
    }
    ++result_.files_written;
  }

  // Temporary files a killed publish left in a folder this publish writes to (".NAME.tmp-<16 hex>",
  // the only names SafeFile gives them); the lock keeps any other publisher out meanwhile.
  static void remove_stale_temporaries(const std::filesystem::path& folder) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(folder, ec)) {
      const std::string name = e.path().filename().string();
      const auto tmp = name.rfind(".tmp-");
      if (name.size() > 1 && name[0] == '.' && tmp != std::string::npos && name.size() == tmp + 5 + 16 &&
          name.find_first_not_of("0123456789abcdef", tmp + 5) == std::string::npos)
        std::filesystem::remove(e.path(), ec);
    }
  }

  std::filesystem::path dir_;
  std::filesystem::path made_;
  std::set<std::string> cleaned_;
  PublishResult& result_;
  KillSwitch kill_;
};

// Holds an flock on <dir>/.publish-lock for the object's life.
class PublishLock {
 public:
  explicit PublishLock(const std::filesystem::path& dir) {
    const auto p = dir / ".publish-lock";
    fd_ = ::open(p.c_str(), O_CREAT | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd_ < 0)
      throw PublishError(PublishError::Kind::io,
                         fmt::format("Cannot open {} ({}); check that the folder is writable.", p.string(),
                                     errno_text(errno)));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd_);
      throw PublishError(PublishError::Kind::usage,
                         fmt::format("Another dnswitness publish is writing {}; wait for it to finish and try again.",
                                     dir.string()));
    }
  }
  ~PublishLock() { ::close(fd_); }
  PublishLock(const PublishLock&) = delete;
  PublishLock& operator=(const PublishLock&) = delete;

 private:
  int fd_ = -1;
};

// The checkpoint already published in `dir` (nullopt: none), after checking that this ledger
// signed it or extends it: its root is the ledger's root at its size.
std::optional<Checkpoint> published_checkpoint(const std::filesystem::path& dir, const std::string& origin,
                                               const NoteVerifier& verifier, LedgerReader& reader) {
  const auto file = dir / "checkpoint";
  const auto note = read_small_file(file, kMaxPublishedNoteBytes);
  if (!note) return std::nullopt;
  if (const auto nl = note->find('\n'); nl != std::string::npos && note->substr(0, nl) != origin)
    throw PublishError(PublishError::Kind::usage,
                       fmt::format("{} holds the log '{}', not this ledger's '{}'; publish each ledger to a folder "
                                   "of its own.",
                                   dir.string(), printable(note->substr(0, std::min<std::size_t>(nl, 300))), origin));
  std::string why;
  const auto cp = open_signed_checkpoint(*note, verifier, &why);
  if (!cp)
    throw PublishError(PublishError::Kind::fork,
                       fmt::format("{} is not a checkpoint signed by this ledger's key ({}): the folder was edited or "
                                   "holds another log under this origin. Keep it as evidence and publish to a new "
                                   "folder.",
                                   file.string(), why));
  const std::uint64_t size = reader.newest().size;
  if (cp->size > size)
    throw PublishError(PublishError::Kind::fork,
                       fmt::format("{} is of size {}, but the ledger has only {} leaves: the ledger was rolled back or "
                                   "replaced after it was published. Restore it from its backup instead of publishing "
                                   "a shorter tree.",
                                   file.string(), cp->size, size));
  const auto row = reader.checkpoint(cp->size);
  const Hash expected = row ? row->root : reader.subtree_root(0, cp->size);
  if (expected != cp->root)
    throw PublishError(PublishError::Kind::fork,
                       fmt::format("{} (size {}) has another root than this ledger at that size: what was published "
                                   "and the ledger have forked. Keep the folder as evidence and publish to a new "
                                   "one.",
                                   file.string(), cp->size));
  return cp;
}

// A hash tile of the folder, for a TileHashReader (which checks its size and hashes).
std::optional<Bytes> folder_tile(const std::filesystem::path& dir, const TileId& id) {
  const auto b = read_small_file(dir / id.path(), kMaxBundleBytes);
  if (!b) return std::nullopt;
  return Bytes(b->begin(), b->end());
}

}  // namespace

std::string published_log_json(const std::string& origin, const Ed25519PublicKey& key) {
  const nlohmann::json j = {
      {"format", "c2sp.org/tlog-tiles"},
      {"origin", origin},
      {"verifier_key", format_verifier_key(origin, key)},
      {"key_fingerprint_sha256", key.fingerprint()},
      {"entries", "dnswitness ledger leaves: canonical JSON, one run record then its observations (docs/ledger.md)"},
      {"tool", {{"name", "dnswitness"}, {"version", kToolVersion}}},
  };
  return j.dump(2) + "\n";
}

PublishResult publish_ledger(LedgerStore& store, const PublishOptions& options) {
  const auto key = store.bound_public_key();
  if (!key)
    throw LedgerError(LedgerError::Kind::usage,
                      fmt::format("The ledger {} has no signing key yet; run resolve-snapshot first.",
                                  store.paths().dir.string()));
  const NoteVerifier verifier = make_note_verifier(store.origin(), *key);
  LedgerReader reader(store);
  const CheckpointRow newest = reader.newest();
  {
    std::string why;
    const auto cp = open_signed_checkpoint(newest.note, verifier, &why);
    if (!cp || cp->size != newest.size || cp->root != newest.root)
      throw LedgerError(LedgerError::Kind::integrity,
                        fmt::format("the ledger's newest tree head (size {}) does not verify ({}); run verify-ledger",
                                    newest.size, why.empty() ? "it disagrees with its stored size or root" : why));
  }

  const std::filesystem::path& dir = options.dir;
  {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
      throw PublishError(PublishError::Kind::io, fmt::format("Cannot create the folder {} ({}).", dir.string(), ec.message()));
  }
  PublishLock lock(dir);
  PublishResult result;
  PublishedFolder folder(dir, result);
  const std::optional<Checkpoint> held_checkpoint = published_checkpoint(dir, store.origin(), verifier, reader);
  const std::uint64_t s0 = held_checkpoint ? held_checkpoint->size : 0;
  const std::uint64_t n = newest.size;
  result.published_size = s0;
  result.size = n;
  {
    const std::string log_json = published_log_json(store.origin(), *key);
    if (read_small_file(dir / "log.json", kMaxPublishedNoteBytes) != log_json) folder.put_replacing("log.json", log_json);
  }
  if (s0 == n) return result;

  // The open (incomplete) tiles of the published size: level 0 and the open entry bundle from the
  // ledger's leaves (read below); the levels above from the folder's partial tiles of that size,
  // which are exactly what its root is computed from, so they are used only once they lead to the
  // ledger's own root at that size (recomputing them from the ledger would read up to 256^L leaf
  // hashes per level).
  std::vector<std::vector<Hash>> open(std::max(1u, tile_levels(s0)));
  if (s0 > 0) {
    TileHashReader held(s0, [&](const TileId& id) { return folder_tile(dir, id); });
    try {
      held.verify_against(held_checkpoint->root);
      for (unsigned level = 1; level < open.size(); ++level) {
        const std::uint64_t w = s0 >> (kTileHeight * level);
        for (std::uint64_t j = w - w % kTileWidth; j < w; ++j) open[level].push_back(held.hash_at(level, j));
      }
    } catch (const TileReadError& e) {
      throw PublishError(PublishError::Kind::fork,
                         fmt::format("The published tiles of size {} in {} do not match the checkpoint ({}): the "
                                     "folder was changed. Nothing was replaced; keep it as evidence and publish to "
                                     "a new folder.",
                                     s0, dir.string(), e.what()));
    }
  }

  // What the final root check reads: the tiles written now (but the full level-0 ones, which no
  // root needs), else the folder's files.
  std::map<std::string, Bytes> written;
  const auto put_tile = [&](const TileId& id, const std::vector<Hash>& hashes) {
    Bytes b = tile_bytes(hashes);
    folder.put_immutable(id.path(), b);
    if (id.level > 0 || !id.full()) written[id.path()] = std::move(b);
  };
  std::vector<std::string> bundle;
  std::uint64_t bundle_index = 0;
  const auto put_bundle = [&](unsigned width) {
    std::vector<std::string_view> views(bundle.begin(), bundle.end());
    folder.put_immutable(TileId{TileId::kEntriesLevel, bundle_index, width}.path(), entry_bundle_bytes(views));
  };

  const std::uint64_t b0 = s0 - s0 % kTileWidth;
  bundle_index = b0 / kTileWidth;
  std::optional<TileBuilder> builder;
  if (b0 == s0) builder.emplace(s0, open);
  Stmt leaves(store.db(), "SELECT idx, hash, data FROM leaves WHERE idx >= ?1 AND idx < ?2 ORDER BY idx");
  leaves.bind(1, static_cast<std::int64_t>(b0)).bind(2, static_cast<std::int64_t>(n));
  std::uint64_t i = b0;
  for (; leaves.step("reading the leaves to publish"); ++i) {
    if (static_cast<std::uint64_t>(leaves.i64(0)) != i)
      throw LedgerError(LedgerError::Kind::integrity, fmt::format("leaf {} is missing from the ledger; run verify-ledger", i));
    const ByteView data = leaves.blob(2);
    const Hash lh = leaf_hash(data);
    const ByteView stored = leaves.blob(1);
    if (stored.size() != lh.size() || !std::equal(lh.begin(), lh.end(), stored.begin()))
      throw LedgerError(LedgerError::Kind::integrity,
                        fmt::format("leaf {}'s stored hash differs from the hash of its bytes; run verify-ledger", i));
    bundle.emplace_back(reinterpret_cast<const char*>(data.data()), data.size());
    if (i < s0) {
      open[0].push_back(lh);
      if (i + 1 == s0) builder.emplace(s0, open);
    } else {
      builder->append(lh, put_tile);
    }
    if (bundle.size() == kTileWidth) {
      put_bundle(kTileWidth);
      bundle.clear();
      ++bundle_index;
    }
    if (options.progress && (i + 1) % kProgressEvery == 0) options.progress(i + 1 - s0, n - s0);
  }
  if (i != n)
    throw LedgerError(LedgerError::Kind::integrity, fmt::format("leaf {} is missing from the ledger; run verify-ledger", i));
  if (!bundle.empty()) put_bundle(static_cast<unsigned>(bundle.size()));
  for (const auto& [id, hashes] : builder->partial_tiles()) put_tile(id, hashes);

  // The tiles must lead to the root the ledger signed before that checkpoint is published.
  TileHashReader check(n, [&](const TileId& id) -> std::optional<Bytes> {
    if (const auto it = written.find(id.path()); it != written.end()) return it->second;
    return folder_tile(dir, id);
  });
  try {
    if (check.root() != newest.root)
      throw PublishError(PublishError::Kind::fork,
                         fmt::format("The tiles in {} do not lead to the ledger's root at size {}: a tile published "
                                     "earlier was changed. The checkpoint was not replaced; keep the folder as "
                                     "evidence and publish to a new one.",
                                     dir.string(), n));
  } catch (const TileReadError& e) {
    throw PublishError(PublishError::Kind::fork,
                       fmt::format("{} in {}: the folder lost a tile published earlier. The checkpoint was not "
                                   "replaced; publish to a new folder.",
                                   e.what(), dir.string()));
  }
  if (options.progress && n - s0 >= kProgressEvery) options.progress(n - s0, n - s0);
  folder.sync();
  folder.put_replacing("checkpoint", newest.note);
  return result;
}

}  // namespace dnswitness
