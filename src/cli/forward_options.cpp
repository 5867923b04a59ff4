#include "cli/forward_options.h"

#include <filesystem>

namespace dnswitness::cli {

std::vector<const CLI::Option*> options_added_by(CLI::App* sub, const std::function<void(CLI::App*)>& add) {
  const std::size_t before = sub->get_options().size();
  add(sub);
  const auto all = sub->get_options();  // in the order registered
  return {all.begin() + static_cast<std::ptrdiff_t>(before), all.end()};
}

std::vector<std::string> given_option_args(const std::vector<const CLI::Option*>& options) {
  std::vector<std::string> out;
  for (const CLI::Option* opt : options) {
    if (opt->count() == 0 || opt->get_lnames().empty()) continue;
    const std::string name = "--" + opt->get_lnames().front();
    if (opt->get_expected_min() == 0) {
      if (opt->as<bool>()) out.push_back(name);
      continue;
    }
    for (const auto& value : opt->results()) {
      out.push_back(name);
      out.push_back(opt->get_option_text() == "FILE" && !value.empty()
                        ? std::filesystem::absolute(value).lexically_normal().string()
                        : value);
    }
  }
  return out;
}

}  // namespace dnswitness::cli
