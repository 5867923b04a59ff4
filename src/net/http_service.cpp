#include "net/http_service.h"

#include <fmt/format.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <memory>
#include <optional>

namespace dnswitness {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  HttpConnection(tcp::socket socket, const HttpServiceOptions& options, const HttpHandler& handler,
                 asio::thread_pool* workers)
      : stream_(std::move(socket)), options_(options), handler_(handler), workers_(workers) {}

  void start() {
    parser_.emplace();
    parser_->body_limit(options_.max_body_bytes);
    parser_->header_limit(8 * 1024);
    stream_.expires_after(std::chrono::seconds(options_.client_timeout_s));
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

 private:
  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout) return close();
    if (ec == http::error::body_limit)
      return answer("-", "-",
                    plain_answer(413, fmt::format("the body is larger than {} bytes", options_.max_body_bytes)));
    if (ec) return answer("-", "-", plain_answer(400, "the request is not HTTP/1.1"));
    auto& req = parser_->get();
    HttpRequestView view{std::string(req.method_string()), std::string(req.target()), std::move(req.body())};
    if (workers_ && options_.on_workers && options_.on_workers(view)) {
      // Handled on a worker; the answer is written from this connection's own thread again.
      asio::post(*workers_, [self = shared_from_this(), view = std::move(view)]() mutable {
        HttpAnswer a = self->handle(view);
        asio::post(self->stream_.get_executor(), [self, view = std::move(view), a = std::move(a)]() mutable {
          self->answer(view.method, view.target, std::move(a));
        });
      });
      return;
    }
    HttpAnswer a = handle(view);
    answer(view.method, view.target, std::move(a));
  }

  HttpAnswer handle(const HttpRequestView& view) {
    try {
      return handler_(view);
    } catch (const std::exception& e) {
      return plain_answer(500, fmt::format("the server could not answer: {}", e.what()));
    }
  }

  void answer(const std::string& method, const std::string& target, HttpAnswer a) {
    if (options_.on_request) options_.on_request(method, target, a.status);
    response_.result(static_cast<unsigned>(a.status));
    response_.version(11);
    response_.set(http::field::server, options_.server_name);
    response_.set(http::field::content_type, a.content_type);
    response_.set(http::field::connection, "close");
    response_.keep_alive(false);
    response_.body() = std::move(a.body);
    response_.prepare_payload();
    // The answer may be large (a listing): give the client its own time to read it.
    stream_.expires_after(std::chrono::seconds(options_.client_timeout_s));
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code, std::size_t) { self->close(); });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  const HttpServiceOptions& options_;
  const HttpHandler& handler_;
  asio::thread_pool* workers_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
};

void accept_next(tcp::acceptor& acceptor, const HttpServiceOptions& options, const HttpHandler& handler,
                 asio::thread_pool* workers) {
  acceptor.async_accept([&, workers](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) std::make_shared<HttpConnection>(std::move(socket), options, handler, workers)->start();
    accept_next(acceptor, options, handler, workers);
  });
}

}  // namespace

HttpAnswer plain_answer(int status, std::string text) {
  HttpAnswer a;
  a.status = status;
  a.body = std::move(text) + "\n";
  return a;
}

void serve_http(const HttpServiceOptions& options, const HttpHandler& handler) {
  asio::io_context io;
  beast::error_code ec;
  const auto address = asio::ip::make_address(options.host, ec);
  if (ec) throw std::runtime_error(fmt::format("'{}' is not an IP address to listen on", options.host));
  tcp::acceptor acceptor(io);
  const tcp::endpoint endpoint(address, options.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    throw std::runtime_error(fmt::format("cannot listen on {}:{} ({})", options.host, options.port, ec.message()));
  asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](beast::error_code, int) {
    acceptor.close(ec);
    io.stop();
  });
  std::optional<asio::thread_pool> workers;
  if (options.on_workers && options.worker_threads > 0) workers.emplace(options.worker_threads);
  if (options.on_listening) options.on_listening(acceptor.local_endpoint().port());
  accept_next(acceptor, options, handler, workers ? &*workers : nullptr);
  io.run();
  // Stopped: what the workers still hold is dropped with them (their connections close unanswered).
  if (workers) workers->stop();
}

}  // namespace dnswitness
