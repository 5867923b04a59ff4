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
  tls_error,      // DNS over HTTPS or TLS: the TLS handshake or the server's certificate failed
};
std::string_view outcome_name(Outcome o);
bool outcome_has_response(Outcome o);  // a DNS response (any rcode) was received

enum class Transport { udp, tcp, https, tls };  // tls: DNS over TLS (RFC 7858)
std::string_view transport_name(Transport t);

struct ResourceRecord {
  std::string name;  // owner name, absolute, with trailing dot as presentation format has it
  std::string type;  // mnemonic
  std::uint32_t ttl = 0;
  std::string data;  // presentation format of the RDATA
};

// A certificate the server presented over DNS over HTTPS or TLS.
struct CertificateFacts {
  std::string sha256;      // lower-case hex SHA-256 of the DER bytes (openssl x509 -fingerprint -sha256)
  std::string subject;     // RFC 2253 distinguished name
  std::string issuer;      // RFC 2253 distinguished name
  std::string not_before;  // RFC 3339 UTC, to the second
  std::string not_after;
};

// What a TLS connection showed (DNS over TLS, RFC 7858, as the exchange's `tls` object; DNS over
// HTTPS adds the HTTP facts below): who answered, over which TLS version and cipher, and whether
// the certificate chain was checked. Fields are empty when not reached.
struct TlsFacts {
  std::string peer_address;        // address:port connected to, IPv6 as [addr]:port
  std::string tls_version;         // "TLSv1.3", "TLSv1.2"
  std::string tls_cipher;          // OpenSSL's cipher name
  std::string certificate_check;   // "verified", "failed: ...", or "not enforced (--insecure): ..."
  std::vector<CertificateFacts> certificates;  // as the server sent them, its own first
};

// What a DNS-over-HTTPS exchange (RFC 8484) showed of its connection: the TLS facts and the HTTP
// ones. Fields are empty/0 when not reached.
struct HttpsFacts : TlsFacts {
  std::string http_version;        // "1.1", "2", "3"
  int http_status = 0;             // 0 when no HTTP response arrived
  std::string content_type;        // of the HTTP response
};

// One datagram or TCP message exchange. A query that was truncated over UDP and retried over TCP
// has two exchanges; a retried timeout has one per attempt.
struct Exchange {
  Transport transport = Transport::udp;
  std::uint16_t query_id = 0;
  UtcTime sent_at;
  std::int64_t rtt_us = -1;   // -1 when no response arrived
  std::string result;         // "response", "truncated", "timeout", "network_error", "malformed", "tls_error"
  Bytes query_wire;
  Bytes response_wire;        // empty when nothing was received
  std::string local_address;  // the socket's own address:port, when known
  std::optional<HttpsFacts> https;  // DNS over HTTPS exchanges only
  std::optional<TlsFacts> tls;      // DNS over TLS exchanges only
};

// An answer from one of a zone's own servers (resolver "authoritative", asked with RD=0).
struct AuthoritativeFacts {
  std::string zone;    // the zone whose NS set named the server, no trailing dot
  std::string server;  // the server's NS name; its address and port are in `resolver`
};

// The EDNS Client Subnet (RFC 7871) a query carried and what the response said about it.
struct ClientSubnetFacts {
  std::string sent;    // prefix sent, "49.96.0.0/12"
  std::string preset;  // carrier preset it came from ("docomo"), empty for a typed prefix
  // From the response's ECS option; absent when the response carried none (the server ignores
  // ECS) or no response arrived. Scope 0: the answer holds for any client; > 0: it was chosen for
  // clients in that prefix.
  std::optional<int> scope_prefix;
  std::string returned;  // the option's address/source prefix as returned, "49.96.0.0/12"
  std::string problem;   // a malformed option in the response, in words
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
  // Why the query was made when it is not one of the run's targets: "authoritative_discovery"
  // for the NS/A/AAAA lookups that found the authoritative servers. Empty for targets.
  std::string purpose{};
  std::optional<AuthoritativeFacts> authoritative{};
  std::optional<ClientSubnetFacts> client_subnet{};
};

// The outcome of a query whose last attempt failed with `last` and that will not be retried:
// malformed when any attempt received junk (those bytes are evidence), else `last`.
Outcome final_failure_outcome(const Observation& o, Outcome last);
// Copies the final exchange's transport, RTT and wire bytes to the observation's top level.
void take_final_exchange(Observation& o);

std::string rcode_name(int rcode);

}  // namespace dnswitness
