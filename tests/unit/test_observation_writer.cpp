// The fixed-order observation writer against the reference encoding: for many generated
// observations (every field present or absent, empty arrays, long wires, quotes, backslashes,
// control characters, non-ASCII, every outcome, prior exchanges) write_observation_leaf must give
// exactly canonical_dump(observation_json(o, run_id)) or decline; make_run_leaves must end up with
// the reference bytes either way. One golden leaf freezes the bytes themselves.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "ledger/leaves.h"
#include "model/observation_writer.h"
#include "model/record_json.h"

using namespace dnswitness;

namespace {

class Generator {
 public:
  explicit Generator(std::uint32_t seed) : rng_(seed) {}

  std::uint64_t below(std::uint64_t n) { return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng_); }
  bool chance(int percent) { return below(100) < static_cast<std::uint64_t>(percent); }

  // Mostly plain DNS-ish text; sometimes the characters JSON escaping is about, sometimes bytes
  // >= 0x80 (valid UTF-8 and not), which the writer must decline.
  std::string text(std::size_t max_len = 24) {
    static const std::vector<std::string> kPieces = {
        "a", "z", "0", "9", ".", "-", "_", " ", "/", "~", "'", "{", "}", "[", "]", ":", ",", "+", "=",
        "\"", "\\", "\x7f", std::string(1, '\0'), "\x01", "\x08", "\t", "\n", "\x0b", "\x0c", "\r", "\x1b", "\x1f",
    };
    static const std::vector<std::string> kNonAscii = {"\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac", "\xf0\x9f\x98\x80",
                                                       "\xff", "\xc3", "\xe6\x97", "\x80", "\xed\xa0\x80"};
    const std::size_t len = below(max_len + 1);
    const int odd = chance(30) ? 25 : 0;  // most strings are plain, some are full of escapes
    std::string s;
    for (std::size_t i = 0; i < len; ++i) {
      if (chance(odd)) {
        s += kPieces[19 + below(kPieces.size() - 19)];
      } else if (odd && chance(1)) {
        s += kNonAscii[below(kNonAscii.size())];
      } else {
        s += kPieces[below(19)];
      }
    }
    return s;
  }

  Bytes wire() {
    const std::size_t len = chance(5) ? below(3000) : chance(10) ? 0 : below(600);
    Bytes b(len);
    for (auto& x : b) x = static_cast<std::uint8_t>(below(256));
    return b;
  }

  std::int64_t time() { return static_cast<std::int64_t>(below(4'000'000'000'000'000'000ULL)); }
  std::int64_t rtt() { return chance(20) ? -1 : static_cast<std::int64_t>(below(chance(5) ? 1ULL << 40 : 100000)); }

  std::vector<std::string> texts(std::size_t max_n, std::size_t max_len = 24) {
    std::vector<std::string> v(below(max_n + 1));
    for (auto& s : v) s = text(max_len);
    return v;
  }

  Exchange exchange() {
    Exchange e;
    e.transport = static_cast<Transport>(below(4));
    e.query_id = static_cast<std::uint16_t>(below(65536));
    e.sent_at = UtcTime{time()};
    e.rtt_us = rtt();
    static const std::vector<std::string> kResults = {"response", "truncated", "timeout", "network_error",
                                                      "malformed"};
    e.result = chance(90) ? kResults[below(kResults.size())] : text();
    e.query_wire = wire();
    if (chance(70)) e.response_wire = wire();
    if (chance(60)) e.local_address = chance(80) ? "10.0.0.2:" + std::to_string(below(65536)) : text();
    if (chance(25)) {  // a DNS-over-HTTPS exchange: every fact may be missing
      HttpsFacts h;
      if (chance(70)) h.peer_address = text();
      if (chance(70)) h.http_version = chance(50) ? "2" : text();
      if (chance(70)) h.http_status = static_cast<int>(below(600));
      if (chance(70)) h.content_type = text();
      if (chance(70)) h.tls_version = text();
      if (chance(70)) h.tls_cipher = text();
      if (chance(70)) h.certificate_check = text();
      for (std::size_t i = below(4); i > 0; --i)
        h.certificates.push_back(CertificateFacts{text(), text(), text(), text(), text()});
      e.https = std::move(h);
    } else if (chance(25)) {  // a DNS-over-TLS exchange: the TLS facts alone, any of them missing
      TlsFacts t;
      if (chance(70)) t.peer_address = text();
      if (chance(70)) t.tls_version = text();
      if (chance(70)) t.tls_cipher = text();
      if (chance(70)) t.certificate_check = text();
      for (std::size_t i = below(4); i > 0; --i)
        t.certificates.push_back(CertificateFacts{text(), text(), text(), text(), text()});
      e.tls = std::move(t);
    }
    return e;
  }

