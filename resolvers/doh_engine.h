#pragma once
// DohEngine: DNS over HTTPS (RFC 8484) queries turned into observations, failures included —
// the https counterpart of DnsEngine, which hands it every query for an https:// resolver.
//
// Each query is the same DNS message as over UDP (c-ares' builder, same EDNS size) except its ID,
// which is 0 as RFC 8484 §4.1 recommends: the HTTP stream, not the ID, pairs a response with its
// query, so a random ID would add nothing; the ID is still recorded, and a response that does not
// echo 0 is kept as malformed. It is POSTed as application/dns-message through one DohClient (one
// libcurl multi handle on the caller's io_context). The queue, in-flight cap and pacing are the
// DnsEngine's, which owns this engine and hands it each query when its turn comes. A timeout or network error is retried up to `retries`
// times; a TLS failure (handshake, certificate, host name) is not: it is the `tls_error` outcome.
// Every attempt is an Exchange with its raw bytes and its HTTPS/TLS facts.
//
// Thread-safety: none; submit() and the handlers run on the io_context's thread.
// Ownership: owns its DohClient; destroy it only after io_context::run has returned.
#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>

#include "model/observation.h"
#include "resolvers/dns_engine.h"
#include "resolvers/doh_client.h"

namespace dnswitness {

class DohEngine {
 public:
  using Handler = std::function<void(Observation&&)>;

  DohEngine(boost::asio::io_context& io, const EngineOptions& options);
  ~DohEngine();
  DohEngine(const DohEngine&) = delete;
  DohEngine& operator=(const DohEngine&) = delete;

  // Sends a query to an https resolver now; `done` runs exactly once with its observation, from
  // the io_context (never from inside submit()).
  void submit(QueryRequest request, Handler done);

 private:
  struct Task;

  void attempt(Task* task);
  void on_result(Task* task, Exchange exchange, DohResult&& result);
  void finish(Task* task);

  EngineOptions options_;
  DohClient client_;
};

}  // namespace dnswitness
