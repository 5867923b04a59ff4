#include "reports/rdap_bootstrap.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "config/domain_list.h"
#include "config/input_file.h"
#include "model/errors.h"
#include "resolvers/client_subnet.h"

namespace dnswitness {
namespace {

constexpr long long kMaxBootstrapBytes = 1024 * 1024;

// The address as a full-length prefix, through the project's one prefix parser.
std::optional<EcsPrefix> rdap_address_bits(std::string_view address) {
  const std::string text(address);
  const char* length = text.find(':') == std::string::npos ? "/32" : "/128";
  return parse_ecs_prefix(text + length).prefix;
}

bool rdap_prefix_holds(const EcsPrefix& address, std::uint16_t family, std::uint8_t length,
                       const std::array<std::uint8_t, 16>& network) {
  if (address.family != family) return false;
  for (unsigned bit = 0; bit < length; ++bit) {
    const unsigned mask = 0x80u >> (bit % 8);
    if ((address.address[bit / 8] & mask) != (network[bit / 8] & mask)) return false;
  }
  return true;
}

}  // namespace

void RdapBootstrap::add_file(std::string_view text, const std::string& source) {
  const auto bad = [&](const std::string& why) {
    return UsageError(fmt::format("The RDAP bootstrap file {} cannot be used: {}; reinstall dnswitness or give a "
                                  "copy of IANA's file.",
                                  source, why));
  };
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw bad("it is not a JSON object");
  const auto text_of = [&](const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  RdapBootstrapFile file{source, text_of("description"), text_of("publication"), text_of("version")};
  const auto services = j.find("services");
  if (services == j.end() || !services->is_array()) throw bad("\"services\" is not a list");
  std::vector<Entry> entries;
  std::vector<std::vector<std::string>> new_services;
  for (const auto& service : *services) {
    // RFC 9224 §3: each service is [entries, URLs].
    if (!service.is_array() || service.size() != 2 || !service[0].is_array() || !service[1].is_array())
      throw bad("a service is not a pair of lists");
    std::vector<std::string> urls;
    for (const auto& u : service[1]) {
      if (!u.is_string()) throw bad("a base URL is not a string");
      std::string url = u.get<std::string>();
      if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0)
        throw bad(fmt::format("the base URL '{}' is not http or https", url));
      // RFC 9224 §3: base URLs end in '/', but older editions (ARIN's before 2019) did not.
      if (url.back() != '/') url += '/';
      urls.push_back(std::move(url));
    }
    if (urls.empty()) throw bad("a service has no base URL");
    std::stable_partition(urls.begin(), urls.end(), [](const std::string& u) { return u.rfind("https://", 0) == 0; });
    const std::size_t service_index = services_.size() + new_services.size();
    for (const auto& p : service[0]) {
      if (!p.is_string()) throw bad("a prefix is not a string");
      const std::string prefix_text = p.get<std::string>();
      const PrefixParse parsed = parse_ecs_prefix(prefix_text);
      if (!parsed.prefix) throw bad(fmt::format("'{}' is not a prefix: {}", prefix_text, parsed.problem));
      entries.push_back(Entry{parsed.prefix->family, parsed.prefix->source_prefix, parsed.prefix->address,
                              prefix_text, service_index, files_.size()});
    }
    new_services.push_back(std::move(urls));
  }
  if (entries.empty()) throw bad("it lists no prefix");
  files_.push_back(std::move(file));
  for (auto& s : new_services) services_.push_back(std::move(s));
  for (auto& e : entries) entries_.push_back(std::move(e));
}

void RdapBootstrap::add_file(const std::filesystem::path& path) {
  add_file(read_input_file(path, "RDAP bootstrap file", kMaxBootstrapBytes), path.string());
}

std::optional<RdapBootstrapMatch> RdapBootstrap::match(std::string_view address) const {
  const auto bits = rdap_address_bits(address);
  if (!bits) return std::nullopt;
  const Entry* best = nullptr;
  for (const auto& e : entries_)
    if (rdap_prefix_holds(*bits, e.family, e.length, e.network) && (!best || e.length > best->length)) best = &e;
  if (!best) return std::nullopt;
  return RdapBootstrapMatch{best->text, services_[best->service], files_[best->file].publication,
                            files_[best->file].source};
}

RdapBootstrap load_shipped_rdap_bootstrap() {
  for (const auto& dir : preset_dirs()) {
    std::error_code ec;
    const auto v4 = dir / kRdapBootstrapIpv4File, v6 = dir / kRdapBootstrapIpv6File;
    if (!std::filesystem::is_regular_file(v4, ec) || !std::filesystem::is_regular_file(v6, ec)) continue;
    RdapBootstrap b;
    b.add_file(v4);
    b.add_file(v6);
    return b;
  }
  throw UsageError(
      "The RDAP bootstrap files (presets/rdap/ipv4.json and ipv6.json) are not installed; reinstall dnswitness.");
}

}  // namespace dnswitness
