#pragma once
// An observation: one query to one resolver and everything it produced, failures included.
// Plain data; the canonical JSON encoding (observation_json.h) is what the ledger hashes.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/bytes.h"
#include "model/resolver_spec.h"
#include "timeutil/timestamp.h"

namespace dnswitness {

// The transport outcome and the DNS rcode are kept apart: `outcome` says what happened to the
// query as a whole, `rcode` (when a response arrived) what the server said.
enum class Outcome {
  answer,         // NOERROR with records of the asked type (possibly behind CNAMEs)
  nodata,         // NOERROR without records of the asked type
  nxdomain,       // NXDOMAIN
  servfail,       // SERVFAIL
  refused,        // REFUSED
  rcode_error,    // any other error rcode (FORMERR, NOTIMP, …)
  timeout,        // nothing usable arrived within the timeout, after every retry
  network_error,  // the query could not be sent or the server's port was closed
  malformed,      // bytes arrived that are not a DNS response to this query
};
std::string_view outcome_name(Outcome o);
bool outcome_has_response(Outcome o);  // a DNS response (any rcode) was received

enum class Transport { udp, tcp };
std::string_view transport_name(Transport t);

struct ResourceRecord {
  std::string name;  // owner name, absolute, with trailing dot as presentation format has it
  std::string type;  // mnemonic
  std::uint32_t ttl = 0;
  std::string data;  // presentation format of the RDATA
};

// One datagram or TCP message exchange. A query that was truncated over UDP and retried over TCP
// has two exchanges; a retried timeout has one per attempt.
struct Exchange {
  Transport transport = Transport::udp;
  std::uint16_t query_id = 0;
  UtcTime sent_at;
  std::int64_t rtt_us = -1;   // -1 when no response arrived
  std::string result;         // "response", "truncated", "timeout", "network_error", "malformed"
  Bytes query_wire;
  Bytes response_wire;        // empty when nothing was received
  std::string local_address;  // the socket's own address:port, when known
};

struct Observation {
  std::string qname;
  std::uint16_t qtype = 1;
  ResolverSpec resolver;
  UtcTime sent_at;           // first send of the query
  std::int64_t rtt_us = -1;  // of the final exchange; -1 when nothing was received
  Transport transport = Transport::udp;  // transport of the final exchange
  Outcome outcome = Outcome::timeout;
  std::optional<int> rcode;  // absent when no DNS response was received
  std::vector<std::string> flags;  // header flags of the final response: qr aa tc rd ra ad cd
  std::vector<ResourceRecord> answers;  // answer section in order, CNAME chain included
  std::vector<std::string> addresses;   // final A/AAAA set for qname, sorted, unique
  Bytes query_wire;     // final exchange
  Bytes response_wire;  // final exchange; empty when nothing was received
  std::vector<Exchange> exchanges;  // every exchange in order, the final one last
  std::string error;    // plain text detail for failures
};

std::string rcode_name(int rcode);

}  // namespace dnswitness
