// The bounds-checked wire reader, question/header reading and response decoding.
#include <doctest/doctest.h>

#include "resolvers/dns_engine.h"
#include "resolvers/wire.h"

#include <ldns/ldns.h>

#include <cstdlib>

using namespace dnswitness;

namespace {

// twitter.com A response: one question, two A records, built by hand (RFC 1035 §4.1).
Bytes twitter_response() {
  Bytes m = {0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
             7, 't', 'w', 'i', 't', 't', 'e', 'r', 3, 'c', 'o', 'm', 0, 0x00, 0x01, 0x00, 0x01};
  for (const std::uint8_t last : {65, 1}) {
    const Bytes rr = {0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x04, 104, 244, 42, last};
    m.insert(m.end(), rr.begin(), rr.end());
  }
  return m;
}

}  // namespace

TEST_CASE("WireReader never reads past the end and stays failed") {
  const Bytes data = {0x01, 0x02, 0x03};
  WireReader r(data);
  CHECK(r.u16() == 0x0102);
  CHECK_FALSE(r.u16().has_value());
  CHECK(r.failed());
  CHECK_FALSE(r.u8().has_value());  // failed stays failed even though one byte is left
  CHECK(r.remaining() == 0);
  WireReader r2(data);
  CHECK_FALSE(r2.skip(4));
  WireReader r3(data);
  CHECK(r3.skip(3));
  CHECK(r3.remaining() == 0);
  CHECK_FALSE(r3.u8().has_value());
  WireReader empty{ByteView{}};
  CHECK_FALSE(empty.u32().has_value());
}

TEST_CASE("header and question of a response") {
  const Bytes m = twitter_response();
  const auto h = read_header(m);
  REQUIRE(h);
  CHECK(h->id == 0x1234);
  CHECK(h->qr());
  CHECK_FALSE(h->tc());
  CHECK(h->ancount == 2);
  CHECK(flag_names(h->flags) == std::vector<std::string>{"qr", "rd", "ra"});
  const auto q = read_question(m);
  REQUIRE(q);
  CHECK(q->qname == "twitter.com");
  CHECK(q->qtype == 1);
  CHECK(q->qclass == 1);
  CHECK_FALSE(read_header(ByteView(m.data(), 11)));
  CHECK_FALSE(read_question(ByteView(m.data(), 20)));  // name cut short
}

TEST_CASE("decode_response follows the answer and sorts addresses numerically") {
  const auto d = decode_response(twitter_response(), "twitter.com", 1);
  REQUIRE(d.ok);
  CHECK(d.rcode == 0);
  REQUIRE(d.answers.size() == 2);
  CHECK(d.answers[0].name == "twitter.com.");
  CHECK(d.answers[0].type == "A");
  CHECK(d.answers[0].ttl == 300);
  CHECK(d.answers[0].data == "104.244.42.65");  // wire order kept in answers
  CHECK(d.addresses == std::vector<std::string>{"104.244.42.1", "104.244.42.65"});
}

TEST_CASE("decode_response rejects what is not a response to our question") {
  Bytes m = twitter_response();
  CHECK_FALSE(decode_response(m, "x.com", 1).ok);
  CHECK(decode_response(m, "x.com", 1).problem == "answers a different question");
  CHECK_FALSE(decode_response(m, "twitter.com", 28).ok);
  Bytes query = m;
  query[2] &= 0x7f;  // clear QR
  CHECK_FALSE(decode_response(query, "twitter.com", 1).ok);
  for (std::size_t cut = 0; cut < m.size(); ++cut) {
    CAPTURE(cut);
    CHECK_FALSE(decode_response(ByteView(m.data(), cut), "twitter.com", 1).ok);
  }
}

