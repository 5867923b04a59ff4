// rfc8427_message() and dig_text() on fixed bytes (no lab): the members kdig 3.2 printed for these
// very bytes (captured from the lab and from hand-made messages), and the malformed cases.
#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "reports/exports/dig_text.h"
#include "reports/exports/rfc8427.h"

using namespace dnswitness;

namespace {

Bytes from_hex(const std::string& hex) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// Knot's NXDOMAIN for nope.x.com A: the SOA's second name is compressed on the wire (46 bytes of
// RDATA) and uncompressed in RDATAHEX (54), as kdig prints it.
const char* kNxdomain =
    "0E8385030001000000010000046E6F7065017803636F6D0000010001C011000600010000012C002E026E73036C61"
    "620474657374000A686F73746D6173746572C02B78C275F500000E1000000258000151800000012C";

// The geo Knot's answer to www.geo.test A with ECS 49.96.1.0/24: scope /12.
const char* kGeoEcs =
    "992185000001000100000001037777770367656F04746573740000010001C00C000100010000003C0004C633640A"
    "00002904D000000000000B000800070001180C316001";

}  // namespace

TEST_CASE("rfc8427_message: NXDOMAIN with an SOA, members and types as kdig prints them") {
  const nlohmann::json o = rfc8427_message(from_hex(kNxdomain));
  CHECK(o == nlohmann::json::parse(R"({
    "msgLength": 86, "ID": 3715, "QR": 1, "Opcode": 0, "AA": 1, "TC": 0, "RD": 1, "RA": 0, "AD": 0,
    "CD": 0, "RCODE": 3, "QDCOUNT": 1, "ANCOUNT": 0, "NSCOUNT": 1, "ARCOUNT": 0,
    "QNAME": "nope.x.com.", "QTYPE": 1, "QTYPEname": "A", "QCLASS": 1, "QCLASSname": "IN",
    "authorityRRs": [{"NAME": "x.com.", "TYPE": 6, "TYPEname": "SOA", "CLASS": 1, "CLASSname": "IN",
      "TTL": 300, "rdataSOA": "ns.lab.test. hostmaster.lab.test. 2026010101 3600 600 86400 300",
      "RDLENGTH": 54,
      "RDATAHEX": "026E73036C61620474657374000A686F73746D6173746572036C616204746573740078C275F500000E1000000258000151800000012C"}]
  })"));
  CHECK(rfc8427_decode_problem(from_hex(kNxdomain)).empty());
}

TEST_CASE("rfc8427_message: OPT has CLASS and TTL as numbers, no CLASSname, its options in hex") {
  const nlohmann::json o = rfc8427_message(from_hex(kGeoEcs));
  const nlohmann::json opt = o.at("additionalRRs").at(0);
  CHECK(opt == nlohmann::json::parse(R"({"NAME": ".", "TYPE": 41, "TYPEname": "OPT", "CLASS": 1232, "TTL": 0,
                                         "RDLENGTH": 11, "RDATAHEX": "000800070001180C316001"})"));
  CHECK(o.at("answerRRs").at(0).at("rdataA") == "198.51.100.10");
}

TEST_CASE("rfc8427_message: bytes that do not decode keep what decoded and add messageOctetsHEX") {
  // The lab's MALFORMED_PORT answer: header and question, then an answer record cut short.
  const Bytes cut = from_hex("F19681800001000100000000017803636F6D0000010001C00C85D4AC9FC18E5D3D");
  const nlohmann::json o = rfc8427_message(cut);
  CHECK(o.at("QNAME") == "x.com.");
  CHECK_FALSE(o.contains("answerRRs"));
  CHECK(o.at("messageOctetsHEX") == "F19681800001000100000000017803636F6D0000010001C00C85D4AC9FC18E5D3D");
  CHECK(rfc8427_decode_problem(cut) == "answer record 1 runs past the end of the message or has an invalid owner name");
  // Shorter than a header: the length and the bytes only.
  CHECK(rfc8427_message(from_hex("ABCD")) == nlohmann::json::parse(R"({"msgLength": 2, "messageOctetsHEX": "ABCD"})"));
  CHECK(rfc8427_message(Bytes{}) == nlohmann::json::parse(R"({"msgLength": 0, "messageOctetsHEX": ""})"));
  // Trailing bytes: everything decodes, and the bytes are given as well.
  Bytes trailing = from_hex(kNxdomain);
  trailing.push_back(0);
  CHECK(rfc8427_message(trailing).contains("authorityRRs"));
  CHECK(rfc8427_message(trailing).contains("messageOctetsHEX"));
  CHECK(rfc8427_decode_problem(trailing) == "1 bytes after the last record");
}

TEST_CASE("rfc8427_add_date: RFC 3339 with nanoseconds and whole seconds") {
  nlohmann::json o = nlohmann::json::object();
  rfc8427_add_date(o, 1796516489123456789);
  CHECK(o.at("dateString") == "2026-12-06T00:21:29.123456789Z");
  CHECK(o.at("dateSeconds") == 1796516489);
}

TEST_CASE("dig_text: dig's layout, ECS decoded, malformed as two lines") {
  CHECK(dig_text(from_hex(kGeoEcs)) ==
        ";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 39201\n"
        ";; flags: qr aa rd; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1\n"
        "\n;; OPT PSEUDOSECTION:\n"
        "; EDNS: version: 0, flags:; udp: 1232\n"
        "; CLIENT-SUBNET: 49.96.1.0/24/12\n"
        "\n;; QUESTION SECTION:\n"
        ";www.geo.test.\t\t\tIN\tA\n"
        "\n;; ANSWER SECTION:\n"
        "www.geo.test.\t\t60\tIN\tA\t198.51.100.10\n"
        "\n;; MSG SIZE: 68\n");
  CHECK(dig_text(from_hex("ABCD")) ==
        ";; MALFORMED DNS message (2 bytes): shorter than the 12-byte DNS header\n;; HEX: ABCD\n");
}
