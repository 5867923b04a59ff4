#pragma once
// Reading a small input file named by the user (a config file, a domain list) safely.
//
// Role: only a regular file is read, and only up to a size limit. The file is opened non-blocking
// and checked with fstat before any read, so a folder, a FIFO with no writer, a device such as
// /dev/zero, or a file swapped for one of them after a check, is refused at once with one sentence,
// never waited on and never read without end (watch re-reads its files on SIGHUP and must never
// block). Ownership: none kept. Thread-safety: thread-safe.
#include <filesystem>
#include <string>
#include <string_view>

namespace dnswitness {

// The whole file. Throws UsageError naming `what` ("config file", "domain list") and the path
// when it does not exist, cannot be opened, is not a regular file, is larger than `max_bytes` or
// cannot be read.
std::string read_input_file(const std::filesystem::path& path, std::string_view what, long long max_bytes);

}  // namespace dnswitness
