#include "config/snapshot_settings.h"

#include <fmt/format.h>

#include <set>

#include "config/input_file.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "model/errors.h"

namespace dnswitness {
namespace {

template <typename T>
void take(std::optional<T>& field, const std::optional<T>& value) {
  if (value) field = value;
}

std::vector<std::string> string_list(const nlohmann::json& v, const std::string& key, const std::string& source) {
  std::vector<std::string> out;
  if (!v.is_array()) throw UsageError(fmt::format("In {}, '{}' must be a list of strings.", source, key));
  for (const auto& item : v) {
    if (!item.is_string()) throw UsageError(fmt::format("In {}, '{}' must be a list of strings.", source, key));
    out.push_back(item.get<std::string>());
  }
  return out;
}

// An empty list of what to resolve, or whom to ask, is a slip (a list emptied by a script): it must
// not fall back to the preset or the default resolvers, which would record something else.
std::vector<std::string> non_empty_list(const nlohmann::json& v, const std::string& key, const std::string& source) {
  auto out = string_list(v, key, source);
  if (out.empty())
    throw UsageError(fmt::format("In {}, '{}' is an empty list; give at least one, or leave the setting out to use "
                                 "the default.",
                                 source, key));
  return out;
}

int bounded_int(const nlohmann::json& v, const std::string& key, const std::string& source, int lo, int hi) {
  if (!v.is_number_integer() || v.get<long long>() < lo || v.get<long long>() > hi)
    throw UsageError(fmt::format("In {}, '{}' must be a whole number from {} to {}.", source, key, lo, hi));
  return v.get<int>();
}

std::string text(const nlohmann::json& v, const std::string& key, const std::string& source) {
  if (!v.is_string()) throw UsageError(fmt::format("In {}, '{}' must be a string.", source, key));
  return v.get<std::string>();
}

}  // namespace

void SnapshotSettings::override_with(const SnapshotSettings& o) {
  take(preset, o.preset);
  take(domains, o.domains);
  take(domains_file, o.domains_file);
  take(types, o.types);
  take(resolvers, o.resolvers);
  take(resolv_conf, o.resolv_conf);
  take(timeout_ms, o.timeout_ms);
  take(retries, o.retries);
  take(max_in_flight, o.max_in_flight);
  take(edns_size, o.edns_size);
  take(client_subnets, o.client_subnets);
  take(authoritative_port, o.authoritative_port);
  take(tsa, o.tsa);
  take(tsa_ca, o.tsa_ca);
  take(tsa_timeout_s, o.tsa_timeout_s);
  take(ca_file, o.ca_file);
  take(insecure, o.insecure);
  take(ntp, o.ntp);
  take(qps, o.qps);
  take(witnesses, o.witnesses);
  take(witness_timeout_s, o.witness_timeout_s);
  files.insert(files.end(), o.files.begin(), o.files.end());
}

SnapshotSettings parse_settings_json(const nlohmann::json& j, const std::string& source) {
  if (!j.is_object()) throw UsageError(fmt::format("{} must hold a JSON object.", source));
  SnapshotSettings s;
  for (const auto& [key, value] : j.items()) {
    if (key == "preset") s.preset = text(value, key, source);
    else if (key == "domains") s.domains = non_empty_list(value, key, source);
    else if (key == "domains_file") s.domains_file = text(value, key, source);
    else if (key == "types") s.types = non_empty_list(value, key, source);
    else if (key == "resolvers") s.resolvers = non_empty_list(value, key, source);
    else if (key == "resolv_conf") s.resolv_conf = text(value, key, source);
    else if (key == "timeout_ms") s.timeout_ms = bounded_int(value, key, source, 10, 60000);
    else if (key == "retries") s.retries = bounded_int(value, key, source, 0, 10);
    else if (key == "max_in_flight") s.max_in_flight = bounded_int(value, key, source, 1, 10000);
    else if (key == "edns_size") s.edns_size = bounded_int(value, key, source, 0, 4096);
    else if (key == "client_subnets") s.client_subnets = string_list(value, key, source);
    else if (key == "authoritative_port") s.authoritative_port = bounded_int(value, key, source, 1, 65535);
    else if (key == "tsa") s.tsa = parse_tsa_servers(value, source);
    else if (key == "tsa_ca") s.tsa_ca = value.is_string() ? std::vector<std::string>{value.get<std::string>()}
                                                            : string_list(value, key, source);
    else if (key == "ca_file") s.ca_file = text(value, key, source);
    else if (key == "insecure") {
      if (!value.is_boolean()) throw UsageError(fmt::format("In {}, 'insecure' must be true or false.", source));
      s.insecure = value.get<bool>();
    }
    else if (key == "ntp") s.ntp = value.is_string() && value.get<std::string>() == "none"
                                       ? std::vector<std::string>{"none"}
                                       : string_list(value, key, source);
    else if (key == "concurrency") s.max_in_flight = bounded_int(value, key, source, 1, 10000);
    else if (key == "qps") s.qps = bounded_int(value, key, source, 0, 10000000);
    else if (key == "tsa_timeout_s") s.tsa_timeout_s = bounded_int(value, key, source, 1, 300);
    else if (key == "witnesses") s.witnesses = string_list(value, key, source);
    else if (key == "witness_timeout_s") s.witness_timeout_s = bounded_int(value, key, source, 1, 300);
    else
      throw UsageError(fmt::format("{} has an unknown setting '{}'; known settings: preset, domains, domains_file, "
                                   "types, resolvers, resolv_conf, timeout_ms, retries, concurrency (or "
                                   "max_in_flight), qps, edns_size, client_subnets, authoritative_port, tsa, tsa_ca, "
                                   "tsa_timeout_s, ca_file, insecure, ntp, witnesses, witness_timeout_s.",
                                   source, key));
  }
  return s;
}

SnapshotSettings load_settings_file(const std::filesystem::path& path) {
  // The bytes are read once, so the hash recorded is that of exactly what was parsed.
  const std::string bytes = read_input_file(path, "config file", kMaxConfigFileBytes);
  nlohmann::json j;
  // JSON leaves a repeated key to the reader (RFC 8259 §4) and nlohmann keeps the last; a setting
  // given twice is a slip that would silently drop one value, so it is refused.
  std::vector<std::set<std::string>> keys_seen;
  std::string repeated;
  const nlohmann::json::parser_callback_t refuse_repeated_keys = [&](int, nlohmann::json::parse_event_t event,
                                                                     nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (event == E::object_start) keys_seen.emplace_back();
    else if (event == E::object_end && !keys_seen.empty()) keys_seen.pop_back();
    else if (event == E::key && !keys_seen.empty() && !keys_seen.back().insert(parsed.get<std::string>()).second &&
             repeated.empty())
      repeated = parsed.get<std::string>();
    return true;
  };
  try {
    j = nlohmann::json::parse(bytes, refuse_repeated_keys);
  } catch (const nlohmann::json::parse_error& e) {
    throw UsageError(fmt::format("The config file {} is not valid JSON (at byte {}).", path.string(), e.byte));
  }
  if (!repeated.empty())
    throw UsageError(fmt::format("The config file {} gives the setting '{}' more than once; keep one.", path.string(),
                                 repeated));
  SnapshotSettings s = parse_settings_json(j, "the config file " + path.string());
  // Absolute, so the record still names the file when read where the run's folder is unknown.
  std::error_code ec;
  const std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  s.files.push_back({(ec ? path : absolute.lexically_normal()).string(), hex_encode(sha256(as_bytes(bytes)))});
  return s;
}

}  // namespace dnswitness
