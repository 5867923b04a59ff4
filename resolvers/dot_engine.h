#pragma once
// DotEngine: DNS over TLS (RFC 7858) queries turned into observations, failures included — the
// tls counterpart of DnsEngine, which hands it every query for a tls:// resolver when its turn
// comes (the queue, in-flight cap and pacing stay the DnsEngine's).
//
// One TLS connection per resolver (Boost.Asio SSL on the caller's io_context), reused and
// pipelined as RFC 7858 §3.3 and RFC 7766 §6.2.1 ask: each message carries a two-byte length
// prefix, every query in flight is written without waiting for earlier answers, and responses,
// which may come in any order, are matched to their queries by ID. IDs come from the CSPRNG and are
// unique on the connection among queries in flight and queries that timed out there (a late answer
// to those must not be taken for a new query's). The recorded bytes are the DNS messages without
// the length prefix.
//
// The host name of the spec is resolved (getaddrinfo) when the run first connects to it; the
// certificate is checked against the host as written (DNS name or IP address SAN), with the
// system's CAs plus --ca-file, unless --insecure. The connection is closed once nothing is in
// flight on it, so io_context::run returns at the end of a run; the next query opens a new one.
//
// Each attempt waits `timeout_ms` (connection and handshake included); a timeout or network error
// is retried up to `retries` times. Queries in flight on a connection that closes (the server
// closed it while they were on the way) are recorded as a network_error exchange and retried once
// more on a new connection, retries left or not. A TLS failure (handshake, certificate, host name)
// is the `tls_error` outcome and is not retried. Every exchange carries the connection's TLS facts.
//
// Thread-safety: none; submit() and the handlers run on the io_context's thread.
// Ownership: owns its connections; its destructor closes them, and handlers still queued on the
// io_context afterwards do nothing.
#include <boost/asio/io_context.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "model/observation.h"
#include "resolvers/dns_engine.h"

namespace dnswitness {

struct DecodedResponse;

class DotEngine {
 public:
  using Handler = std::function<void(Observation&&)>;

  DotEngine(boost::asio::io_context& io, const EngineOptions& options);
  ~DotEngine();
  DotEngine(const DotEngine&) = delete;
  DotEngine& operator=(const DotEngine&) = delete;

  // Sends a query to a tls resolver; `done` runs exactly once with its observation, from the
  // io_context (never from inside submit()).
  void submit(QueryRequest request, Handler done);

 private:
  struct Task;
  struct Attempt;
  struct Connection;
  struct Server;

  Server& server_for(const ResolverSpec& spec);
  std::shared_ptr<Connection> connection_for(Server& server);
  void attempt(Task* task);
  void connect(const std::shared_ptr<Connection>& conn);
  void handshake(const std::shared_ptr<Connection>& conn);
  void flush(const std::shared_ptr<Connection>& conn);
  void read_next(const std::shared_ptr<Connection>& conn);
  void on_message(const std::shared_ptr<Connection>& conn, Bytes message);
  void on_timeout(const std::shared_ptr<Connection>& conn, std::uint16_t id, std::uint64_t serial);
  // Closes a connection that failed and ends every attempt on it with `outcome`.
  void fail_connection(const std::shared_ptr<Connection>& conn, Outcome outcome, const std::string& error);
  void close_if_idle(const std::shared_ptr<Connection>& conn);
  // Records the attempt's exchange (with `conn`'s facts, when it got a connection) and either
  // finishes its task or retries it. `decoded` is the response when one was accepted.
  void conclude(std::unique_ptr<Attempt> a, Outcome outcome, std::string error, bool connection_lost,
                const DecodedResponse* decoded, const Connection* conn);
  void finish(Task* task);

  boost::asio::io_context& io_;
  EngineOptions options_;
  std::map<std::string, std::unique_ptr<Server>> servers_;
  std::uint64_t next_serial_ = 1;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace dnswitness
