#include "resolvers/doh_engine.h"

#include <fmt/format.h>

#include "resolvers/wire.h"

namespace dnswitness {
namespace {

// RFC 8484 §4.1: "DoH clients ... SHOULD use a DNS ID of 0 in every DNS request."
constexpr std::uint16_t kDohQueryId = 0;

DohClientOptions client_options(const EngineOptions& o) {
  DohClientOptions c;
  c.timeout_ms = o.timeout_ms;
  c.extra_anchors = o.ca_anchors;
  c.insecure = o.insecure;
  return c;
}

Outcome outcome_of_rcode(int rcode, bool has_addresses) {
  switch (rcode) {
    case 0: return has_addresses ? Outcome::answer : Outcome::nodata;
    case 2: return Outcome::servfail;
    case 3: return Outcome::nxdomain;
    case 5: return Outcome::refused;
    default: return Outcome::rcode_error;
  }
}

}  // namespace

struct DohEngine::Task {
  QueryRequest request;
  Handler done;
  Observation obs;
  int retries_left = 0;
};

DohEngine::DohEngine(boost::asio::io_context& io, const EngineOptions& options)
    : options_(options), client_(io, client_options(options)) {
  if (options_.retries < 0) options_.retries = 0;
}

DohEngine::~DohEngine() = default;

void DohEngine::submit(QueryRequest request, Handler done) {
  auto task = std::make_unique<Task>();
  task->request = std::move(request);
  task->done = std::move(done);
  task->retries_left = options_.retries;
  task->obs.qname = task->request.qname;
  task->obs.qtype = task->request.qtype;
  task->obs.resolver = task->request.resolver;
  task->obs.transport = Transport::https;
  attempt(task.release());  // owned by its callbacks until finish()
}

void DohEngine::attempt(Task* task) {
  Exchange ex;
  ex.transport = Transport::https;
  ex.query_id = kDohQueryId;
  ex.query_wire = build_query(task->request.qname, task->request.qtype, kDohQueryId, options_.edns_size);
  Bytes message = ex.query_wire;
  client_.post(task->request.resolver.url, std::move(message),
               [this, task, ex = std::move(ex)](DohResult&& r) mutable { on_result(task, std::move(ex), std::move(r)); });
}

void DohEngine::on_result(Task* task, Exchange ex, DohResult&& r) {
  ex.sent_at = r.sent_at;
  if (task->obs.exchanges.empty()) task->obs.sent_at = ex.sent_at;
  ex.local_address = std::move(r.local_address);
  ex.https = std::move(r.facts);
  const int status = ex.https->http_status;
  Outcome outcome = Outcome::malformed;
  std::string error;

  if (r.failure == DohFailure::none) {
    ex.rtt_us = micros_between(r.started, r.finished);
    ex.response_wire = std::move(r.body);
    if (status != 200) {
      // An HTTP answer that is not a DNS message (RFC 8484 §4.2.1: only 2xx carries one). Its
      // body is kept as the response bytes, like junk over UDP.
      ex.result = "malformed";
      error = fmt::format("the server answered HTTP {} instead of a DNS message", status);
    } else {
      const DecodedResponse decoded = decode_response(ex.response_wire, task->request.qname, task->request.qtype);
      if (!decoded.ok) {
        ex.result = "malformed";
        error = "the response " + decoded.problem;
      } else if (decoded.header.id != kDohQueryId) {
        ex.result = "malformed";
        error = fmt::format("a reply arrived with query ID {} instead of {}", decoded.header.id, kDohQueryId);
      } else {
        ex.result = "response";
        Observation& obs = task->obs;
        obs.rcode = decoded.rcode;
        obs.flags = flag_names(decoded.header.flags);
        obs.answers = decoded.answers;
        obs.addresses = decoded.addresses;
        obs.outcome = outcome_of_rcode(decoded.rcode, !decoded.addresses.empty());
        obs.error.clear();
        obs.exchanges.push_back(std::move(ex));
        finish(task);
        return;
      }
    }
  } else {
    if (!r.body.empty()) ex.response_wire = std::move(r.body);
    switch (r.failure) {
      case DohFailure::timeout:
        ex.result = "timeout";
        outcome = Outcome::timeout;
        error = fmt::format("no complete HTTPS response within {} ms", options_.timeout_ms);
        break;
      case DohFailure::tls:
        ex.result = "tls_error";
        outcome = Outcome::tls_error;
        error = r.error;
        break;
      case DohFailure::too_large:
        ex.result = "malformed";
        outcome = Outcome::malformed;
        error = r.error;
        break;
      case DohFailure::network:
      case DohFailure::other:
      case DohFailure::none:
        ex.result = "network_error";
        outcome = Outcome::network_error;
        error = r.error;
        break;
    }
  }
  task->obs.error = error;
  task->obs.exchanges.push_back(std::move(ex));
  const bool retryable = outcome == Outcome::timeout || outcome == Outcome::network_error;
  if (retryable && task->retries_left > 0) {
    --task->retries_left;
    if (options_.trace)
      options_.trace(fmt::format("{}: {} ({}); asking again, attempt {}", trace_query(task->request),
                                 outcome_name(outcome), error, task->obs.exchanges.size() + 1));
    attempt(task);
    return;
  }
  if (outcome == Outcome::tls_error && options_.trace)
    options_.trace(fmt::format("{}: TLS failed ({}); not asked again", trace_query(task->request), error));
  task->obs.outcome = final_failure_outcome(task->obs, outcome);
  finish(task);
}

void DohEngine::finish(Task* raw) {
  std::unique_ptr<Task> task(raw);
  take_final_exchange(task->obs);
  Handler done = std::move(task->done);
  Observation out = std::move(task->obs);
  task.reset();
  // This runs from an Asio handler, outside any libcurl callback, so the caller may start the next
  // query from `done`.
  done(std::move(out));
}

}  // namespace dnswitness
