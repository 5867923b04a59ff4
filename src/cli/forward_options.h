#pragma once
// Passing options given to one command on to another that it writes down: `schedule install`
// takes watch's run options, checks them now, and writes them into the scheduled
// `dnswitness watch --once` command line. The options are those a registration function adds, so
// a new run option reaches the schedule without being named a second time.
// Ownership: the Option pointers belong to their CLI::App, which must outlive their use.
// Thread-safety: none needed (the command line is parsed once, on the main thread).
#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace dnswitness::cli {

// Runs `add` on `sub` and returns the options it registered.
std::vector<const CLI::Option*> options_added_by(CLI::App* sub, const std::function<void(CLI::App*)>& add);

// The given options as arguments for another command line: "--name" and one value per argument
// (a repeated or comma-separated option gives several "--name VALUE" pairs), a flag alone. Values
// of FILE options are made absolute, since the other command runs in another folder.
std::vector<std::string> given_option_args(const std::vector<const CLI::Option*>& options);

}  // namespace dnswitness::cli
