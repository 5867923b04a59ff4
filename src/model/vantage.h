#pragma once
// Vantage and clock facts of a run: where the queries left from (local interface addresses, the
// egress address public "whoami" services saw) and how far the system clock was from NTP time.
// An opposing expert asks "from which network?" and "was your clock right?"; these records answer
// with raw bytes that can be checked again. Plain data plus the canonical JSON (docs/json-schema.md)
// and the pure choice of whoami queries; collecting them is src/clock, src/vantage and resolvers/whoami.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/bytes.h"
#include "model/resolver_spec.h"
#include "timeutil/timestamp.h"

namespace dnswitness {

// ---- vantage -------------------------------------------------------------------------------

struct InterfaceAddress {
  std::string interface;  // e.g. "eth0", "lo"
  std::string family;     // "ipv4" or "ipv6"
  std::string address;    // numeric, IPv6 without brackets (scope kept as %ifname for link-local)
  int prefix_length = -1; // from the netmask; -1 when the system gave none
};

// One whoami question for a public resolver service that is part of the run's own resolver set.
struct WhoamiQuery {
  std::string service;  // "google", "cloudflare", "opendns"
  ResolverSpec resolver;
  std::string qname;    // canonical, no trailing dot
  std::uint16_t qtype = 16;
  std::uint16_t qclass = 1;  // 1 IN, 3 CH (whoami.cloudflare)
};

struct WhoamiResult {
  WhoamiQuery query;
  UtcTime sent_at;
  std::int64_t rtt_us = -1;      // -1 when nothing arrived
  std::string outcome;           // "answer", "nodata", "rcode_error", "timeout", "network_error", "malformed"
  std::optional<int> rcode;
  std::vector<std::string> answers;  // presentation data of the answer records (TXT with quotes, A, AAAA)
  std::vector<std::string> egress;   // IP addresses read from the answers: what the service saw
  Bytes query_wire;
  Bytes response_wire;
  std::string error;
};

struct VantageFacts {
  std::vector<InterfaceAddress> interfaces;  // sorted by interface, then address
  std::vector<WhoamiResult> whoami;          // in the order of plan_whoami
};

// The known addresses of the public services that answer a whoami question. A resolver of the
// run's set is that service when its address is one of these (any port is accepted: a user may
// reach the service through a port forward, but then the answer is what the service saw).
struct WhoamiService {
  const char* service;
  const char* qname;
  std::uint16_t qtype;
  std::uint16_t qclass;
  std::vector<std::string> addresses;
};
const std::vector<WhoamiService>& whoami_services();

// One whoami query per resolver of the set that is one of the services above (so an IPv4 and an
// IPv6 resolver of the same service both report their egress address), in resolver order; none
// for any other resolver. Pure: decides, never sends.
std::vector<WhoamiQuery> plan_whoami(const std::vector<ResolverSpec>& resolvers);

// ---- clock ---------------------------------------------------------------------------------

// One SNTP exchange (RFC 4330) with one address of one configured server, or why none happened.
struct SntpResult {
  std::string server;   // as configured: "ntp.nict.jp", "127.0.0.1:4123"
  std::string address;  // numeric; empty when the name did not resolve
  std::uint16_t port = 123;
  // "answer", "timeout", "network_error", "malformed", "kiss_of_death", "unsynchronized",
  // "resolve_error", "skipped" (asked less than the minimum interval ago; no packet sent)
  std::string outcome;
  UtcTime sent_at;      // T1, system clock
  std::int64_t rtt_us = -1;
  std::optional<std::int64_t> offset_ns;  // server clock minus our clock: ((T2-T1)+(T3-T4))/2
  std::optional<std::int64_t> delay_ns;   // (T4-T1)-(T3-T2)
  int stratum = -1;
  int leap = -1;
  int version = -1;
  std::string reference_id;  // four ASCII letters (stratum 0/1, kiss codes) or an IPv4 address / hex
  Bytes request;             // the 48 bytes sent
  Bytes response;            // the bytes received (48 or more)
  std::optional<UtcTime> last_query_at;  // for "skipped": when this address was last asked
  std::string error;
};

struct ClockFacts {
  std::vector<std::string> servers;  // the configured servers (fallbacks included)
  std::vector<SntpResult> results;
  std::optional<std::int64_t> offset_ns;  // of the answer with the smallest delay
  std::string offset_server;              // which address that was
  std::vector<std::string> warnings;      // plain sentences, also printed on stderr
  std::string note;                       // e.g. why nothing was asked (NTP disabled, all skipped)
};

// Adds the warnings the rules ask for: |offset| > 500 ms, or servers were asked and none answered.
void finish_clock_facts(ClockFacts& facts);
inline constexpr std::int64_t kClockWarnOffsetNs = 500'000'000;

nlohmann::json vantage_json(const VantageFacts& v);
nlohmann::json clock_json(const ClockFacts& c);

}  // namespace dnswitness