namespace {

struct PacketSpec {
  std::string question;  // "name. IN TYPE"
  std::vector<std::string> answer, authority, additional;
  std::uint8_t rcode = 0;
  bool aa = false;
  bool edns = false;
  std::uint8_t ext_rcode = 0;
  Bytes edns_options;  // raw OPT RDATA (e.g. an ECS option)
};

Bytes packet(const PacketSpec& spec) {
  ldns_pkt* pkt = ldns_pkt_new();
  REQUIRE(pkt != nullptr);
  ldns_pkt_set_id(pkt, 0x4242);
  ldns_pkt_set_qr(pkt, true);
  ldns_pkt_set_rd(pkt, true);
  ldns_pkt_set_ra(pkt, !spec.aa);
  ldns_pkt_set_aa(pkt, spec.aa);
  ldns_pkt_set_rcode(pkt, spec.rcode);
  ldns_rr* q = nullptr;
  REQUIRE(ldns_rr_new_question_frm_str(&q, spec.question.c_str(), nullptr, nullptr) == LDNS_STATUS_OK);
  ldns_pkt_push_rr(pkt, LDNS_SECTION_QUESTION, q);
  const auto push = [&](const std::vector<std::string>& rrs, ldns_pkt_section section) {
    for (const auto& text : rrs) {
      ldns_rr* rr = nullptr;
      CAPTURE(text);
      REQUIRE(ldns_rr_new_frm_str(&rr, text.c_str(), 0, nullptr, nullptr) == LDNS_STATUS_OK);
      ldns_pkt_push_rr(pkt, section, rr);
    }
  };
  push(spec.answer, LDNS_SECTION_ANSWER);
  push(spec.authority, LDNS_SECTION_AUTHORITY);
  push(spec.additional, LDNS_SECTION_ADDITIONAL);
  if (spec.edns) {
    ldns_pkt_set_edns_udp_size(pkt, 1232);
    ldns_pkt_set_edns_extended_rcode(pkt, spec.ext_rcode);
    if (!spec.edns_options.empty())
      ldns_pkt_set_edns_data(pkt, ldns_rdf_new_frm_data(LDNS_RDF_TYPE_UNKNOWN, spec.edns_options.size(),
                                                        spec.edns_options.data()));
  }
  std::uint8_t* buf = nullptr;
  std::size_t size = 0;
  REQUIRE(ldns_pkt2wire(&buf, pkt, &size) == LDNS_STATUS_OK);
  Bytes out(buf, buf + size);
  free(buf);
  ldns_pkt_free(pkt);
  return out;
}

void same_decoding(const DecodedResponse& a, const DecodedResponse& b) {
  CHECK(a.ok == b.ok);
  CHECK(a.problem == b.problem);
  CHECK(a.rcode == b.rcode);
  CHECK(a.header.flags == b.header.flags);
  REQUIRE(a.answers.size() == b.answers.size());
  for (std::size_t i = 0; i < a.answers.size(); ++i) {
    CHECK(a.answers[i].name == b.answers[i].name);
    CHECK(a.answers[i].type == b.answers[i].type);
    CHECK(a.answers[i].ttl == b.answers[i].ttl);
    CHECK(a.answers[i].data == b.answers[i].data);
  }
  CHECK(a.addresses == b.addresses);
}

}  // namespace

