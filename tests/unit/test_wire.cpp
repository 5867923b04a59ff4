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
