#include "config/input_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "model/errors.h"

namespace dnswitness {
namespace {

[[noreturn]] void input_file_too_large(const std::filesystem::path& path, std::string_view what, long long max_bytes) {
  throw UsageError(fmt::format("The {} {} is larger than {} KiB; check that the path names the right file.", what,
                               path.string(), max_bytes / 1024));
}

class InputFileFd {
 public:
  explicit InputFileFd(int fd) : fd_(fd) {}
  InputFileFd(const InputFileFd&) = delete;
  InputFileFd& operator=(const InputFileFd&) = delete;
  ~InputFileFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

std::string read_input_file(const std::filesystem::path& path, std::string_view what, long long max_bytes) {
  const InputFileFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR)
      throw UsageError(fmt::format("Cannot read the {} {}: it does not exist; check the path.", what, path.string()));
    throw UsageError(fmt::format("Cannot read the {} {} ({}); check the path and its permissions.", what,
                                 path.string(), std::strerror(err)));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    throw UsageError(fmt::format("Cannot read the {} {} ({}); check the path and its permissions.", what,
                                 path.string(), std::strerror(errno)));
  if (S_ISDIR(st.st_mode))
    throw UsageError(fmt::format("The {} {} is a folder; name the file itself.", what, path.string()));
  if (!S_ISREG(st.st_mode))
    throw UsageError(fmt::format("The {} {} is not a regular file (it is a {}); name a file.", what, path.string(),
                                 S_ISFIFO(st.st_mode) ? "FIFO" : S_ISSOCK(st.st_mode) ? "socket" : "device"));
  if (st.st_size > max_bytes) input_file_too_large(path, what, max_bytes);
  std::string bytes;
  bytes.reserve(static_cast<std::size_t>(st.st_size));
  char buf[16384];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      throw UsageError(fmt::format("Cannot read the {} {} ({}); check the file and the disk.", what, path.string(),
                                   std::strerror(errno)));
    }
    bytes.append(buf, static_cast<std::size_t>(n));
    if (bytes.size() > static_cast<std::size_t>(max_bytes)) input_file_too_large(path, what, max_bytes);  // it grew
  }
  return bytes;
}

}  // namespace dnswitness
