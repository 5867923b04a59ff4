#include "cli/option_checks.h"

#include <string>

namespace dnswitness::cli {

void apply_option_rules(CLI::App& app) {
  for (CLI::Option* opt : app.get_options()) {
    if (opt->get_type_size_max() <= 0) continue;  // a flag: it takes no value
    if (!opt->get_lnames().empty() || !opt->get_snames().empty()) opt->allow_extra_args(false);
    opt->check(CLI::Validator(
        [](std::string& value) -> std::string {
          return value.empty() ? "the value is empty; give one, or leave the option out to use the default" : "";
        },
        "", "non-empty"));
  }
  for (CLI::App* sub : app.get_subcommands({})) apply_option_rules(*sub);
}

}  // namespace dnswitness::cli