  Observation observation() {
    Observation o;
    o.qname = chance(80) ? "www.example" + std::to_string(below(1000)) + ".com" : text(80);
    static const std::vector<std::uint16_t> kTypes = {1, 28, 5, 2, 6, 15, 16, 33, 65, 257, 0, 999, 65535};
    o.qtype = kTypes[below(kTypes.size())];
    o.resolver = ResolverSpec{chance(80) ? "google" : text(), static_cast<Protocol>(below(6)),
                              chance(80) ? "8.8.8.8" : text(), static_cast<std::uint16_t>(below(65536)),
                              chance(80) ? std::string() : text()};
    o.sent_at = UtcTime{time()};
    o.rtt_us = rtt();
    o.transport = static_cast<Transport>(below(3));
    o.outcome = static_cast<Outcome>(below(10));  // every outcome
    if (chance(70)) o.rcode = static_cast<int>(chance(90) ? below(24) : below(4096));
    o.flags = texts(7, 4);
    for (std::size_t i = 0, n = below(6); i < n; ++i)
      o.answers.push_back({text(40), text(8),
                           static_cast<std::uint32_t>(chance(10) ? 4294967295U : below(86400)), text(60)});
    o.addresses = texts(5, 40);
    o.query_wire = wire();
    if (chance(70)) o.response_wire = wire();
    for (std::size_t i = 0, n = chance(30) ? below(5) : 1; i < n; ++i) o.exchanges.push_back(exchange());
    if (chance(30)) o.error = text(100);
    if (chance(20)) o.purpose = chance(80) ? "authoritative_discovery" : text(30);
    if (chance(20)) o.authoritative = AuthoritativeFacts{text(30), text(30)};
    if (chance(20)) {
      ClientSubnetFacts c;
      c.sent = text(20);
      if (chance(50)) c.preset = text(10);
      if (chance(60)) c.scope_prefix = static_cast<int>(below(129));
      if (chance(50)) c.returned = text(20);
      if (chance(20)) c.problem = text(40);
      o.client_subnet = c;
    }
    return o;
  }

 private:
  std::mt19937_64 rng_;
};

