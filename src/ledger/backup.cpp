#include "ledger/backup.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <set>
#include <thread>

namespace dnswitness {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail_io(const std::string& message) { throw LedgerError(LedgerError::Kind::io, message); }

// What this call created, removed again (newest first) unless the copy completes. fs::remove
// leaves a folder alone unless it is empty, so nothing that was there before can go.
class CreatedFiles {
 public:
  CreatedFiles() = default;
  CreatedFiles(const CreatedFiles&) = delete;
  CreatedFiles& operator=(const CreatedFiles&) = delete;
  ~CreatedFiles() {
    for (auto it = made_.rbegin(); it != made_.rend(); ++it) {
      std::error_code ec;
      fs::remove(*it, ec);
    }
  }
  void add(const fs::path& p) { made_.push_back(p); }
  void keep() { made_.clear(); }

 private:
  std::vector<fs::path> made_;
};

fs::path resolved(const fs::path& p) {
  std::error_code ec;
  fs::path out = fs::weakly_canonical(fs::absolute(p), ec);
  return ec ? fs::absolute(p).lexically_normal() : out;
}

// True when `inner` is `outer` or lies inside it (symbolic links resolved as far as they exist).
bool inside(const fs::path& inner, const fs::path& outer) {
  const fs::path a = resolved(inner);
  const fs::path b = resolved(outer);
  auto ai = a.begin();
  for (const auto& part : b) {
    if (part.empty()) continue;  // a trailing separator
    if (ai == a.end() || *ai != part) return false;
    ++ai;
  }
  return true;
}

void check_target(const LedgerPaths& from, const fs::path& to) {
  if (inside(to, from.dir))
    throw LedgerError(LedgerError::Kind::usage,
                      fmt::format("The backup folder {} is inside the ledger folder {}; choose a folder outside it "
                                  "(best on another disk), since a copy inside the ledger is lost with it.",
                                  to.string(), from.dir.string()));
  std::error_code ec;
  if (!fs::exists(to, ec)) return;
  if (!fs::is_directory(to, ec) || !fs::is_empty(to, ec))
    throw LedgerError(LedgerError::Kind::usage,
                      fmt::format("{} already exists and is not an empty folder; a backup never overwrites anything, "
                                  "so name a new folder.",
                                  to.string()));
}

// Creates `dir` and any missing parents; `dir` itself gets mode 0700 (it will hold the private key).
void make_folder(const fs::path& dir, CreatedFiles& created) {
  std::vector<fs::path> missing;
  std::error_code ec;
  for (fs::path p = fs::absolute(dir).lexically_normal(); !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
    if (p == p.parent_path()) break;
    if (p.has_filename()) missing.push_back(p);  // "/a/b/" is the same folder as "/a/b"
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (!fs::create_directory(*it, ec) && ec)
      fail_io(fmt::format("Cannot create the folder {} ({}); check the path and its permissions.", it->string(),
                          ec.message()));
    created.add(*it);
  }
  fs::permissions(dir, fs::perms::owner_all, ec);
}

std::string read_key_file(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail_io(fmt::format("Cannot read {} ({}); check its permissions.", path.string(), std::strerror(errno)));
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      fail_io(fmt::format("Cannot read {} ({}); check the disk.", path.string(), std::strerror(err)));
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

// Writes a new file readable by its owner only (O_EXCL: never replaces one) and syncs it. Returns
// false when the file system cannot hold the mode 0600 (e.g. a FAT-formatted stick).
bool write_private_file(const fs::path& path, const std::string& data, CreatedFiles& created) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    fail_io(fmt::format("Cannot create {} ({}); check the backup folder's permissions.", path.string(),
                        std::strerror(errno)));
  created.add(path);
  const bool mode_ok = ::fchmod(fd, 0600) == 0;  // the umask may have removed bits the owner needs
  int err = 0;
  for (std::size_t done = 0; err == 0 && done < data.size();) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno != EINTR) err = errno;
    if (n > 0) done += static_cast<std::size_t>(n);
  }
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err != 0)
    fail_io(fmt::format("Cannot write {} ({}); check the free space of the backup disk.", path.string(),
                        std::strerror(err)));
  return mode_ok;
}

