#include "cli/option_checks.h"

#include <fmt/format.h>

#include <map>
#include <string>

#include "model/errors.h"
#include "model/printable.h"

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

// "HOST:PORT" or "[IPv6]:PORT".
std::pair<std::string, std::uint16_t> listen_host_port(const std::string& text) {
  const auto colon = text.rfind(':');
  const auto bad = [&] {
    return UsageError(fmt::format("--listen '{}' is not HOST:PORT; write it like 127.0.0.1:7380 or [::1]:7380.",
                                  printable(text)));
  };
  if (colon == std::string::npos || colon == 0) throw bad();
  std::string host = text.substr(0, colon);
  if (host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string port_text = text.substr(colon + 1);
  if (port_text.empty() || port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos)
    throw bad();
  const int port = std::stoi(port_text);
  if (port > 65535) throw bad();  // 0: any free port (printed once listening)
  return {host, static_cast<std::uint16_t>(port)};
}

}  // namespace dnswitness::cli
