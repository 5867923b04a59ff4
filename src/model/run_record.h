#pragma once
// A run: one resolve-snapshot invocation (or one watch tick) with the facts an expert will ask
// about: where it ran, with which tool and settings, and when it started and finished.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/resolver_spec.h"
#include "model/vantage.h"
#include "timeutil/timestamp.h"

namespace dnswitness {

// What a run with `--resolver authoritative` was set to do, and what it could not do.
struct AuthoritativeRunFacts {
  int port = 53;  // the port every authoritative server was asked on (not 53 only in tests)
  struct Subnet {
    std::string prefix;  // "49.96.0.0/12"
    std::string preset;  // "docomo", or empty for a typed prefix
  };
  std::vector<Subnet> client_subnets;  // sent with every authoritative query, one query each
  std::vector<std::string> problems;   // domains whose zone or servers could not be found
};

struct RunRecord {
  std::string run_id;  // 32 hex digits from the CSPRNG
  UtcTime started_at;
  UtcTime finished_at;
  std::string tool_version;
  std::string tool_commit;
  std::string config_hash;  // hex SHA-256 of the canonical JSON of the effective settings
  struct ConfigFile {
    std::string path;
    std::string sha256;  // hex SHA-256 of the bytes read
  };
  std::vector<ConfigFile> config_files;  // the config files read, in order (later ones won); may be empty
  std::string hostname;
  std::string os;           // uname: sysname release machine
  std::vector<ResolverSpec> resolvers;
  std::vector<std::string> domains;
  std::vector<std::string> types;
  int timeout_ms = 0;
  int retries = 0;
  int edns_size = 0;
  bool https = false;  // some resolver is DNS over HTTPS or TLS: the run says how certificates were checked
  bool insecure = false;       // --insecure: certificate checks not enforced
  std::string ca_file;         // --ca-file path, when given
  std::string ca_file_sha256;  // hex SHA-256 of its bytes as read
  // How UDP replies were timed: "kernel" (each datagram's arrival as the kernel stamped it,
  // SO_TIMESTAMPNS), "read" (when the batch holding it was read), "kernel and read" when both
  // occurred; empty when no UDP reply arrived (and in runs recorded before this was kept).
  std::string udp_receive_times;
  // How UDP queries were timed: "kernel" (each datagram's own transmit stamp, SO_TIMESTAMPING),
  // "batch" (when the sendmmsg batch holding it was handed to the kernel), "kernel and batch".
  std::string udp_send_times;
  std::uint64_t observation_count = 0;
  std::map<std::string, std::uint64_t> outcomes;  // outcome name -> count
  std::optional<AuthoritativeRunFacts> authoritative{};
  std::optional<VantageFacts> vantage;  // interface addresses, whoami answers (model/vantage.h)
  std::optional<ClockFacts> clock;      // the SNTP check; absent only in runs made before it existed
};

std::string new_run_id();

}  // namespace dnswitness
