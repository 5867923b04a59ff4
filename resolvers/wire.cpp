#include "resolvers/wire.h"

#include <arpa/inet.h>
#include <ldns/ldns.h>

#include <algorithm>
#include <array>
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

// Presentation text of a domain name, byte for byte what ldns_rdf2buffer_str_dname writes
// (RFC 1035 §5.1 escapes: \c for . ; ( ) \, \DDD for non-graphic bytes), without its one
// printf call per character, which made text rendering the largest cost of a bulk run.
// tests/unit/test_wire.cpp holds it to ldns's own output.
static std::string dname_text(const ldns_rdf* rdf) {
  const std::uint8_t* data = ldns_rdf_data(rdf);
  const std::size_t size = ldns_rdf_size(rdf);
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

std::string rdf_text(const ldns_rdf* rdf) {
  if (rdf == nullptr) return {};
  // The common types directly (ldns itself formats addresses with inet_ntop); the rest by ldns.
  switch (ldns_rdf_get_type(rdf)) {
    case LDNS_RDF_TYPE_DNAME: return dname_text(rdf);
    case LDNS_RDF_TYPE_A:
    case LDNS_RDF_TYPE_AAAA: {
      const bool v4 = ldns_rdf_get_type(rdf) == LDNS_RDF_TYPE_A;
      if (ldns_rdf_size(rdf) != (v4 ? 4u : 16u)) break;
      if (v4) {  // glibc's inet_ntop formats IPv4 with sprintf
        const std::uint8_t* b = ldns_rdf_data(rdf);
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
      if (inet_ntop(v4 ? AF_INET : AF_INET6, ldns_rdf_data(rdf), text, sizeof text) == nullptr) break;
      return text;
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

DecodedResponse decode_response(ByteView message, const std::string& qname, std::uint16_t qtype) {
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

  // Follow the CNAME chain from qname (RFC 1034 §3.6.2), bounded so a loop cannot spin.
  std::string current = qname;
  std::set<std::string> seen{current};
  for (int hop = 0; hop < 16; ++hop) {
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
  out.ok = true;
  return out;
}

}  // namespace dnswitness