TEST_CASE("the direct reader decodes exactly as ldns does, and leaves the rest to ldns") {
  const Bytes ecs = {0x00, 0x08, 0x00, 0x07, 0x00, 0x01, 0x18, 0x0c, 49, 96, 0};  // ECS 49.96.0.0/24 scope 12
  struct Case {
    PacketSpec spec;
    std::string qname;
    std::uint16_t qtype;
    bool direct;  // the direct reader takes it
  };
  using V = std::vector<std::string>;
  const auto spec = [](std::string q, V an = {}, V ns = {}, V ar = {}, std::uint8_t rcode = 0, bool aa = false,
                       bool edns = false, std::uint8_t ext = 0, Bytes options = {}) {
    PacketSpec p;
    p.question = std::move(q);
    p.answer = std::move(an);
    p.authority = std::move(ns);
    p.additional = std::move(ar);
    p.rcode = rcode;
    p.aa = aa;
    p.edns = edns;
    p.ext_rcode = ext;
    p.edns_options = std::move(options);
    return p;
  };
  const std::string soa = "x.com. 600 IN SOA ns1.x.com. hostmaster.x.com. 2023 3600 600 86400 300";
  const std::vector<Case> cases = {
      {spec("twitter.com. IN A", {"twitter.com. 300 IN A 104.244.42.65", "twitter.com. 300 IN A 104.244.42.1"}, {}, {}, 0,
            false, true),
       "twitter.com", 1, true},
      {spec("mobile.twitter.com. IN A", {"mobile.twitter.com. 60 IN CNAME twitter.com.",
                                         "twitter.com. 300 IN A 104.244.42.193", "twitter.com. 300 IN A 10.0.0.9"}),
       "mobile.twitter.com", 1, true},
      {spec("x.com. IN AAAA", {}, {soa}, {}, 0, false, true), "x.com", 28, true},
      {spec("nope.x.com. IN A", {}, {soa}, {}, 3), "nope.x.com", 1, true},
      {spec("a.b.example. IN A", {"b.example. 300 IN DNAME c.example.", "a.b.example. 300 IN CNAME a.c.example.",
                                  "a.c.example. 300 IN A 192.0.2.7"}),
       "a.b.example", 1, true},
      {spec("api.x.com. IN A", {"api.x.com. 60 IN A 198.51.100.10"}, {"x.com. 3600 IN NS ns1.x.com."},
            {"ns1.x.com. 3600 IN A 192.0.2.53", "ns1.x.com. 3600 IN AAAA 2001:db8::53"}, 0, true, true, 0, ecs),
       "api.x.com", 1, true},
      {spec("x.com. IN A", {}, {}, {}, 0, false, true, 1), "x.com", 1, true},  // BADVERS: extended rcode 16
      {spec("x.com. IN A", {}, {}, {}, 2), "x.com", 1, true},
      {spec("TWITTER.Com. IN AAAA", {"TWITTER.Com. 300 IN AAAA 2606:1f80::1", "TWITTER.Com. 300 IN AAAA 2606:1f80::"}),
       "twitter.com", 28, true},
      {spec("we\\.ird\\032name\\255.example. IN A", {"we\\.ird\\032name\\255.example. 5 IN A 203.0.113.255"}),
       "we\\.ird\\032name\\255.example", 1, true},
      {spec("twitter.com. IN A", {"twitter.com. 300 IN A 104.244.42.65"}), "x.com", 1, true},  // another question
      {spec("twitter.com. IN TXT", {"twitter.com. 300 IN TXT \"v=spf1 -all\""}), "twitter.com", 16, false},
      {spec("twitter.com. IN A", {"twitter.com. 300 IN A 104.244.42.65"}, {}, {"x.com. 300 IN TXT \"hi\""}),
       "twitter.com", 1, false},
  };
  std::uint32_t seed = 777;
  auto next = [&seed] { seed = seed * 1664525u + 1013904223u; return seed >> 8; };
  int direct_mutants = 0, mutants = 0;
  for (const auto& c : cases) {
    CAPTURE(c.spec.question);
    const Bytes base = packet(c.spec);
    const auto direct = decode_response_direct(base, c.qname, c.qtype);
    CHECK(direct.has_value() == c.direct);
    const DecodedResponse reference = decode_response_ldns(base, c.qname, c.qtype);
    same_decoding(decode_response(base, c.qname, c.qtype), reference);
    if (direct) same_decoding(*direct, reference);
    // Mutants: changed bytes, cut or extended messages, counts off by one.
    for (int m = 0; m < 3000; ++m) {
      Bytes bytes = base;
      switch (next() % 4) {
        case 0:
          for (unsigned k = 0, n = 1 + next() % 3; k < n; ++k) bytes[next() % bytes.size()] = static_cast<std::uint8_t>(next());
          break;
        case 1: bytes.resize(next() % bytes.size()); break;
        case 2: bytes.push_back(static_cast<std::uint8_t>(next())); break;
        default: {
          const std::size_t at = 4 + 2 * (next() % 4) + 1;
          bytes[at] = static_cast<std::uint8_t>(bytes[at] + (next() % 2 ? 1 : -1));
        }
      }
      ++mutants;
      const auto d = decode_response_direct(bytes, c.qname, c.qtype);
      if (!d) continue;
      ++direct_mutants;
      CAPTURE(m);
      same_decoding(*d, decode_response_ldns(bytes, c.qname, c.qtype));
    }
  }
  MESSAGE(direct_mutants << " of " << mutants << " mutants read directly");
  CHECK(direct_mutants > mutants / 20);  // the comparison covers the direct reader, not only ldns
}

