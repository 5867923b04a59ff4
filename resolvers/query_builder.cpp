#include "resolvers/query_builder.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <stdexcept>

namespace dnswitness {
namespace {

constexpr std::uint16_t kTypeOpt = 41;
constexpr std::uint16_t kOptionClientSubnet = 8;

void put16(Bytes& out, std::size_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8 & 0xff));
  out.push_back(static_cast<std::uint8_t>(v & 0xff));
}

}  // namespace

std::string EcsPrefix::text() const {
  char buf[INET6_ADDRSTRLEN] = {};
  const int af = family == 2 ? AF_INET6 : AF_INET;
  if (inet_ntop(af, address.data(), buf, sizeof buf) == nullptr) return "?";
  return fmt::format("{}/{}", buf, source_prefix);
}

Bytes build_query_bytes(const QueryBytesSpec& spec) {
  if (spec.client_subnet && spec.edns_size == 0)
    throw std::invalid_argument("a client subnet needs EDNS: the OPT record carries it");
  Bytes out;
  out.reserve(spec.qname.size() + 64);
  put16(out, spec.id);
  put16(out, spec.recursion_desired ? 0x0100 : 0x0000);  // QUERY, only RD may be set
  put16(out, 1);                                         // QDCOUNT
  put16(out, 0);                                         // ANCOUNT
  put16(out, 0);                                         // NSCOUNT
  put16(out, spec.edns_size > 0 ? 1 : 0);                // ARCOUNT: the OPT record

  // QNAME as labels (RFC 1035 §3.1); the root is the empty name.
  std::size_t total = 1, start = 0;
  if (!spec.qname.empty()) {
    for (;;) {
      const std::size_t dot = spec.qname.find('.', start);
      const std::size_t end = dot == std::string::npos ? spec.qname.size() : dot;
      const std::size_t len = end - start;
      if (len == 0 || len > 63)
        throw std::invalid_argument(fmt::format("'{}' has a label of {} bytes", spec.qname, len));
      total += len + 1;
      out.push_back(static_cast<std::uint8_t>(len));
      out.insert(out.end(), spec.qname.begin() + static_cast<std::ptrdiff_t>(start),
                 spec.qname.begin() + static_cast<std::ptrdiff_t>(end));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
  }
  if (total > 255) throw std::invalid_argument(fmt::format("'{}' is longer than 255 bytes", spec.qname));
  out.push_back(0);
  put16(out, spec.qtype);
  put16(out, 1);  // IN

  if (spec.edns_size > 0) {
    out.push_back(0);  // owner: root
    put16(out, kTypeOpt);
    put16(out, spec.edns_size);  // CLASS = requestor's UDP payload size
    put16(out, 0);               // TTL = extended rcode 0, version 0,
    put16(out, 0);               //       DO clear
    if (!spec.client_subnet) {
      put16(out, 0);  // RDLEN
    } else {
      const EcsPrefix& ecs = *spec.client_subnet;
      const std::size_t max_prefix = ecs.family == 2 ? 128 : 32;
      if ((ecs.family != 1 && ecs.family != 2) || ecs.source_prefix > max_prefix)
        throw std::invalid_argument("the client subnet has an unknown family or a prefix longer than its address");
      const std::size_t n = ecs.address_bytes();
      put16(out, 4 + 4 + n);  // RDLEN: one option
      put16(out, kOptionClientSubnet);
      put16(out, 4 + n);
      put16(out, ecs.family);
      out.push_back(ecs.source_prefix);
      out.push_back(0);  // SCOPE PREFIX-LENGTH: must be 0 in queries
      for (std::size_t i = 0; i < n; ++i) {
        std::uint8_t b = ecs.address[i];
        // Bits past the source prefix must be zero (RFC 7871 §6); clear them rather than leak them.
        const std::size_t bits_here = ecs.source_prefix - i * 8;
        if (bits_here < 8) b = static_cast<std::uint8_t>(b & (0xff00u >> bits_here));
        out.push_back(b);
      }
    }
  }
  return out;
}

}  // namespace dnswitness
