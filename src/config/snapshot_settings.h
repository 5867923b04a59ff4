#pragma once
// The settings of a snapshot: what to resolve, where, and how patiently. They come from JSON
// config files (the default ones and --config, config/config_sources.h) and the command line; the
// command line wins, field by field.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tsa/tsa_settings.h"

namespace dnswitness {

// A config file that was read: the run records it, so the evidence says which settings applied.
struct SettingsFile {
  std::string path;
  std::string sha256;  // hex SHA-256 of the bytes parsed
};

struct SnapshotSettings {
  std::optional<std::string> preset;
  std::optional<std::vector<std::string>> domains;
  std::optional<std::string> domains_file;
  std::optional<std::vector<std::string>> types;
  std::optional<std::vector<std::string>> resolvers;  // "[NAME=]SPEC"
  std::optional<std::string> resolv_conf;
  std::optional<int> timeout_ms;
  std::optional<int> retries;
  std::optional<int> max_in_flight;  // "concurrency" (or "max_in_flight") in the file
  std::optional<int> edns_size;
  std::optional<std::vector<std::string>> client_subnets;  // prefixes or carrier presets
  std::optional<int> authoritative_port;  // test labs only: NS records give no port
  std::optional<std::vector<TsaServer>> tsa;           // RFC 3161 time-stamping authorities
  std::optional<std::vector<std::string>> tsa_ca;      // anchors for every TSA's certificates
  std::optional<int> tsa_timeout_s;                    // per TSA exchange (default 15)
  std::optional<std::string> ca_file;                  // extra trust anchors (DoH and TSA)
  std::optional<bool> insecure;                        // DoH certificate checks not enforced: tests only
  std::optional<std::vector<std::string>> ntp;  // NTP servers; ["none"] or [] = no clock check
  std::optional<int> qps;            // per resolver; 0 = no limit
  std::optional<std::vector<std::string>> witnesses;  // "NAME=URL+VKEY" (publish, watch --publish)
  std::optional<int> witness_timeout_s;               // per witness request (default 10)
  std::vector<SettingsFile> files;   // where the settings above came from, in the order read

  // Fields set in `over` replace those here; its files are appended (they were read later).
  void override_with(const SnapshotSettings& over);
};

// The largest config file read: a config holds a few settings; anything bigger is the wrong file.
inline constexpr long long kMaxConfigFileBytes = 1024 * 1024;

// Reads a JSON config file (and records it in `files`). Throws UsageError (one sentence naming the
// file and the problem) when it does not exist, is not a regular file (a folder, a FIFO, a device:
// refused without blocking), is larger than kMaxConfigFileBytes, cannot be read, is not JSON, has
// an unknown key or a value of the wrong type.
SnapshotSettings load_settings_file(const std::filesystem::path& path);
SnapshotSettings parse_settings_json(const nlohmann::json& j, const std::string& source);

}  // namespace dnswitness
