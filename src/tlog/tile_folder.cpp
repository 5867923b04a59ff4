#include "tlog/tile_folder.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "ledger/merkle.h"
#include "model/safe_file.h"

namespace dnswitness {
namespace {

constexpr std::uint64_t kProgressEvery = 65536;

std::string errno_text(int err) { return std::strerror(err); }

}  // namespace

KillSwitch::KillSwitch() {
  if (const char* v = std::getenv("DNSWITNESS_TEST_PUBLISH_KILL_AT"); v && *v) at_ = std::strtol(v, nullptr, 10);
}

void KillSwitch::step() {
  if (++steps_ == at_) ::raise(SIGKILL);
}

std::optional<std::string> read_small_file(const std::filesystem::path& p, std::uintmax_t limit) {
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::nullopt;
    throw PublishError(PublishError::Kind::io, fmt::format("Cannot read {} ({}).", p.string(), errno_text(errno)));
  }
  if (!S_ISREG(st.st_mode) || static_cast<std::uintmax_t>(st.st_size) > limit)
    throw PublishError(PublishError::Kind::fork,
                       fmt::format("{} is not a file this log published (not a regular file of at most {} bytes); "
                                   "the folder was changed by hand: keep it as it is and publish to a new folder.",
                                   p.string(), limit));
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  if (!in && !in.eof())
    throw PublishError(PublishError::Kind::io, fmt::format("Cannot read {}.", p.string()));
  return s.str();
}

void TileFolder::put_immutable(const std::string& rel, ByteView bytes, bool durable) {
  const std::filesystem::path p = dir_ / rel;
  if (const auto existing = read_small_file(p, kMaxBundleBytes)) {
    if (existing->size() == bytes.size() &&
        std::equal(bytes.begin(), bytes.end(), existing->begin(),
                   [](std::uint8_t a, char b) { return a == static_cast<std::uint8_t>(b); })) {
      ++counts_.files_present;
      return;
    }
    throw PublishError(PublishError::Kind::fork,
                       fmt::format("{} already exists with other bytes than this log implies: the folder holds "
                                   "another tree under this origin (a fork) or was edited. Nothing was replaced; "
                                   "keep the folder as evidence and publish to a new one.",
                                   p.string()));
  }
  write(p, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), false, durable);
}

void TileFolder::sync() {
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

void TileFolder::write(const std::filesystem::path& p, std::string_view data, bool replace, bool durable) {
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
  ++counts_.files_written;
}

// Temporary files a killed writer left in a folder this one writes to (".NAME.tmp-<16 hex>", the
// only names SafeFile gives them); the lock keeps any other writer out meanwhile.
void TileFolder::remove_stale_temporaries(const std::filesystem::path& folder) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(folder, ec)) {
    const std::string name = e.path().filename().string();
    const auto tmp = name.rfind(".tmp-");
    if (name.size() > 1 && name[0] == '.' && tmp != std::string::npos && name.size() == tmp + 5 + 16 &&
        name.find_first_not_of("0123456789abcdef", tmp + 5) == std::string::npos)
      std::filesystem::remove(e.path(), ec);
  }
}

TileFolderLock::TileFolderLock(const std::filesystem::path& dir) {
  const auto p = dir / ".publish-lock";
  fd_ = ::open(p.c_str(), O_CREAT | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd_ < 0)
    throw PublishError(PublishError::Kind::io,
                       fmt::format("Cannot open {} ({}); check that the folder is writable.", p.string(),
                                   errno_text(errno)));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd_);
    throw PublishError(PublishError::Kind::usage,
                       fmt::format("Another dnswitness process is writing {}; wait for it to finish and try again.",
                                   dir.string()));
  }
}

TileFolderLock::~TileFolderLock() { ::close(fd_); }

std::optional<Bytes> folder_tile(const std::filesystem::path& dir, const TileId& id) {
  const auto b = read_small_file(dir / id.path(), kMaxBundleBytes);
  if (!b) return std::nullopt;
  return Bytes(b->begin(), b->end());
}

void write_tiles(TileFolder& folder, const TreeHead& held_head, const TreeHead& newest, const LeafStream& leaves,
                 const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  const std::filesystem::path& dir = folder.dir();
  const std::uint64_t s0 = held_head.size;
  const std::uint64_t n = newest.size;
  // The open (incomplete) tiles of the held size: level 0 and the open entry bundle from the leaves
  // (read below); the levels above from the folder's partial tiles of that size, which are exactly
  // what its root is computed from, so they are used only once they lead to the held root
  // (recomputing them from the leaves would read up to 256^L leaf hashes per level).
  std::vector<std::vector<Hash>> open(std::max(1u, tile_levels(s0)));
  if (s0 > 0) {
    TileHashReader held(s0, [&](const TileId& id) { return folder_tile(dir, id); });
    try {
      held.verify_against(held_head.root);
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
  std::uint64_t i = b0;
  leaves(b0, n, [&](std::uint64_t index, ByteView data, const Hash& lh) {
    if (index != i) throw std::logic_error(fmt::format("write_tiles: leaf {} came where {} was due", index, i));
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
    ++i;
    if (progress && i % kProgressEvery == 0) progress(i - s0, n - s0);
  });
  if (i != n) throw std::logic_error(fmt::format("write_tiles: the leaves ended at {} before {}", i, n));
  if (!bundle.empty()) put_bundle(static_cast<unsigned>(bundle.size()));
  for (const auto& [id, hashes] : builder->partial_tiles()) put_tile(id, hashes);

  // The tiles must lead to the signed root before that checkpoint is published.
  TileHashReader check(n, [&](const TileId& id) -> std::optional<Bytes> {
    if (const auto it = written.find(id.path()); it != written.end()) return it->second;
    return folder_tile(dir, id);
  });
  try {
    if (check.root() != newest.root)
      throw PublishError(PublishError::Kind::fork,
                         fmt::format("The tiles in {} do not lead to the log's root at size {}: a tile published "
                                     "earlier was changed. The checkpoint was not replaced; keep the folder as "
                                     "evidence and publish to a new one.",
                                     dir.string(), n));
  } catch (const TileReadError& e) {
    throw PublishError(PublishError::Kind::fork,
                       fmt::format("{} in {}: the folder lost a tile published earlier. The checkpoint was not "
                                   "replaced; publish to a new folder.",
                                   e.what(), dir.string()));
  }
  if (progress && n - s0 >= kProgressEvery) progress(n - s0, n - s0);
}

}  // namespace dnswitness
