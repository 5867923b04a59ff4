#pragma once
// SpillFile: text kept on disk until its turn to be written. A multi-log report makes the bundles
// of its logs at the same time, but writes them one after the other; the bundles that finish out
// of turn (about 100 MB each for a day around 20 logins) wait here instead of in memory.
//
// The file is made in $TMPDIR (else /tmp) and unlinked at once: nothing is left behind, whatever
// happens to the process. Errors: FileWriteError (Stage::write) with a sentence naming the folder.
// Ownership: owns its descriptor. Thread-safety: none (one writer, then one reader).
#include <functional>
#include <string>
#include <string_view>

namespace dnswitness {

class SpillFile {
 public:
  SpillFile();
  ~SpillFile();
  SpillFile(const SpillFile&) = delete;
  SpillFile& operator=(const SpillFile&) = delete;

  void append(std::string_view text);
  // Hands everything appended, in order, to `out` in pieces of at most 1 MiB.
  void replay(const std::function<void(std::string_view)>& out) const;

 private:
  [[noreturn]] void fail(const char* doing) const;

  std::string folder_;
  int fd_ = -1;
  unsigned long long size_ = 0;
};

}  // namespace dnswitness
