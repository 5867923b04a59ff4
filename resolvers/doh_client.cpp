#include "resolvers/doh_client.h"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <mutex>
#include <stdexcept>

namespace dnswitness {
namespace {

constexpr std::size_t kMaxDnsMessage = 65535;

void library_init_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("libcurl could not be initialised");
  });
}

template <typename T>
void set(CURL* easy, CURLoption option, T value) {
  if (const CURLcode rc = curl_easy_setopt(easy, option, value); rc != CURLE_OK)
    throw std::runtime_error(fmt::format("libcurl refused an option: {}", curl_easy_strerror(rc)));
}

template <typename T>
void mset(CURLM* multi, CURLMoption option, T value) {
  if (const CURLMcode rc = curl_multi_setopt(multi, option, value); rc != CURLM_OK)
    throw std::runtime_error(fmt::format("libcurl refused a multi option: {}", curl_multi_strerror(rc)));
}

std::string http_version_text(long v) {
  switch (v) {
    case CURL_HTTP_VERSION_1_0: return "1.0";
    case CURL_HTTP_VERSION_1_1: return "1.1";
    case CURL_HTTP_VERSION_2_0: return "2";
    case CURL_HTTP_VERSION_3: return "3";
    default: return {};
  }
}

std::string address_text(const char* ip, long port) {
  if (ip == nullptr || *ip == '\0') return {};
  const std::string_view a(ip);
  return a.find(':') != std::string_view::npos ? fmt::format("[{}]:{}", a, port) : fmt::format("{}:{}", a, port);
}

DohFailure classify(CURLcode code) {
  switch (code) {
    case CURLE_OK: return DohFailure::none;
    case CURLE_OPERATION_TIMEDOUT: return DohFailure::timeout;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_PARTIAL_FILE:
    case CURLE_WEIRD_SERVER_REPLY:
      return DohFailure::network;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_USE_SSL_FAILED:
      return DohFailure::tls;
    case CURLE_WRITE_ERROR: return DohFailure::too_large;  // only on_body refuses data
    default: return DohFailure::other;
  }
}

}  // namespace

// One TLS connection's certificate verification, as OpenSSL saw it during the handshake. Kept
// until the client goes (a handful per run), so the verify callback can never outlive it.
struct DohClient::Handshake : HandshakeRecord {
  std::shared_ptr<const TrustAnchors> anchors;
};

struct DohClient::Transfer {
  struct EasyDeleter {
    void operator()(CURL* e) const noexcept { curl_easy_cleanup(e); }
  };
  DohClient* client = nullptr;
  std::unique_ptr<CURL, EasyDeleter> easy;
  Bytes request;
  Handler done;
  DohResult result;
  bool tls_captured = false;
  Handshake* handshake = nullptr;  // set when this transfer opened a TLS connection
  char error[CURL_ERROR_SIZE] = {};
};

struct DohClient::Watch {
  Watch(boost::asio::io_context& io, curl_socket_t fd_) : fd(fd_), desc(io, fd_) {}
  curl_socket_t fd;
  boost::asio::posix::stream_descriptor desc;
  bool want_read = false, want_write = false;
  bool reading = false, writing = false;
  bool closed = false;
};

