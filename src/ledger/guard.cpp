#include "ledger/guard.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/rand.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "crypto/encoding.h"
#include "ledger/signed_note.h"
#include "ledger/sqlite.h"
#include "timeutil/timestamp.h"

namespace dnswitness {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void guard_io_failure(const std::string& what) { throw LedgerError(LedgerError::Kind::io, what); }

// The file's bytes (at most kMaxGuardBytes + 1) and modification time; nullopt when it does not
// exist. Never follows a symlink: the guard is a regular file the store wrote itself.
std::optional<std::string> read_guard_bytes(const fs::path& file, std::string* written_at, bool* oversized) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    if (errno == ELOOP) return std::string();  // a symlink: damaged, not absent
    guard_io_failure(fmt::format("Cannot read {} ({}); check the key folder's permissions.", file.string(),
                                 std::strerror(errno)));
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0) {
    if (written_at)
      *written_at = format_rfc3339_s(UtcTime{static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000});
    if (!S_ISREG(st.st_mode)) {
      ::close(fd);
      return std::string();
    }
  }
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      guard_io_failure(fmt::format("Cannot read {} ({}); check the disk.", file.string(), std::strerror(err)));
    }
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > kMaxGuardBytes) {
      if (oversized) *oversized = true;
      break;
    }
  }
  ::close(fd);
  return out;
}

// The checkpoint text of a signed note (everything before the blank line), unverified.
std::optional<Checkpoint> guard_note_text(std::string_view note) {
  const auto blank = note.find("\n\n");
  if (blank == std::string_view::npos) return std::nullopt;
  return Checkpoint::parse(note.substr(0, blank + 1));
}

}  // namespace

GuardFile read_guard_file(const fs::path& file, const std::string& origin, const Ed25519PublicKey& key) {
  GuardFile g;
  bool oversized = false;
  auto bytes = read_guard_bytes(file, &g.written_at, &oversized);
  if (!bytes) return g;
  g.state = GuardFile::State::damaged;
  g.note = std::move(*bytes);
  if (oversized) {
    g.why = "it is larger than any checkpoint";
    return g;
  }
  if (g.note.empty()) {
    g.why = "it is empty or not a regular file";
    return g;
  }
  try {
    auto cp = open_signed_checkpoint(g.note, make_note_verifier(origin, key), &g.why);
    if (!cp) return g;
    g.head = std::move(*cp);
    g.state = GuardFile::State::valid;
  } catch (const NoteError& e) {
    g.why = e.what();
  }
  return g;
}

std::optional<Checkpoint> peek_guard_file(const fs::path& file, std::string* written_at) {
  bool oversized = false;
  const auto bytes = read_guard_bytes(file, written_at, &oversized);
  if (!bytes || oversized) return std::nullopt;
  return guard_note_text(*bytes);
}

void write_guard_file(const fs::path& file, std::string_view note) {
  const fs::path dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
  std::uint8_t rnd[6] = {};
  if (RAND_bytes(rnd, sizeof rnd) != 1) guard_io_failure("The system random generator failed; try again.");
  const fs::path tmp = dir / fmt::format(".{}.tmp-{}", file.filename().string(), hex_encode(ByteView(rnd, sizeof rnd)));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    guard_io_failure(fmt::format("Cannot create {} ({}); check the key folder's permissions and free space.",
                                 tmp.string(), std::strerror(errno)));
  int err = 0;
  for (std::size_t done = 0; err == 0 && done < note.size();) {
    const ssize_t n = ::write(fd, note.data() + done, note.size() - done);
    if (n < 0 && errno != EINTR) err = errno;
    if (n > 0) done += static_cast<std::size_t>(n);
  }
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && ::rename(tmp.c_str(), file.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    guard_io_failure(fmt::format("Cannot write {} ({}); check the key folder's permissions and free space.",
                                 file.string(), std::strerror(err)));
  }
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    const int rc = ::fsync(dfd);
    const int ferr = errno;
    ::close(dfd);
    if (rc != 0)
      guard_io_failure(fmt::format("Cannot flush the folder of {} to disk ({}); check the disk.", file.string(),
                                   std::strerror(ferr)));
  }
}

bool advance_guard_file(const fs::path& file, std::string_view note, std::uint64_t size) {
  const fs::path dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
  const int lock_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (lock_fd >= 0) {
    while (::flock(lock_fd, LOCK_EX) != 0 && errno == EINTR) {
    }
  }
  try {
    const auto current = peek_guard_file(file);
    const bool newer_on_disk = current && current->size > size;
    if (!newer_on_disk) write_guard_file(file, note);
    if (lock_fd >= 0) ::close(lock_fd);  // releases the flock
    return !newer_on_disk;
  } catch (...) {
    if (lock_fd >= 0) ::close(lock_fd);
    throw;
  }
}

std::string describe_guarded_head(const Checkpoint& head, const std::string& written_at) {
  if (written_at.empty()) return fmt::format("tree head {} (root {})", head.size, base64_encode(head.root));
  return fmt::format("tree head {} (root {}, recorded in the guard at {})", head.size, base64_encode(head.root),
                     written_at);
}

}  // namespace dnswitness
