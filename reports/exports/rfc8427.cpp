#include "reports/exports/rfc8427.h"

#include <ldns/ldns.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "timeutil/timestamp.h"

namespace dnswitness {
namespace {

constexpr std::size_t kRfc8427HeaderSize = 12;
// TYPE, CLASS, TTL and RDLENGTH after a record's owner name.
constexpr std::size_t kRfc8427FixedRecordPart = 10;
// The smallest record (root owner plus the fixed part). Knot refuses a header whose record counts
// could not fit in the message before it reads any record; so do we, to give the same members.
constexpr std::size_t kRfc8427MinRecordSize = 1 + kRfc8427FixedRecordPart;
constexpr std::uint8_t kRfc8427MaxLabel = 63;
constexpr std::size_t kRfc8427MaxName = 255;
constexpr std::uint8_t kRfc8427PointerBits = 0xC0;
constexpr std::uint16_t kRfc8427ClassIn = 1;
constexpr std::uint16_t kRfc8427ClassHs = 4;
// Types ldns 1.8 names but Knot 3.2 does not (obsolete or experimental: MD MF MB MG MR WKS X25 ISDN
// NSAP NSAP-PTR PX GPOS NXT EID NIMLOC ATMA A6 SINK HIP TALINK MAILB MAILA DLV). kdig writes them
// TYPEnnn, without an rdata member; so do we, for the same object from the same bytes.
constexpr std::uint16_t kRfc8427KnotUnnamed[] = {3,  4,  7,  8,  9,  11, 19, 20,  22,  23,  26,   27,
                                                 30, 31, 32, 34, 38, 40, 55, 58, 253, 254, 32769};
constexpr const char* kRfc8427SectionNames[] = {"answer", "authority", "additional"};
constexpr const char* kRfc8427SectionMembers[] = {"answerRRs", "authorityRRs", "additionalRRs"};
constexpr ldns_pkt_section kRfc8427LdnsSections[] = {LDNS_SECTION_ANSWER, LDNS_SECTION_AUTHORITY,
                                                     LDNS_SECTION_ADDITIONAL};
constexpr std::int64_t kRfc8427NsPerSecond = 1'000'000'000;

struct Rfc8427RrFree {
  void operator()(ldns_rr* rr) const { ldns_rr_free(rr); }
};
using Rfc8427Rr = std::unique_ptr<ldns_rr, Rfc8427RrFree>;

struct Rfc8427RdfFree {
  void operator()(ldns_rdf* rdf) const { ldns_rdf_deep_free(rdf); }
};
using Rfc8427Rdf = std::unique_ptr<ldns_rdf, Rfc8427RdfFree>;

// ldns hands out text allocated with malloc (LDNS_FREE is free).
struct Rfc8427TextFree {
  void operator()(char* text) const { std::free(text); }
};
using Rfc8427Text = std::unique_ptr<char, Rfc8427TextFree>;

// Where one record sits in the message; every offset already checked to be inside it.
struct Rfc8427Frame {
  std::size_t start = 0;
  std::size_t end = 0;
  std::uint16_t type = 0;
  std::uint16_t rrclass = 0;
  std::uint16_t rdlength = 0;
};

// The walk over one message: the members found so far and, once it stops early, why.
struct Rfc8427Walk {
  ByteView message;
  nlohmann::json object = nlohmann::json::object();
  std::size_t pos = 0;
  std::string problem;
  bool seen_opt = false;
  std::optional<std::size_t> tsig_index;  // its position among the additional records
};

std::uint16_t rfc8427_u16(ByteView m, std::size_t at) {
  return static_cast<std::uint16_t>((m[at] << 8) | m[at + 1]);
}

// Upper-case hex, as kdig prints RDATAHEX and messageOctetsHEX.
std::string rfc8427_hex(ByteView bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0F]);
  }
  return out;
}

// Text that nlohmann::json can always dump: a byte outside printable ASCII becomes \DDD (ldns
// already escapes such bytes; this is the guard, since a stray one would make dump() throw).
std::string rfc8427_ascii(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto b = static_cast<unsigned char>(c);
    if (b >= 0x20 && b < 0x7F) {
      out.push_back(c);
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\%03u", static_cast<unsigned>(b));
      out += escaped;
    }
  }
  return out;
}

std::string rfc8427_take_text(char* raw) {
  Rfc8427Text text(raw);
  return text ? rfc8427_ascii(text.get()) : std::string();
}

