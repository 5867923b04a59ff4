#include "reports/exports/dig_text.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "reports/exports/rfc8427.h"

namespace dnswitness {
namespace {

// dig starts the TTL (the class, in the question) column at 24, reached with 8-column tabs.
constexpr std::size_t kDigTextColumn = 24;
constexpr std::size_t kDigTextTab = 8;
constexpr std::uint16_t kDigTextOptType = 41;
constexpr std::uint32_t kDigTextDoBit = 0x8000;
constexpr std::uint8_t kDigTextZBit = 0x40;  // in the header's fourth byte
constexpr std::uint32_t kDigTextMbzBits = 0x7FFF;
constexpr const char* kDigTextSections[][2] = {
    {"answerRRs", "ANSWER"}, {"authorityRRs", "AUTHORITY"}, {"additionalRRs", "ADDITIONAL"}};

// The header flags in dig's order, with the member that holds each; Z (which must be zero) has no
// RFC 8427 member and is read from the header itself, shown as "z" as kdig does.
struct DigTextFlag {
  const char* member;
  const char* text;
};
constexpr DigTextFlag kDigTextFlags[] = {{"QR", "qr"}, {"AA", "aa"}, {"TC", "tc"}, {"RD", "rd"},
                                         {"RA", "ra"}, {nullptr, "z"}, {"AD", "ad"}, {"CD", "cd"}};

// EDNS option codes (IANA "DNS EDNS0 Option Codes").
enum DigTextOption : std::uint16_t {
  kDigTextNsid = 3,
  kDigTextDau = 5,
  kDigTextDhu = 6,
  kDigTextN3u = 7,
  kDigTextEcs = 8,
  kDigTextExpire = 9,
  kDigTextCookie = 10,
  kDigTextKeepalive = 11,
  kDigTextPadding = 12,
  kDigTextKeyTag = 14,
  kDigTextEde = 15,
};

std::uint16_t digtext_u16(ByteView b, std::size_t at) {
  return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}

std::string digtext_hex(ByteView bytes, bool upper, bool spaced) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (spaced && i > 0) out.push_back(' ');
    out.push_back(digits[bytes[i] >> 4]);
    out.push_back(digits[bytes[i] & 0x0F]);
  }
  return out;
}

int digtext_nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// RDATAHEX back to bytes (the OPT record's options); stops at anything that is not hex.
Bytes digtext_unhex(std::string_view hex) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    int high = digtext_nibble(hex[i]);
    int low = digtext_nibble(hex[i + 1]);
    if (high < 0 || low < 0) break;
    out.push_back(static_cast<std::uint8_t>(high * 16 + low));
  }
  return out;
}

// Option text as dig shows it in ("..."): printable ASCII as is, any other byte as '.'.
std::string digtext_printable(ByteView bytes) {
  std::string out;
  for (std::uint8_t b : bytes) out.push_back(b >= 0x20 && b < 0x7F ? static_cast<char>(b) : '.');
  return out;
}

std::string digtext_opcode_name(unsigned opcode) {
  static constexpr std::array<const char*, 7> kNames = {"QUERY", "IQUERY", "STATUS", nullptr,
                                                        "NOTIFY", "UPDATE", "DSO"};
  if (opcode < kNames.size() && kNames[opcode] != nullptr) return kNames[opcode];
  return "RESERVED" + std::to_string(opcode);
}

// RCODE names (RFC 1035, 2136, 6891, 7873); 16 is BADVERS outside TSIG, where dig shows it so.
std::string digtext_rcode_name(unsigned rcode) {
  static constexpr std::array<const char*, 24> kNames = {
      "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
      "NXRRSET", "NOTAUTH", "NOTZONE",  nullptr,    nullptr,   nullptr,   nullptr,    nullptr,
      "BADVERS", "BADKEY",  "BADTIME",  "BADMODE",  "BADNAME", "BADALG",  "BADTRUNC", "BADCOOKIE"};
  if (rcode < kNames.size() && kNames[rcode] != nullptr) return kNames[rcode];
  return std::to_string(rcode);
}

// Extended DNS Error info codes (RFC 8914 and the IANA registry): the blocking ones matter here.
std::string digtext_ede_name(unsigned code) {
  static constexpr std::array<const char*, 30> kNames = {
      "Other Error",          "Unsupported DNSKEY Algorithm", "Unsupported DS Digest Type",
      "Stale Answer",         "Forged Answer",                "DNSSEC Indeterminate",
      "DNSSEC Bogus",         "Signature Expired",            "Signature Not Yet Valid",
      "DNSKEY Missing",       "RRSIGs Missing",               "No Zone Key Bit Set",
      "NSEC Missing",         "Cached Error",                 "Not Ready",
      "Blocked",              "Censored",                     "Filtered",
      "Prohibited",           "Stale NXDOMAIN Answer",        "Not Authoritative",
      "Not Supported",        "No Reachable Authority",       "Network Error",
      "Invalid Data",         "Signature Expired before Valid", "Too Early",
      "Unsupported NSEC3 Iterations Value", "Unable to conform to policy", "Synthesized"};
  return code < kNames.size() ? kNames[code] : "Unknown";
}