DohClient::DohClient(boost::asio::io_context& io, DohClientOptions options)
    : io_(io), options_(std::move(options)), timer_(io) {
  library_init_once();
  multi_.reset(curl_multi_init());
  if (!multi_) throw std::runtime_error("libcurl could not create a multi handle");
  mset(multi_.get(), CURLMOPT_SOCKETFUNCTION, &DohClient::on_socket);
  mset(multi_.get(), CURLMOPT_SOCKETDATA, this);
  mset(multi_.get(), CURLMOPT_TIMERFUNCTION, &DohClient::on_timer);
  mset(multi_.get(), CURLMOPT_TIMERDATA, this);
  mset(multi_.get(), CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  // A few connections per server at most: HTTP/2 carries the rest as streams on them.
  mset(multi_.get(), CURLMOPT_MAX_HOST_CONNECTIONS, 4L);
  curl_slist* list = curl_slist_append(nullptr, "Content-Type: application/dns-message");
  if (list) list = curl_slist_append(list, "Accept: application/dns-message");
  if (!list) throw std::runtime_error("out of memory building the DoH request headers");
  headers_.reset(list);
}

DohClient::~DohClient() {
  for (auto& [easy, t] : transfers_) curl_multi_remove_handle(multi_.get(), easy);
  transfers_.clear();
  multi_.reset();  // closes the connections: on_socket/on_close_socket still find the watches
  for (auto& [fd, w] : watches_) {
    w->closed = true;
    w->desc.release();
  }
  watches_.clear();
}

void DohClient::post(const std::string& url, Bytes dns_message, Handler done) {
  auto t = std::make_unique<Transfer>();
  t->client = this;
  t->easy.reset(curl_easy_init());
  if (!t->easy) throw std::runtime_error("libcurl could not create an easy handle");
  t->request = std::move(dns_message);
  t->done = std::move(done);
  CURL* e = t->easy.get();
  set(e, CURLOPT_URL, url.c_str());
  set(e, CURLOPT_PROTOCOLS_STR, "https");
  set(e, CURLOPT_PROXY, "");  // never a proxy, whatever the environment says
  set(e, CURLOPT_NOSIGNAL, 1L);
  set(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  set(e, CURLOPT_PIPEWAIT, 1L);
  set(e, CURLOPT_HTTPHEADER, headers_.get());
  set(e, CURLOPT_POSTFIELDS, t->request.data());
  set(e, CURLOPT_POSTFIELDSIZE, static_cast<long>(t->request.size()));
  set(e, CURLOPT_USERAGENT, "dnswitness");
  set(e, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout_ms));
  set(e, CURLOPT_ERRORBUFFER, t->error);
  set(e, CURLOPT_PRIVATE, t.get());
  set(e, CURLOPT_WRITEFUNCTION, &DohClient::on_body);
  set(e, CURLOPT_WRITEDATA, t.get());
  set(e, CURLOPT_HEADERFUNCTION, &DohClient::on_header);
  set(e, CURLOPT_HEADERDATA, t.get());
  set(e, CURLOPT_CLOSESOCKETFUNCTION, &DohClient::on_close_socket);
  set(e, CURLOPT_CLOSESOCKETDATA, this);
  set(e, CURLOPT_SSL_CTX_FUNCTION, &DohClient::on_ssl_ctx);
  set(e, CURLOPT_SSL_CTX_DATA, t.get());
  set(e, CURLOPT_SSL_VERIFYPEER, options_.insecure ? 0L : 1L);
  set(e, CURLOPT_SSL_VERIFYHOST, options_.insecure ? 0L : 2L);
  t->result.sent_at = utc_now();
  t->result.started = steady_now();
  const bool was_idle = idle_;
  idle_ = false;
  if (const CURLMcode rc = curl_multi_add_handle(multi_.get(), e); rc != CURLM_OK) {
    idle_ = was_idle;
    throw std::runtime_error(fmt::format("libcurl could not start a request: {}", curl_multi_strerror(rc)));
  }
  transfers_.emplace(e, std::move(t));
  if (was_idle) resume();
}

// --- TLS facts ----------------------------------------------------------------------------------

CURLcode DohClient::on_ssl_ctx(CURL* /*easy*/, void* ssl_ctx, void* transfer) {
  auto* t = static_cast<Transfer*>(transfer);
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  DohClient* self = t->client;
  if (self->options_.extra_anchors) self->options_.extra_anchors->add_to(SSL_CTX_get_cert_store(ctx));
  self->handshakes_.push_back(std::make_unique<Handshake>());
  Handshake* h = self->handshakes_.back().get();
  t->handshake = h;
  // Keeps what OpenSSL's chain verification saw, including on failure, when no HTTP response will
  // ever carry the facts. The result is OpenSSL's, unchanged.
  record_handshakes(ctx, h);
  return CURLE_OK;
}

std::size_t DohClient::on_header(char* /*data*/, std::size_t size, std::size_t n, void* transfer) {
  auto* t = static_cast<Transfer*>(transfer);
  if (!t->tls_captured) {
    // The first header line arrives over an established connection: the moment its TLS session
    // can be read (CURLINFO_TLS_SSL_PTR is only valid while the connection is in use).
    t->tls_captured = true;
    curl_tlssessioninfo* info = nullptr;
    if (curl_easy_getinfo(t->easy.get(), CURLINFO_TLS_SSL_PTR, &info) == CURLE_OK && info != nullptr &&
        info->backend == CURLSSLBACKEND_OPENSSL && info->internals != nullptr) {
      SSL* ssl = static_cast<SSL*>(info->internals);
      connection_facts(ssl, t->result.facts);
      t->result.facts.certificate_check = certificate_check_text(ssl, t->client->options_.insecure);
    }
  }
  return size * n;
}

std::size_t DohClient::on_body(char* data, std::size_t size, std::size_t n, void* transfer) {
  auto* t = static_cast<Transfer*>(transfer);
  const std::size_t len = size * n;
  if (t->result.body.size() + len > kMaxDnsMessage) return 0;  // CURLE_WRITE_ERROR: too_large
  t->result.body.insert(t->result.body.end(), reinterpret_cast<const std::uint8_t*>(data),
                        reinterpret_cast<const std::uint8_t*>(data) + len);
  return len;
}

DohResult DohClient::result_of(Transfer& t, CURLcode code) {
  DohResult r = std::move(t.result);
  r.finished = steady_now();
  CURL* e = t.easy.get();
  r.failure = classify(code);
  if (code != CURLE_OK) r.error = t.error[0] != '\0' ? std::string(t.error) : std::string(curl_easy_strerror(code));
  if (r.failure == DohFailure::tls && code == CURLE_SSL_CONNECT_ERROR) {
    // A handshake cut off by the network (connection reset or closed: SSL_ERROR_SYSCALL) says
    // nothing about TLS or the certificate; only a TLS-level failure (an alert, a protocol error)
    // is a tls_error.
    long os_errno = 0;
    curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &os_errno);
    if (os_errno != 0 || r.error.find("SSL_ERROR_SYSCALL") != std::string::npos ||
        r.error.find("Recv failure") != std::string::npos || r.error.find("Send failure") != std::string::npos)
      r.failure = DohFailure::network;
  }
  if (r.failure == DohFailure::too_large) r.error = "the response body is larger than a DNS message can be (65535 bytes)";

  char* ip = nullptr;
  long port = 0;
  if (curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK &&
      curl_easy_getinfo(e, CURLINFO_PRIMARY_PORT, &port) == CURLE_OK)
    r.facts.peer_address = address_text(ip, port);
  if (curl_easy_getinfo(e, CURLINFO_LOCAL_IP, &ip) == CURLE_OK &&
      curl_easy_getinfo(e, CURLINFO_LOCAL_PORT, &port) == CURLE_OK)
    r.local_address = address_text(ip, port);
  long status = 0;
  if (curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK) r.facts.http_status = static_cast<int>(status);
  long version = 0;
  if (status != 0 && curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &version) == CURLE_OK)
    r.facts.http_version = http_version_text(version);
  char* type = nullptr;
  if (curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type != nullptr) r.facts.content_type = type;

  // No HTTP response: what the handshake of this request's own connection showed, if it got that far.
  if (!t.tls_captured && t.handshake != nullptr && t.handshake->seen) {
    r.facts.certificates = t.handshake->chain;
    if (r.failure == DohFailure::tls)
      r.facts.certificate_check =
          "failed: " + (t.handshake->verified_chain ? r.error : t.handshake->verify_error);
  }
  return r;
}