// The end of the name at `pos` as it sits in the message (a pointer ends it two bytes on), checked
// as Knot checks names (knot_dname_wire_check): labels of at most 63 bytes inside the message, at
// most 255 bytes once decompressed, pointers only backwards (which also rules out loops) and only
// where `compression` allows them (Knot refuses them in QNAME).
std::optional<std::size_t> rfc8427_name_end(ByteView m, std::size_t pos, bool compression) {
  const std::size_t limit = m.size();
  std::size_t cursor = pos;
  std::optional<std::size_t> end_after_pointer;
  std::size_t decompressed = 1;  // the root label
  while (cursor < limit) {
    std::uint8_t len = m[cursor];
    if (len == 0) return end_after_pointer ? *end_after_pointer : cursor + 1;
    if (cursor + 2 > limit) return std::nullopt;
    if ((len & kRfc8427PointerBits) == kRfc8427PointerBits) {
      std::size_t target = static_cast<std::size_t>(rfc8427_u16(m, cursor) & 0x3FFF);
      if (!compression || target >= cursor) return std::nullopt;
      if (!end_after_pointer) end_after_pointer = cursor + 2;
      cursor = target;
      continue;
    }
    if (len > kRfc8427MaxLabel) return std::nullopt;  // 0x40 and 0x80 label types are not DNS names
    decompressed += len + 1U;
    if (decompressed > kRfc8427MaxName) return std::nullopt;
    cursor += len + 1U;
  }
  return std::nullopt;
}

