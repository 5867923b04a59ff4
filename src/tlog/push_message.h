#pragma once
// The message a probe sends the collector (docs/fleet.md, "The push API"): POST /push with
//
//   {"format": "dnswitness-push/1",
//    "old": <the size the probe believes the collector holds>,
//    "proof": [<consistency proof from old to the checkpoint's size, base64 hashes>],
//    "checkpoint": "<the probe's signed checkpoint note>",
//    "entries": [<the leaves old .. size-1, base64 of their exact bytes>]}
//
// Role: the format, shared by the probe (tlog/push_client.h) and the collector (collector/push.h).
// Pure: thread-safe.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/sha256.h"

namespace dnswitness {

inline constexpr const char* kPushFormat = "dnswitness-push/1";
inline constexpr std::size_t kMaxPushBody = 32 * 1024 * 1024;
inline constexpr std::size_t kMaxPushEntries = 20000;
inline constexpr std::size_t kMaxPushProofHashes = 64;

struct PushRequest {
  std::uint64_t old_size = 0;
  std::vector<Hash> proof;
  std::string checkpoint;
  std::vector<std::string> entries;
};

// A collector's base URL as given on the command line, without trailing '/'. Throws UsageError
// ("<option> '<text>' is not a collector's URL; ...", no option for a positional argument) unless
// it is http:// or https://.
std::string collector_base_url(const std::string& text, std::string_view option = "");

// The JSON body for `request`.
std::string push_body(const PushRequest& request);
// The request in `body`; nullopt with `why` (one clause) when it is not one.
std::optional<PushRequest> parse_push(std::string_view body, std::string& why);

}  // namespace dnswitness
