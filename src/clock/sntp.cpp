#include "clock/sntp.h"

#include <fmt/format.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>

#include "model/errors.h"

namespace dnswitness {

namespace asio = boost::asio;
using asio::ip::udp;

namespace {

constexpr std::int64_t kUnixToNtpSeconds = 2'208'988'800;  // 1900-01-01 to 1970-01-01
constexpr std::size_t kPacketSize = 48;

std::uint64_t read_u64(ByteView b, std::size_t at) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | b[at + i];
  return v;
}

// A signed difference of two 32.32 timestamps (valid within ±68 years) in nanoseconds.
std::int64_t fixed_to_ns(std::int64_t d) {
  const std::int64_t seconds = d >> 32;  // arithmetic shift: floor for negatives
  const std::int64_t fraction = d & 0xffffffffLL;
  return seconds * 1'000'000'000LL + ((fraction * 1'000'000'000LL) >> 32);
}

std::int64_t ns_to_fixed(std::int64_t ns) {
  const std::int64_t seconds = ns / 1'000'000'000LL;
  const std::int64_t rest = ns % 1'000'000'000LL;
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(seconds) << 32) + (rest << 32) / 1'000'000'000LL;
}

std::string reference_id(ByteView b, int stratum) {
  const std::uint8_t* r = b.data() + 12;
  if (stratum <= 1) {
    // Four ASCII letters: a reference clock ("GPS", "NICT") or, at stratum 0, a kiss code ("RATE").
    std::string s;
    bool printable = true;
    for (int i = 0; i < 4; ++i) {
      if (r[i] == 0) break;
      printable = printable && r[i] >= 0x20 && r[i] < 0x7f;
      s += static_cast<char>(r[i]);
    }
    if (printable) return s;
    return fmt::format("0x{:02x}{:02x}{:02x}{:02x}", r[0], r[1], r[2], r[3]);
  }
  // Stratum 2 and above: the upstream server's IPv4 address (or a hash of its IPv6 address).
  return fmt::format("{}.{}.{}.{}", r[0], r[1], r[2], r[3]);
}

}  // namespace

NtpServer parse_ntp_server(std::string_view text) {
  NtpServer s;
  s.text = std::string(text);
  std::string_view host = text;
  std::string_view port;
  bool has_port = false;
  if (text.empty())
    throw UsageError("An empty NTP server was given; use --ntp HOST[:PORT], or --ntp none to skip the clock check.");
  if (text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || (close + 1 < text.size() && text[close + 1] != ':'))
      throw UsageError(fmt::format("'{}' is not a valid NTP server; write an IPv6 address as [2001:db8::1]:123.", text));
    host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      has_port = true;
      port = text.substr(close + 2);
    }
  } else if (const auto colon = text.find(':'); colon != std::string_view::npos) {
    if (text.find(':', colon + 1) == std::string_view::npos) {
      has_port = true;
      host = text.substr(0, colon);
      port = text.substr(colon + 1);
    }  // else: a bare IPv6 address, port 123
  }
  if (has_port) {
    unsigned value = 0;
    bool ok = !port.empty() && port.size() <= 5;
    for (const char c : port) {
      ok = ok && c >= '0' && c <= '9';
      if (ok) value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (!ok || value < 1 || value > 65535)
      throw UsageError(fmt::format("'{}' has no valid port; the port must be a number from 1 to 65535.", text));
    s.port = static_cast<std::uint16_t>(value);
  }
  bool ok = !host.empty() && host.size() <= 253;
  for (const char c : host)
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
                c == ':' || c == '_');
  if (!ok)
    throw UsageError(fmt::format("'{}' is not a valid NTP server; give a host name or an address, e.g. ntp.nict.jp "
                                 "or 127.0.0.1:4123.",
                                 text));
  s.host = std::string(host);
  return s;
}

NtpPlan make_ntp_plan(const std::optional<std::vector<std::string>>& setting) {
  NtpPlan plan;
  if (!setting) {
    plan.servers.push_back(parse_ntp_server(kDefaultNtpServer));
    plan.fallback.push_back(parse_ntp_server(kFallbackNtpServer));
    return plan;
  }
  for (const auto& text : *setting) {
    if (text == "none") {
      if (setting->size() > 1)
        throw UsageError("'none' switches the clock check off and cannot be combined with NTP servers; give one or "
                         "the other.");
      return NtpPlan{};
    }
    plan.servers.push_back(parse_ntp_server(text));
  }
  return plan;
}