// --- Asio integration ---------------------------------------------------------------------------

int DohClient::on_socket(CURL* /*easy*/, curl_socket_t fd, int what, void* self, void* /*socket_data*/) {
  static_cast<DohClient*>(self)->watch(fd, what);
  return 0;
}

int DohClient::on_close_socket(void* self, curl_socket_t fd) {
  // Normally on_socket(REMOVE) came first; this makes sure Asio lets go before the fd is reused.
  static_cast<DohClient*>(self)->forget(fd);
  return ::close(fd);
}

int DohClient::on_timer(CURLM* /*multi*/, long timeout_ms, void* self) {
  auto* client = static_cast<DohClient*>(self);
  if (timeout_ms < 0) {
    client->timer_.cancel();
    return 0;
  }
  // Even a 0 ms timeout goes through the loop: socket_action must not run inside this callback.
  client->timer_.expires_after(std::chrono::milliseconds(timeout_ms));
  client->timer_.async_wait([client](const boost::system::error_code& ec) {
    if (ec) return;
    client->action(CURL_SOCKET_TIMEOUT, 0);
  });
  return 0;
}

void DohClient::watch(curl_socket_t fd, int what) {
  if (what == CURL_POLL_REMOVE) {
    forget(fd);
    return;
  }
  auto& w = watches_[fd];
  if (!w) w = std::make_shared<Watch>(io_, fd);
  w->want_read = (what & CURL_POLL_IN) != 0;
  w->want_write = (what & CURL_POLL_OUT) != 0;
  if (!idle_) arm(w);
}

