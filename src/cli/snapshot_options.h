#pragma once
// The options that say what a run resolves and how (domains, types, resolvers, timeouts, pacing,
// authoritative and client-subnet queries, DoH trust, the clock check), shared by resolve-snapshot
// and watch (and schedule install, which passes them on to watch) so the commands accept the same
// names with the same meaning. The outputs and the TSA options stay with each command.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "config/snapshot_settings.h"

namespace dnswitness::cli {

struct SnapshotCliOptions {
  std::vector<std::string> config;  // --config, repeatable; the default files come first
  bool no_default_config = false;
  std::string preset;
  std::vector<std::string> domains;
  std::vector<std::string> names;  // positional NAME..., added to --domains as dig and kdig take names
  std::string domains_file;        // "-": standard input (resolve-snapshot only)
  std::vector<std::string> types;
  std::vector<std::string> resolvers;
  std::string resolvers_file;      // one spec a line, added after --resolver
  std::string resolv_conf;
  int timeout_ms = 0;
  int retries = -1;
  int max_in_flight = 0;
  int qps = 0;
  std::vector<std::string> client_subnets;
  int authoritative_port = 0;
  bool insecure = false;
  std::string ca_file;
  std::vector<std::string> ntp;
  bool verbose = false;  // -v: retries, TC->TCP fallbacks, TLS handshakes on stderr as they happen
};

// The -v trace: each line on stderr, "dnswitness: " first.
void trace_to_stderr(const std::string& line);

// One line for a command's footer: where settings are read from, and which wins.
inline constexpr const char* kConfigFilesHelp =
    "Settings: /etc/dnswitness/config.json, then $XDG_CONFIG_HOME (else ~/.config)/dnswitness/config.json, then\n"
    "each --config, then the command line, the later winning setting by setting; a missing default file is skipped.";

// --config (with `help` for what the command does with it) and --no-default-config.
void add_config_options(CLI::App* sub, SnapshotCliOptions& o, const std::string& help);
void add_snapshot_options(CLI::App* sub, SnapshotCliOptions& o);

// The config files (config/config_sources.h) with the options given on the command line laid
// over them. Reads the files each call, so watch picks up an edit on SIGHUP. Throws UsageError for
// a bad file.
SnapshotSettings snapshot_settings(const SnapshotCliOptions& o, const CLI::App* sub);

}  // namespace dnswitness::cli
