#include "resolvers/wire.h"

#include <arpa/inet.h>
#include <ldns/ldns.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "model/target.h"

namespace dnswitness {
namespace {

struct PktFree {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
struct CharFree {
  void operator()(char* p) const { free(p); }
};

std::string lower_no_dot(std::string s) {
  if (!s.empty() && s.back() == '.') s.pop_back();
  std::transform(s.begin(), s.end(), s.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
  return s;
}

}  // namespace

// Presentation text of an uncompressed wire-format domain name, byte for byte what
// ldns_rdf2buffer_str_dname writes (RFC 1035 §5.1 escapes: \c for . ; ( ) \, \DDD for
// non-graphic bytes), without its one printf call per character, which made text rendering the
// largest cost of a bulk run. tests/unit/test_wire.cpp holds it to ldns's own output.
static std::string dname_text(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > LDNS_MAX_DOMAINLEN) return {};
  if (size == 1) return ".";
  std::string out;
  out.reserve(size + 1);
  std::size_t pos = 0;
  std::size_t len = data[0];
  while (len > 0 && pos < size) {
    ++pos;
    for (std::size_t i = 0; i < len && pos < size; ++i, ++pos) {
      const unsigned char c = data[pos];
      if (c == '.' || c == ';' || c == '(' || c == ')' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c < 0x21 || c > 0x7e) {  // !(isascii && isgraph) in the C locale
        out += fmt::format("\\{:03}", c);
      } else {
        out += static_cast<char>(c);
      }
    }
    if (pos < size) out += '.';
    len = pos < size ? data[pos] : 0;
  }
  return out;
}

// inet_ntop's text; IPv4 by hand, as glibc formats it with sprintf.
static std::string address_text(const std::uint8_t* b, bool v4) {
  if (v4) {
    std::string out;
    out.reserve(15);
    for (int i = 0; i < 4; ++i) {
      if (i) out += '.';
      const unsigned v = b[i];
      if (v >= 100) out += static_cast<char>('0' + v / 100);
      if (v >= 10) out += static_cast<char>('0' + v / 10 % 10);
      out += static_cast<char>('0' + v % 10);
    }
    return out;
  }
  char text[INET6_ADDRSTRLEN];
  if (inet_ntop(AF_INET6, b, text, sizeof text) == nullptr) return {};
  return text;
}

std::string rdf_text(const ldns_rdf* rdf) {
  if (rdf == nullptr) return {};
  // The common types directly; the rest by ldns.
  switch (ldns_rdf_get_type(rdf)) {
    case LDNS_RDF_TYPE_DNAME: return dname_text(ldns_rdf_data(rdf), ldns_rdf_size(rdf));
    case LDNS_RDF_TYPE_A:
    case LDNS_RDF_TYPE_AAAA: {
      const bool v4 = ldns_rdf_get_type(rdf) == LDNS_RDF_TYPE_A;
      if (ldns_rdf_size(rdf) != (v4 ? 4u : 16u)) break;
      return address_text(ldns_rdf_data(rdf), v4);
    }
    default: break;
  }
  std::unique_ptr<char, CharFree> s(ldns_rdf2str(rdf));
  return s ? std::string(s.get()) : std::string();
}

std::optional<std::uint8_t> WireReader::u8() {
  if (failed_ || data_.size() - pos_ < 1) {
    failed_ = true;
    return std::nullopt;
  }
  return data_[pos_++];
}

std::optional<std::uint16_t> WireReader::u16() {
  if (failed_ || data_.size() - pos_ < 2) {
    failed_ = true;
    return std::nullopt;
  }
  const auto v = static_cast<std::uint16_t>(data_[pos_] << 8 | data_[pos_ + 1]);
  pos_ += 2;
  return v;
}

std::optional<std::uint32_t> WireReader::u32() {
  const auto hi = u16();
  const auto lo = u16();
  if (!hi || !lo) return std::nullopt;
  return static_cast<std::uint32_t>(*hi) << 16 | *lo;
}

bool WireReader::skip(std::size_t n) {
  if (failed_ || data_.size() - pos_ < n) {
    failed_ = true;
    return false;
  }
  pos_ += n;
  return true;
}

std::optional<WireHeader> read_header(ByteView message) {
  WireReader r(message);
  WireHeader h;
  const auto id = r.u16(), flags = r.u16(), qd = r.u16(), an = r.u16(), ns = r.u16(), ar = r.u16();
  if (r.failed()) return std::nullopt;
  h.id = *id;
  h.flags = *flags;
  h.qdcount = *qd;
  h.ancount = *an;
  h.nscount = *ns;
  h.arcount = *ar;
  return h;
}

std::optional<Question> read_question(ByteView message) {
  WireReader r(message);
  if (!r.skip(4)) return std::nullopt;
  const auto qdcount = r.u16();
  if (!qdcount || *qdcount == 0 || !r.skip(6)) return std::nullopt;
  Question q;
  std::size_t total = 0;
  for (;;) {
    const auto len = r.u8();
    if (!len || *len > 63) return std::nullopt;  // also rejects compression pointers (0xC0)
    if (*len == 0) break;
    total += *len + 1u;
    if (total > 255) return std::nullopt;
    if (!q.qname.empty()) q.qname += '.';
    for (unsigned i = 0; i < *len; ++i) {
      const auto c = r.u8();
      if (!c) return std::nullopt;
      q.qname += static_cast<char>((*c >= 'A' && *c <= 'Z') ? *c - 'A' + 'a' : *c);
    }
  }
  const auto type = r.u16();
  const auto klass = r.u16();
  if (!type || !klass) return std::nullopt;
  q.qtype = *type;
  q.qclass = *klass;
  return q;
}

std::vector<std::string> flag_names(std::uint16_t flags) {
  std::vector<std::string> out;
  if (flags & 0x8000) out.emplace_back("qr");
  if (flags & 0x0400) out.emplace_back("aa");
  if (flags & 0x0200) out.emplace_back("tc");
  if (flags & 0x0100) out.emplace_back("rd");
  if (flags & 0x0080) out.emplace_back("ra");
  if (flags & 0x0020) out.emplace_back("ad");
  if (flags & 0x0010) out.emplace_back("cd");
  return out;
}

namespace {

// The answer records of qtype at the end of qname's CNAME chain (RFC 1034 §3.6.2), sorted;
// bounded so a loop cannot spin.
void collect_addresses(DecodedResponse& out, const std::string& qname, std::uint16_t qtype) {
  std::string current = qname;
  // The common case has no CNAME at all: no chain to walk, no set of names seen.
  const bool chain = std::any_of(out.answers.begin(), out.answers.end(), [](const ResourceRecord& r) { return r.type == "CNAME"; });
  std::set<std::string> seen;
  if (chain) seen.insert(current);
  for (int hop = 0; chain && hop < 16; ++hop) {
    bool moved = false;
    for (const auto& rec : out.answers) {
      if (rec.type == "CNAME" && lower_no_dot(rec.name) == current) {
        const std::string next = lower_no_dot(rec.data);
        if (!seen.insert(next).second) break;
        current = next;
        moved = true;
        break;
      }
    }
    if (!moved) break;
  }
  const std::string wanted = qtype_name(qtype);
  for (const auto& rec : out.answers)
    if (rec.type == wanted && lower_no_dot(rec.name) == current) out.addresses.push_back(rec.data);
  sort_addresses(out.addresses);
}

// The common case of a bulk run without ldns, whose packet parse allocates every record and
// field (a fifth of a bulk run's resolving thread). It accepts only messages it can judge exactly
// as ldns_wire2pkt does: one question; answers of type A, AAAA, CNAME or DNAME; authority SOA or
// NS; additional A, AAAA and at most one OPT with the root owner; names with backward
// compression pointers only; every RDATA consumed exactly; nothing after the last record.
// Anything else returns nullopt and goes to ldns. tests/unit/test_wire.cpp compares both paths
// on lab responses and thousands of mutations of them.
class FastDecoder {
 public:
  explicit FastDecoder(ByteView m) : m_(m) {}

