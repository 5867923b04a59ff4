#include "resolvers/client_subnet.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "resolvers/wire.h"

namespace dnswitness {
namespace {

constexpr std::uint16_t kTypeOpt = 41;
constexpr std::uint16_t kOptionClientSubnet = 8;

// Skips one possibly compressed name (RFC 1035 §4.1.4); a pointer ends it and is not followed.
bool skip_name(WireReader& r) {
  std::size_t total = 0;
  for (;;) {
    const auto len = r.u8();
    if (!len) return false;
    if (*len == 0) return true;
    if ((*len & 0xC0) == 0xC0) return r.skip(1);
    if ((*len & 0xC0) != 0) return false;  // 0x40 / 0x80 label types are not in use
    total += *len + 1u;
    if (total > 255 || !r.skip(*len)) return false;
  }
}

}  // namespace

PrefixParse parse_ecs_prefix(std::string_view text) {
  PrefixParse out;
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    out.problem = "it has no prefix length after '/'";
    return out;
  }
  const std::string addr(text.substr(0, slash));
  const std::string_view len_text = text.substr(slash + 1);
  EcsPrefix p;
  unsigned max_len = 32;
  if (inet_pton(AF_INET, addr.c_str(), p.address.data()) == 1) {
    p.family = 1;
  } else if (inet_pton(AF_INET6, addr.c_str(), p.address.data()) == 1) {
    p.family = 2;
    max_len = 128;
  } else {
    out.problem = fmt::format("'{}' is not an IPv4 or IPv6 address", addr);
    return out;
  }
  unsigned len = 0;
  const auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  if (len_text.empty() || ec != std::errc() || end != len_text.data() + len_text.size() || len > max_len) {
    out.problem = fmt::format("the prefix length '{}' is not a number from 0 to {}", len_text, max_len);
    return out;
  }
  p.source_prefix = static_cast<std::uint8_t>(len);
  EcsPrefix network = p;
  for (unsigned bit = len; bit < max_len; ++bit)
    network.address[bit / 8] = static_cast<std::uint8_t>(network.address[bit / 8] & ~(0x80u >> (bit % 8)));
  if (network.address != p.address) {
    out.problem = fmt::format("bits after /{} are set; the network address is {}", len, network.text());
    return out;
  }
  out.prefix = p;
  return out;
}

std::string EcsOption::address_text() const {
  std::array<std::uint8_t, 16> full{};
  const std::size_t width = family == 1 ? 4 : family == 2 ? 16 : 0;
  if (width == 0 || address.size() > width) return "?";
  std::copy(address.begin(), address.end(), full.begin());
  char buf[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(family == 1 ? AF_INET : AF_INET6, full.data(), buf, sizeof buf) == nullptr) return "?";
  return buf;
}

EcsScan read_client_subnet_option(ByteView message) {
  EcsScan scan;
  const auto header = read_header(message);
  if (!header) {
    scan.problem = "shorter than a DNS header";
    return scan;
  }
  WireReader r(message);
  r.skip(12);
  for (unsigned i = 0; i < header->qdcount; ++i)
    if (!skip_name(r) || !r.skip(4)) {
      scan.problem = "the question section is cut short or malformed";
      return scan;
    }
  const unsigned records = static_cast<unsigned>(header->ancount) + header->nscount + header->arcount;
  for (unsigned i = 0; i < records; ++i) {
    if (!skip_name(r)) {
      scan.problem = "a record name is cut short or malformed";
      return scan;
    }
    const auto type = r.u16();
    r.skip(6);  // class, TTL
    const auto rdlen = r.u16();
    if (!type || !rdlen || r.remaining() < *rdlen) {
      scan.problem = "a record is cut short";
      return scan;
    }
    const bool additional = i >= static_cast<unsigned>(header->ancount) + header->nscount;
    if (!(additional && *type == kTypeOpt) || scan.has_opt) {
      r.skip(*rdlen);
      continue;
    }
    // The first OPT record (RFC 6891 §6.1.1 allows one): read its options from its own bytes.
    scan.has_opt = true;
    const std::size_t at = message.size() - r.remaining();
    WireReader opt(message.subspan(at, *rdlen));
    r.skip(*rdlen);
    while (opt.remaining() > 0) {
      const auto code = opt.u16();
      const auto len = opt.u16();
      if (!code || !len || opt.remaining() < *len) {
        scan.problem = "an EDNS option is cut short";
        break;
      }
      if (*code != kOptionClientSubnet || scan.option) {
        opt.skip(*len);
        continue;
      }
      const std::size_t body_at = at + (*rdlen - opt.remaining());
      opt.skip(*len);
      WireReader body(message.subspan(body_at, *len));
      const auto family = body.u16();
      const auto source = body.u8();
      const auto scope = body.u8();
      if (!family || !source || !scope) {
        scan.problem = "the client subnet option is shorter than 4 bytes";
        continue;
      }
      EcsOption o;
      o.family = *family;
      o.source_prefix = *source;
      o.scope_prefix = *scope;
      const std::size_t max_bits = o.family == 1 ? 32 : o.family == 2 ? 128 : 0;
      if (max_bits == 0 || o.source_prefix > max_bits || o.scope_prefix > max_bits ||
          body.remaining() != (o.source_prefix + 7u) / 8u) {
        scan.problem = fmt::format("the client subnet option is malformed (family {}, source /{}, scope /{}, {} "
                                   "address bytes)",
                                   o.family, o.source_prefix, o.scope_prefix, body.remaining());
        continue;
      }
      const std::size_t addr_at = body_at + 4;
      o.address.assign(message.begin() + static_cast<std::ptrdiff_t>(addr_at),
                       message.begin() + static_cast<std::ptrdiff_t>(addr_at + body.remaining()));
      scan.option = std::move(o);
    }
  }
  scan.readable = true;
  return scan;
}

}  // namespace dnswitness
