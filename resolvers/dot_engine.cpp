#include "resolvers/dot_engine.h"

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <fmt/format.h>
#include <set>
#include <stdexcept>

#include "model/address.h"
#include "resolvers/doh_tls.h"
#include "resolvers/wire.h"

namespace dnswitness {
namespace {

using DotTcp = boost::asio::ip::tcp;
using DotStream = boost::asio::ssl::stream<DotTcp::socket>;

std::string dot_endpoint_text(const DotTcp::endpoint& ep) {
  const std::string a = ep.address().to_string();
  return ep.address().is_v6() ? fmt::format("[{}]:{}", a, ep.port()) : fmt::format("{}:{}", a, ep.port());
}

Outcome dot_outcome_of_rcode(int rcode, bool has_addresses) {
  switch (rcode) {
    case 0: return has_addresses ? Outcome::answer : Outcome::nodata;
    case 2: return Outcome::servfail;
    case 3: return Outcome::nxdomain;
    case 5: return Outcome::refused;
    default: return Outcome::rcode_error;
  }
}

// A handshake failure that TLS itself reported (an alert, a certificate or protocol error). The
// network cutting the handshake off (a reset, or the peer closing: OpenSSL 3's "unexpected eof")
// says nothing about TLS or the certificate: that is a network_error, as over DoH.
bool dot_is_tls_failure(const boost::system::error_code& ec) {
  if (ec.category() != boost::asio::error::get_ssl_category()) return false;
  return ERR_GET_REASON(static_cast<unsigned long>(ec.value())) != SSL_R_UNEXPECTED_EOF_WHILE_READING;
}

const char* dot_result_name(Outcome o) {
  switch (o) {
    case Outcome::timeout: return "timeout";
    case Outcome::tls_error: return "tls_error";
    case Outcome::malformed: return "malformed";
    default: return "network_error";
  }
}

}  // namespace

struct DotEngine::Task {
  QueryRequest request;
  Handler done;
  Observation obs;
  int retries_left = 0;
  bool reconnect_used = false;  // the extra attempt after a connection closed under the query
};

// One query message on one connection.
struct DotEngine::Attempt {
  Task* task = nullptr;
  Exchange ex;
  std::uint16_t id = 0;
  std::uint64_t serial = 0;  // tells a stale timer from the one of a later attempt with the same ID
  bool written = false;      // handed to the TLS stream
  SteadyTime started{};      // when written: the start of rtt_us
  std::unique_ptr<boost::asio::steady_timer> timer;
};

struct DotEngine::Server {
  ResolverSpec spec;
  std::vector<DotTcp::endpoint> endpoints;  // the host resolved once, at the first query
  std::string resolve_error;
  std::shared_ptr<Connection> conn;  // the current connection, if any
};

struct DotEngine::Connection {
  enum class State { connecting, handshaking, ready, closed };

  // A context per connection, so its verification record is this connection's alone.
  Connection(boost::asio::io_context& io, const EngineOptions& options, Server& s)
      : server(&s), ctx(boost::asio::ssl::context::tls_client), stream(io, ctx) {
    SSL_CTX* c = ctx.native_handle();
    ctx.set_default_verify_paths();
    if (options.ca_anchors) options.ca_anchors->add_to(SSL_CTX_get_cert_store(c));
    SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);  // RFC 8310 §9: TLS 1.2 or later
    record_handshakes(c, &handshake);
    SSL* ssl = stream.native_handle();
    const std::string& host = s.spec.address;
    const bool literal = is_ipv4(host) || is_ipv6(host);
    // SNI carries names only (RFC 6066 §3). SSL_set_tlsext_host_name, without its C cast.
    if (!literal)
      SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(host.c_str()));
    if (options.insecure) {
      // OpenSSL still checks the chain (its result is recorded), but a failure does not stop us.
      stream.set_verify_mode(boost::asio::ssl::verify_none);
    } else {
      stream.set_verify_mode(boost::asio::ssl::verify_peer);
      // The certificate must name the host as the user wrote it: a DNS name or an IP address SAN.
      if (literal)
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str());
      else
        SSL_set1_host(ssl, host.c_str());
    }
  }

  Server* server;
  HandshakeRecord handshake;  // declared before ctx and stream: their handshakes write into it
  boost::asio::ssl::context ctx;
  DotStream stream;
  State state = State::connecting;
  TlsFacts facts;  // the peer once connected, the TLS facts once the handshake is done
  std::string local_address;
  std::map<std::uint16_t, std::unique_ptr<Attempt>> pending;  // written or waiting to be
  std::set<std::uint16_t> retired;  // IDs of queries that timed out here: a late answer may still come
  std::deque<std::uint16_t> to_write;
  bool writing = false;
  Bytes out;  // the messages being written, each behind its length prefix
  std::array<std::uint8_t, 2> length{};
  Bytes in;   // the message being read
};

