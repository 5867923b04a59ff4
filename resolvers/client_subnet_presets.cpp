// The carrier presets of --client-subnet (presets/client-subnets.conf) and the expansion of
// --client-subnet values into the subnets a run sends. Kept apart from client_subnet.cpp so the
// wire parts build without the config layer (the fuzz build links only those).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "config/domain_list.h"
#include "model/errors.h"
#include "resolvers/client_subnet.h"

namespace dnswitness {
namespace {

constexpr const char* kPresetFile = "client-subnets.conf";

std::string known_presets(const std::vector<ClientSubnetPreset>& presets) {
  std::string out;
  for (const auto& p : presets) out += (out.empty() ? "" : ", ") + p.name;
  return out.empty() ? "none found" : out;
}

}  // namespace

std::vector<ClientSubnetPreset> parse_client_subnet_presets(const std::string& text, const std::string& source) {
  std::vector<ClientSubnetPreset> out;
  std::istringstream in(text);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (const auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    std::string name, prefix, rest;
    if (!(words >> name)) continue;
    std::getline(words >> prefix >> std::ws, rest);
    while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.back()))) rest.pop_back();
    const PrefixParse parsed = parse_ecs_prefix(prefix);
    if (!parsed.prefix || rest.empty())
      throw UsageError(fmt::format("{} line {}: write NAME PREFIX SOURCE ({}).", source, number,
                                   parsed.prefix ? "the source is missing" : parsed.problem));
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& p) { return p.name == name; });
    if (it == out.end()) it = out.insert(out.end(), ClientSubnetPreset{name, {}, {}});
    it->prefixes.push_back(*parsed.prefix);
    it->sources.push_back(rest);
  }
  return out;
}

std::vector<ClientSubnetPreset> load_client_subnet_presets() {
  for (const auto& dir : preset_dirs()) {
    const auto file = dir / kPresetFile;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) continue;
    std::ifstream in(file);
    std::stringstream buf;
    buf << in.rdbuf();
    if (!in) throw UsageError(fmt::format("Cannot read {}; check its permissions.", file.string()));
    return parse_client_subnet_presets(buf.str(), file.string());
  }
  return {};
}

std::vector<ClientSubnetChoice> resolve_client_subnets(const std::vector<std::string>& values,
                                                       const std::vector<ClientSubnetPreset>& presets) {
  std::vector<ClientSubnetChoice> out;
  auto add = [&out](const EcsPrefix& p, const std::string& preset) {
    for (const auto& c : out)
      if (c.prefix == p) return;
    out.push_back({p, preset});
  };
  for (const auto& value : values) {
    const auto preset = std::find_if(presets.begin(), presets.end(), [&](const auto& p) { return p.name == value; });
    if (preset != presets.end()) {
      for (const auto& p : preset->prefixes) add(p, preset->name);
      continue;
    }
    const PrefixParse parsed = parse_ecs_prefix(value);
    if (!parsed.prefix)
      throw UsageError(fmt::format("The client subnet '{}' is not usable: {}; give a prefix such as 49.96.0.0/12 "
                                   "or 2001:db8::/32, or a preset ({}).",
                                   value, parsed.problem, known_presets(presets)));
    add(*parsed.prefix, "");
  }
  return out;
}

}  // namespace dnswitness