// Tabs after `text` up to dig's column (one at least).
std::string digtext_pad(const std::string& text) {
  std::string out = text;
  std::size_t column = text.size();
  do {
    out.push_back('\t');
    column = (column / kDigTextTab + 1) * kDigTextTab;
  } while (column < kDigTextColumn);
  return out;
}

// An option dig has no better form for, and the fallback for a known option of the wrong length.
std::string digtext_generic_option(const std::string& label, ByteView data) {
  if (data.empty()) return "; " + label + ":";
  return "; " + label + ": " + digtext_hex(data, false, true) + " (\"" + digtext_printable(data) + "\")";
}

// ECS (RFC 7871): FAMILY, SOURCE PREFIX-LENGTH, SCOPE PREFIX-LENGTH, then only the address bytes
// the source prefix needs; dig and kdig show address/source/scope.
std::string digtext_ecs(ByteView data) {
  if (data.size() < 4) return digtext_generic_option("CLIENT-SUBNET", data);
  std::uint16_t family = digtext_u16(data, 0);
  std::size_t width = family == 1 ? 4 : family == 2 ? 16 : 0;
  ByteView address = data.subspan(4);
  if (width == 0 || address.size() > width) return digtext_generic_option("CLIENT-SUBNET", data);
  std::array<std::uint8_t, 16> padded{};
  for (std::size_t i = 0; i < address.size(); ++i) padded[i] = address[i];
  char text[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(family == 1 ? AF_INET : AF_INET6, padded.data(), text, sizeof text) == nullptr) {
    return digtext_generic_option("CLIENT-SUBNET", data);
  }
  return "; CLIENT-SUBNET: " + std::string(text) + "/" + std::to_string(data[2]) + "/" + std::to_string(data[3]);
}

std::string digtext_ede(ByteView data) {
  if (data.size() < 2) return digtext_generic_option("EDE", data);
  std::uint16_t code = digtext_u16(data, 0);
  std::string line = "; EDE: " + std::to_string(code) + " (" + digtext_ede_name(code) + ")";
  if (data.size() > 2) line += ": (" + digtext_printable(data.subspan(2)) + ")";
  return line;
}

// A list of 8-bit (DAU, DHU, N3U) or 16-bit (KEY-TAG) numbers.
std::string digtext_numbers(const std::string& label, ByteView data, std::size_t width, const char* separator) {
  if (data.empty() || data.size() % width != 0) return digtext_generic_option(label, data);
  std::string line = "; " + label + ":";
  for (std::size_t i = 0; i < data.size(); i += width) {
    line += i == 0 ? " " : separator;
    line += std::to_string(width == 1 ? data[i] : digtext_u16(data, i));
  }
  return line;
}

// A number option of a fixed size (EXPIRE in seconds, TCP-KEEPALIVE in 100 ms units); empty in queries.
std::string digtext_timer(const std::string& label, ByteView data, std::size_t size) {
  if (data.empty()) return "; " + label + ":";
  if (data.size() != size) return digtext_generic_option(label, data);
  if (size == 2) {
    std::uint16_t units = digtext_u16(data, 0);
    return "; " + label + ": " + std::to_string(units / 10) + "." + std::to_string(units % 10) + " secs";
  }
  std::uint32_t seconds = (std::uint32_t{digtext_u16(data, 0)} << 16) | digtext_u16(data, 2);
  return "; " + label + ": " + std::to_string(seconds);
}

std::string digtext_option(std::uint16_t code, ByteView data) {
  switch (code) {
    case kDigTextNsid: return digtext_generic_option("NSID", data);
    case kDigTextEcs: return digtext_ecs(data);
    case kDigTextCookie: return "; COOKIE: " + digtext_hex(data, false, false);
    case kDigTextExpire: return digtext_timer("EXPIRE", data, 4);
    case kDigTextKeepalive: return digtext_timer("TCP-KEEPALIVE", data, 2);
    case kDigTextPadding: return "; PADDING: (" + std::to_string(data.size()) + " bytes)";
    case kDigTextEde: return digtext_ede(data);
    case kDigTextKeyTag: return digtext_numbers("KEY-TAG", data, 2, ", ");
    case kDigTextDau: return digtext_numbers("DAU", data, 1, " ");
    case kDigTextDhu: return digtext_numbers("DHU", data, 1, " ");
    case kDigTextN3u: return digtext_numbers("N3U", data, 1, " ");
    default: return digtext_generic_option("OPT=" + std::to_string(code), data);
  }
}

const nlohmann::json* digtext_find_opt(const nlohmann::json& message) {
  auto additional = message.find("additionalRRs");
  if (additional == message.end()) return nullptr;
  for (const nlohmann::json& rr : *additional) {
    if (rr.value("TYPE", 0) == kDigTextOptType) return &rr;
  }
  return nullptr;
}

