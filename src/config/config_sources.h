#pragma once
// Where the settings of a run come from besides the command line, lowest precedence first:
// $DNSWITNESS_NTP (the NTP servers only), the system config file, the user's config file, then each
// --config file. A later source wins setting by setting; the command line (cli/snapshot_options.h)
// wins over all of them.
//
// The default files are /etc/dnswitness/config.json and $XDG_CONFIG_HOME/dnswitness/config.json
// (~/.config/dnswitness/config.json when XDG_CONFIG_HOME is unset). A default file that does not
// exist is skipped without a word: most machines have none. One that exists but cannot be read or
// parsed stops the run, since silently ignoring it would record runs with settings nobody chose.
// DNSWITNESS_SYSTEM_CONFIG=PATH names another system file (empty: none), so tests and trials
// never depend on what this machine's /etc holds.
// Ownership: plain values. Thread-safety: reads the environment and files; call from one thread.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/snapshot_settings.h"

namespace dnswitness {

// The default config files in the order they are read (system, then user); either may be absent
// from the list (DNSWITNESS_SYSTEM_CONFIG empty, no HOME).
std::vector<std::filesystem::path> default_config_paths();

// The default files that exist (when `read_defaults`), then every one of `explicit_files` (which
// must exist), each laid over the previous. Throws UsageError naming the file that is wrong.
SnapshotSettings load_config_files(const std::vector<std::string>& explicit_files, bool read_defaults);

// $DNSWITNESS_NTP as a server list (comma-separated; "none" or empty: no clock check), or nullopt
// when it is unset. The variable lets a test environment or a machine without internet switch the
// check off for every run; settings from a file or the command line take precedence over it.
std::optional<std::vector<std::string>> ntp_servers_from_environment();

}  // namespace dnswitness