// Makes new entries of `dir` durable. Some file systems cannot sync a folder; the files themselves
// are synced already, so that is not an error.
void sync_folder(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

class Backup {
 public:
  Backup(Db& dest, Db& src) : handle_(sqlite3_backup_init(dest.get(), "main", src.get(), "main")) {
    if (!handle_) dest.fail(sqlite3_errcode(dest.get()), "starting the copy of the ledger");
  }
  Backup(const Backup&) = delete;
  Backup& operator=(const Backup&) = delete;
  ~Backup() { finish(); }
  int step() { return sqlite3_backup_step(handle_, -1); }
  int finish() {
    const int rc = handle_ ? sqlite3_backup_finish(handle_) : SQLITE_OK;
    handle_ = nullptr;
    return rc;
  }

 private:
  sqlite3_backup* handle_;
};

void copy_database(const fs::path& source, const fs::path& dest_path, int busy_timeout_ms) {
  Db src(source, true, false);
  sqlite3_busy_timeout(src.get(), busy_timeout_ms);
  Db dest(dest_path, false, true);
  {
    Backup backup(dest, src);
    // All pages in one step: one read transaction on the source, hence one consistent snapshot.
    // Copying in slices would let every commit by `watch` restart the copy, possibly forever.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_timeout_ms);
    int rc = backup.step();
    while ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      rc = backup.step();
    }
    const int finished = backup.finish();
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) src.fail(rc, "copying the ledger");
    if (rc != SQLITE_DONE) dest.fail(finished != SQLITE_OK ? finished : rc, "copying the ledger");
  }
  // A copy of a WAL database is a WAL database, which cannot be opened from read-only media
  // without its -shm file. The rollback journal makes it one plain file; a run appended to a
  // restored copy switches it back to WAL.
  dest.exec("PRAGMA journal_mode=DELETE");
}

}  // namespace

LedgerCopy copy_ledger(const LedgerPaths& from, const std::filesystem::path& to, int busy_timeout_ms) {
  std::error_code ec;
  if (!fs::exists(from.database(), ec))
    fail_io(fmt::format("There is no ledger at {} (no ledger.sqlite); pass --ledger with the folder that holds it.",
                        from.dir.string()));
  check_target(from, to);

  CreatedFiles created;
  make_folder(to, created);
  LedgerCopy copy;
  copy.dir = to;
  const LedgerPaths dest{to};

  // Under a temporary name until complete, so an interrupted copy never looks like a ledger.
  fs::path partial = dest.database();
  partial += ".partial";
  fs::path partial_journal = partial;
  partial_journal += "-journal";
  created.add(partial_journal);
  created.add(partial);
  // The tree-head guard (ledger/guard.h) is read BEFORE the database is copied: it is written after
  // each commit, so this copy is never newer than the database copy, and a restore of the backup
  // finds the database equal to it or ahead of it (accepted), never behind (refused as a fork).
  std::optional<std::string> guard_bytes;
  if (std::error_code gec; fs::is_regular_file(from.checkpoint_guard(), gec))
    guard_bytes = read_key_file(from.checkpoint_guard());
  copy_database(from.database(), partial, busy_timeout_ms);
  fs::rename(partial, dest.database(), ec);
  if (ec)
    fail_io(fmt::format("Cannot rename {} to ledger.sqlite ({}); check the backup folder.", partial.string(),
                        ec.message()));
  created.add(dest.database());

  if (fs::is_directory(from.keys_dir(), ec)) {
    make_folder(dest.keys_dir(), created);
    for (const auto& entry : fs::directory_iterator(from.keys_dir(), ec)) {
      std::error_code type_ec;
      if (!entry.is_regular_file(type_ec)) continue;
      const std::string name = entry.path().filename().string();
      const bool is_guard = entry.path().filename() == from.checkpoint_guard().filename();
      if (is_guard && !guard_bytes) continue;  // appeared during the copy: newer than the database copy
      if (!write_private_file(dest.keys_dir() / name, is_guard ? *guard_bytes : read_key_file(entry.path()), created))
        copy.warnings.push_back(fmt::format("the file system of {} cannot restrict {} to its owner (mode 0600); keep "
                                            "that disk locked away",
                                            to.string(), name));
      copy.key_files.push_back(name);
    }
    if (ec)
      fail_io(fmt::format("Cannot list {} ({}); check its permissions.", from.keys_dir().string(), ec.message()));
    std::sort(copy.key_files.begin(), copy.key_files.end());
    sync_folder(dest.keys_dir());
  }
  sync_folder(to);

  const std::set<std::string> ledger_files = {"ledger.sqlite", "ledger.sqlite-wal", "ledger.sqlite-shm", "keys"};
  for (const auto& entry : fs::directory_iterator(from.dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!ledger_files.count(name)) copy.left_out.push_back(name);
  }
  std::sort(copy.left_out.begin(), copy.left_out.end());
  created.keep();
  return copy;
}

}  // namespace dnswitness
