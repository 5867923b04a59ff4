#pragma once
// What a report prints of an RDAP answer about an IP address: who holds the network. Read from the
// raw bytes of an RFC 9083 IP network object (§5.4) and nothing else, so that verify can derive the
// same summary again from the body stored in the bundle.
//
// Ownership: plain values. Thread-safety: pure functions; safe from any thread.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dnswitness {

// A name of the registrant as its jCard gives it (RFC 7095): "org" or "fn", with the language
// parameter when there is one (JPNIC gives a Japanese and an English name).
struct RdapName {
  std::string property;  // "org" or "fn"
  std::string text;      // UTF-8 as received
  std::string language;  // the "language" parameter, e.g. "ja"; empty when none
};

struct RdapSummary {
  bool ok = false;
  std::string error;  // when !ok: one plain sentence (not JSON, not an IP network, an RDAP error answer)

  std::string registry;  // from the URL's host: "APNIC", "JPNIC", "ARIN", "RIPE NCC", "LACNIC", ...
  std::string handle;
  std::string name;           // the network's name, e.g. "BBTEC"
  std::string type;           // e.g. "ALLOCATED PORTABLE", "DIRECT ALLOCATION"
  std::string country;        // two letters when given
  std::string start_address;  // "startAddress"
  std::string end_address;    // "endAddress"
  std::vector<std::string> cidrs;     // from "cidr0_cidrs" (RDAP extension cidr0), e.g. "126.0.0.0/8"
  std::string parent_handle;          // "parentHandle"
  std::string registrant;             // the first registrant's "org", else its "fn"; empty when none
  std::vector<RdapName> registrant_names;  // every "org" and "fn" of every registrant entity, in order
  std::vector<std::uint32_t> origin_as;    // "arin_originas0_originautnums" (ARIN); empty elsewhere
  std::string last_changed;   // the "last changed" event's date, as given
};

// Summarises the body of an answer fetched from `url` (the URL that answered, after redirects:
// it names the registry).
RdapSummary summarize_rdap_ip_network(std::string_view body, std::string_view url);

// "APNIC", "JPNIC", "KRNIC", "TWNIC", "ARIN", "RIPE NCC", "LACNIC", "AFRINIC" from a URL's host;
// the host itself when it is none of them; empty for something that is not a URL.
std::string rdap_registry_name(std::string_view url);

}  // namespace dnswitness
