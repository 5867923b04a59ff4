#pragma once
// The options that say what a run resolves and how (domains, types, resolvers, timeouts, pacing,
// authoritative and client-subnet queries, DoH trust, the clock check), shared by resolve-snapshot
// and watch so both commands accept the same names with the same meaning. --config, the outputs
// and the TSA options stay with each command.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "config/snapshot_settings.h"

namespace dnswitness::cli {

struct SnapshotCliOptions {
  std::string config;  // registered by each command (its help text differs)
  std::string preset;
  std::vector<std::string> domains;
  std::string domains_file;
  std::vector<std::string> types;
  std::vector<std::string> resolvers;
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
};

void add_snapshot_options(CLI::App* sub, SnapshotCliOptions& o);

// The --config file (when given) with the options given on the command line laid over it. Reads
// the file each call, so watch picks up an edit on SIGHUP. Throws UsageError for a bad file.
SnapshotSettings snapshot_settings(const SnapshotCliOptions& o, const CLI::App* sub);

}  // namespace dnswitness::cli
