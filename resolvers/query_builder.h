#pragma once
// The one place the project writes DNS query bytes by hand: a header, one question and an OPT
// record that may carry an EDNS Client Subnet option (RFC 1035 §4.1, RFC 6891 §6.1, RFC 7871 §6).
// c-ares 1.18 builds every other query; it can neither clear RD nor add an EDNS option, which
// authoritative and client-subnet queries need. The bytes are then sent through c-ares as usual.
//
// Thread-safety: pure functions. Fuzzed by tests/fuzz/fuzz_client_subnet.cpp.
#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "model/bytes.h"

namespace dnswitness {

// An EDNS Client Subnet as sent in a query: address family (IANA: 1 IPv4, 2 IPv6), the source
// prefix length, and the address with every bit after the prefix zero (RFC 7871 §6).
struct EcsPrefix {
  std::uint16_t family = 1;
  std::uint8_t source_prefix = 0;
  std::array<std::uint8_t, 16> address{};  // IPv4 uses the first 4 bytes

  std::size_t address_bytes() const { return (source_prefix + 7u) / 8u; }  // bytes on the wire
  std::string text() const;  // "49.96.0.0/12", "2001:db8::/32"
  bool operator==(const EcsPrefix&) const = default;
};

struct QueryBytesSpec {
  std::string qname;  // canonical: lower case, no trailing dot, labels of 1..63 bytes
  std::uint16_t qtype = 1;
  std::uint16_t id = 0;
  bool recursion_desired = true;
  std::uint16_t edns_size = 1232;  // 0 = no OPT record (then no client subnet either)
  std::optional<EcsPrefix> client_subnet;
};

// Builds the query. Throws std::invalid_argument when the name cannot be encoded (empty label,
// label over 63 bytes, name over 255 bytes) or a client subnet is asked for without EDNS.
Bytes build_query_bytes(const QueryBytesSpec& spec);

}  // namespace dnswitness
