#pragma once
// Which time-stamping authorities (TSAs) a run asks, as the config file and the command line give
// them, and the checked form a run uses.
//
// Config file (see docs/ledger.md): "tsa": a list of URLs or objects
//   {"url": "...", "accredited": true, "user": "...", "password_file": "...", "cert": "...",
//    "key": "...", "tsa_ca": ["ca.pem"]}
// plus "tsa_ca" (anchors for every TSA) and "ca_file" (extra anchors shared with DoH).
// Role: parse and check; nothing is sent from here. Ownership: plain values. Thread-safe.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tsa/rfc3161.h"

namespace dnswitness {

struct TsaServer {
  std::string url;
  bool accredited = false;  // 総務大臣認定 (accredited by the Minister of Internal Affairs): a label
  std::string user;
  std::string password_file;
  std::string cert;
  std::string key;
  std::vector<std::string> tsa_ca;
  bool operator==(const TsaServer&) const = default;
};

// Parses the config file's "tsa" value. Throws UsageError naming `source`.
std::vector<TsaServer> parse_tsa_servers(const nlohmann::json& value, const std::string& source);

// A TSA ready to be asked: files read, anchors chosen.
struct TsaTarget {
  std::string url;
  bool accredited = false;
  std::string user, password;  // HTTP Basic
  std::string cert, key;       // TLS client certificate files
  std::vector<std::string> https_ca;  // --ca-file, for an https TSA's server certificate
  TsaTrust trust;              // for the token's signer: the system store, --tsa-ca, --ca-file
  long timeout_ms = 15000;     // the whole exchange, connection included (--tsa-timeout)
};

// Checks every URL and file before anything is sent; throws UsageError (one sentence) otherwise.
std::vector<TsaTarget> make_tsa_targets(const std::vector<TsaServer>& servers, const std::vector<std::string>& tsa_ca,
                                        const std::optional<std::string>& ca_file);

}  // namespace dnswitness
