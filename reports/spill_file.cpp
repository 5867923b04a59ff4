#include "reports/spill_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <vector>

#include "model/safe_file.h"

namespace dnswitness {

SpillFile::SpillFile() {
  const char* tmp = std::getenv("TMPDIR");
  folder_ = tmp != nullptr && *tmp == '/' ? tmp : "/tmp";
  std::string name = folder_ + "/dnswitness-report-part.XXXXXX";
  fd_ = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd_ < 0) fail("make a temporary file");
  ::unlink(name.c_str());
}

SpillFile::~SpillFile() {
  if (fd_ >= 0) ::close(fd_);
}

void SpillFile::fail(const char* doing) const {
  const int error = errno;
  throw FileWriteError(FileWriteError::Stage::write, error,
                       fmt::format("Cannot {} in {} for a part of the report ({}); free some space there, or set "
                                   "TMPDIR to a folder with room for it.",
                                   doing, folder_, std::strerror(error)));
}

void SpillFile::append(std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd_, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("write a temporary file");
    text.remove_prefix(static_cast<std::size_t>(n));
    size_ += static_cast<unsigned long long>(n);
  }
}

void SpillFile::replay(const std::function<void(std::string_view)>& out) const {
  std::vector<char> buf(1 << 20);
  unsigned long long at = 0;
  while (at < size_) {
    const ssize_t n = ::pread(fd_, buf.data(), buf.size(), static_cast<off_t>(at));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;  // shorter than written: someone truncated it
      fail("read back a temporary file");
    }
    out(std::string_view(buf.data(), static_cast<std::size_t>(n)));
    at += static_cast<unsigned long long>(n);
  }
}

}  // namespace dnswitness