  std::optional<DecodedResponse> decode(const WireHeader& h, const std::string& qname, std::uint16_t qtype) {
    if (h.qdcount != 1) return std::nullopt;
    pos_ = 12;
    std::size_t qname_len = 0;
    if (!name(name_, qname_len) || !room(4)) return std::nullopt;
    const std::string question = dname_text(name_, qname_len);
    const std::uint16_t asked = u16(pos_);
    pos_ += 4;
    DecodedResponse out;
    out.header = h;
    out.rcode = h.rcode();
    int ext_rcode = 0;
    bool have_opt = false;
    for (int section = 0; section < 3; ++section) {
      const unsigned count = section == 0 ? h.ancount : section == 1 ? h.nscount : h.arcount;
      for (unsigned i = 0; i < count; ++i) {
        std::size_t owner_len = 0;
        if (!name(name_, owner_len) || !room(10)) return std::nullopt;
        const std::uint16_t type = u16(pos_);
        const std::uint32_t ttl = static_cast<std::uint32_t>(u16(pos_ + 4)) << 16 | u16(pos_ + 6);
        const std::size_t rdlen = u16(pos_ + 8);
        pos_ += 10;
        if (!room(rdlen)) return std::nullopt;
        const std::size_t end = pos_ + rdlen;
        std::string data;
        switch (type) {
          case 1:
          case 28:
            if (section == 1 || rdlen != (type == 1 ? 4u : 16u)) return std::nullopt;
            if (section == 0) data = address_text(m_.data() + pos_, type == 1);
            pos_ = end;
            break;
          case 5:
          case 39:
          case 2: {
            if ((type == 2) != (section == 1)) return std::nullopt;
            std::size_t len = 0;
            if (!name(target_, len) || pos_ != end) return std::nullopt;
            if (section == 0) data = dname_text(target_, len);
            break;
          }
          case 6: {
            if (section != 1) return std::nullopt;
            std::size_t len = 0;
            if (!name(target_, len) || !name(target_, len) || pos_ + 20 != end) return std::nullopt;
            pos_ = end;
            break;
          }
          case 41:
            if (section != 2 || have_opt || owner_len != 1) return std::nullopt;
            have_opt = true;
            ext_rcode = static_cast<int>(ttl >> 24);
            pos_ = end;
            break;
          default: return std::nullopt;
        }
        if (section == 0) {
          ResourceRecord rec;
          rec.name = dname_text(name_, owner_len);
          rec.type = qtype_name(type);
          rec.ttl = ttl;
          rec.data = std::move(data);
          out.answers.push_back(std::move(rec));
        }
      }
    }
    if (pos_ != m_.size()) return std::nullopt;
    if (lower_no_dot(question) != qname || asked != qtype) {
      out.answers.clear();  // as ldns's path reports it: header and rcode only
      out.problem = "answers a different question";
      return out;
    }
    out.rcode = ext_rcode << 4 | h.rcode();
    collect_addresses(out, qname, qtype);
    out.ok = true;
    return out;
  }

