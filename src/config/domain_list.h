#pragma once
// Domain lists: presets (data files under presets/) and --domains-file files share one format:
// one name a line, '#' starts a comment, blank lines ignored.
#include <filesystem>
#include <string>
#include <vector>

namespace dnswitness {

// Parses a domain list; every name is checked. Throws UsageError naming `source` and the line
// number of the first bad name.
std::vector<std::string> parse_domain_list(const std::string& text, const std::string& source);
// The largest domain list read (a million long names fit).
inline constexpr long long kMaxDomainListBytes = 64LL * 1024 * 1024;
// Reads and parses a domain list file: only a regular file of at most kMaxDomainListBytes
// (config/input_file.h); throws UsageError otherwise, or when it names no domain.
std::vector<std::string> read_domain_list_file(const std::filesystem::path& path);

// Where presets are looked up, in order: $DNSWITNESS_PRESETS_DIR, presets/ beside the binary
// (build tree), ../share/dnswitness/presets beside the binary (installed), the source tree.
std::vector<std::filesystem::path> preset_dirs();
std::vector<std::string> load_preset(const std::string& name);
std::vector<std::string> available_presets();

// Removes repeated names, keeping the first occurrence's position.
std::vector<std::string> unique_names(std::vector<std::string> names);

}  // namespace dnswitness
