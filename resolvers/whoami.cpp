#include "resolvers/whoami.h"

#include <ares.h>
#include <arpa/inet.h>
#include <fmt/format.h>
#include <openssl/rand.h>

#include <array>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>

#include "model/address.h"
#include "resolvers/wire.h"

namespace dnswitness {

namespace asio = boost::asio;
using asio::ip::udp;

struct WhoamiClient::Pending {
  explicit Pending(asio::io_context& io) : socket(io), timer(io) {}
  udp::socket socket;
  asio::steady_timer timer;
  WhoamiResult result;
  std::uint16_t id = 0;
  std::array<std::uint8_t, 4096> buffer{};
  SteadyTime started;
  bool finished = false;
};

namespace {

bool is_ip(const std::string& s) {
  in_addr v4{};
  in6_addr v6{};
  return inet_pton(AF_INET, s.c_str(), &v4) == 1 || inet_pton(AF_INET6, s.c_str(), &v6) == 1;
}

Bytes whoami_query_bytes(const WhoamiQuery& q, std::uint16_t id) {
  unsigned char* buf = nullptr;
  int len = 0;
  // No EDNS: the answers are a few dozen bytes, and an OPT record would only add an ECS line to
  // Google's answer. RD set, as for any recursive resolver.
  const int rc = ares_create_query(q.qname.c_str(), q.qclass, q.qtype, id, 1, &buf, &len, 0);
  if (rc != ARES_SUCCESS) return {};
  Bytes out(buf, buf + len);
  ares_free_string(buf);
  return out;
}

void classify(WhoamiResult& r, std::uint16_t id) {
  const auto header = read_header(r.response_wire);
  if (header && header->id != id) {
    r.outcome = "malformed";
    r.error = fmt::format("a reply arrived with query ID {} instead of {}", header->id, id);
    return;
  }
  const DecodedResponse d = decode_response(r.response_wire, r.query.qname, r.query.qtype);
  if (!d.ok) {
    r.outcome = "malformed";
    r.error = "the response " + d.problem;
    return;
  }
  r.rcode = d.rcode;
  for (const auto& rr : d.answers) r.answers.push_back(rr.data);
  r.egress = egress_addresses(d.answers);
  switch (d.rcode) {
    case 0: r.outcome = d.answers.empty() ? "nodata" : "answer"; break;
    case 2: r.outcome = "servfail"; break;
    case 3: r.outcome = "nxdomain"; break;
    case 5: r.outcome = "refused"; break;
    default: r.outcome = "rcode_error"; break;
  }
}

}  // namespace

std::vector<std::string> egress_addresses(const std::vector<ResourceRecord>& answers) {
  std::vector<std::string> out;
  for (const auto& rr : answers) {
    if (rr.type != "A" && rr.type != "AAAA" && rr.type != "TXT") continue;
    std::string token;
    for (const char c : rr.data + " ") {
      if (c == ' ' || c == '"') {
        if (is_ip(token)) out.push_back(token);
        token.clear();
      } else {
        token += c;
      }
    }
  }
  sort_addresses(out);
  return out;
}

WhoamiClient::WhoamiClient(asio::io_context& io, int timeout_ms) : io_(io), timeout_ms_(timeout_ms) {}
WhoamiClient::~WhoamiClient() = default;

void WhoamiClient::start(std::vector<WhoamiQuery> queries, Done done) {
  done_ = std::move(done);
  ++open_;  // held until every query has been started
  for (auto& q : queries) {
    auto p = std::make_unique<Pending>(io_);
    Pending* pending = p.get();
    pending_.push_back(std::move(p));
    ++open_;
    WhoamiResult& r = pending->result;
    r.query = std::move(q);
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&pending->id), sizeof pending->id) != 1) pending->id = 0x5a5a;
    r.query_wire = whoami_query_bytes(r.query, pending->id);
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(r.query.resolver.address, ec);
    const udp::endpoint endpoint(address, r.query.resolver.port);
    if (!ec) pending->socket.open(endpoint.protocol(), ec);
    if (!ec) pending->socket.connect(endpoint, ec);
    r.sent_at = utc_now();
    pending->started = steady_now();
    if (!ec && r.query_wire.empty()) ec = make_error_code(boost::system::errc::invalid_argument);
    if (!ec) pending->socket.send(asio::buffer(r.query_wire), 0, ec);
    if (ec) {
      r.outcome = "network_error";
      r.error = fmt::format("the query could not be sent: {}", ec.message());
      pending->finished = true;
      asio::post(io_, [this] { finish_one(); });
      continue;
    }
    pending->timer.expires_after(std::chrono::milliseconds(timeout_ms_));
    pending->timer.async_wait([this, pending](const boost::system::error_code& tec) {
      if (tec || pending->finished) return;
      pending->finished = true;
      pending->result.outcome = "timeout";
      pending->result.error = fmt::format("no reply within {} ms", timeout_ms_);
      boost::system::error_code ignored;
      pending->socket.close(ignored);
      finish_one();
    });
    pending->socket.async_receive(asio::buffer(pending->buffer), [this, pending](const boost::system::error_code& rec,
                                                                                 std::size_t n) {
      if (pending->finished) return;
      const SteadyTime received = steady_now();
      pending->finished = true;
      pending->timer.cancel();
      WhoamiResult& res = pending->result;
      if (rec) {
        res.outcome = "network_error";
        res.error = fmt::format("the reply could not be received: {}", rec.message());
      } else {
        res.rtt_us = micros_between(pending->started, received);
        res.response_wire.assign(pending->buffer.begin(), pending->buffer.begin() + static_cast<std::ptrdiff_t>(n));
        classify(res, pending->id);
      }
      finish_one();
    });
  }
  asio::post(io_, [this] { finish_one(); });
}

void WhoamiClient::finish_one() {
  if (--open_ > 0) return;
  std::vector<WhoamiResult> results;
  for (auto& p : pending_) results.push_back(std::move(p->result));
  if (done_) {
    Done done = std::move(done_);
    done_ = nullptr;
    done(std::move(results));
  }
}

}  // namespace dnswitness
