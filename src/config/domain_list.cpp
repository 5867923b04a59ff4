#include "config/domain_list.h"

#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <string_view>
#include <unordered_set>
#include <sstream>

#include "config/input_file.h"
#include "dnswitness/version.h"
#include "model/errors.h"
#include "model/target.h"

namespace dnswitness {
namespace fs = std::filesystem;

std::vector<std::string> parse_domain_list(const std::string& text, const std::string& source) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (const auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos) continue;
    const auto last = line.find_last_not_of(" \t\r");
    const std::string word = line.substr(first, last - first + 1);
    const NameCheck check = check_domain_name(word);
    if (!check.name)
      throw UsageError(fmt::format("{} line {}: '{}' is not a valid domain name ({}).", source, number, word,
                                   check.problem));
    out.push_back(*check.name);
  }
  return out;
}

std::vector<std::string> read_domain_list_file(const fs::path& path) {
  // Never a FIFO or a device (watch re-reads the list on SIGHUP and must not block), never unbounded.
  auto names = parse_domain_list(read_input_file(path, "domain list", kMaxDomainListBytes), path.string());
  if (names.empty()) throw UsageError(fmt::format("The domain list {} names no domain.", path.string()));
  return names;
}

std::vector<fs::path> preset_dirs() {
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("DNSWITNESS_PRESETS_DIR"); env && *env) dirs.emplace_back(env);
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    dirs.push_back(exe.parent_path() / "presets");
    dirs.push_back(exe.parent_path().parent_path() / "share" / "dnswitness" / "presets");
  }
  dirs.emplace_back(kSourcePresetsDir);
  return dirs;
}

std::vector<std::string> available_presets() {
  std::set<std::string> names;
  for (const auto& dir : preset_dirs()) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec))
      if (entry.path().extension() == ".txt") names.insert(entry.path().stem().string());
  }
  return {names.begin(), names.end()};
}

std::vector<std::string> load_preset(const std::string& name) {
  const bool plain = !name.empty() && name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") ==
                                          std::string::npos;
  if (plain) {
    for (const auto& dir : preset_dirs()) {
      const fs::path file = dir / (name + ".txt");
      std::error_code ec;
      if (fs::is_regular_file(file, ec)) return read_domain_list_file(file);
    }
  }
  std::string known;
  for (const auto& p : available_presets()) known += (known.empty() ? "" : ", ") + p;
  throw UsageError(fmt::format("There is no preset named '{}'; known presets: {}.", name,
                               known.empty() ? "none found (is the presets folder installed?)" : known));
}

std::vector<std::string> unique_names(std::vector<std::string> names) {
  // Kept in place: a name moves only onto an earlier slot, so the views in `seen` stay valid.
  std::unordered_set<std::string_view> seen;
  seen.reserve(names.size());
  std::size_t kept = 0;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!seen.insert(names[i]).second) continue;
    if (kept != i) {
      seen.erase(names[i]);
      names[kept] = std::move(names[i]);
      seen.insert(names[kept]);
    }
    ++kept;
  }
  names.resize(kept);
  return names;
}

}  // namespace dnswitness
