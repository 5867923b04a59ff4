#include "config/config_sources.h"

#include <fmt/format.h>

#include <cstdlib>
#include <system_error>

#include "model/errors.h"

namespace dnswitness {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSystemConfig = "/etc/dnswitness/config.json";

std::optional<std::string> environment_value(const char* name) {
  const char* v = std::getenv(name);
  if (!v) return std::nullopt;
  return std::string(v);
}

// Whether a default file should be read. Only "nothing there" is a reason to skip it; anything
// else (a dangling link, a folder, no permission) is an error load_settings_file reports or that
// is reported here.
bool default_file_present(const fs::path& path) {
  std::error_code ec;
  const auto link = fs::symlink_status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory && ec != std::errc::not_a_directory)
    throw UsageError(fmt::format("Cannot read the config file {} ({}); fix its permissions or remove it.",
                                 path.string(), ec.message()));
  if (!fs::exists(link)) return false;
  if (fs::is_symlink(link) && !fs::exists(path, ec))
    throw UsageError(fmt::format("The config file {} is a symbolic link to a file that does not exist; fix the "
                                 "link or remove it.",
                                 path.string()));
  return true;
}

}  // namespace

std::vector<fs::path> default_config_paths() {
  std::vector<fs::path> out;
  const auto system = environment_value("DNSWITNESS_SYSTEM_CONFIG");
  if (!system) out.emplace_back(kSystemConfig);
  else if (!system->empty()) out.emplace_back(*system);

  // XDG Base Directory: a relative XDG_CONFIG_HOME is invalid and ignored.
  fs::path user;
  if (const auto xdg = environment_value("XDG_CONFIG_HOME"); xdg && !xdg->empty() && fs::path(*xdg).is_absolute())
    user = fs::path(*xdg) / "dnswitness" / "config.json";
  else if (const auto home = environment_value("HOME"); home && !home->empty())
    user = fs::path(*home) / ".config" / "dnswitness" / "config.json";
  if (!user.empty() && (out.empty() || out.front() != user)) out.push_back(user);
  return out;
}

SnapshotSettings load_config_files(const std::vector<std::string>& explicit_files, bool read_defaults) {
  SnapshotSettings settings;
  if (read_defaults)
    for (const auto& path : default_config_paths())
      if (default_file_present(path)) settings.override_with(load_settings_file(path));
  for (const auto& path : explicit_files) settings.override_with(load_settings_file(path));
  return settings;
}

std::optional<std::vector<std::string>> ntp_servers_from_environment() {
  const auto value = environment_value("DNSWITNESS_NTP");
  if (!value) return std::nullopt;
  std::vector<std::string> out;
  std::string item;
  for (const char c : *value + ',') {
    if (c == ',') {
      if (!item.empty()) out.push_back(item);
      item.clear();
    } else if (c != ' ') {
      item += c;
    }
  }
  return out;
}

}  // namespace dnswitness
