#include "model/resolver_spec.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

#include "model/address.h"
#include "model/errors.h"

namespace dnswitness {
namespace {

std::uint16_t parse_port(std::string_view text, std::string_view whole) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535)
    throw UsageError(fmt::format("The resolver '{}' has an invalid port '{}'; use a number from 1 to 65535.",
                                 whole, text));
  return static_cast<std::uint16_t>(value);
}

// A DNS host name as it may stand in a URL: letters, digits, '-' and '.', labels of 1-63.
bool valid_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  std::size_t label = 0;
  for (const char c : host) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-') || ++label > 63) return false;
  }
  return label > 0;  // no trailing dot: the URL is recorded as written
}

// RFC 3986 path characters (pchar and '/'); no query, fragment or spaces.
bool valid_url_path(std::string_view path) {
  if (path.empty() || path.front() != '/') return false;
  for (const char c : path)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::string_view("-._~!$&'()*+,;=:@/%").find(c) !=
                                                             std::string_view::npos))
      return false;
  return true;
}

// HOST[:PORT] of a URL-style spec: an IPv4 address, a host name (lower-cased) or an IPv6 address
// in brackets. `form` shows the user the expected shape in the error for a bad host.
struct SpecAuthority {
  std::string host;  // without brackets
  bool bracketed = false;
  bool has_port = false;
  std::uint16_t port = 0;
};

SpecAuthority parse_spec_authority(std::string_view authority, std::string_view whole, std::string_view form) {
  SpecAuthority a;
  if (authority.find('@') != std::string_view::npos)
    throw UsageError(fmt::format("The resolver '{}' holds a user name; remove the part before '@'.", whole));
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos)
      throw UsageError(fmt::format("The resolver '{}' has an IPv6 address without its closing ']'.", whole));
    a.host = std::string(authority.substr(1, close - 1));
    a.bracketed = true;
    const auto rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':')
        throw UsageError(fmt::format("The resolver '{}' has unexpected text after the address.", whole));
      port_text = rest.substr(1);
      a.has_port = true;
    }
    if (!is_ipv6(a.host))
      throw UsageError(fmt::format("The resolver '{}' does not hold a valid IPv6 address.", whole));
  } else {
    const auto colon = authority.find(':');
    a.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      a.has_port = true;
    }
    for (auto& c : a.host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!is_ipv4(a.host) && !valid_host_name(a.host))
      throw UsageError(fmt::format("The resolver '{}' does not hold a valid host name or address; write it as {}.",
                                   whole, form));
  }
  if (a.has_port) a.port = parse_port(port_text, whole);
  return a;
}

// https://HOST[:PORT]/PATH (RFC 8484 §3: the URI template here is a plain path; POST carries the query).
ResolverSpec parse_https_spec(std::string_view text, std::string_view whole) {
  ResolverSpec spec;
  spec.protocol = Protocol::https;
  spec.port = 443;
  text.remove_prefix(8);
  const auto slash = text.find('/');
  if (slash == std::string_view::npos)
    throw UsageError(fmt::format("The resolver '{}' has no path; DNS-over-HTTPS URLs look like "
                                 "https://dns.example/dns-query.",
                                 whole));
  const std::string_view path = text.substr(slash);
  const SpecAuthority a = parse_spec_authority(
      text.substr(0, slash), whole, "https://dns.example/dns-query or https://[::1]:8443/dns-query");
  if (a.has_port) spec.port = a.port;
  if (!valid_url_path(path))
    throw UsageError(fmt::format("The resolver '{}' has a path with characters a DNS-over-HTTPS URL cannot "
                                 "hold (no '?', '#' or spaces).",
                                 whole));
  spec.address = a.host;
  const std::string shown_host = a.bracketed ? "[" + a.host + "]" : a.host;
  spec.url = "https://" + shown_host + (spec.port == 443 ? "" : fmt::format(":{}", spec.port)) + std::string(path);
  return spec;
}

// tls://HOST[:PORT] (DNS over TLS, RFC 7858: port 853 unless given). The derived name is the
// spec in that canonical form, port left out when it is 853.
ResolverSpec parse_tls_spec(std::string_view text, std::string_view whole) {
  ResolverSpec spec;
  spec.protocol = Protocol::tls;
  spec.port = 853;
  text.remove_prefix(6);
  if (text.empty())
    throw UsageError(fmt::format("The resolver '{}' has no host; write it as tls://dns.example or "
                                 "tls://[::1]:853.",
                                 whole));
  if (text.find_first_of("/?#") != std::string_view::npos)
    throw UsageError(fmt::format("The resolver '{}' has a path; a DNS-over-TLS resolver is only "
                                 "tls://HOST[:PORT].",
                                 whole));
  if (text.front() != '[' && text.find(':') != text.rfind(':'))
    throw UsageError(fmt::format("The resolver '{}' has an IPv6 address without brackets; write it as "
                                 "tls://[::1]:853.",
                                 whole));
  const SpecAuthority a = parse_spec_authority(text, whole, "tls://dns.example, tls://127.0.0.1:853 or tls://[::1]");
  if (a.has_port) spec.port = a.port;
  spec.address = a.host;
  const std::string shown_host = a.bracketed ? "[" + a.host + "]" : a.host;
  spec.name = "tls://" + shown_host + (spec.port == 853 ? "" : fmt::format(":{}", spec.port));
  return spec;
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (const char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  return true;
}

}  // namespace

