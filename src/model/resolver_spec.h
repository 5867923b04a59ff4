#pragma once
// A resolver: where queries go, as the user named it on the command line or in the config.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dnswitness {

// `authoritative` stands for the target zones' own name servers, found at run time; its spec has
// no address (each observation names the server it asked). `https` is DNS over HTTPS (RFC 8484),
// `tls` DNS over TLS (RFC 7858).
enum class Protocol { udp, tcp, system, authoritative, https, tls };

std::string_view protocol_name(Protocol p);

struct ResolverSpec {
  std::string name;     // unique within a run: "google", "lab", "system", "system-2"
  Protocol protocol = Protocol::udp;
  std::string address;  // numeric IPv4 or IPv6 address, no brackets; https, tls: the host as written (may be a name)
  std::uint16_t port = 53;
  std::string url;      // https only: the DNS-over-HTTPS URL (RFC 8484), as canonicalised by the parser
};

// Parses "[NAME=]SPEC" where SPEC is HOST[:PORT], udp://HOST[:PORT], tcp://HOST[:PORT] (IPv6 as
// [::1]:5300), https://HOST[:PORT]/PATH (DNS over HTTPS; HOST may be a name, resolved by the
// system when the query is sent), tls://HOST[:PORT] (DNS over TLS, port 853; HOST may be a name,
// resolved when the run first connects), "system" or "authoritative". Throws UsageError with a
// plain sentence on anything else. A missing NAME is derived from the address (for https, the
// URL; for tls, tls://HOST[:PORT]).
// "system" stays one unexpanded spec: expand_system_resolvers() turns it into real servers.
ResolverSpec parse_resolver_spec(std::string_view text);

// The default resolver set: the host's own resolvers plus Google, Cloudflare and Quad9 over UDP,
// and Google, Cloudflare and IIJ over HTTPS.
std::vector<std::string> default_resolver_specs();

// Replaces each "system" spec by one UDP resolver per nameserver line of resolv_conf_path
// (named "system", or "system-1", "system-2", … when there are several). Throws UsageError when
// the file cannot be read or lists no usable nameserver. Checks that names are unique.
std::vector<ResolverSpec> expand_system_resolvers(std::vector<ResolverSpec> specs,
                                                  const std::string& resolv_conf_path);

}  // namespace dnswitness
