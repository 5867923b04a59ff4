#pragma once
// Checks that apply to every command's options at once, so that no command can forget them.
#include <cstdint>
#include <string>
#include <utility>

#include <CLI/CLI.hpp>

namespace dnswitness::cli {

// Applies the rules below to every option of `app` and its subcommands, recursively:
//
// One value per occurrence. `--domains x.com typo` must not resolve "typo": a list is given
// comma-separated (`--domains x.com,t.co`) or by repeating the option, and a word after a value
// is an unexpected argument, as in the usual command-line habit.
//
// Refuses an empty value for every option and argument that takes one (`--origin ""`,
// `--json ""`, `--tz ""`, a trailing comma in a list...): an empty value is always a slip in a
// script (an unset variable), and silently falling back to the default would record evidence
// under settings nobody chose. The error is CLI11's usage error, so the exit code is 2.
void apply_option_rules(CLI::App& app);

// A duration option's units: 500ms, 2s, 5m, 1h (and d for seconds). A bare number keeps the
// option's historic unit (`base`), so scripts written before units existed mean what they meant.
enum class DurationBase { milliseconds, seconds };
CLI::AsNumberWithUnit duration_units(DurationBase base);

// --listen "HOST:PORT" or "[IPv6]:PORT" (port 0: any free port). Throws UsageError naming the option.
std::pair<std::string, std::uint16_t> listen_host_port(const std::string& text);

}  // namespace dnswitness::cli
