#pragma once
// DohEngine: DNS over HTTPS (RFC 8484) queries turned into observations, failures included —
// the https counterpart of DnsEngine, which hands it every query for an https:// resolver.
//
// Each query is the same DNS message as over UDP (c-ares' builder, same EDNS size) except its ID,
// which is 0 as RFC 8484 §4.1 recommends: the HTTP stream, not the ID, pairs a response with its
// query, so a random ID would add nothing; the ID is still recorded, and a response that does not
// echo 0 is kept as malformed. It is POSTed as application/dns-message through one DohClient (one
// libcurl multi handle on the caller's io_context), so every query of a run is in flight at once
// within `max_in_flight` per resolver. A timeout or network error is retried up to `retries`
// times; a TLS failure (handshake, certificate, host name) is not: it is the `tls_error` outcome.
// Every attempt is an Exchange with its raw bytes and its HTTPS/TLS facts.
//
// Thread-safety: none; submit() and the handlers run on the io_context's thread.
// Ownership: owns its DohClient; destroy it only after io_context::run has returned.
#include <boost/asio/io_context.hpp>
#include <deque>
#include <map>
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

  // Queues a query for an https resolver; `done` runs exactly once with its observation, from the
  // io_context (never from inside submit()).
  void submit(QueryRequest request, Handler done);

  std::size_t outstanding() const { return outstanding_; }

 private:
  struct Task;
  struct ResolverQueue {
    int in_flight = 0;
    std::deque<std::unique_ptr<Task>> waiting;
  };

  void start(std::unique_ptr<Task> task);
  void attempt(Task* task);
  void on_result(Task* task, Exchange exchange, DohResult&& result);
  void finish(Task* task);

  EngineOptions options_;
  DohClient client_;
  std::size_t outstanding_ = 0;
  std::map<std::string, ResolverQueue> resolvers_;
};

}  // namespace dnswitness