DotEngine::DotEngine(boost::asio::io_context& io, const EngineOptions& options) : io_(io), options_(options) {
  if (options_.retries < 0) options_.retries = 0;
}

DotEngine::~DotEngine() {
  *alive_ = false;
  for (auto& [name, server] : servers_) {
    if (!server->conn) continue;
    Connection& c = *server->conn;
    for (auto& [id, a] : c.pending) delete a->task;  // never to be answered: the run is over
    c.pending.clear();
    c.state = Connection::State::closed;
    boost::system::error_code ignored;
    c.stream.lowest_layer().close(ignored);
  }
}

DotEngine::Server& DotEngine::server_for(const ResolverSpec& spec) {
  auto& slot = servers_[spec.name];
  if (slot) return *slot;
  slot = std::make_unique<Server>();
  slot->spec = spec;
  // "localhost" and names under it are the loopback addresses (RFC 6761 §6.3), never a DNS
  // question: without an /etc/hosts entry getaddrinfo would ask the system's resolvers for it.
  if (spec.address == "localhost" || spec.address.ends_with(".localhost")) {
    slot->endpoints.emplace_back(boost::asio::ip::make_address("127.0.0.1"), spec.port);
    slot->endpoints.emplace_back(boost::asio::ip::make_address("::1"), spec.port);
    return *slot;
  }
  // getaddrinfo once per run, when the resolver is first asked; a literal is only parsed.
  const bool literal = is_ipv4(spec.address) || is_ipv6(spec.address);
  DotTcp::resolver resolver(io_);
  boost::system::error_code ec;
  const auto flags = literal ? DotTcp::resolver::numeric_host | DotTcp::resolver::numeric_service
                             : DotTcp::resolver::numeric_service;
  const auto results = resolver.resolve(spec.address, std::to_string(spec.port), flags, ec);
  if (!ec)
    for (const auto& r : results) slot->endpoints.push_back(r.endpoint());
  if (ec || slot->endpoints.empty())
    slot->resolve_error = fmt::format("the host name {} could not be resolved: {}", spec.address,
                                      ec ? ec.message() : std::string("no address"));
  return *slot;
}

std::shared_ptr<DotEngine::Connection> DotEngine::connection_for(Server& server) {
  if (server.conn && server.conn->state != Connection::State::closed) return server.conn;
  server.conn = std::make_shared<Connection>(io_, options_, server);
  connect(server.conn);
  return server.conn;
}

void DotEngine::submit(QueryRequest request, Handler done) {
  auto task = std::make_unique<Task>();
  task->request = std::move(request);
  task->done = std::move(done);
  task->retries_left = options_.retries;
  task->obs.qname = task->request.qname;
  task->obs.qtype = task->request.qtype;
  task->obs.resolver = task->request.resolver;
  task->obs.transport = Transport::tls;
  Task* raw = task.release();  // owned by its attempts until finish()
  // Never answer from inside submit(): the caller may be in the middle of its own bookkeeping.
  boost::asio::post(io_, [this, raw, alive = alive_] {
    if (!*alive) {
      delete raw;
      return;
    }
    attempt(raw);
  });
}

