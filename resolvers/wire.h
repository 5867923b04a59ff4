#pragma once
// DNS wire bytes: the one bounds-checked reader for the few fields we read ourselves (header, ID),
// and the decoding of whole responses (RFC 1035 §4.1 formats): common ones directly, the rest by
// ldns.
// Thread-safety: pure functions; WireReader is a cursor over bytes the caller owns.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/address.h"  // sort_addresses, used on every decoded answer
#include "model/bytes.h"
#include "model/observation.h"

struct ldns_struct_rdf;  // <ldns/rdata.h>

namespace dnswitness {

// Reads big-endian integers and byte runs; every read checks the remaining length and a failed
// read leaves the reader in a failed state instead of reading past the end.
class WireReader {
 public:
  explicit WireReader(ByteView data) : data_(data) {}
  std::optional<std::uint8_t> u8();
  std::optional<std::uint16_t> u16();
  std::optional<std::uint32_t> u32();
  bool skip(std::size_t n);
  std::size_t remaining() const { return failed_ ? 0 : data_.size() - pos_; }
  bool failed() const { return failed_; }

 private:
  ByteView data_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

struct WireHeader {
  std::uint16_t id = 0;
  std::uint16_t flags = 0;  // QR, opcode, AA, TC, RD, RA, Z, AD, CD, rcode (RFC 1035 §4.1.1, RFC 4035)
  std::uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;
  bool qr() const { return flags & 0x8000; }
  bool tc() const { return flags & 0x0200; }
  int rcode() const { return flags & 0x000f; }
};
std::optional<WireHeader> read_header(ByteView message);

// Header flags in presentation order, lower case: qr aa tc rd ra ad cd.
std::vector<std::string> flag_names(std::uint16_t flags);

// The first question of a message (RFC 1035 §4.1.2), read with WireReader. Only uncompressed
// names are accepted, as every question section we send or expect is. Name is lower case, no
// trailing dot.
struct Question {
  std::string qname;
  std::uint16_t qtype = 0;
  std::uint16_t qclass = 0;
};
std::optional<Question> read_question(ByteView message);

struct DecodedResponse {
  bool ok = false;      // a well-formed DNS response to the question asked
  std::string problem;  // why not, when !ok
  WireHeader header;
  int rcode = 0;        // including the EDNS extended bits when an OPT record carries them
  std::vector<ResourceRecord> answers;  // answer section, in order
  std::vector<std::string> addresses;   // records of qtype at the end of qname's CNAME chain
};

// Presentation text of one rdata field, exactly as ldns_rdf2str writes it; names, A and AAAA
// without ldns's per-character printf, the rest by ldns.
std::string rdf_text(const ldns_struct_rdf* rdf);

// Decodes a response and checks that it answers (qname, qtype): QR set, one question equal to
// ours (case-insensitive), every section parseable. Never reads outside `message`.
// Common messages are read directly; anything unusual goes to ldns (decode_response_ldns), with
// the same result either way.
DecodedResponse decode_response(ByteView message, const std::string& qname, std::uint16_t qtype);
// The direct reader alone: nullopt when the message is not one it reads (then ldns decides).
std::optional<DecodedResponse> decode_response_direct(ByteView message, const std::string& qname,
                                                      std::uint16_t qtype);
// The same, always through ldns_wire2pkt: the reference the direct reader is tested against.
DecodedResponse decode_response_ldns(ByteView message, const std::string& qname, std::uint16_t qtype);

}  // namespace dnswitness
