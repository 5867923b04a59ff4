// The hand-written query bytes (resolvers/query_builder): decoded by ldns, compared byte for byte
// with what kdig sends for the same question, and read back by the project's own ECS reader.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <thread>

#include "resolvers/client_subnet.h"
#include "resolvers/query_builder.h"
#include "resolvers/wire.h"

using namespace dnswitness;

namespace {

EcsPrefix prefix(const char* text) {
  const PrefixParse p = parse_ecs_prefix(text);
  REQUIRE_MESSAGE(p.prefix, p.problem);
  return *p.prefix;
}

struct PktFree {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};

// What kdig sends for `kdig @127.0.0.1 -p PORT ARGS`: the first datagram on a socket of our own.
// kdig gets an echo with QR set so it exits at once.
Bytes kdig_query(const std::string& args) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const std::string cmd = "kdig @127.0.0.1 -p " + std::to_string(ntohs(addr.sin_port)) +
                          " +notcp +timeout=2 +retry=0 " + args + " >/dev/null 2>&1";
  std::thread kdig([cmd] { (void)std::system(cmd.c_str()); });
  std::uint8_t buf[4096];
  sockaddr_in from{};
  socklen_t from_len = sizeof from;
  const ssize_t n = ::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &from_len);
  Bytes got;
  if (n > 0) {
    got.assign(buf, buf + n);
    buf[2] |= 0x80;
    ::sendto(fd, buf, static_cast<std::size_t>(n), 0, reinterpret_cast<sockaddr*>(&from), from_len);
  }
  kdig.join();
  ::close(fd);
  REQUIRE_MESSAGE(n > 0, "kdig sent nothing: is knot-dnsutils installed?");
  return got;
}

}  // namespace

TEST_CASE("plain query: header, question and OPT as ldns reads them") {
  QueryBytesSpec spec;
  spec.qname = "api.twitter.com";
  spec.qtype = 28;
  spec.id = 0xbeef;
  spec.recursion_desired = false;
  const Bytes q = build_query_bytes(spec);
  ldns_pkt* raw = nullptr;
  REQUIRE(ldns_wire2pkt(&raw, q.data(), q.size()) == LDNS_STATUS_OK);
  std::unique_ptr<ldns_pkt, PktFree> pkt(raw);
  CHECK(ldns_pkt_id(pkt.get()) == 0xbeef);
  CHECK_FALSE(ldns_pkt_rd(pkt.get()));
  CHECK_FALSE(ldns_pkt_qr(pkt.get()));
  CHECK(ldns_pkt_edns(pkt.get()));
  CHECK(ldns_pkt_edns_udp_size(pkt.get()) == 1232);
  const auto question = read_question(q);
  REQUIRE(question);
  CHECK(question->qname == "api.twitter.com");
  CHECK(question->qtype == 28);
  CHECK(question->qclass == 1);
  const auto h = read_header(q);
  REQUIRE(h);
  CHECK((h->flags & 0x0100) == 0);  // RD clear
  CHECK(h->arcount == 1);
  const EcsScan scan = read_client_subnet_option(q);
  CHECK(scan.readable);
  CHECK(scan.has_opt);
  CHECK_FALSE(scan.option);

  spec.recursion_desired = true;
  spec.edns_size = 0;
  const Bytes plain = build_query_bytes(spec);
  CHECK(read_header(plain)->arcount == 0);
  CHECK((read_header(plain)->flags & 0x0100) != 0);
  CHECK_FALSE(read_client_subnet_option(plain).has_opt);
}

