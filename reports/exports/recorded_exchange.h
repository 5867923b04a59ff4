#pragma once
// One DNS exchange as the ledger recorded it: a query message and what came back, with the
// addresses, ports and times of that exchange. The wire-level exports (pcap, dnstap, RFC 8427) and
// `show` read observations through this one shape; exchanges_of() in recorded_exchange.cpp takes
// them out of an observation leaf (its final exchange and its prior_exchanges, in order).
// Role: plain data. Ownership: owns its bytes. Thread-safety: a value.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "model/bytes.h"

namespace dnswitness {

enum class ExchangeTransport { udp, tcp, https, tls };

struct RecordedExchange {
  std::uint64_t leaf_index = 0;  // the observation leaf it belongs to
  std::string qname;             // as asked, lower case, no trailing dot
  std::string qtype;             // "A", "AAAA", ...
  std::string resolver_name;     // the resolver's name in the run ("knot", "ns1.example@192.0.2.1", ...)
  ExchangeTransport transport = ExchangeTransport::udp;

  // The server end: an IP literal (no brackets) and its port. Over HTTPS and TLS the address
  // connected to (the exchange's https.peer_address or tls.peer_address); empty when no connection
  // was made.
  std::string server_address;
  std::uint16_t server_port = 0;
  // Our end as the socket had it; empty / 0 when not known (a query never sent, or DoH where the
  // local end is not recorded).
  std::string local_address;
  std::uint16_t local_port = 0;

  // UTC nanoseconds since 1970: when the query was handed to the kernel (or to libcurl for DoH),
  // and when the response was read (sent_at + rtt_us); no value when nothing came back.
  std::int64_t sent_at_ns = 0;
  std::optional<std::int64_t> received_at_ns;
  // The leaf records the send time of each earlier exchange and of the first attempt; the final
  // exchange of a retried query has only its round trip. Its send time is then taken as the end of
  // the exchange before it (its reply, or its send when none came) and this flag is set.
  bool sent_at_estimated = false;

  Bytes query;                    // the exact query bytes
  std::optional<Bytes> response;  // the exact response bytes as received (DNS message, no TCP length)
  std::string result;             // response, truncated, timeout, network_error, malformed, tls_error...
};

// "udp", "tcp", "https", "tls": the transport's name as the leaf writes it.
const char* exchange_transport_name(ExchangeTransport t);
// "192.0.2.1:53", "[2001:db8::1]:53"; empty when `address` is.
std::string exchange_endpoint(const std::string& address, std::uint16_t port);

// The exchanges of one observation leaf, earliest first (prior_exchanges, then the final one).
// Throws std::runtime_error naming the leaf when a member the format requires is missing or bad.
std::vector<RecordedExchange> exchanges_of(const nlohmann::json& observation, std::uint64_t leaf_index);

// "192.0.2.1:53" or "[2001:db8::1]:53" split into the address (no brackets) and the port; nullopt
// for anything else.
std::optional<std::pair<std::string, std::uint16_t>> split_host_port(std::string_view text);

}  // namespace dnswitness