bool all_ascii(std::string_view s) {
  for (const char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

// Whether any string the leaf carries holds a byte >= 0x80 (then the writer must decline).
bool has_non_ascii(const Observation& o, const std::string& run_id) {
  bool ok = all_ascii(run_id) && all_ascii(o.qname) && all_ascii(o.resolver.name) && all_ascii(o.resolver.address) &&
            all_ascii(o.resolver.url) && all_ascii(o.error) && all_ascii(o.purpose);
  if (o.authoritative) ok = ok && all_ascii(o.authoritative->zone) && all_ascii(o.authoritative->server);
  if (o.client_subnet)
    ok = ok && all_ascii(o.client_subnet->sent) && all_ascii(o.client_subnet->preset) &&
         all_ascii(o.client_subnet->returned) && all_ascii(o.client_subnet->problem);
  for (const auto& s : o.flags) ok = ok && all_ascii(s);
  for (const auto& s : o.addresses) ok = ok && all_ascii(s);
  for (const auto& rr : o.answers) ok = ok && all_ascii(rr.name) && all_ascii(rr.type) && all_ascii(rr.data);
  // Of the final exchange only local_address is in the leaf (its wires and times are top-level).
  for (std::size_t i = 0; i < o.exchanges.size(); ++i) {
    const Exchange& e = o.exchanges[i];
    ok = ok && all_ascii(e.local_address) && (i + 1 == o.exchanges.size() || all_ascii(e.result));
    if (e.tls) {
      const TlsFacts& t = *e.tls;
      ok = ok && all_ascii(t.peer_address) && all_ascii(t.tls_version) && all_ascii(t.tls_cipher) &&
           all_ascii(t.certificate_check);
      for (const auto& c : t.certificates)
        ok = ok && all_ascii(c.sha256) && all_ascii(c.subject) && all_ascii(c.issuer) && all_ascii(c.not_before) &&
             all_ascii(c.not_after);
    }
    if (!e.https) continue;
    const HttpsFacts& h = *e.https;
    ok = ok && all_ascii(h.peer_address) && all_ascii(h.http_version) && all_ascii(h.content_type) &&
         all_ascii(h.tls_version) && all_ascii(h.tls_cipher) && all_ascii(h.certificate_check);
    for (const auto& c : h.certificates)
      ok = ok && all_ascii(c.sha256) && all_ascii(c.subject) && all_ascii(c.issuer) && all_ascii(c.not_before) &&
           all_ascii(c.not_after);
  }
  return !ok;
}

}  // namespace

TEST_CASE("the writer gives canonical_dump(observation_json) byte for byte, or declines non-ASCII") {
  Generator g(20231121);
  std::size_t written = 0, declined = 0;
  for (int i = 0; i < 6000; ++i) {
    const Observation o = g.observation();
    const std::string run_id = g.chance(90) ? "01HFQ2Z3K4M5N6P7Q8R9S0T1V2" : g.text(30);
    const std::string reference = canonical_dump(observation_json(o, run_id));
    std::string out = "prefix";  // the writer appends, and leaves the string alone when it declines
    const bool ok = write_observation_leaf(o, run_id, out);
    if (has_non_ascii(o, run_id)) {
      CHECK_FALSE(ok);
      CHECK(out == "prefix");
      ++declined;
    } else {
      REQUIRE(ok);
      INFO("observation ", i, "\nreference: ", reference, "\nwriter:    ", out.substr(6));
      REQUIRE(out.substr(6) == reference);
      ++written;
    }
  }
  // The generator must really exercise both sides.
  CHECK(written > 3000);
  CHECK(declined > 500);
}

TEST_CASE("edge cases: every field absent, every control character, empty strings and arrays") {
  Observation bare;  // timeout, no exchanges, no wires, no rcode, empty everything
  CHECK(canonical_dump(observation_json(bare, "")) == [&] {
    std::string s;
    REQUIRE(write_observation_leaf(bare, "", s));
    return s;
  }());

  Observation o;
  std::string every;
  for (int c = 0; c < 0x80; ++c) every += static_cast<char>(c);
  o.qname = every;
  o.error = every;
  o.flags = {"", every};
  o.addresses = {""};
  o.answers = {{"", "", 0, ""}};
  o.exchanges = {Exchange{}, Exchange{}};  // prior_exchanges with every optional field absent
  std::string s;
  REQUIRE(write_observation_leaf(o, every, s));
  CHECK(s == canonical_dump(observation_json(o, every)));
}

TEST_CASE("golden observation leaf (frozen bytes)") {
  Observation o;
  o.qname = "twitter.com";
  o.qtype = 1;
  o.resolver = ResolverSpec{"google", Protocol::udp, "8.8.8.8", 53, {}};
  o.sent_at = UtcTime{1700532615123456789};
  o.rtt_us = 4210;
  o.transport = Transport::tcp;
  o.outcome = Outcome::answer;
  o.rcode = 0;
  o.flags = {"qr", "rd", "ra"};
  o.answers = {{"twitter.com.", "A", 300, "104.244.42.1"}};
  o.addresses = {"104.244.42.1"};
  o.query_wire = Bytes{0x12, 0x34, 0x01};
  o.response_wire = Bytes{0x12, 0x34, 0x81, 0x80};
  Exchange udp;
  udp.query_id = 4660;
  udp.sent_at = o.sent_at;
  udp.rtt_us = 3000;
  udp.result = "truncated";
  udp.query_wire = o.query_wire;
  udp.response_wire = Bytes{0x12, 0x34, 0x83};
  udp.local_address = "10.0.0.2:40000";
  Exchange tcp;
  tcp.transport = Transport::tcp;
  tcp.query_id = 4660;
  tcp.sent_at = UtcTime{o.sent_at.ns + 3'100'000};
  tcp.rtt_us = 1210;
  tcp.result = "response";
  tcp.query_wire = o.query_wire;
  tcp.response_wire = o.response_wire;
  tcp.local_address = "10.0.0.2:40001";
  o.exchanges = {udp, tcp};
  o.error = "quote \" backslash \\ tab \t";
  const std::string golden =
      R"({"addresses":["104.244.42.1"],"answers":[{"data":"104.244.42.1","name":"twitter.com.","ttl":300,"type":"A"}],)"
      R"("attempts":2,"error":"quote \" backslash \\ tab \t","flags":["qr","rd","ra"],"kind":"observation",)"
      R"("local_address":"10.0.0.2:40001","outcome":"answer","prior_exchanges":[{"local_address":"10.0.0.2:40000",)"
      R"("query_id":4660,"query_wire":"EjQB","response_wire":"EjSD","result":"truncated","rtt_us":3000,)"
      R"("sent_at":"2023-11-21T02:10:15.123456789Z","transport":"udp"}],"qname":"twitter.com","qtype":"A",)"
      R"("query_id":4660,"query_wire":"EjQB","rcode":"NOERROR","resolver":{"address":"8.8.8.8","name":"google",)"
      R"("port":53,"protocol":"udp"},"response_wire":"EjSBgA==","rtt_us":4210,"run_id":"run-1",)"
      R"("sent_at":"2023-11-21T02:10:15.123456789Z","transport":"tcp"})";
  CHECK(canonical_dump(observation_json(o, "run-1")) == golden);
  std::string s;
  REQUIRE(write_observation_leaf(o, "run-1", s));
  CHECK(s == golden);
}

TEST_CASE("make_run_leaves: every leaf equals the reference bytes, writer or not") {
  Generator g(7);
  RunRecord run;
  run.run_id = "01HFQ2Z3K4M5N6P7Q8R9S0T1V2";
  std::vector<Observation> observations;
  std::size_t ascii = 0;
  for (int i = 0; i < 3000; ++i) {
    observations.push_back(g.observation());
    if (!has_non_ascii(observations.back(), run.run_id)) ++ascii;
  }
  // One observation too big for an entry: it must take the shrinking reference path.
  observations[5].response_wire = Bytes(60000, 0xAB);
  observations[5].qname = "big.example";
  const RunLeaves leaves = make_run_leaves(run, observations);
  CHECK_FALSE(leaves.writer_mismatch);
  CHECK(leaves.shrunk == 1);
  REQUIRE(leaves.leaves.size() == observations.size() + 1);
  for (std::size_t i = 0; i < observations.size(); ++i) {
    if (i == 5) continue;
    INFO("observation ", i);
    CHECK(leaves.leaves[i + 1] == canonical_dump(observation_json(observations[i], run.run_id)));
  }
  CHECK(leaves.written_fast >= ascii - 1);
  CHECK(leaves.written_fast < observations.size());
}