std::uint64_t ntp_timestamp(UtcTime t) {
  // Floor division, so instants before 1970 (only in tests) still map correctly.
  std::int64_t seconds = t.ns / 1'000'000'000LL;
  std::int64_t rest = t.ns % 1'000'000'000LL;
  if (rest < 0) {
    rest += 1'000'000'000LL;
    --seconds;
  }
  const std::uint64_t ntp_seconds = static_cast<std::uint64_t>(seconds + kUnixToNtpSeconds) & 0xffffffffULL;
  const std::uint64_t fraction = (static_cast<std::uint64_t>(rest) << 32) / 1'000'000'000ULL;
  return (ntp_seconds << 32) | fraction;
}

Bytes build_sntp_request(UtcTime t1) {
  Bytes p(kPacketSize, 0);
  p[0] = (0 << 6) | (4 << 3) | 3;  // LI 0, VN 4, mode 3 (client)
  const std::uint64_t ts = ntp_timestamp(t1);
  for (int i = 0; i < 8; ++i) p[40 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(ts >> (56 - 8 * i));
  return p;
}

void read_sntp_response(ByteView b, ByteView request, std::int64_t elapsed_ns, SntpResult& out) {
  out.response.assign(b.begin(), b.end());
  if (b.size() < kPacketSize || request.size() < kPacketSize) {
    out.outcome = "malformed";
    out.error = fmt::format("the reply has {} bytes; an NTP packet has at least 48", b.size());
    return;
  }
  out.leap = b[0] >> 6;
  out.version = (b[0] >> 3) & 7;
  const int mode = b[0] & 7;
  out.stratum = b[1];
  const std::uint64_t t1 = read_u64(request, 40);
  const std::uint64_t originate = read_u64(b, 24);
  const std::uint64_t t2 = read_u64(b, 32);
  const std::uint64_t t3 = read_u64(b, 40);
  if (mode != 4) {
    out.outcome = "malformed";
    out.error = fmt::format("the reply has NTP mode {}, not 4 (server)", mode);
    return;
  }
  if (out.version < 1 || out.version > 4) {
    out.outcome = "malformed";
    out.error = fmt::format("the reply has NTP version {}", out.version);
    return;
  }
  if (originate != t1) {
    // RFC 4330 §5: the originate timestamp must echo our transmit timestamp, or the reply is
    // not an answer to this query (a stale or forged packet).
    out.outcome = "malformed";
    out.error = "the reply does not echo the transmit time of our request, so it does not answer it";
    return;
  }
  if (t3 == 0) {
    out.outcome = "malformed";
    out.error = "the reply carries no transmit time";
    return;
  }
  out.reference_id = reference_id(b, out.stratum);
  if (out.stratum == 0) {
    out.outcome = "kiss_of_death";
    out.error = fmt::format("the server refused to give the time (kiss code {})", out.reference_id);
    return;
  }
  // Differences in 32.32 fixed point relative to T1 (wrapping arithmetic, RFC 5905 §6), so the
  // NTP era boundary of 2036 does not matter and any offset within ±68 years comes out right.
  // The two halves are added, not the whole differences: for a clock decades off (one at 1970),
  // d2 + d3 would overflow 64 bits.
  const std::int64_t d2 = static_cast<std::int64_t>(t2 - t1);
  const std::int64_t d3 = static_cast<std::int64_t>(t3 - t1);
  const std::int64_t d4 = ns_to_fixed(elapsed_ns);
  out.offset_ns = fixed_to_ns(d2 / 2 + (d3 - d4) / 2);
  out.delay_ns = fixed_to_ns(d4 - (d3 - d2));
  if (out.leap == 3 || out.stratum > 15) {
    out.outcome = "unsynchronized";
    out.error = "the server says its own clock is not synchronised; its time was not used";
    return;
  }
  out.outcome = "answer";
}

// ---- the client ----

struct SntpClient::Query {
  explicit Query(asio::io_context& io) : socket(io), timer(io) {}
  udp::socket socket;
  asio::steady_timer timer;
  SntpResult result;
  std::array<std::uint8_t, 512> buffer{};
  SteadyTime started;
  bool finished = false;
};

SntpClient::SntpClient(asio::io_context& io, NtpPlan plan)
    : io_(io), plan_(std::move(plan)), limit_(plan_.state_file), resolver_(io) {}

SntpClient::~SntpClient() = default;

void SntpClient::start(Done done) {
  done_ = std::move(done);
  for (const auto& s : plan_.servers) facts_.servers.push_back(s.text);
  for (const auto& s : plan_.fallback) facts_.servers.push_back(s.text);
  if (!plan_.enabled()) {
    facts_.note = "The clock was not checked: NTP is switched off (--ntp none or \"ntp\": \"none\" in the config).";
    ++pending_;
    asio::post(io_, [this] { finish_one(); });
    return;
  }
  start_round(plan_.servers);
}

void SntpClient::start_round(const std::vector<NtpServer>& servers) {
  // One pending count for the round itself, so no callback can finish the client before every
  // server of the round has been started.
  ++pending_;
  for (const auto& server : servers) {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(server.host, ec);
    if (!ec) {
      send_to(server, udp::endpoint(address, server.port));
      continue;
    }
    ++pending_;
    resolver_.async_resolve(server.host, std::to_string(server.port),
                            [this, server](const boost::system::error_code& rec, udp::resolver::results_type results) {
                              if (rec || results.empty()) {
                                SntpResult r;
                                r.server = server.text;
                                r.port = server.port;
                                r.outcome = "resolve_error";
                                r.error = fmt::format("the name {} could not be resolved: {}", server.host,
                                                      rec ? rec.message() : "no address");
                                facts_.results.push_back(std::move(r));
                              } else {
                                for (const auto& entry : results) send_to(server, entry.endpoint());
                              }
                              finish_one();
                            });
  }
  asio::post(io_, [this] { finish_one(); });
}

void SntpClient::send_to(const NtpServer& server, const udp::endpoint& endpoint) {
  auto q = std::make_unique<Query>(io_);
  Query* query = q.get();
  SntpResult& r = query->result;
  r.server = server.text;
  r.address = endpoint.address().to_string();
  r.port = endpoint.port();
  const std::string key = endpoint.address().is_v6() ? fmt::format("[{}]:{}", r.address, r.port)
                                                     : fmt::format("{}:{}", r.address, r.port);
  if (const auto earlier = limit_.claim(key, utc_now())) {
    r.outcome = "skipped";
    r.last_query_at = *earlier;
    r.error = "this address was asked less than 3 minutes ago; NTP servers ask clients not to poll more often";
    facts_.results.push_back(std::move(r));
    return;
  }
  queries_.push_back(std::move(q));
  ++pending_;

  boost::system::error_code ec;
  query->socket.open(endpoint.protocol(), ec);
  // connect() makes the kernel drop datagrams from anyone but the server and report an ICMP
  // "port unreachable" as an error on receive.
  if (!ec) query->socket.connect(endpoint, ec);
  r.sent_at = utc_now();
  r.request = build_sntp_request(r.sent_at);
  query->started = steady_now();
  if (!ec) query->socket.send(asio::buffer(r.request), 0, ec);
  if (ec) {
    r.outcome = "network_error";
    r.error = fmt::format("the query could not be sent: {}", ec.message());
    query->finished = true;
    asio::post(io_, [this] { finish_one(); });
    return;
  }
  query->timer.expires_after(std::chrono::milliseconds(plan_.timeout_ms));
  query->timer.async_wait([this, query](const boost::system::error_code& tec) {
    if (tec || query->finished) return;
    query->finished = true;
    query->result.outcome = "timeout";
    query->result.error = fmt::format("no reply within {} ms", plan_.timeout_ms);
    boost::system::error_code ignored;
    query->socket.close(ignored);
    finish_one();
  });
  query->socket.async_receive(asio::buffer(query->buffer), [this, query](const boost::system::error_code& rec,
                                                                         std::size_t n) {
    if (query->finished) return;  // timed out already; the close cancelled this receive
    const SteadyTime received = steady_now();
    query->finished = true;
    query->timer.cancel();
    SntpResult& res = query->result;
    if (rec) {
      res.outcome = "network_error";
      res.error = fmt::format("the reply could not be received: {}", rec.message());
    } else {
      res.rtt_us = micros_between(query->started, received);
      const auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(received - query->started).count();
      read_sntp_response(ByteView(query->buffer.data(), n), res.request, elapsed, res);
    }
    finish_one();
  });
}

void SntpClient::finish_one() {
  if (--pending_ > 0) return;
  // Every query of this round is done: move their results over in the order they were sent. The
  // queries themselves stay until the client goes: cancelled handlers may still be queued.
  for (; harvested_ < queries_.size(); ++harvested_) facts_.results.push_back(std::move(queries_[harvested_]->result));
  bool answered = false;
  for (const auto& r : facts_.results) answered = answered || r.outcome == "answer";
  if (!answered && !in_fallback_ && !plan_.fallback.empty()) {
    in_fallback_ = true;
    start_round(plan_.fallback);
    return;
  }
  finish_clock_facts(facts_);
  if (done_) {
    Done done = std::move(done_);
    done_ = nullptr;
    done(std::move(facts_));
  }
}

}  // namespace dnswitness