 private:
  bool room(std::size_t n) const { return m_.size() - pos_ >= n; }
  std::uint16_t u16(std::size_t at) const { return static_cast<std::uint16_t>(m_[at] << 8 | m_[at + 1]); }

  // Reads the name at pos_ into `out` (uncompressed wire form, root included) and moves pos_ past
  // it. False for anything ldns might judge differently.
  bool name(std::uint8_t* out, std::size_t& len) {
    std::size_t at = pos_;
    std::size_t after = 0;  // where pos_ goes: after the first pointer, or after the root label
    int pointers = 0;
    len = 0;
    for (;;) {
      if (at >= m_.size()) return false;
      const std::uint8_t label = m_[at];
      if ((label & 0xC0) == 0xC0) {
        if (at + 2 > m_.size() || ++pointers > 32) return false;
        const std::size_t target = static_cast<std::size_t>(label & 0x3F) << 8 | m_[at + 1];
        if (target == 0 || target >= at) return false;  // backward only
        if (after == 0) after = at + 2;
        at = target;
        continue;
      }
      if (label > 63) return false;
      if (at + 1 + label > m_.size() || len + 1 + label > 250) return false;
      std::memcpy(out + len, m_.data() + at, 1u + label);
      len += 1u + label;
      at += 1u + label;
      if (label == 0) break;
    }
    pos_ = after != 0 ? after : at;
    return true;
  }