TEST_CASE("the same bytes kdig sends, with and without a client subnet") {
  for (const char* subnet : {"49.96.0.0/12", "1.66.0.0/15", "2001:db8:40::/42", "126.0.0.0/8", "0.0.0.0/0",
                             "192.0.2.1/32"}) {
    CAPTURE(subnet);
    const Bytes theirs = kdig_query(std::string("+norecurse +noadflag +bufsize=1232 +subnet=") + subnet +
                                    " twitter.com AAAA");
    REQUIRE(theirs.size() >= 2);
    QueryBytesSpec spec;
    spec.qname = "twitter.com";
    spec.qtype = 28;
    spec.id = static_cast<std::uint16_t>(theirs[0] << 8 | theirs[1]);
    spec.recursion_desired = false;
    spec.client_subnet = prefix(subnet);
    CHECK(build_query_bytes(spec) == theirs);
  }
  const Bytes theirs = kdig_query("+recurse +noadflag +bufsize=4096 x.com A");
  QueryBytesSpec spec;
  spec.qname = "x.com";
  spec.id = static_cast<std::uint16_t>(theirs[0] << 8 | theirs[1]);
  spec.edns_size = 4096;
  CHECK(build_query_bytes(spec) == theirs);
}

TEST_CASE("the client subnet round-trips through the option reader and ldns") {
  QueryBytesSpec spec;
  spec.qname = "www.geo.test";
  spec.client_subnet = prefix("2001:db8:ab00::/40");
  const Bytes q = build_query_bytes(spec);
  const EcsScan scan = read_client_subnet_option(q);
  REQUIRE(scan.option);
  CHECK(scan.option->family == 2);
  CHECK(scan.option->source_prefix == 40);
  CHECK(scan.option->scope_prefix == 0);
  CHECK(scan.option->address == Bytes{0x20, 0x01, 0x0d, 0xb8, 0xab});
  CHECK(scan.option->address_text() == "2001:db8:ab00::");

  ldns_pkt* raw = nullptr;
  REQUIRE(ldns_wire2pkt(&raw, q.data(), q.size()) == LDNS_STATUS_OK);
  std::unique_ptr<ldns_pkt, PktFree> pkt(raw);
  ldns_edns_option_list* options = ldns_pkt_edns_get_option_list(pkt.get());
  REQUIRE(options != nullptr);
  REQUIRE(ldns_edns_option_list_get_count(options) == 1);
  const ldns_edns_option* o = ldns_edns_option_list_get_option(options, 0);
  CHECK(ldns_edns_get_code(o) == LDNS_EDNS_CLIENT_SUBNET);
  CHECK(ldns_edns_get_size(o) == 4 + 5);
}

TEST_CASE("bits after the prefix are never sent") {
  QueryBytesSpec spec;
  spec.qname = "t.co";
  EcsPrefix p = prefix("1.66.0.0/15");
  p.address[1] = 0x67;  // 1.67.x.x: the /15 bit pattern plus one host bit
  p.address[2] = 0xff;
  spec.client_subnet = p;
  const EcsScan scan = read_client_subnet_option(build_query_bytes(spec));
  REQUIRE(scan.option);
  CHECK(scan.option->address == Bytes{1, 0x66});
}

TEST_CASE("names the builder refuses") {
  QueryBytesSpec spec;
  spec.qname = "a..b";
  CHECK_THROWS_AS(build_query_bytes(spec), std::invalid_argument);
  spec.qname = std::string(64, 'a') + ".com";
  CHECK_THROWS_AS(build_query_bytes(spec), std::invalid_argument);
  spec.qname = std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') + "." +
               std::string(63, 'd');  // 4 * 64 + 1 = 257 bytes
  CHECK_THROWS_AS(build_query_bytes(spec), std::invalid_argument);
  spec.qname = "x.com";
  spec.edns_size = 0;
  spec.client_subnet = prefix("49.96.0.0/12");
  CHECK_THROWS_AS(build_query_bytes(spec), std::invalid_argument);
  spec.qname = "";  // the root is a valid name
  spec.edns_size = 1232;
  spec.client_subnet.reset();
  const Bytes root = build_query_bytes(spec);
  CHECK(root.size() == 12 + 1 + 4 + 11);
  const auto q = read_question(root);
  REQUIRE(q);
  CHECK(q->qname.empty());
}
