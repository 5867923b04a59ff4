#include "cli/option_checks.h"

#include <map>

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

CLI::AsNumberWithUnit duration_units(DurationBase base) {
  const std::map<std::string, int> units =
      base == DurationBase::milliseconds
          ? std::map<std::string, int>{{"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}}
          : std::map<std::string, int>{{"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86'400}};
  return CLI::AsNumberWithUnit(units, CLI::AsNumberWithUnit::DEFAULT, "UNIT");
}

}  // namespace dnswitness::cli
