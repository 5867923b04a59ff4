#pragma once
// Each command registers its subcommand and options with CLI11 and returns the action to run
// once the command line has been parsed. Actions return the process exit code.
#include <CLI/CLI.hpp>
#include <functional>

namespace dnswitness::cli {

// Exit codes shared by every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitNoResponse = 3;
inline constexpr int kExitTampered = 4;
inline constexpr int kExitNotInstalled = 5;  // schedule status: nothing is installed

using Action = std::function<int()>;

Action add_resolve_snapshot(CLI::App& app);
Action add_logins(CLI::App& app);
Action add_report(CLI::App& app);
Action add_verify(CLI::App& app);
Action add_watch(CLI::App& app);
Action add_schedule(CLI::App& app);
Action add_status(CLI::App& app);
Action add_events(CLI::App& app);
Action add_export(CLI::App& app);
Action add_show(CLI::App& app);
Action add_backup(CLI::App& app);
Action add_migrate(CLI::App& app);
Action add_publish(CLI::App& app);
Action add_push(CLI::App& app);
Action add_mirror(CLI::App& app);
Action add_witness(CLI::App& app);
Action add_collector(CLI::App& app);

}  // namespace dnswitness::cli