void DohClient::forget(curl_socket_t fd) {
  // libcurl owns the fd: stop watching it without closing it.
  if (auto it = watches_.find(fd); it != watches_.end()) {
    it->second->closed = true;
    it->second->desc.release();
    watches_.erase(it);
  }
}

void DohClient::arm(const std::shared_ptr<Watch>& w) {
  using boost::asio::posix::stream_descriptor;
  if (w->want_read && !w->reading) {
    w->reading = true;
    w->desc.async_wait(stream_descriptor::wait_read, [this, w](const boost::system::error_code& ec) {
      w->reading = false;
      if (w->closed || (ec && ec != boost::asio::error::operation_aborted)) return;
      if (!ec && !idle_ && w->want_read) action(w->fd, CURL_CSELECT_IN);
      if (!w->closed && !idle_) arm(w);  // also after a cancel by go_idle() that resume() undid
    });
  }
  if (w->want_write && !w->writing) {
    w->writing = true;
    w->desc.async_wait(stream_descriptor::wait_write, [this, w](const boost::system::error_code& ec) {
      w->writing = false;
      if (w->closed || (ec && ec != boost::asio::error::operation_aborted)) return;
      if (!ec && !idle_ && w->want_write) action(w->fd, CURL_CSELECT_OUT);
      if (!w->closed && !idle_) arm(w);
    });
  }
}

void DohClient::action(curl_socket_t fd, int events) {
  int running = 0;
  curl_multi_socket_action(multi_.get(), fd, events, &running);
  complete_finished();
}

void DohClient::complete_finished() {
  // Collect first, call handlers after: a handler may post() a retry, which adds a handle.
  std::vector<std::pair<std::unique_ptr<Transfer>, CURLcode>> finished;
  int left = 0;
  while (CURLMsg* m = curl_multi_info_read(multi_.get(), &left)) {
    if (m->msg != CURLMSG_DONE) continue;
    CURL* easy = m->easy_handle;
    const CURLcode code = m->data.result;
    auto it = transfers_.find(easy);
    if (it == transfers_.end()) continue;
    finished.emplace_back(std::move(it->second), code);
    transfers_.erase(it);
  }
  for (auto& [t, code] : finished) {
    DohResult r = result_of(*t, code);
    curl_multi_remove_handle(multi_.get(), t->easy.get());
    Handler done = std::move(t->done);
    t.reset();
    done(std::move(r));
  }
  if (transfers_.empty()) go_idle();
}

void DohClient::go_idle() {
  if (idle_) return;
  idle_ = true;
  // Idle connections stay open for reuse, but unwatched: the io_context may run dry and return.
  for (auto& [fd, w] : watches_) {
    boost::system::error_code ignored;
    w->desc.cancel(ignored);
  }
  timer_.cancel();
}

void DohClient::resume() {
  for (auto& [fd, w] : watches_) arm(w);
}

}  // namespace dnswitness