void DotEngine::attempt(Task* task) {
  Server& server = server_for(task->request.resolver);
  auto a = std::make_unique<Attempt>();
  a->task = task;
  a->serial = next_serial_++;
  a->ex.transport = Transport::tls;
  a->ex.sent_at = utc_now();  // replaced by the moment it is written, when it is
  a->started = steady_now();
  if (!server.resolve_error.empty()) {
    a->ex.query_wire = build_query(task->request.qname, task->request.qtype, 0, options_.edns_size);
    conclude(std::move(a), Outcome::network_error, server.resolve_error, false, nullptr, nullptr);
    return;
  }
  std::shared_ptr<Connection> conn = connection_for(server);
  // A CSPRNG ID, unique among this connection's queries in flight and those that timed out on it.
  std::uint16_t id = 0;
  do {
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&id), sizeof id) != 1)
      throw std::runtime_error("the system random generator failed");
  } while (conn->pending.count(id) != 0 || conn->retired.count(id) != 0);
  a->id = id;
  a->ex.query_id = id;
  a->ex.query_wire = build_query(task->request.qname, task->request.qtype, id, options_.edns_size);
  a->timer = std::make_unique<boost::asio::steady_timer>(io_);
  a->timer->expires_after(std::chrono::milliseconds(options_.timeout_ms));
  a->timer->async_wait([this, alive = alive_, weak = std::weak_ptr<Connection>(conn), id,
                        serial = a->serial](const boost::system::error_code& ec) {
    if (ec || !*alive) return;
    if (auto c = weak.lock()) on_timeout(c, id, serial);
  });
  conn->pending.emplace(id, std::move(a));
  conn->to_write.push_back(id);
  flush(conn);
}

void DotEngine::connect(const std::shared_ptr<Connection>& conn) {
  const Server& server = *conn->server;
  boost::asio::async_connect(
      conn->stream.lowest_layer(), server.endpoints,
      [this, alive = alive_, conn](const boost::system::error_code& ec, const DotTcp::endpoint& peer) {
        if (!*alive || conn->state == Connection::State::closed) return;
        const ResolverSpec& spec = conn->server->spec;
        if (ec) {
          fail_connection(conn, Outcome::network_error,
                          fmt::format("could not connect to {} port {}: {}", spec.address, spec.port, ec.message()));
          return;
        }
        conn->facts.peer_address = dot_endpoint_text(peer);
        boost::system::error_code lec;
        const auto local = conn->stream.lowest_layer().local_endpoint(lec);
        if (!lec) conn->local_address = dot_endpoint_text(local);
        // Pipelined small messages: do not let Nagle hold one back until the previous is acknowledged.
        conn->stream.lowest_layer().set_option(DotTcp::no_delay(true), lec);
        handshake(conn);
      });
}

void DotEngine::handshake(const std::shared_ptr<Connection>& conn) {
  conn->state = Connection::State::handshaking;
  conn->stream.async_handshake(
      boost::asio::ssl::stream_base::client, [this, alive = alive_, conn](const boost::system::error_code& ec) {
        if (!*alive || conn->state == Connection::State::closed) return;
        const HandshakeRecord& hs = conn->handshake;
        if (ec) {
          const bool tls = dot_is_tls_failure(ec);
          conn->facts.certificates = hs.chain;
          std::string error;
          if (tls && hs.seen && !hs.verified_chain) {
            conn->facts.certificate_check = "failed: " + hs.verify_error;
            error = fmt::format("the TLS handshake with {} failed: the server's certificate did not verify ({})",
                                conn->facts.peer_address, hs.verify_error);
          } else {
            if (tls && hs.seen) conn->facts.certificate_check = "failed: " + ec.message();
            error = tls ? fmt::format("the TLS handshake with {} failed: {}", conn->facts.peer_address, ec.message())
                        : fmt::format("the connection to {} was cut off during the TLS handshake: {}",
                                      conn->facts.peer_address, ec.message());
          }
          if (options_.trace) options_.trace("DoT: " + error);
          fail_connection(conn, tls ? Outcome::tls_error : Outcome::network_error, error);
          return;
        }
        SSL* ssl = conn->stream.native_handle();
        connection_facts(ssl, conn->facts);
        conn->facts.certificate_check = certificate_check_text(ssl, options_.insecure);
        if (options_.trace)
          options_.trace(fmt::format("DoT: TLS handshake with {} done: {} {}, certificate {}", conn->facts.peer_address,
                                     conn->facts.tls_version, conn->facts.tls_cipher, conn->facts.certificate_check));
        conn->state = Connection::State::ready;
        read_next(conn);
        flush(conn);
      });
}

