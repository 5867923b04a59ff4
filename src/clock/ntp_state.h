#pragma once
// The "not more often than every 3 minutes" rule for NTP servers (NICT asks clients not to poll
// often). The last query time of each server address is kept in a small JSON file in the ledger
// folder (ntp-state.json), so it holds across runs and across processes; the folder is locked
// (flock) while the file is read and replaced (SafeFile, never written in place), so two
// overlapping runs cannot both ask the same server.
//
// Thread-safety: none needed beyond the file lock; one object per run.
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "timeutil/timestamp.h"

namespace dnswitness {

inline constexpr std::int64_t kNtpMinIntervalNs = 180'000'000'000;  // 3 minutes

class NtpRateLimit {
 public:
  // An empty path remembers only within this process.
  explicit NtpRateLimit(std::filesystem::path state_file) : path_(std::move(state_file)) {}

  // Claims a query to `key` ("address:port") at `now`. Returns nullopt when it may be sent (the
  // time is recorded first), else the time of the earlier query less than the interval ago.
  // A state file that cannot be read or written does not stop the check: the rule then holds
  // within this process only, which is all that can be done without it.
  std::optional<UtcTime> claim(const std::string& key, UtcTime now);

 private:
  std::filesystem::path path_;
  std::map<std::string, UtcTime> memory_;
};

}  // namespace dnswitness