// The header lines; status is the whole RCODE, its upper 8 bits from the OPT record when there is one.
void digtext_header(std::string& out, ByteView message, const nlohmann::json& m, const nlohmann::json* opt) {
  unsigned rcode = m.value("RCODE", 0U);
  if (opt != nullptr) rcode |= (opt->value("TTL", 0U) >> 24) << 4;
  out += ";; ->>HEADER<<- opcode: " + digtext_opcode_name(m.value("Opcode", 0U)) +
         ", status: " + digtext_rcode_name(rcode) + ", id: " + std::to_string(m.value("ID", 0U)) + "\n";
  out += ";; flags:";
  for (const DigTextFlag& flag : kDigTextFlags) {
    bool set = flag.member != nullptr ? m.value(flag.member, 0) == 1 : (message[3] & kDigTextZBit) != 0;
    if (set) out += std::string(" ") + flag.text;
  }
  out += "; QUERY: " + std::to_string(m.value("QDCOUNT", 0U)) + ", ANSWER: " + std::to_string(m.value("ANCOUNT", 0U)) +
         ", AUTHORITY: " + std::to_string(m.value("NSCOUNT", 0U)) +
         ", ADDITIONAL: " + std::to_string(m.value("ARCOUNT", 0U)) + "\n";
}

// The OPT record as dig's pseudo-section: its TTL field holds the extended RCODE, the version and
// the flags (DO and bits that must be zero); its RDATA the options.
void digtext_opt_section(std::string& out, const nlohmann::json& opt) {
  std::uint32_t word = opt.value("TTL", 0U);
  char mbz[32] = "";
  if ((word & kDigTextMbzBits) != 0) std::snprintf(mbz, sizeof mbz, "MBZ: 0x%04x, ", word & kDigTextMbzBits);
  out += "\n;; OPT PSEUDOSECTION:\n; EDNS: version: " + std::to_string((word >> 16) & 0xFF) +
         ", flags:" + ((word & kDigTextDoBit) != 0 ? " do" : "") + "; " + mbz +
         "udp: " + std::to_string(opt.value("CLASS", 0U)) + "\n";
  Bytes options = digtext_unhex(opt.value("RDATAHEX", std::string()));
  ByteView rest(options);
  while (rest.size() >= 4) {
    std::size_t length = digtext_u16(rest, 2);
    if (length > rest.size() - 4) break;  // cannot happen: rfc8427 checked the layout
    out += digtext_option(digtext_u16(rest, 0), rest.subspan(4, length)) + "\n";
    rest = rest.subspan(4 + length);
  }
}

void digtext_question(std::string& out, const nlohmann::json& m) {
  if (!m.contains("QNAME")) return;
  out += "\n;; QUESTION SECTION:\n";
  out += digtext_pad(";" + m.value("QNAME", std::string())) + "\t" + m.value("QCLASSname", std::string()) + "\t" +
         m.value("QTYPEname", std::string()) + "\n";
}

// The record data: its text when the type has one, else RFC 3597's generic form (as kdig). Empty
// data outside class IN (dynamic update's "delete" and "exists" forms) is shown as nothing.
std::string digtext_rdata(const nlohmann::json& rr) {
  for (auto it = rr.begin(); it != rr.end(); ++it) {
    if (it.key().rfind("rdata", 0) == 0) return "\t" + it.value().get<std::string>();
  }
  std::string hex = rr.value("RDATAHEX", std::string());
  if (hex.empty() && rr.value("CLASSname", std::string()) != "IN") return "";
  std::string generic = "\t\\# " + std::to_string(rr.value("RDLENGTH", 0U));
  return hex.empty() ? generic : generic + " " + hex;
}

std::string digtext_record(const nlohmann::json& rr) {
  return digtext_pad(rr.value("NAME", std::string())) + std::to_string(rr.value("TTL", 0U)) + "\t" +
         rr.value("CLASSname", std::string()) + "\t" + rr.value("TYPEname", std::string()) + digtext_rdata(rr) + "\n";
}

void digtext_sections(std::string& out, const nlohmann::json& m) {
  for (const auto& [member, title] : kDigTextSections) {
    auto records = m.find(member);
    if (records == m.end()) continue;
    std::string lines;
    for (const nlohmann::json& rr : *records) {
      if (rr.value("TYPE", 0) != kDigTextOptType) lines += digtext_record(rr);
    }
    if (!lines.empty()) out += "\n;; " + std::string(title) + " SECTION:\n" + lines;
  }
}

std::string digtext_malformed(ByteView message) {
  return ";; MALFORMED DNS message (" + std::to_string(message.size()) +
         " bytes): " + rfc8427_decode_problem(message) + "\n;; HEX: " + digtext_hex(message, true, false) + "\n";
}

}  // namespace

std::string dig_text(ByteView message) {
  nlohmann::json m = rfc8427_message(message);
  if (m.contains("messageOctetsHEX")) return digtext_malformed(message);
  const nlohmann::json* opt = digtext_find_opt(m);
  std::string out;
  digtext_header(out, message, m, opt);
  if (opt != nullptr) digtext_opt_section(out, *opt);
  digtext_question(out, m);
  digtext_sections(out, m);
  out += "\n;; MSG SIZE: " + std::to_string(message.size()) + "\n";
  return out;
}

}  // namespace dnswitness