void DotEngine::flush(const std::shared_ptr<Connection>& conn) {
  if (conn->writing || conn->state != Connection::State::ready) return;
  conn->out.clear();
  const UtcTime now = utc_now();
  const SteadyTime steady = steady_now();
  while (!conn->to_write.empty()) {
    const std::uint16_t id = conn->to_write.front();
    conn->to_write.pop_front();
    const auto it = conn->pending.find(id);
    if (it == conn->pending.end() || it->second->written) continue;  // timed out before its turn
    Attempt& a = *it->second;
    const std::size_t n = a.ex.query_wire.size();  // a query is far below 65535 bytes
    conn->out.push_back(static_cast<std::uint8_t>(n >> 8));
    conn->out.push_back(static_cast<std::uint8_t>(n & 0xFF));
    conn->out.insert(conn->out.end(), a.ex.query_wire.begin(), a.ex.query_wire.end());
    a.written = true;
    a.ex.sent_at = now;
    a.started = steady;
  }
  if (conn->out.empty()) return;
  conn->writing = true;
  boost::asio::async_write(conn->stream, boost::asio::buffer(conn->out),
                           [this, alive = alive_, conn](const boost::system::error_code& ec, std::size_t) {
                             if (!*alive || conn->state == Connection::State::closed) return;
                             conn->writing = false;
                             if (ec) {
                               fail_connection(conn, Outcome::network_error,
                                               fmt::format("the query could not be sent over the TLS connection "
                                                           "to {}: {}",
                                                           conn->facts.peer_address, ec.message()));
                               return;
                             }
                             flush(conn);
                           });
}

void DotEngine::read_next(const std::shared_ptr<Connection>& conn) {
  const auto on_error = [this, conn](const boost::system::error_code& ec) {
    if (conn->pending.empty()) {
      // The server closed an idle connection (RFC 7766 §6.2.3 lets it): the next query opens another.
      conn->state = Connection::State::closed;
      if (conn->server->conn == conn) conn->server->conn.reset();
      boost::system::error_code ignored;
      conn->stream.lowest_layer().close(ignored);
      return;
    }
    const bool eof = ec == boost::asio::error::eof || ec == boost::asio::ssl::error::stream_truncated;
    fail_connection(conn, Outcome::network_error,
                    eof ? fmt::format("the server {} closed the TLS connection before answering",
                                      conn->facts.peer_address)
                        : fmt::format("the TLS connection to {} failed: {}", conn->facts.peer_address, ec.message()));
  };
  boost::asio::async_read(
      conn->stream, boost::asio::buffer(conn->length),
      [this, alive = alive_, conn, on_error](const boost::system::error_code& ec, std::size_t) {
        if (!*alive || conn->state == Connection::State::closed) return;
        if (ec) return on_error(ec);
        conn->in.assign(static_cast<std::size_t>(conn->length[0]) << 8 | conn->length[1], 0);
        boost::asio::async_read(
            conn->stream, boost::asio::buffer(conn->in),
            [this, alive, conn, on_error](const boost::system::error_code& ec2, std::size_t) {
              if (!*alive || conn->state == Connection::State::closed) return;
              if (ec2) return on_error(ec2);
              on_message(conn, std::move(conn->in));
              conn->in.clear();
              // The answer's handler may have ended the run (and this engine) or the connection.
              if (*alive && conn->state != Connection::State::closed) read_next(conn);
            });
      });
}

void DotEngine::on_message(const std::shared_ptr<Connection>& conn, Bytes message) {
  // RFC 7766 §7: responses may come in any order; the ID says which query each answers. Bytes
  // that match no query in flight (a late answer to one that timed out) are not evidence of any.
  if (message.size() < 2) return;
  const std::uint16_t id = static_cast<std::uint16_t>(message[0] << 8 | message[1]);
  const auto it = conn->pending.find(id);
  if (it == conn->pending.end() || !it->second->written) {
    conn->retired.erase(id);
    return;
  }
  std::unique_ptr<Attempt> a = std::move(it->second);
  conn->pending.erase(it);
  a->ex.rtt_us = micros_between(a->started, steady_now());
  a->ex.response_wire = std::move(message);
  const DecodedResponse decoded = decode_response(a->ex.response_wire, a->task->request.qname,
                                                  a->task->request.qtype);
  if (decoded.ok)
    conclude(std::move(a), Outcome::answer, {}, false, &decoded, conn.get());
  else
    conclude(std::move(a), Outcome::malformed, "the response " + decoded.problem, false, nullptr, conn.get());
  close_if_idle(conn);
}

