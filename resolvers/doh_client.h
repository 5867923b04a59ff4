#pragma once
// DohClient: HTTPS POSTs of DNS messages (RFC 8484 §4.1, application/dns-message) through one
// libcurl multi handle driven by a Boost.Asio io_context — the same loop as the c-ares engine.
//
// libcurl never owns the loop: its sockets are watched through CURLMOPT_SOCKETFUNCTION on the
// io_context, its timeouts through CURLMOPT_TIMERFUNCTION and a steady_timer, and everything it
// does happens inside curl_multi_socket_action called from Asio handlers. Every request of a run
// is in flight at once; HTTP/2 (nghttp2) multiplexes them over a few connections (CURLOPT_PIPEWAIT
// makes later requests wait for the first connection instead of opening one each).
//
// No proxy is ever used (the *_proxy environment variables are ignored): the evidence must say
// which server answered. Certificate and host-name verification are on unless `insecure`.
//
// When nothing is in flight the client stops watching its idle connections, so io_context::run
// returns once the last request has ended; a later post() resumes.
//
// Thread-safety: none; use from the io_context's thread only.
// Ownership: owns the multi handle, every easy handle and the socket watches. Handlers must not
// destroy the client; destroy it before the io_context (pending handlers are dropped, not called).
#include <curl/curl.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/bytes.h"
#include "model/observation.h"
#include "resolvers/doh_tls.h"
#include "timeutil/timestamp.h"

namespace dnswitness {

struct DohClientOptions {
  int timeout_ms = 2000;  // a whole request, connection and TLS set-up included
  std::shared_ptr<const TrustAnchors> extra_anchors;  // --ca-file, added to the system's trust store
  bool insecure = false;  // --insecure: a failed certificate or host-name check does not stop the request
};

// Why a request produced no HTTP response (or an unusable one).
enum class DohFailure {
  none,
  timeout,    // no complete response within timeout_ms
  network,    // could not resolve the host, connect, send or receive
  tls,        // TLS handshake failed, or the certificate or host name did not verify
  too_large,  // the body exceeded 65535 bytes, the largest DNS message
  other,      // anything else libcurl reports
};

struct DohResult {
  DohFailure failure = DohFailure::none;
  std::string error;  // libcurl's message when failure != none
  HttpsFacts facts;   // whatever was reached: peer, HTTP, TLS, certificates
  std::string local_address;
  Bytes body;         // the HTTP response body exactly as received
  UtcTime sent_at;    // when the request was handed to libcurl
  SteadyTime started, finished;
};

class DohClient {
 public:
  using Handler = std::function<void(DohResult&&)>;

  DohClient(boost::asio::io_context& io, DohClientOptions options);
  ~DohClient();
  DohClient(const DohClient&) = delete;
  DohClient& operator=(const DohClient&) = delete;

  // POSTs `dns_message` to `url`; `done` runs exactly once, from the io_context (never from
  // inside post()).
  void post(const std::string& url, Bytes dns_message, Handler done);

  std::size_t in_flight() const { return transfers_.size(); }

 private:
  struct Transfer;
  struct Watch;
  struct Handshake;

  static int on_socket(CURL* easy, curl_socket_t fd, int what, void* self, void* socket_data);
  static int on_timer(CURLM* multi, long timeout_ms, void* self);
  static int on_close_socket(void* self, curl_socket_t fd);
  static CURLcode on_ssl_ctx(CURL* easy, void* ssl_ctx, void* transfer);
  static std::size_t on_header(char* data, std::size_t size, std::size_t n, void* transfer);
  static std::size_t on_body(char* data, std::size_t size, std::size_t n, void* transfer);

  void watch(curl_socket_t fd, int what);
  void forget(curl_socket_t fd);
  void arm(const std::shared_ptr<Watch>& w);
  void action(curl_socket_t fd, int events);
  void complete_finished();
  DohResult result_of(Transfer& t, CURLcode code);
  void go_idle();
  void resume();

  struct MultiDeleter {
    void operator()(CURLM* m) const noexcept { curl_multi_cleanup(m); }
  };
  struct SlistDeleter {
    void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
  };

  boost::asio::io_context& io_;
  DohClientOptions options_;
  boost::asio::steady_timer timer_;
  bool idle_ = true;
  std::unique_ptr<curl_slist, SlistDeleter> headers_;  // shared by every request
  std::map<curl_socket_t, std::shared_ptr<Watch>> watches_;
  std::vector<std::unique_ptr<Handshake>> handshakes_;  // one per TLS connection opened
  std::map<CURL*, std::unique_ptr<Transfer>> transfers_;
  // Declared last: destroyed first, while the watches and handshakes its connections use exist.
  std::unique_ptr<CURLM, MultiDeleter> multi_;
};

}  // namespace dnswitness