TEST_CASE("sort_addresses: IPv4 numerically, then IPv6, duplicates removed") {
  std::vector<std::string> a = {"2001:db8::10", "10.0.0.10", "10.0.0.9", "2001:db8::9", "10.0.0.9"};
  sort_addresses(a);
  CHECK(a == std::vector<std::string>{"10.0.0.9", "10.0.0.10", "2001:db8::9", "2001:db8::10"});
}

TEST_CASE("build_query makes an RD query with our ID and an EDNS OPT record") {
  const Bytes q = build_query("x.com", 28, 0xbeef, 1232);
  const auto h = read_header(q);
  REQUIRE(h);
  CHECK(h->id == 0xbeef);
  CHECK_FALSE(h->qr());
  CHECK((h->flags & 0x0100) != 0);
  CHECK(h->qdcount == 1);
  CHECK(h->arcount == 1);
  CHECK(read_question(q)->qname == "x.com");
  CHECK(read_question(q)->qtype == 28);
  const Bytes plain = build_query("x.com", 1, 7, 0);
  CHECK(read_header(plain)->arcount == 0);
}

TEST_CASE("rdf_text writes names and addresses exactly as ldns does") {
  // ldns_rdf2str is the reference: the fast paths must not change a single byte of the evidence
  // text. Random labels cover the escapes (. ; ( ) \ and non-graphic bytes as \DDD).
  std::uint32_t seed = 12345;
  auto next = [&seed] { seed = seed * 1664525u + 1013904223u; return seed >> 24; };
  auto same = [](ldns_rdf* rdf) {
    REQUIRE(rdf != nullptr);
    char* reference = ldns_rdf2str(rdf);
    REQUIRE(reference != nullptr);
    CHECK(rdf_text(rdf) == std::string(reference));
    free(reference);
    ldns_rdf_deep_free(rdf);
  };
  for (int n = 0; n < 2000; ++n) {
    Bytes name;
    const unsigned labels = next() % 5;
    for (unsigned l = 0; l < labels; ++l) {
      const unsigned len = 1 + next() % 12;
      name.push_back(static_cast<std::uint8_t>(len));
      for (unsigned i = 0; i < len; ++i) {
        const unsigned pick = next() % 4;
        name.push_back(static_cast<std::uint8_t>(pick == 0 ? next() : pick == 1 ? ".;()\\ "[next() % 6] : 'a' + next() % 26));
      }
    }
    name.push_back(0);
    same(ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, name.size(), name.data()));
    std::uint8_t v4[4], v6[16];
    for (auto& b : v4) b = static_cast<std::uint8_t>(next());
    for (auto& b : v6) b = static_cast<std::uint8_t>(n % 3 == 0 ? 0 : next());  // zero runs: "::"
    same(ldns_rdf_new_frm_data(LDNS_RDF_TYPE_A, sizeof v4, v4));
    same(ldns_rdf_new_frm_data(LDNS_RDF_TYPE_AAAA, sizeof v6, v6));
  }
  const std::uint8_t root[] = {0};
  same(ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, 1, root));
}