void DotEngine::on_timeout(const std::shared_ptr<Connection>& conn, std::uint16_t id, std::uint64_t serial) {
  const auto it = conn->pending.find(id);
  if (it == conn->pending.end() || it->second->serial != serial) return;
  std::unique_ptr<Attempt> a = std::move(it->second);
  conn->pending.erase(it);
  if (a->written) conn->retired.insert(id);
  std::string error = fmt::format("no response within {} ms", options_.timeout_ms);
  if (conn->state == Connection::State::connecting || conn->state == Connection::State::handshaking)
    error += conn->state == Connection::State::connecting ? " (the TCP connection was not set up by then)"
                                                          : " (the TLS handshake had not finished by then)";
  conclude(std::move(a), Outcome::timeout, std::move(error), false, nullptr, conn.get());
  close_if_idle(conn);
}

void DotEngine::fail_connection(const std::shared_ptr<Connection>& conn, Outcome outcome,
                                const std::string& error) {
  // Queries on an established connection that failed get one more try on a new one.
  const bool lost = conn->state == Connection::State::ready;
  conn->state = Connection::State::closed;
  if (conn->server->conn == conn) conn->server->conn.reset();
  boost::system::error_code ignored;
  conn->stream.lowest_layer().close(ignored);
  auto pending = std::move(conn->pending);
  conn->pending.clear();
  for (auto& [id, a] : pending) conclude(std::move(a), outcome, error, lost, nullptr, conn.get());
}

void DotEngine::close_if_idle(const std::shared_ptr<Connection>& conn) {
  if (!conn->pending.empty() || conn->state == Connection::State::closed) return;
  // From the loop: a query the caller submits on hearing this answer arrives in the meantime, and
  // a connection with nothing in flight would keep io_context::run from returning at the end of a run.
  boost::asio::post(io_, [this, alive = alive_, conn] {
    if (!*alive || !conn->pending.empty() || conn->state == Connection::State::closed) return;
    conn->state = Connection::State::closed;
    if (conn->server->conn == conn) conn->server->conn.reset();
    boost::system::error_code ignored;
    conn->stream.lowest_layer().close(ignored);
  });
}

void DotEngine::conclude(std::unique_ptr<Attempt> a, Outcome outcome, std::string error, bool connection_lost,
                         const DecodedResponse* decoded, const Connection* conn) {
  Task* task = a->task;
  Exchange ex = std::move(a->ex);
  a.reset();  // its timer goes with it
  ex.tls = conn != nullptr ? conn->facts : TlsFacts{};
  if (conn != nullptr && ex.local_address.empty()) ex.local_address = conn->local_address;
  Observation& obs = task->obs;
  if (obs.exchanges.empty()) obs.sent_at = ex.sent_at;
  if (decoded != nullptr) {
    ex.result = "response";
    obs.rcode = decoded->rcode;
    obs.flags = flag_names(decoded->header.flags);
    obs.answers = decoded->answers;
    obs.addresses = decoded->addresses;
    obs.outcome = dot_outcome_of_rcode(decoded->rcode, !decoded->addresses.empty());
    obs.error.clear();
    obs.exchanges.push_back(std::move(ex));
    finish(task);
    return;
  }
  ex.result = dot_result_name(outcome);
  obs.error = std::move(error);
  obs.exchanges.push_back(std::move(ex));
  if (connection_lost && outcome == Outcome::network_error && !task->reconnect_used) {
    task->reconnect_used = true;
    attempt(task);
    return;
  }
  const bool retryable = outcome == Outcome::timeout || outcome == Outcome::network_error;
  if (retryable && task->retries_left > 0) {
    --task->retries_left;
    if (options_.trace)
      options_.trace(fmt::format("{}: {} ({}); asking again, attempt {}", trace_query(task->request),
                                 outcome_name(outcome), obs.error, obs.exchanges.size() + 1));
    attempt(task);
    return;
  }
  obs.outcome = final_failure_outcome(obs, outcome);
  finish(task);
}

void DotEngine::finish(Task* raw) {
  std::unique_ptr<Task> task(raw);
  take_final_exchange(task->obs);
  Handler done = std::move(task->done);
  Observation out = std::move(task->obs);
  task.reset();
  done(std::move(out));
}

}  // namespace dnswitness
