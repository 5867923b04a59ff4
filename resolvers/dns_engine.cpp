#include "resolvers/dns_engine.h"

#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include "model/target.h"
#include "resolvers/doh_engine.h"
#include "resolvers/dot_engine.h"
#include "resolvers/wire.h"

namespace dnswitness {

struct DnsEngine::Task {
  QueryRequest request;
  Handler done;
  Observation obs;
  int retries_left = 0;
  bool tcp_fallback_used = false;
  ResolverState* resolver = nullptr;
};

namespace {

// Says in one phrase why bytes that arrived for a query are not its response.
std::string describe_junk(const Bytes& bytes, std::uint16_t id, const QueryRequest& request) {
  const auto header = read_header(bytes);
  if (!header) return "bytes arrived that are not a DNS message";
  if (header->id != id) return fmt::format("a reply arrived with query ID {} instead of {}", header->id, id);
  const DecodedResponse decoded = decode_response(bytes, request.qname, request.qtype);
  if (!decoded.ok) return "a reply arrived that " + decoded.problem;
  return "a reply arrived that the resolver library rejected";
}

}  // namespace

Bytes build_query(const std::string& qname, std::uint16_t qtype, std::uint16_t id, std::uint16_t edns_size) {
  unsigned char* buf = nullptr;
  int len = 0;
  const int rc = ares_create_query(qname.c_str(), 1 /* IN */, qtype, id, 1, &buf, &len, edns_size);
  if (rc != ARES_SUCCESS)
    throw std::runtime_error(fmt::format("cannot build a query for '{}': {}", qname, ares_strerror(rc)));
  Bytes out(buf, buf + len);
  ares_free_string(buf);
  return out;
}

DnsEngine::DnsEngine(boost::asio::io_context& io, EngineOptions options)
    : io_(io), options_(options), tick_(io) {
  if (options_.max_in_flight < 1) options_.max_in_flight = 1;
  if (options_.retries < 0) options_.retries = 0;
}

DnsEngine::~DnsEngine() { *alive_ = false; }

std::string trace_query(const QueryRequest& request) {
  return fmt::format("{} {} via {}", request.qname, qtype_name(request.qtype), request.resolver.name);
}

DnsEngine::UdpTimeSources DnsEngine::udp_time_sources() const {
  UdpTimeSources counts;
  for (const auto& [name, rs] : resolvers_) {
    if (!rs.udp) continue;
    counts.kernel_received += rs.udp->kernel_stamped();
    counts.read_received += rs.udp->read_stamped();
    counts.kernel_sent += rs.udp->kernel_sent();
    counts.batch_sent += rs.udp->batch_sent();
  }
  return counts;
}

DnsEngine::ResolverState& DnsEngine::state_for(const ResolverSpec& spec) {
  auto [it, inserted] = resolvers_.try_emplace(spec.name);
  if (inserted) {
    it->second.spec = spec;
    it->second.window = options_.max_in_flight;
  }
  return it->second;
}

AresChannel& DnsEngine::channel(ResolverState& rs, Transport t) {
  auto& slot = t == Transport::tcp ? rs.tcp : rs.udp;
  if (!slot) slot = std::make_unique<AresChannel>(io_, rs.spec, t, ChannelOptions{options_.timeout_ms});
  return *slot;
}

void DnsEngine::submit(QueryRequest request, Handler done) {
  if (request.resolver.protocol == Protocol::system || request.resolver.protocol == Protocol::authoritative)
    throw std::logic_error("system and authoritative specs must be expanded before they reach the engine");
  auto task = std::make_unique<Task>();
  task->request = std::move(request);
  task->done = std::move(done);
  task->retries_left = options_.retries;
  task->obs.qname = task->request.qname;
  task->obs.qtype = task->request.qtype;
  task->obs.resolver = task->request.resolver;
  task->resolver = &state_for(task->request.resolver);
  ++outstanding_;
  ResolverState& rs = *task->resolver;
  rs.queue.push_back(std::move(task));
  pump(rs);
}

void DnsEngine::post_pump(ResolverState& rs) {
  if (rs.pump_posted) return;
  rs.pump_posted = true;
  // From the loop, not from inside a c-ares callback: a query that fails synchronously would
  // otherwise recurse into the next one.
  boost::asio::post(io_, [this, &rs, alive = alive_] {
    if (!*alive) return;
    rs.pump_posted = false;
    pump(rs);
  });
}

void DnsEngine::pump(ResolverState& rs) {
  const int cap = options_.adaptive ? std::max(1, static_cast<int>(rs.window)) : options_.max_in_flight;
  const auto interval = options_.qps > 0 ? std::chrono::nanoseconds(1'000'000'000LL / options_.qps)
                                         : std::chrono::nanoseconds(0);
  // Pacing allows a burst of 20 ms worth of queries (at least one), so timer lateness does not
  // lower the rate below the limit.
  const auto burst = interval * std::max(1, options_.qps / 50);
  while (!rs.queue.empty() && rs.in_flight < cap) {
    if (options_.qps > 0) {
      const SteadyTime now = steady_now();
      if (now < rs.next_send) {
        if (!rs.pace_armed) {
          if (!rs.pace_timer) rs.pace_timer = std::make_unique<boost::asio::steady_timer>(io_);
          rs.pace_armed = true;
          rs.pace_timer->expires_at(rs.next_send);
          rs.pace_timer->async_wait([this, &rs, alive = alive_](const boost::system::error_code& ec) {
            if (ec || !*alive) return;
            rs.pace_armed = false;
            pump(rs);
          });
        }
        return;
      }
      rs.next_send = std::max(rs.next_send, now - burst) + interval;
    }
    auto task = std::move(rs.queue.front());
    rs.queue.pop_front();
    start(std::move(task));
  }
}

void DnsEngine::start(std::unique_ptr<Task> task) {
  ResolverState& rs = *task->resolver;
  ++rs.in_flight;
  stats_.peak_in_flight = std::max(stats_.peak_in_flight, rs.in_flight);
  if (task->request.resolver.protocol == Protocol::https) {
    // DoH exchanges are the DohEngine's (libcurl on the same loop); the queue, the in-flight cap
    // and --qps pacing above are shared with UDP and TCP, so every transport obeys the same limits.
    if (!doh_) doh_ = std::make_unique<DohEngine>(io_, options_);
    Task* raw = task.release();
    doh_->submit(std::move(raw->request), [this, raw](Observation&& o) {
      raw->obs = std::move(o);
      finish(raw);
    });
    return;
  }
  if (task->request.resolver.protocol == Protocol::tls) {
    // DoT likewise (resolvers/dot_engine.h: one pipelined TLS connection per resolver, same loop).
    if (!dot_) dot_ = std::make_unique<DotEngine>(io_, options_);
    Task* raw = task.release();
    dot_->submit(std::move(raw->request), [this, raw](Observation&& o) {
      raw->obs = std::move(o);
      finish(raw);
    });
    return;
  }
  Task* raw = task.release();  // owned by its callbacks until finish()
  attempt(raw, raw->request.resolver.protocol == Protocol::tcp ? Transport::tcp : Transport::udp);
  schedule_tick();
}

void DnsEngine::attempt(Task* task, Transport transport) {
  AresChannel& ch = channel(*task->resolver, transport);
  const std::uint16_t id = ch.reserve_id();
  Exchange ex;
  ex.transport = transport;
  ex.query_id = id;
  const QueryRequest& rq = task->request;
  if (rq.recursion_desired && !rq.client_subnet) {
    ex.query_wire = build_query(rq.qname, rq.qtype, id, options_.edns_size);
  } else {
    // A client subnet needs an OPT record even when the run sends no EDNS otherwise.
    const std::uint16_t edns = rq.client_subnet && options_.edns_size == 0 ? 1232 : options_.edns_size;
    ex.query_wire = build_query_bytes({rq.qname, rq.qtype, id, rq.recursion_desired, edns, rq.client_subnet});
  }
  ex.sent_at = utc_now();
  if (task->obs.exchanges.empty()) task->obs.sent_at = ex.sent_at;
  const SteadyTime started = steady_now();
  ++stats_.attempts;
  const Bytes query = ex.query_wire;
  ch.send(query, [this, task, transport, id, ex = std::move(ex), started](int status, ByteView response) mutable {
    on_result(task, transport, id, std::move(ex), started, status, response);
  });
}

void DnsEngine::on_result(Task* task, Transport transport, std::uint16_t id, Exchange ex, SteadyTime started,
                          int status, ByteView response) {
  AresChannel& ch = channel(*task->resolver, transport);
  std::vector<CapturedDatagram> replies = ch.take_replies(id);
  const std::optional<SentDatagram> sent = ch.take_sent(id);
  ch.release_id(id);
  const SteadyTime now = steady_now();
  ex.local_address = ch.last_local_address();
  if (sent && sent->error == 0) {
    // UDP datagrams leave in batches (resolvers/ares_channel.h): the exchange's time is when its
    // datagram was handed to the kernel, not when it was queued.
    ex.sent_at = sent->at;
    started = sent->steady;
    if (task->obs.exchanges.empty()) task->obs.sent_at = sent->at;
  }

  if (status == ARES_SUCCESS && !response.empty()) {
    // Prefer the datagram as it crossed the wire: c-ares may hand back a clipped copy.
    SteadyTime received = now;
    bool captured = false;
    for (auto& d : replies) {
      if (d.bytes.size() >= response.size() && std::equal(response.begin(), response.end(), d.bytes.begin())) {
        ex.response_wire = std::move(d.bytes);
        received = d.steady;
        if (!d.local_address.empty()) ex.local_address = std::move(d.local_address);
        captured = true;
        break;
      }
    }
    if (!captured) ex.response_wire.assign(response.begin(), response.end());
    ex.rtt_us = micros_between(started, received);
    DecodedResponse decoded = decode_response(ex.response_wire, task->request.qname, task->request.qtype);
    if (!decoded.ok) {
      ex.result = "malformed";
      task->obs.exchanges.push_back(std::move(ex));
      task->obs.outcome = Outcome::malformed;
      task->obs.error = "the response " + decoded.problem;
      finish(task);
      return;
    }
    if (decoded.header.tc() && transport == Transport::udp && !task->tcp_fallback_used) {
      if (options_.trace)
        options_.trace(fmt::format("{}: truncated over UDP (TC=1, {} bytes); asking again over TCP",
                                   trace_query(task->request), ex.response_wire.size()));
      ex.result = "truncated";
      task->obs.exchanges.push_back(std::move(ex));
      task->tcp_fallback_used = true;
      attempt(task, Transport::tcp);
      return;
    }
    ex.result = "response";
    if (options_.adaptive) {
      // Additive increase: about one more slot per window of answers, up to the cap.
      ResolverState& rs = *task->resolver;
      rs.last_response = now;
      rs.window = std::min<double>(options_.max_in_flight, rs.window + 1.0 / std::max(1.0, rs.window));
    }
    task->obs.rcode = decoded.rcode;
    task->obs.flags = flag_names(decoded.header.flags);
    task->obs.answers = std::move(decoded.answers);
    task->obs.addresses = std::move(decoded.addresses);
    switch (decoded.rcode) {
      case 0: task->obs.outcome = task->obs.addresses.empty() ? Outcome::nodata : Outcome::answer; break;
      case 2: task->obs.outcome = Outcome::servfail; break;
      case 3: task->obs.outcome = Outcome::nxdomain; break;
      case 5: task->obs.outcome = Outcome::refused; break;
      default: task->obs.outcome = Outcome::rcode_error; break;
    }
    task->obs.exchanges.push_back(std::move(ex));
    finish(task);
    return;
  }

  // No accepted response. Bytes that did arrive (junk, wrong ID, wrong question) are evidence:
  // they make the exchange "malformed" rather than a silent timeout.
  std::vector<CapturedDatagram> junk = std::move(replies);
  for (auto& d : ch.take_unmatched_since(started, task->request.qname, task->request.qtype)) junk.push_back(std::move(d));
  Outcome outcome;
  if (!junk.empty()) {
    ex.result = "malformed";
    ex.response_wire = std::move(junk.front().bytes);
    ex.rtt_us = micros_between(started, junk.front().steady);
    outcome = Outcome::malformed;
    task->obs.error = describe_junk(ex.response_wire, id, task->request) +
                      (junk.size() > 1 ? fmt::format(" ({} such datagrams)", junk.size()) : "");
  } else if (sent && sent->error != 0) {
    // c-ares believed the datagram sent (it was queued); the kernel refused it.
    ex.result = "network_error";
    outcome = Outcome::network_error;
    task->obs.error = fmt::format("the query could not be sent: {}", std::strerror(sent->error));
  } else if (status == ARES_ETIMEOUT) {
    ex.result = "timeout";
    ++stats_.attempt_timeouts;
    if (options_.adaptive) {
      // Multiplicative decrease, once per timeout period (the losses of one burst count once),
      // and only while the resolver is answering others: a loss, not a dead or silent server,
      // which more patience would not help and a window of 1 would make take forever.
      ResolverState& rs = *task->resolver;
      const auto period = std::chrono::milliseconds(options_.timeout_ms);
      if (now - rs.last_halving > period && now - rs.last_response < period) {
        rs.window = std::max(1.0, rs.window / 2);
        rs.last_halving = now;
        ++stats_.window_halvings;
      }
    }
    outcome = Outcome::timeout;
    task->obs.error = fmt::format("no response within {} ms", options_.timeout_ms);
  } else if (status == ARES_EBADRESP) {
    ex.result = "malformed";
    outcome = Outcome::malformed;
    task->obs.error = "the response could not be read";
  } else {
    ex.result = "network_error";
    outcome = Outcome::network_error;
    task->obs.error = status == ARES_ECONNREFUSED
                          ? "the resolver could not be reached (port closed or network down)"
                          : std::string(ares_strerror(status));
  }
  task->obs.exchanges.push_back(std::move(ex));
  const bool retryable = outcome == Outcome::timeout || outcome == Outcome::network_error;
  if (retryable && task->retries_left > 0) {
    --task->retries_left;
    if (options_.trace)
      options_.trace(fmt::format("{}: {} ({}); asking again, attempt {}", trace_query(task->request),
                                 outcome_name(outcome), task->obs.error, task->obs.exchanges.size() + 1));
    attempt(task, transport);
    return;
  }
  task->obs.outcome = final_failure_outcome(task->obs, outcome);
  finish(task);
}

void DnsEngine::finish(Task* raw) {
  std::unique_ptr<Task> task(raw);
  take_final_exchange(task->obs);
  ResolverState* rs = task->resolver;
  --outstanding_;
  Handler done = std::move(task->done);
  Observation out = std::move(task->obs);
  task.reset();
  --rs->in_flight;
  if (!rs->queue.empty()) post_pump(*rs);
  done(std::move(out));
}

void DnsEngine::schedule_tick() {
  if (ticking_) return;
  ticking_ = true;
  // c-ares timeouts are driven from a periodic timer rather than after every event:
  // ares_timeout scans every query in flight.
  tick_.expires_after(std::chrono::milliseconds(50));
  tick_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (ec || !*alive) return;
    ticking_ = false;
    for (auto& [name, rs] : resolvers_) {
      if (rs.udp) rs.udp->process_timeouts();
      if (rs.tcp) rs.tcp->process_timeouts();
    }
    if (outstanding_ > 0) schedule_tick();
  });
}

}  // namespace dnswitness