bool rfc8427_is_alnum(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool rfc8427_is_punct(unsigned char c) {
  return c > 0x20 && c < 0x7F && !rfc8427_is_alnum(c);
}

// One byte of a label the way Knot writes it: letters, digits and - _ * / as they are, other
// printable punctuation behind a backslash, '#' and everything else as \DDD.
void rfc8427_append_label_byte(std::string& out, unsigned char c) {
  if (rfc8427_is_alnum(c) || c == '-' || c == '_' || c == '*' || c == '/') {
    out.push_back(static_cast<char>(c));
  } else if (rfc8427_is_punct(c) && c != '#') {
    out.push_back('\\');
    out.push_back(static_cast<char>(c));
  } else {
    char escaped[8];
    std::snprintf(escaped, sizeof escaped, "\\%03u", static_cast<unsigned>(c));
    out += escaped;
  }
}

// A domain name (uncompressed labels, as ldns stores them) in Knot's escaping, "." for the root.
// ldns escapes fewer characters (not '@', '$', '"', ...), so the name is written here.
std::string rfc8427_name_text(const ldns_rdf* name) {
  const std::uint8_t* data = ldns_rdf_data(name);
  std::size_t size = ldns_rdf_size(name);
  std::string out;
  std::size_t i = 0;
  while (i < size && data[i] != 0) {
    std::size_t end = i + 1 + data[i];
    for (std::size_t k = i + 1; k < end && k < size; ++k) rfc8427_append_label_byte(out, data[k]);
    out.push_back('.');
    i = end;
  }
  return out.empty() ? "." : out;
}

bool rfc8427_knot_unnamed(std::uint16_t type) {
  return std::find(std::begin(kRfc8427KnotUnnamed), std::end(kRfc8427KnotUnnamed), type) !=
         std::end(kRfc8427KnotUnnamed);
}

// The type's mnemonic as Knot 3.2 writes it: ldns's name, or TYPEnnn for a type either lacks.
std::string rfc8427_type_name(std::uint16_t type) {
  if (rfc8427_knot_unnamed(type)) return "TYPE" + std::to_string(type);
  return rfc8427_take_text(ldns_rr_type2str(static_cast<ldns_rr_type>(type)));
}

std::string rfc8427_class_name(std::uint16_t rrclass) {
  if (rrclass == kRfc8427ClassHs) return "CLASS" + std::to_string(rrclass);  // Knot does not name HS
  return rfc8427_take_text(ldns_rr_class2str(static_cast<ldns_rr_class>(rrclass)));
}

// A type written TYPEnnn has no text form: kdig then gives RDATAHEX alone (RFC 3597).
bool rfc8427_type_known(std::uint16_t type) {
  return rfc8427_type_name(type).rfind("TYPE", 0) != 0;
}

// Fields whose hex Knot writes in upper case (ldns in lower case).
bool rfc8427_upper_hex_field(ldns_rdf_type type) {
  return type == LDNS_RDF_TYPE_HEX || type == LDNS_RDF_TYPE_NSEC3_SALT || type == LDNS_RDF_TYPE_EUI48 ||
         type == LDNS_RDF_TYPE_EUI64 || type == LDNS_RDF_TYPE_ILNP64;
}

// One field of the record data as kdig writes it: names in Knot's escaping, the CERT type as its
// number, hex in upper case; otherwise ldns's text without the space ldns leaves after some fields.
std::optional<std::string> rfc8427_field_text(const ldns_rdf* field) {
  ldns_rdf_type type = ldns_rdf_get_type(field);
  if (type == LDNS_RDF_TYPE_DNAME) return rfc8427_name_text(field);
  if (type == LDNS_RDF_TYPE_CERT_ALG && ldns_rdf_size(field) == 2) {
    return std::to_string(ldns_rdf2native_int16(field));
  }
  Rfc8427Text raw(ldns_rdf2str(field));
  if (!raw) return std::nullopt;
  std::string text = rfc8427_ascii(raw.get());
  while (!text.empty() && text.back() == ' ') text.pop_back();
  if (rfc8427_upper_hex_field(type)) {
    for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return text;
}

// The record data in zone-file text, its fields separated by single spaces.
std::optional<std::string> rfc8427_rdata_text(const ldns_rr* rr) {
  std::string out;
  for (std::size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
    const ldns_rdf* field = ldns_rr_rdf(rr, i);
    if (field == nullptr) return std::nullopt;
    std::optional<std::string> text = rfc8427_field_text(field);
    if (!text) return std::nullopt;
    if (i > 0) out.push_back(' ');
    out += *text;
  }
  return out;
}

// The record data with its names uncompressed: ldns keeps each field in wire form, names expanded.
Bytes rfc8427_rdata_bytes(const ldns_rr* rr) {
  Bytes out;
  for (std::size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
    const ldns_rdf* field = ldns_rr_rdf(rr, i);
    const std::uint8_t* data = ldns_rdf_data(field);
    out.insert(out.end(), data, data + ldns_rdf_size(field));
  }
  return out;
}

void rfc8427_add_header(Rfc8427Walk& walk) {
  ByteView m = walk.message;
  nlohmann::json& o = walk.object;
  o["ID"] = rfc8427_u16(m, 0);
  o["QR"] = (m[2] >> 7) & 1;
  o["Opcode"] = (m[2] >> 3) & 0x0F;
  o["AA"] = (m[2] >> 2) & 1;
  o["TC"] = (m[2] >> 1) & 1;
  o["RD"] = m[2] & 1;
  o["RA"] = (m[3] >> 7) & 1;
  o["AD"] = (m[3] >> 5) & 1;
  o["CD"] = (m[3] >> 4) & 1;
  o["RCODE"] = m[3] & 0x0F;
  o["QDCOUNT"] = rfc8427_u16(m, 4);
  o["ANCOUNT"] = rfc8427_u16(m, 6);
  o["NSCOUNT"] = rfc8427_u16(m, 8);
  o["ARCOUNT"] = rfc8427_u16(m, 10);
  walk.pos = kRfc8427HeaderSize;
}

// The question, when there is exactly one (Knot decodes no other count); false when decoding stops.
bool rfc8427_add_question(Rfc8427Walk& walk) {
  ByteView m = walk.message;
  std::uint16_t qdcount = rfc8427_u16(m, 4);
  if (qdcount == 0) return true;
  if (qdcount > 1) {
    walk.problem = "QDCOUNT is " + std::to_string(qdcount) + ": at most one question is decoded";
    return false;
  }
  std::optional<std::size_t> name_end = rfc8427_name_end(m, walk.pos, false);
  if (!name_end || *name_end + 4 > m.size()) {
    walk.problem = "the question is cut short or its name is invalid";
    return false;
  }
  ldns_rdf* raw_name = nullptr;
  std::size_t name_pos = walk.pos;
  if (ldns_wire2dname(&raw_name, m.data(), m.size(), &name_pos) != LDNS_STATUS_OK) {
    walk.problem = "the question's name is invalid";
    return false;
  }
  Rfc8427Rdf name(raw_name);
  std::uint16_t qtype = rfc8427_u16(m, *name_end);
  std::uint16_t qclass = rfc8427_u16(m, *name_end + 2);
  walk.object["QNAME"] = rfc8427_name_text(name.get());
  walk.object["QTYPE"] = qtype;
  walk.object["QTYPEname"] = rfc8427_type_name(qtype);
  walk.object["QCLASS"] = qclass;
  walk.object["QCLASSname"] = rfc8427_class_name(qclass);
  walk.pos = *name_end + 4;
  return true;
}

// The record at `pos`: its owner name checked, its fixed part and its RDATA inside the message.
std::optional<Rfc8427Frame> rfc8427_frame(ByteView m, std::size_t pos) {
  std::optional<std::size_t> owner_end = rfc8427_name_end(m, pos, true);
  if (!owner_end || *owner_end + kRfc8427FixedRecordPart > m.size()) return std::nullopt;
  Rfc8427Frame frame;
  frame.start = pos;
  frame.type = rfc8427_u16(m, *owner_end);
  frame.rrclass = rfc8427_u16(m, *owner_end + 2);
  frame.rdlength = rfc8427_u16(m, *owner_end + 8);
  frame.end = *owner_end + kRfc8427FixedRecordPart + frame.rdlength;
  if (frame.end > m.size()) return std::nullopt;
  return frame;
}

// Knot accepts an empty RDATA only where it can mean something: classes other than IN (dynamic
// update), APL, and types it does not know.
bool rfc8427_empty_rdata_allowed(const Rfc8427Frame& frame) {
  return frame.rrclass != kRfc8427ClassIn || frame.type == LDNS_RR_TYPE_APL || !rfc8427_type_known(frame.type);
}

// ldns decodes the record; it must use exactly RDLENGTH bytes and give every field the type needs
// (ldns alone stops early without complaint, which would put the next record at the wrong place).
Rfc8427Rr rfc8427_decode(ByteView m, const Rfc8427Frame& frame, ldns_pkt_section section) {
  if (frame.rdlength == 0 && !rfc8427_empty_rdata_allowed(frame)) return nullptr;
  ldns_rr* raw = nullptr;
  std::size_t pos = frame.start;
  if (ldns_wire2rr(&raw, m.data(), m.size(), &pos, section) != LDNS_STATUS_OK) return nullptr;
  Rfc8427Rr rr(raw);
  if (pos != frame.end) return nullptr;
  const ldns_rr_descriptor* descriptor = ldns_rr_descript(frame.type);
  if (frame.rdlength > 0 && ldns_rr_rd_count(rr.get()) < ldns_rr_descriptor_minimum(descriptor)) return nullptr;
  return rr;
}

nlohmann::json rfc8427_record(const ldns_rr* rr) {
  auto type = static_cast<std::uint16_t>(ldns_rr_get_type(rr));
  auto rrclass = static_cast<std::uint16_t>(ldns_rr_get_class(rr));
  nlohmann::json o = nlohmann::json::object();
  o["NAME"] = rfc8427_name_text(ldns_rr_owner(rr));
  o["TYPE"] = type;
  o["TYPEname"] = rfc8427_type_name(type);
  o["CLASS"] = rrclass;
  o["TTL"] = ldns_rr_ttl(rr);
  // OPT's CLASS is the UDP payload size and its options are shown only in hex, as kdig does.
  if (type != LDNS_RR_TYPE_OPT) {
    o["CLASSname"] = rfc8427_class_name(rrclass);
    // Empty record data (dynamic update's deletions) has no text: kdig then gives no rdata member.
    std::optional<std::string> text = rfc8427_type_known(type) ? rfc8427_rdata_text(rr) : std::nullopt;
    if (text && !text->empty()) o["rdata" + rfc8427_type_name(type)] = *text;
  }
  Bytes rdata = rfc8427_rdata_bytes(rr);
  o["RDLENGTH"] = rdata.size();
  if (!rdata.empty()) o["RDATAHEX"] = rfc8427_hex(rdata);
  return o;
}

// EDNS options must tile the OPT RDATA exactly (Knot checks this when it reads the OPT).
bool rfc8427_options_fit(ByteView rdata) {
  std::size_t pos = 0;
  while (pos < rdata.size()) {
    if (pos + 4 > rdata.size()) return false;
    pos += 4 + rfc8427_u16(rdata, pos + 2);
  }
  return pos == rdata.size();
}

// Knot's checks on OPT and TSIG (check_rr_constraints): the record is still shown, then decoding
// stops. Returns the problem, or empty.
std::string rfc8427_special_problem(Rfc8427Walk& walk, const Rfc8427Frame& frame, int section,
                                    std::size_t index) {
  bool additional = section == 2;
  if (frame.type == LDNS_RR_TYPE_OPT) {
    if (!additional) return "an OPT record outside the additional section";
    if (walk.seen_opt) return "a second OPT record";
    walk.seen_opt = true;
    if (!rfc8427_options_fit(walk.message.subspan(frame.end - frame.rdlength, frame.rdlength))) {
      return "the OPT record's options do not fill its RDATA exactly";
    }
  } else if (frame.type == LDNS_RR_TYPE_TSIG) {
    if (!additional) return "a TSIG record outside the additional section";
    if (walk.tsig_index) return "a second TSIG record";
    walk.tsig_index = index;
  }
  return {};
}

std::string rfc8427_where(int section, std::size_t index) {
  return std::string(kRfc8427SectionNames[section]) + " record " + std::to_string(index + 1);
}

// The record at walk.pos, appended to `records`; false, with walk.problem set, when decoding stops.
bool rfc8427_add_record(Rfc8427Walk& walk, int section, std::size_t index, nlohmann::json& records) {
  std::optional<Rfc8427Frame> frame = rfc8427_frame(walk.message, walk.pos);
  if (!frame) {
    walk.problem = rfc8427_where(section, index) + " runs past the end of the message or has an invalid owner name";
    return false;
  }
  Rfc8427Rr rr = rfc8427_decode(walk.message, *frame, kRfc8427LdnsSections[section]);
  if (!rr) {
    walk.problem = rfc8427_where(section, index) + " (" + rfc8427_type_name(frame->type) +
                   ") has RDATA that does not decode";
    return false;
  }
  records.push_back(rfc8427_record(rr.get()));
  walk.pos = frame->end;
  std::string special = rfc8427_special_problem(walk, *frame, section, index);
  if (special.empty()) return true;
  walk.problem = rfc8427_where(section, index) + ": " + special;
  return false;
}

// One section's records, as far as they decode; false when decoding stops.
bool rfc8427_add_section(Rfc8427Walk& walk, int section, std::uint16_t count) {
  nlohmann::json records = nlohmann::json::array();
  bool ok = true;
  for (std::size_t i = 0; i < count && ok; ++i) ok = rfc8427_add_record(walk, section, i, records);
  if (!records.empty()) walk.object[kRfc8427SectionMembers[section]] = std::move(records);
  return ok;
}

void rfc8427_add_records(Rfc8427Walk& walk) {
  ByteView m = walk.message;
  std::size_t total = std::size_t{rfc8427_u16(m, 6)} + rfc8427_u16(m, 8) + rfc8427_u16(m, 10);
  if (total > m.size() / kRfc8427MinRecordSize) {
    walk.problem = "the header counts " + std::to_string(total) + " records, more than the message can hold";
    return;
  }
  for (int section = 0; section < 3; ++section) {
    if (!rfc8427_add_section(walk, section, rfc8427_u16(m, 6 + 2 * section))) return;
  }
  std::uint16_t arcount = rfc8427_u16(m, 10);
  if (walk.tsig_index && *walk.tsig_index + 1 != arcount) {
    walk.problem = "the TSIG record is not the last additional record";
    return;
  }
  if (walk.pos < m.size()) {
    walk.problem = std::to_string(m.size() - walk.pos) + " bytes after the last record";
  }
}

Rfc8427Walk rfc8427_walk(ByteView message) {
  Rfc8427Walk walk;
  walk.message = message;
  walk.object["msgLength"] = message.size();
  if (message.size() < kRfc8427HeaderSize) {
    walk.problem = "shorter than the 12-byte DNS header";
  } else {
    rfc8427_add_header(walk);
    if (rfc8427_add_question(walk)) rfc8427_add_records(walk);
  }
  if (!walk.problem.empty()) walk.object["messageOctetsHEX"] = rfc8427_hex(message);
  return walk;
}

}  // namespace

nlohmann::json rfc8427_message(ByteView message) {
  return rfc8427_walk(message).object;
}

std::string rfc8427_decode_problem(ByteView message) {
  return rfc8427_walk(message).problem;
}

void rfc8427_add_date(nlohmann::json& message_object, std::int64_t utc_ns) {
  message_object["dateString"] = format_rfc3339_ns(UtcTime{utc_ns});
  std::int64_t seconds = utc_ns / kRfc8427NsPerSecond;
  if (utc_ns % kRfc8427NsPerSecond < 0) --seconds;  // floor, for instants before 1970
  message_object["dateSeconds"] = seconds;
}

}  // namespace dnswitness
