#pragma once
// A small HTTP/1.1 service on Boost.Beast for the tool's own servers (the witness, the collector):
// plain HTTP on one address (TLS belongs to a reverse proxy in front), one request per connection,
// answered on the calling thread by a handler that sees the whole request. Bodies over
// max_body_bytes get 413 and headers over 8 KiB 400 without reaching the handler; a client has
// client_timeout_s to send its request and read the answer. SIGTERM or SIGINT stops it at once: a
// handler that changes state must do so in one transaction, so a stop leaves it whole.
//
// Ownership: borrows the handler. Thread-safety: runs on the calling thread until stopped; requests
// are handled one at a time, there, except those that options.on_workers picks (reads of files, say),
// which worker_threads threads handle at the same time, beside it: the handler must be safe to call
// from several threads for those.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace dnswitness {

struct HttpRequestView {
  std::string method;  // "GET", "POST", ...
  std::string target;  // the request target as sent: "/add-checkpoint"
  std::string body;
};

struct HttpAnswer {
  int status = 500;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// A text answer of `status` whose body is `text` and a newline.
HttpAnswer plain_answer(int status, std::string text);

using HttpHandler = std::function<HttpAnswer(const HttpRequestView&)>;

struct HttpServiceOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  int client_timeout_s = 10;
  std::size_t max_body_bytes = 16 * 1024;
  std::string server_name = "dnswitness";
  // Called once listening, with the port bound (the one asked for, or the one the system chose for 0).
  std::function<void(std::uint16_t)> on_listening;
  // Called after each request: method, target, status (on the calling thread).
  std::function<void(const std::string&, const std::string&, int)> on_request;
  // Requests to hand to worker threads (none without it, or with worker_threads 0).
  std::function<bool(const HttpRequestView&)> on_workers;
  std::size_t worker_threads = 0;
};

// Serves until SIGTERM or SIGINT. A handler's exception becomes a 500 naming it. Throws
// std::runtime_error when the address cannot be bound.
void serve_http(const HttpServiceOptions& options, const HttpHandler& handler);

}  // namespace dnswitness
