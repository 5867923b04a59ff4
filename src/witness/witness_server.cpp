#include "witness/witness_server.h"

#include <fmt/format.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <memory>

#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "witness/add_checkpoint.h"

namespace dnswitness {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::uint64_t posix_seconds_now() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

WitnessResponse plain(int status, std::string body) {
  WitnessResponse r;
  r.status = status;
  r.body = std::move(body) + "\n";
  return r;
}

WitnessResponse route(WitnessState& state, const http::request<http::string_body>& req) {
  const std::string target(req.target());
  if (target == "/add-checkpoint") {
    if (req.method() != http::verb::post) return plain(405, "add-checkpoint takes POST");
    return add_checkpoint(state, req.body(), posix_seconds_now());
  }
  // /<hex SHA-256(origin)>/checkpoint
  constexpr std::string_view kSuffix = "/checkpoint";
  if (target.size() == 1 + 64 + kSuffix.size() && target.ends_with(kSuffix)) {
    if (req.method() != http::verb::get && req.method() != http::verb::head)
      return plain(405, "the checkpoint is read with GET");
    const std::string hex = target.substr(1, 64);
    for (const auto& l : state.logs()) {
      const Hash h = sha256(ByteView(reinterpret_cast<const std::uint8_t*>(l.origin.data()), l.origin.size()));
      if (hex_encode(h) != hex) continue;
      if (l.cosigned_note.empty()) break;
      WitnessResponse r;
      r.status = 200;
      r.body = l.cosigned_note;
      return r;
    }
    return plain(404, "no cosigned checkpoint for that log");
  }
  return plain(404, "not found");
}

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, WitnessState& state, const WitnessServerOptions& options)
      : stream_(std::move(socket)), state_(state), options_(options) {}

  void start() {
    parser_.emplace();
    parser_->body_limit(kMaxAddCheckpointBody);
    parser_->header_limit(8 * 1024);
    stream_.expires_after(std::chrono::seconds(options_.client_timeout_s));
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

 private:
  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout) return close();
    WitnessResponse r;
    std::string method = "-", target = "-";
    if (ec == http::error::body_limit) {
      r = plain(413, fmt::format("the body is larger than {} bytes", kMaxAddCheckpointBody));
    } else if (ec) {
      r = plain(400, "the request is not HTTP/1.1");
    } else {
      const auto& req = parser_->get();
      method = std::string(req.method_string());
      target = std::string(req.target());
      try {
        r = route(state_, req);
      } catch (const std::exception& e) {
        r = plain(500, fmt::format("the witness could not answer: {}", e.what()));
      }
    }
    if (options_.on_request) options_.on_request(method, target, r.status);
    response_.result(static_cast<unsigned>(r.status));
    response_.version(11);
    response_.set(http::field::server, "dnswitness-witness");
    response_.set(http::field::content_type, r.content_type);
    response_.set(http::field::connection, "close");
    response_.keep_alive(false);
    response_.body() = std::move(r.body);
    response_.prepare_payload();
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code, std::size_t) { self->close(); });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  WitnessState& state_;
  const WitnessServerOptions& options_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
};

void accept_next(tcp::acceptor& acceptor, WitnessState& state, const WitnessServerOptions& options) {
  acceptor.async_accept([&](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) std::make_shared<Connection>(std::move(socket), state, options)->start();
    accept_next(acceptor, state, options);
  });
}

}  // namespace

void serve_witness(WitnessState& state, const WitnessServerOptions& options) {
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
  if (options.on_listening) options.on_listening(acceptor.local_endpoint().port());
  accept_next(acceptor, state, options);
  io.run();
}

}  // namespace dnswitness