  ByteView m_;
  std::size_t pos_ = 0;
  std::uint8_t name_[256];
  std::uint8_t target_[256];
};

}  // namespace

std::optional<DecodedResponse> decode_response_direct(ByteView message, const std::string& qname,
                                                      std::uint16_t qtype) {
  const auto header = read_header(message);
  if (!header || !header->qr()) return std::nullopt;
  FastDecoder fast(message);
  return fast.decode(*header, qname, qtype);
}

DecodedResponse decode_response(ByteView message, const std::string& qname, std::uint16_t qtype) {
  if (auto decoded = decode_response_direct(message, qname, qtype)) return std::move(*decoded);
  return decode_response_ldns(message, qname, qtype);
}

DecodedResponse decode_response_ldns(ByteView message, const std::string& qname, std::uint16_t qtype) {
  DecodedResponse out;
  const auto header = read_header(message);
  if (!header) {
    out.problem = "is shorter than a DNS header";
    return out;
  }
  out.header = *header;
  out.rcode = header->rcode();
  if (!header->qr()) {
    out.problem = "is not a response (QR bit clear)";
    return out;
  }
  ldns_pkt* raw = nullptr;
  if (ldns_wire2pkt(&raw, message.data(), message.size()) != LDNS_STATUS_OK || raw == nullptr) {
    out.problem = "does not parse as DNS";
    return out;
  }
  std::unique_ptr<ldns_pkt, PktFree> pkt(raw);
  const ldns_rr_list* question = ldns_pkt_question(pkt.get());
  if (question == nullptr || ldns_rr_list_rr_count(question) != 1) {
    out.problem = "does not carry exactly one question";
    return out;
  }
  const ldns_rr* q = ldns_rr_list_rr(question, 0);
  if (lower_no_dot(rdf_text(ldns_rr_owner(q))) != qname || ldns_rr_get_type(q) != qtype) {
    out.problem = "answers a different question";
    return out;
  }
  // Extended rcode (RFC 6891 §6.1.3): the OPT record holds the upper 8 bits.
  out.rcode = static_cast<int>(ldns_pkt_edns_extended_rcode(pkt.get())) << 4 | header->rcode();

  const ldns_rr_list* answer = ldns_pkt_answer(pkt.get());
  const std::size_t count = answer ? ldns_rr_list_rr_count(answer) : 0;
  for (std::size_t i = 0; i < count; ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(answer, i);
    ResourceRecord rec;
    rec.name = rdf_text(ldns_rr_owner(rr));
    rec.type = qtype_name(static_cast<std::uint16_t>(ldns_rr_get_type(rr)));
    rec.ttl = ldns_rr_ttl(rr);
    for (std::size_t j = 0; j < ldns_rr_rd_count(rr); ++j) {
      if (j) rec.data += ' ';
      rec.data += rdf_text(ldns_rr_rdf(rr, j));
    }
    out.answers.push_back(std::move(rec));
  }

  collect_addresses(out, qname, qtype);
  out.ok = true;
  return out;
}

}  // namespace dnswitness
