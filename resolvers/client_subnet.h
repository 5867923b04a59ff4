#pragma once
// EDNS Client Subnet (RFC 7871) as the user names it and as a server returns it: parsing
// --client-subnet values (a prefix, or a carrier preset from presets/client-subnets.conf) and
// reading the option back out of a response with the bounds-checked WireReader.
//
// Thread-safety: pure functions, except load_client_subnet_presets (reads a file).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/bytes.h"
#include "resolvers/query_builder.h"

namespace dnswitness {

// One subnet to send, with where it came from: a preset name ("docomo") or empty for a prefix the
// user typed.
struct ClientSubnetChoice {
  EcsPrefix prefix;
  std::string preset;
};

// Parses "ADDRESS/LENGTH" (IPv4 or IPv6). The address must be the network address: bits after the
// prefix must be zero, so that what is recorded is exactly what is sent. Returns the problem in one
// phrase when it is not a prefix.
struct PrefixParse {
  std::optional<EcsPrefix> prefix;
  std::string problem;
};
PrefixParse parse_ecs_prefix(std::string_view text);

// A carrier preset: the name, its prefixes, and the source each prefix was taken from.
struct ClientSubnetPreset {
  std::string name;
  std::vector<EcsPrefix> prefixes;
  std::vector<std::string> sources;  // one per prefix
};

// Parses the preset file format: "NAME PREFIX SOURCE…" per line, '#' comments. Throws
// UsageError naming `source` and the line of the first bad entry.
std::vector<ClientSubnetPreset> parse_client_subnet_presets(const std::string& text, const std::string& source);
// Reads client-subnets.conf from the first presets directory that has it (see preset_dirs()).
std::vector<ClientSubnetPreset> load_client_subnet_presets();

// Turns --client-subnet values into the subnets to send, in order, repeats removed: a preset name
// expands to all its prefixes. Throws UsageError with one sentence for anything else.
std::vector<ClientSubnetChoice> resolve_client_subnets(const std::vector<std::string>& values,
                                                       const std::vector<ClientSubnetPreset>& presets);

// The ECS option found in a DNS message (query or response), as carried.
struct EcsOption {
  std::uint16_t family = 0;
  std::uint8_t source_prefix = 0;
  std::uint8_t scope_prefix = 0;
  Bytes address;  // as on the wire (source_prefix rounded up to bytes)
  std::string address_text() const;  // the address padded to its family's length; "?" if unknown
};

struct EcsScan {
  bool readable = false;  // the message's sections could be walked to the end
  bool has_opt = false;   // an OPT record was present
  std::optional<EcsOption> option;  // the first well-formed ECS option of the OPT record
  std::string problem;    // why not readable, or why an ECS option present was not well-formed
};

// Walks the whole message (question, answer, authority, additional; compressed names skipped, not
// followed) and reads the OPT record's options. Never reads outside `message`.
EcsScan read_client_subnet_option(ByteView message);

}  // namespace dnswitness
