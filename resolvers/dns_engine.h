#pragma once
// DnsEngine: sends queries to UDP/TCP resolvers through c-ares on one Asio io_context and turns
// every query into an Observation, failures included.
//
// Per resolver: one UDP channel and one TCP channel (created on first use), at most
// `max_in_flight` queries outstanding, the rest queued in submission order. Each attempt waits
// `timeout_ms`; a timeout or network error is retried up to `retries` times; a truncated UDP
// answer (TC=1) is retried once over TCP and both exchanges are kept (RFC 7766 §5).
//
// Pacing: with `qps` > 0, a resolver is sent at most that many new queries a second (first
// attempts; retries of queries already started are not held back). With `adaptive`, the cap a
// resolver actually gets is a window below `max_in_flight` that halves when an attempt times out
// while the resolver still answers others, and grows by one per window of answers (additive increase, multiplicative decrease): on this
// machine a loopback server drops queries once a few hundred are queued, and each lost query
// costs a whole timeout, so backing off at the first loss is what keeps a bulk run fast.
//
// Thread-safety: none; submit() and the handlers run on the io_context's thread.
// Ownership: the engine owns its channels; destroy it only after io_context::run has returned.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "model/observation.h"
#include "model/resolver_spec.h"
#include "resolvers/ares_channel.h"
#include "resolvers/query_builder.h"

namespace dnswitness {

class DohEngine;
class DotEngine;
class TrustAnchors;

struct EngineOptions {
  int timeout_ms = 2000;
  int retries = 1;                // extra attempts after the first, on timeout or network error
  int max_in_flight = 100;        // per resolver
  std::uint16_t edns_size = 1232; // EDNS0 UDP payload size advertised (RFC 6891); 0 = no EDNS
  std::shared_ptr<const TrustAnchors> ca_anchors;  // DoH, DoT: --ca-file, added to the system's CAs
  bool insecure = false;                           // DoH, DoT: --insecure (tests only)
  int qps = 0;                    // new queries a second per resolver; 0 = no limit
  bool adaptive = true;           // shrink the in-flight window on timeouts (see above)
  // -v: one line for each retry, each truncation asked again over TCP and each TLS handshake, as
  // it happens (called on the io_context's thread). Empty: nothing is said.
  std::function<void(const std::string&)> trace;
};


// Counters of one engine, for progress lines and benchmarks.
struct EngineStats {
  std::uint64_t attempts = 0;
  std::uint64_t attempt_timeouts = 0;
  std::uint64_t window_halvings = 0;
  int peak_in_flight = 0;  // largest number outstanding at one resolver
};

struct QueryRequest {
  std::string qname;  // canonical: lower case, no trailing dot
  std::uint16_t qtype = 1;
  ResolverSpec resolver;  // udp, tcp, https or tls; "system" must be expanded before
  // Authoritative queries clear RD and may carry an EDNS Client Subnet; their bytes then come
  // from query_builder instead of c-ares (which can do neither).
  bool recursion_desired = true;
  std::optional<EcsPrefix> client_subnet{};

// "x.com AAAA via knot": how a -v trace line names one query.
std::string trace_query(const QueryRequest& request);
};

class DnsEngine {
 public:
  using Handler = std::function<void(Observation&&)>;

  DnsEngine(boost::asio::io_context& io, EngineOptions options);
  ~DnsEngine();
  DnsEngine(const DnsEngine&) = delete;
  DnsEngine& operator=(const DnsEngine&) = delete;

  // Queues a query; `done` runs exactly once with its observation.
  void submit(QueryRequest request, Handler done);

  std::size_t outstanding() const { return outstanding_; }
  const EngineStats& stats() const { return stats_; }
  // Over every UDP channel so far: how replies and queries were timed (see AresChannel).
  struct UdpTimeSources {
    std::uint64_t kernel_received = 0, read_received = 0;  // reply times: kernel stamp, or batch read
    std::uint64_t kernel_sent = 0, batch_sent = 0;         // query times: own transmit stamp, or batch send
  };
  UdpTimeSources udp_time_sources() const;

 private:
  struct Task;
  struct ResolverState {
    ResolverSpec spec;
    std::unique_ptr<AresChannel> udp, tcp;
    int in_flight = 0;
    double window = 0;                          // adaptive cap, 1 ≤ window ≤ max_in_flight
    SteadyTime last_halving{};
    SteadyTime last_response{};
    SteadyTime next_send{};                     // qps pacing: earliest start of the next query
    std::deque<std::unique_ptr<Task>> queue;    // waiting for a slot
    bool pump_posted = false;
    std::unique_ptr<boost::asio::steady_timer> pace_timer;
    bool pace_armed = false;
  };

  ResolverState& state_for(const ResolverSpec& spec);
  AresChannel& channel(ResolverState& rs, Transport t);
  // Starts queued queries of `rs` while its window and pacing allow; arms the pacing timer.
  void pump(ResolverState& rs);
  void post_pump(ResolverState& rs);
  void start(std::unique_ptr<Task> task);
  void attempt(Task* task, Transport transport);
  void on_result(Task* task, Transport transport, std::uint16_t id, Exchange exchange, SteadyTime started,
                 int status, ByteView response);
  void finish(Task* task);
  void schedule_tick();

  boost::asio::io_context& io_;
  EngineOptions options_;
  boost::asio::steady_timer tick_;
  bool ticking_ = false;
  std::size_t outstanding_ = 0;
  EngineStats stats_;
  std::map<std::string, ResolverState> resolvers_;
  std::unique_ptr<DohEngine> doh_;  // https resolvers (resolvers/doh_engine.h), made on first use
  std::unique_ptr<DotEngine> dot_;  // tls resolvers (resolvers/dot_engine.h), made on first use
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// Builds the query bytes for (qname, qtype) with the given ID, RD set and, when edns_size > 0,
// an OPT record advertising that size. Uses c-ares' own builder.
Bytes build_query(const std::string& qname, std::uint16_t qtype, std::uint16_t id, std::uint16_t edns_size);

}  // namespace dnswitness
