#pragma once
// A target: a domain name and a record type to resolve.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dnswitness {

struct Target {
  std::string qname;  // lower case, no trailing dot
  std::uint16_t qtype = 1;
};

// Validates a host name as it may be queried (RFC 1035 §2.3.4 lengths; letters, digits, '-' and
// '_' in labels; no empty label). Returns the canonical form (lower case, no trailing dot) or an
// explanation of what is wrong.
struct NameCheck {
  std::optional<std::string> name;
  std::string problem;
};
NameCheck check_domain_name(std::string_view text);

// Record type mnemonics we accept on the command line (A, AAAA, CNAME, TXT, NS, MX, SOA, HTTPS…).
std::optional<std::uint16_t> parse_qtype(std::string_view text);
std::string qtype_name(std::uint16_t qtype);

}  // namespace dnswitness
