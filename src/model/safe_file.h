#pragma once
// SafeFile: the one way dnswitness creates an output file (reports, --json, keys, state files).
//
// Role: write a file so that it is never seen half-written and never written through a link
// someone planted. The content goes to a new temporary file in the target's folder, named
// ".<name>.tmp-<16 random hex digits>" and created with O_CREAT|O_EXCL|O_NOFOLLOW (an existing
// file or symbolic link at that name is an error, never opened); commit() writes out, fsyncs the
// file, renames it over the target and fsyncs the folder. A SafeFile destroyed without commit()
// removes its temporary file and leaves the target as it was.
//
// The target itself may be a symbolic link: rename() replaces the link, never the file it points
// to, so a link planted at the final name cannot redirect the write either (the link is gone
// afterwards, the file it pointed to untouched).
//
// Modes: 0644 minus the umask for reports; keys ask for exact_mode (0600, fchmod'ed so the umask
// cannot change it). With replace = false the target must not exist (renameat2 RENAME_NOREPLACE,
// or link()+unlink() where the file system lacks it): a key is never replaced, even by a race.
//
// Errors throw FileWriteError with one sentence naming the target and what to do; stage() tells
// creating the temporary file (the path is wrong or not writable) from writing or replacing it.
// Ownership: owns its descriptor and, until commit(), its temporary file. Thread-safety: none.
#include <sys/types.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace dnswitness {

class FileWriteError : public std::runtime_error {
 public:
  enum class Stage { create, write };
  FileWriteError(Stage stage, int error, const std::string& what)
      : std::runtime_error(what), stage_(stage), error_(error) {}
  [[nodiscard]] Stage stage() const noexcept { return stage_; }
  // The errno behind it (EEXIST: the target exists and replace was false, or the temporary name
  // was taken).
  [[nodiscard]] int error() const noexcept { return error_; }

 private:
  Stage stage_;
  int error_;
};

struct SafeFileOptions {
  mode_t mode = 0644;
  bool exact_mode = false;  // fchmod to `mode` (keys): the umask may not add or keep bits
  bool replace = true;      // false: fail with EEXIST if the target exists
  // false: no fsync of the file or its folder; the caller makes a batch of files durable at once
  // (publish: one syncfs before its checkpoint). The rename is still atomic.
  bool durable = true;
  // Tests only: the temporary file's path instead of a random name beside the target.
  std::filesystem::path temp_path_for_tests;

  // 0644 minus the umask, replacing the target: reports, --json, state files.
  static SafeFileOptions shared() { return SafeFileOptions{}; }
  // Exactly 0600 (owner only): private keys and anything derived from them.
  static SafeFileOptions owner_only() {
    SafeFileOptions o;
    o.mode = 0600;
    o.exact_mode = true;
    return o;
  }
  SafeFileOptions& no_replace() {
    replace = false;
    return *this;
  }
};

class SafeFile {
 public:
  explicit SafeFile(std::filesystem::path target, SafeFileOptions options = {});
  ~SafeFile();
  SafeFile(const SafeFile&) = delete;
  SafeFile& operator=(const SafeFile&) = delete;

  void write(std::string_view data);
  // Everything written so far is in the temporary file, which is returned for reading back.
  const std::filesystem::path& flushed_temp();
  // The open descriptor of the temporary file, after flushing, for a library that writes itself
  // (cairo's stream callback); write to it only with ::write.
  int flushed_fd();
  // fsync, rename over the target (or link it, replace = false), fsync the folder.
  void commit();

  [[nodiscard]] const std::filesystem::path& target() const noexcept { return target_; }
  [[nodiscard]] const std::filesystem::path& temp() const noexcept { return temp_; }

 private:
  void flush();
  void write_all(const char* data, std::size_t size);
  [[noreturn]] void fail_write(int err, const char* doing);

  std::filesystem::path target_;
  std::filesystem::path temp_;
  SafeFileOptions options_;
  std::string buffer_;
  int fd_ = -1;
  bool committed_ = false;
};

// The whole of `data` into `target`, through a SafeFile.
void write_file_safely(const std::filesystem::path& target, std::string_view data, SafeFileOptions options = {});

// The temporary name a SafeFile would use for `target` with `random_hex`: ".<name>.tmp-<hex>" in
// the target's folder (exposed for tests and docs).
std::filesystem::path safe_file_temp_path(const std::filesystem::path& target, std::string_view random_hex);

}  // namespace dnswitness
