#include "tlog/tile_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fmt/format.h>

#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "tlog/log_source.h"

namespace dnswitness {
namespace fs = std::filesystem;

namespace {

std::optional<fs::path> tile_cache_env_path(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  fs::path p(v);
  if (!p.is_absolute()) return std::nullopt;
  return p;
}

bool tile_cache_write_all(int fd, ByteView bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::atomic<unsigned> tile_cache_temp_counter{0};

}  // namespace

std::optional<fs::path> default_log_cache_root() {
  if (auto xdg = tile_cache_env_path("XDG_CACHE_HOME")) return *xdg / "dnswitness" / "logs";
  if (auto home = tile_cache_env_path("HOME")) return *home / ".cache" / "dnswitness" / "logs";
  return std::nullopt;
}

TileCache::TileCache(const fs::path& root, const std::string& origin)
    : folder_(root / hex_encode(sha256(as_bytes(origin)))) {}

std::optional<Bytes> TileCache::read(const TileId& tile) const { return read_path(tile.path(), fetch_limit_for(tile.path())); }

std::optional<Bytes> TileCache::read_path(const std::string& path, std::size_t limit) const {
  const fs::path p = folder_ / path;
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return std::nullopt;
  // Read straight into a buffer of the file's size (one byte more, to see a file that grew): a
  // report reads hundreds of cached bundles, and copying each through a stack buffer into a growing
  // vector cost more than reading it.
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || static_cast<std::uint64_t>(st.st_size) > limit) {
    ::close(fd);
    return std::nullopt;
  }
  Bytes out(static_cast<std::size_t>(st.st_size) + 1);
  std::size_t got = 0;
  bool ok = true;
  for (;;) {
    const ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ok = false;
      break;
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
    if (got == out.size()) {
      // Longer than when it was measured: someone is writing it, which our cache never does in place.
      ok = false;
      break;
    }
  }
  ::close(fd);
  if (!ok) return std::nullopt;
  out.resize(got);
  return out;
}

bool TileCache::write(const TileId& tile, ByteView bytes) const { return write_path(tile.path(), bytes); }

bool TileCache::write_path(const std::string& path, ByteView bytes) const {
  const fs::path target = folder_ / path;
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) return false;
  const fs::path temp = target.parent_path() /
                        fmt::format(".{}.tmp-{}-{}", target.filename().string(), ::getpid(), tile_cache_temp_counter++);
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return false;
  const bool ok = tile_cache_write_all(fd, bytes);
  if (::close(fd) != 0 || !ok) {
    fs::remove(temp, ec);
    return false;
  }
  fs::rename(temp, target, ec);
  if (ec) {
    fs::remove(temp, ec);
    return false;
  }
  return true;
}

void TileCache::remove(const TileId& tile) const { remove_path(tile.path()); }

void TileCache::remove_path(const std::string& path) const {
  std::error_code ec;
  fs::remove(folder_ / path, ec);
}

}  // namespace dnswitness
