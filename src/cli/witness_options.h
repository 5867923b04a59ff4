#pragma once
// The witness options of publish and watch (--witness NAME=URL+VKEY, repeatable, and
// --witness-timeout), merged with the config file's "witnesses" and "witness_timeout_s": the
// command line's list replaces the file's, as for --tsa.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "config/snapshot_settings.h"
#include "tlog/witness_client.h"

namespace dnswitness::cli {

struct CosignerCliOptions {
  std::vector<std::string> witnesses;
  int timeout_s = 10;
};

struct WitnessTargets {
  std::vector<WitnessEndpoint> endpoints;
  long timeout_ms = 10000;
};

void add_witness_options(CLI::App* sub, CosignerCliOptions& o);
// The checked witnesses of the command line, else of the settings. Throws UsageError (one sentence)
// for a malformed --witness or config entry, before anything is sent.
WitnessTargets witness_targets(const CLI::App* sub, const CosignerCliOptions& o, const SnapshotSettings& settings);

}  // namespace dnswitness::cli