std::string_view protocol_name(Protocol p) {
  switch (p) {
    case Protocol::udp: return "udp";
    case Protocol::tcp: return "tcp";
    case Protocol::system: return "system";
    case Protocol::authoritative: return "authoritative";
    case Protocol::https: return "https";
    case Protocol::tls: return "tls";
  }
  return "udp";
}

ResolverSpec parse_resolver_spec(std::string_view text) {
  const std::string_view whole = text;
  ResolverSpec spec;
  std::string_view name;
  if (const auto eq = text.find('='); eq != std::string_view::npos) {
    name = text.substr(0, eq);
    text = text.substr(eq + 1);
    if (!valid_name(name))
      throw UsageError(fmt::format("The resolver name '{}' is not valid; use letters, digits, '-', '_' or '.'.",
                                   name));
  }
  if (text == "system") {
    spec.protocol = Protocol::system;
    spec.name = name.empty() ? "system" : std::string(name);
    return spec;
  }
  if (text == "authoritative") {
    spec.protocol = Protocol::authoritative;
    spec.name = name.empty() ? "authoritative" : std::string(name);
    return spec;
  }
  if (text.starts_with("https://")) {
    spec = parse_https_spec(text, whole);
    spec.name = name.empty() ? spec.url : std::string(name);
    return spec;
  }
  if (text.starts_with("tls://")) {
    spec = parse_tls_spec(text, whole);
    if (!name.empty()) spec.name = std::string(name);
    return spec;
  }
  if (text.starts_with("udp://")) {
    text.remove_prefix(6);
  } else if (text.starts_with("tcp://")) {
    spec.protocol = Protocol::tcp;
    text.remove_prefix(6);
  } else if (text.find("://") != std::string_view::npos) {
    throw UsageError(fmt::format("The resolver '{}' has an unknown scheme; use udp://, tcp://, tls://, https:// or "
                                 "system.",
                                 whole));
  }
  std::string host;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos)
      throw UsageError(fmt::format("The resolver '{}' has an IPv6 address without its closing ']'.", whole));
    host = std::string(text.substr(1, close - 1));
    const auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':')
        throw UsageError(fmt::format("The resolver '{}' has unexpected text after the address.", whole));
      spec.port = parse_port(rest.substr(1), whole);
    }
    if (!is_ipv6(host))
      throw UsageError(fmt::format("The resolver '{}' does not hold a valid IPv6 address.", whole));
  } else {
    const auto colon = text.find(':');
    if (colon != std::string_view::npos && text.find(':', colon + 1) != std::string_view::npos) {
      host = std::string(text);  // a bare IPv6 address without a port
      if (!is_ipv6(host))
        throw UsageError(fmt::format("The resolver '{}' is not a valid address; write IPv6 as [::1]:5300.", whole));
    } else {
      host = std::string(text.substr(0, colon));
      if (colon != std::string_view::npos) spec.port = parse_port(text.substr(colon + 1), whole);
      if (!is_ipv4(host))
        throw UsageError(fmt::format("The resolver '{}' is not a numeric IP address; give an address such as "
                                     "127.0.0.1:5300 or [::1]:5300.",
                                     whole));
    }
  }
  spec.address = host;
  spec.name = name.empty() ? (spec.port == 53 ? host : fmt::format("{}#{}", host, spec.port)) : std::string(name);
  return spec;
}

std::vector<std::string> default_resolver_specs() {
  return {"system",
          "google=udp://8.8.8.8",
          "cloudflare=udp://1.1.1.1",
          "quad9=udp://9.9.9.9",
          "google-doh=https://dns.google/dns-query",
          "cloudflare-doh=https://cloudflare-dns.com/dns-query",
          "iij-doh=https://public.dns.iij.jp/dns-query"};
}

std::vector<ResolverSpec> expand_system_resolvers(std::vector<ResolverSpec> specs,
                                                  const std::string& resolv_conf_path) {
  std::vector<ResolverSpec> out;
  for (auto& spec : specs) {
    if (spec.protocol != Protocol::system) {
      out.push_back(std::move(spec));
      continue;
    }
    std::ifstream in(resolv_conf_path);
    if (!in)
      throw UsageError(fmt::format("Cannot read {} to find the system resolvers; give --resolver explicitly.",
                                   resolv_conf_path));
    std::vector<std::string> servers;
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream words(line);
      std::string keyword, address;
      if (!(words >> keyword) || keyword != "nameserver" || !(words >> address)) continue;
      if (const auto pct = address.find('%'); pct != std::string::npos) address.resize(pct);
      if (is_ipv4(address) || is_ipv6(address)) servers.push_back(address);
    }
    if (servers.empty())
      throw UsageError(fmt::format("{} lists no nameserver; give --resolver explicitly.", resolv_conf_path));
    for (std::size_t i = 0; i < servers.size(); ++i) {
      ResolverSpec s;
      s.protocol = Protocol::udp;
      s.address = servers[i];
      s.name = servers.size() == 1 ? spec.name : fmt::format("{}-{}", spec.name, i + 1);
      out.push_back(std::move(s));
    }
  }
  std::set<std::string> names;
  for (const auto& s : out)
    if (!names.insert(s.name).second)
      throw UsageError(fmt::format("Two resolvers are named '{}'; give each a unique NAME= prefix.", s.name));
  return out;
}

}  // namespace dnswitness
