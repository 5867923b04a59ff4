#pragma once
// OutputFile: writes a file atomically. The content goes to a temporary file beside the target,
// which replaces the target only on commit(); a failure or an early exit leaves the target as it
// was. Opening checks writability up front, so a bad path fails before any work is done.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "model/errors.h"

namespace dnswitness::cli {

class OutputFile {
 public:
  explicit OutputFile(std::filesystem::path target)
      : target_(std::move(target)), temp_(target_.string() + fmt::format(".tmp.{}", ::getpid())) {
    out_.open(temp_, std::ios::binary | std::ios::trunc);
    if (!out_) throw UsageError(fmt::format("Cannot write to {}; check that the folder exists and is writable.",
                                            target_.string()));
  }
  ~OutputFile() {
    if (!committed_) {
      out_.close();
      std::error_code ec;
      std::filesystem::remove(temp_, ec);
    }
  }
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  void write(std::string_view text) { out_.write(text.data(), static_cast<std::streamsize>(text.size())); }
  // The temporary file, flushed, for reading back what was written before commit().
  const std::filesystem::path& flushed_temp() {
    out_.flush();
    if (!out_) throw std::runtime_error(fmt::format("writing {} failed (disk full?)", target_.string()));
    return temp_;
  }
  void commit() {
    out_.flush();
    out_.close();
    if (!out_) throw std::runtime_error(fmt::format("writing {} failed (disk full?)", target_.string()));
    std::filesystem::rename(temp_, target_);
    committed_ = true;
  }

 private:
  std::filesystem::path target_;
  std::filesystem::path temp_;
  std::ofstream out_;
  bool committed_ = false;
};

}  // namespace dnswitness::cli
