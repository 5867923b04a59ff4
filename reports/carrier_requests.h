#pragma once
// What each mobile carrier has been known to ask for in a request for subscriber information
// (presets/carrier-requests.json: shipped, dated, with sources), for the report's appendix. Data,
// not code: a lawyer's office corrects the file, not the program.
// Thread-safety: plain values; loading reads one file.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace dnswitness {

struct CarrierRequest {
  std::string carrier;
  std::string asks_ja;
  std::string asks_en;  // may be empty
  std::vector<std::string> sources;
};

struct CarrierRequests {
  std::string title;
  std::string as_of;  // the date the entries were taken (YYYY-MM-DD)
  std::string note;
  std::vector<CarrierRequest> carriers;
  std::string file;   // where it was read from
};

inline constexpr const char* kCarrierRequestsFile = "carrier-requests.json";
inline constexpr long long kMaxCarrierRequestsBytes = 1024 * 1024;

// Parses the file's text; throws UsageError naming `source` and what is wrong.
CarrierRequests parse_carrier_requests(const std::string& text, const std::string& source);
// The file from the preset folders (config/domain_list.h), or nullopt when none is installed.
// Throws UsageError when the file is there but cannot be read or is malformed.
std::optional<CarrierRequests> load_carrier_requests();

}  // namespace dnswitness
