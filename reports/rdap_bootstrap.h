#pragma once
// The IANA RDAP bootstrap registries for IP addresses (RFC 9224): which RDAP service answers for an
// address. presets/rdap/ipv4.json and ipv6.json are IANA's files, shipped and dated (their
// "publication"), so a report says which edition it relied on and never asks IANA at run time.
//
// Matching is longest prefix first (RFC 9224 §5.2: "the longest match"); the base URLs of the
// matching service are kept, https ones first (RFC 9224 §3 allows several; RFC 7481 asks clients to
// prefer HTTPS), in the file's order otherwise.
// Ownership: plain values. Thread-safety: an RdapBootstrap is immutable after loading; match() may
// be called from any thread. Loading reads files.
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dnswitness {

// One bootstrap file as read: where from, its "publication" and its prefixes.
struct RdapBootstrapFile {
  std::string source;       // the file's path, for messages and the report
  std::string description;  // IANA's "description"
  std::string publication;  // IANA's "publication" (RFC 3339), e.g. "2019-06-07T19:00:02Z"
  std::string version;      // "1.0"
};

struct RdapBootstrapMatch {
  std::string prefix;             // the matching entry as written in the file, e.g. "126.0.0.0/8"
  std::vector<std::string> urls;  // its base URLs, https first; each ends in '/'
  std::string publication;        // of the file it came from
  std::string source;
};

class RdapBootstrap {
 public:
  // Parses one file's text (either family; each entry says its own). Throws UsageError naming
  // `source` and what is wrong when it is not an RFC 9224 bootstrap file of IP prefixes.
  void add_file(std::string_view text, const std::string& source);
  // add_file for a file on disk (at most 1 MiB).
  void add_file(const std::filesystem::path& path);

  // The entry with the longest prefix that holds `address` (IPv4 or IPv6 text); nullopt when the
  // address is not one or no entry holds it (reserved and special-purpose space is in none).
  [[nodiscard]] std::optional<RdapBootstrapMatch> match(std::string_view address) const;

  [[nodiscard]] const std::vector<RdapBootstrapFile>& files() const noexcept { return files_; }
  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }

 private:
  struct Entry {
    std::uint16_t family = 1;  // 1 IPv4, 2 IPv6 (as EcsPrefix)
    std::uint8_t length = 0;
    std::array<std::uint8_t, 16> network{};
    std::string text;
    std::size_t service = 0;  // index into services_
    std::size_t file = 0;     // index into files_
  };
  std::vector<RdapBootstrapFile> files_;
  std::vector<std::vector<std::string>> services_;
  std::vector<Entry> entries_;
};

// The shipped files' names inside the presets folders (config/domain_list.h, preset_dirs()).
inline constexpr const char* kRdapBootstrapIpv4File = "rdap/ipv4.json";
inline constexpr const char* kRdapBootstrapIpv6File = "rdap/ipv6.json";

// Both shipped files from the first presets folder that has them. Throws UsageError when they are
// not installed or cannot be read.
RdapBootstrap load_shipped_rdap_bootstrap();

}  // namespace dnswitness
