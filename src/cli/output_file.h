#pragma once
// OutputFile: an output file of a command (--json FILE, report.json, report.sha256, the PDF,
// evidence-description.txt), written through SafeFile (model/safe_file.h): a random temporary name
// beside the target created with O_EXCL|O_NOFOLLOW, fsync, rename over the target, fsync of the
// folder. A failure or an early exit leaves the target as it was. Opening creates the temporary
// file at once, so a bad path fails (exit 2) before any work is done.
#include <filesystem>
#include <memory>
#include <string_view>

#include "model/errors.h"
#include "model/safe_file.h"

namespace dnswitness::cli {

class OutputFile {
 public:
  explicit OutputFile(std::filesystem::path target) : file_(open_output(std::move(target))) {}

  void write(std::string_view text) { file_->write(text); }
  // The temporary file, flushed, for reading back what was written before commit().
  const std::filesystem::path& flushed_temp() { return file_->flushed_temp(); }
  // The temporary file's descriptor, flushed, for a library that writes the content itself.
  int flushed_fd() { return file_->flushed_fd(); }
  void commit() { file_->commit(); }

 private:
  // A temporary file that cannot be made means the path given is wrong: the user's to fix.
  static std::unique_ptr<SafeFile> open_output(std::filesystem::path target) {
    try {
      return std::make_unique<SafeFile>(std::move(target));
    } catch (const FileWriteError& e) {
      if (e.stage() == FileWriteError::Stage::create) throw UsageError(e.what());
      throw;
    }
  }
  std::unique_ptr<SafeFile> file_;
};

}  // namespace dnswitness::cli
