#include "model/safe_file.h"

#include <fcntl.h>
#include <stdio.h>  // renameat2, RENAME_NOREPLACE (glibc 2.28+)
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include <fmt/format.h>

namespace dnswitness {
namespace {

constexpr std::size_t kSafeFileBufferBytes = 64 * 1024;

// std::strerror is not thread-safe; the generic category's message is.
std::string safe_file_errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

std::string safe_file_random_hex() {
  unsigned char bytes[8] = {};
  std::size_t got = 0;
  while (got < sizeof bytes) {
    const ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw FileWriteError(FileWriteError::Stage::create, errno,
                           "The system random generator failed while naming a temporary file; try again.");
    got += static_cast<std::size_t>(n);
  }
  std::string hex;
  for (const unsigned char b : bytes) hex += fmt::format("{:02x}", b);
  return hex;
}

// Makes the rename durable. Some file systems cannot sync a folder; the file itself is synced
// already, so that is not an error.
void safe_file_sync_folder(const std::filesystem::path& file) {
  std::filesystem::path dir = file.parent_path();
  if (dir.empty()) dir = ".";
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

// rename() that fails with EEXIST when `to` exists, whatever it is (a link included).
int safe_file_rename_noreplace(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) return errno;
  // A file system without RENAME_NOREPLACE: link() never replaces either.
  if (::link(from.c_str(), to.c_str()) != 0) return errno;
  ::unlink(from.c_str());
  return 0;
}

}  // namespace

std::filesystem::path safe_file_temp_path(const std::filesystem::path& target, std::string_view random_hex) {
  return target.parent_path() / fmt::format(".{}.tmp-{}", target.filename().string(), random_hex);
}

SafeFile::SafeFile(std::filesystem::path target, SafeFileOptions options)
    : target_(std::move(target)), options_(std::move(options)) {
  if (target_.empty() || !target_.has_filename())
    throw FileWriteError(FileWriteError::Stage::create, EINVAL,
                         fmt::format("'{}' is not a file name; give the path of a file to write.", target_.string()));
  // A folder at the target's name would only fail at the rename, after all the work: say so now.
  struct stat existing {};
  if (::lstat(target_.c_str(), &existing) == 0 && S_ISDIR(existing.st_mode))
    throw FileWriteError(FileWriteError::Stage::create, EISDIR,
                         fmt::format("Cannot write to {}: it is a folder; give the path of a file.", target_.string()));
  temp_ = options_.temp_path_for_tests.empty() ? safe_file_temp_path(target_, safe_file_random_hex())
                                               : options_.temp_path_for_tests;
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, options_.mode);
  if (fd_ < 0) {
    const int err = errno;
    if (err == EEXIST || err == ELOOP)
      throw FileWriteError(FileWriteError::Stage::create, err,
                           fmt::format("Cannot write to {}: something already exists at its temporary name {} (perhaps "
                                       "a planted symbolic link, which is never written through); remove it and "
                                       "check who else can write to that folder.",
                                       target_.string(), temp_.string()));
    throw FileWriteError(FileWriteError::Stage::create, err,
                         fmt::format("Cannot write to {} ({}); check that the folder exists and is writable.",
                                     target_.string(), safe_file_errno_text(err)));
  }
  if (options_.exact_mode && ::fchmod(fd_, options_.mode) != 0) fail_write(errno, "setting the mode of");
}

SafeFile::~SafeFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !temp_.empty()) ::unlink(temp_.c_str());
}

void SafeFile::fail_write(int err, const char* doing) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(temp_.c_str());
  committed_ = true;  // nothing left to clean up
  throw FileWriteError(FileWriteError::Stage::write, err,
                       fmt::format("Failed {} {} ({}); it is unchanged, check the free space and permissions of its "
                                   "folder and try again.",
                                   doing, target_.string(), safe_file_errno_text(err)));
}

void SafeFile::write_all(const char* data, std::size_t size) {
  if (fd_ < 0) throw std::logic_error("SafeFile written after commit");
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd_, data + done, size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_write(errno, "writing");
    }
    done += static_cast<std::size_t>(n);
  }
}

void SafeFile::write(std::string_view data) {
  if (buffer_.size() + data.size() > kSafeFileBufferBytes) {
    flush();
    if (data.size() >= kSafeFileBufferBytes) {
      write_all(data.data(), data.size());
      return;
    }
  }
  buffer_.append(data);
}

void SafeFile::flush() {
  if (buffer_.empty()) return;
  write_all(buffer_.data(), buffer_.size());
  buffer_.clear();
}

const std::filesystem::path& SafeFile::flushed_temp() {
  flush();
  return temp_;
}

int SafeFile::flushed_fd() {
  flush();
  return fd_;
}

void SafeFile::commit() {
  flush();
  if (options_.durable && ::fsync(fd_) != 0) fail_write(errno, "syncing");
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(temp_.c_str());
    committed_ = true;
    throw FileWriteError(FileWriteError::Stage::write, err,
                         fmt::format("Failed writing {} ({}); it is unchanged, check the free space of its folder "
                                     "and try again.",
                                     target_.string(), safe_file_errno_text(err)));
  }
  int err = 0;
  if (options_.replace) {
    if (::rename(temp_.c_str(), target_.c_str()) != 0) err = errno;
  } else {
    err = safe_file_rename_noreplace(temp_, target_);
  }
  if (err != 0) {
    ::unlink(temp_.c_str());
    committed_ = true;
    if (err == EEXIST && !options_.replace)
      throw FileWriteError(FileWriteError::Stage::write, err,
                           fmt::format("{} already exists and is never replaced; move it away first or choose "
                                       "another path.",
                                       target_.string()));
    throw FileWriteError(FileWriteError::Stage::write, err,
                         fmt::format("Cannot put {} in place ({}); it is unchanged, check that it is not a folder "
                                     "and that its folder is writable.",
                                     target_.string(), safe_file_errno_text(err)));
  }
  committed_ = true;
  if (options_.durable) safe_file_sync_folder(target_);
}

void write_file_safely(const std::filesystem::path& target, std::string_view data, SafeFileOptions options) {
  SafeFile file(target, std::move(options));
  file.write(data);
  file.commit();
}

}  // namespace dnswitness
