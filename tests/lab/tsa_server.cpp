// tsa_server: the test lab's RFC 3161 time-stamping authority over HTTP (tests/lab/tsa.sh).
//
// Usage: tsa_server WORKDIR MODE=PORT[:CONFIG] [MODE=PORT[:CONFIG] ...]
//   MODE is one of:
//     reply    answers each POSTed time-stamp query with what `openssl ts -reply -config CONFIG`
//              makes of it (Content-Type application/timestamp-reply); HTTP 500 if openssl fails
//     error    answers every request with HTTP 500 and a short text body
//     garbage  answers every request with HTTP 200, Content-Type application/timestamp-reply and
//              64 random bytes that are no DER at all
//     auth     like reply, but only with HTTP Basic user "lab" and password "lab-secret"; HTTP 401
//              (with a WWW-Authenticate challenge) otherwise
//     mtls     like reply, over HTTPS (mtls=PORT:CONFIG:CERT:KEY:CLIENT_CA), and only for a client
//              that presents a certificate issued by CLIENT_CA: the handshake fails otherwise
// The time-stamping itself is OpenSSL's own responder: this program only carries bytes between
// HTTP and the openssl command (query and reply files go into WORKDIR). Every port is bound on
// TCP 127.0.0.1 only; one connection is served at a time, each closed after its answer. It exits
// with status 0 on SIGTERM or SIGINT. Needs POSIX, the C++ library and OpenSSL (-lssl -lcrypto).

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

enum class Mode { reply, error, garbage, auth, mtls };

struct Listener {
  Mode mode;
  int port;
  std::string config;
  int fd;
  SSL_CTX* tls = nullptr;  // mtls only
};

// One accepted connection: plain TCP, or TLS over it.
struct Conn {
  int fd;
  SSL* ssl = nullptr;
  ssize_t recv_some(char* buf, std::size_t n) const {
    if (!ssl) return ::recv(fd, buf, n, 0);
    const int r = SSL_read(ssl, buf, static_cast<int>(n));
    return r > 0 ? r : -1;
  }
  ssize_t send_some(const char* buf, std::size_t n) const {
    if (!ssl) return ::send(fd, buf, n, MSG_NOSIGNAL);
    const int r = SSL_write(ssl, buf, static_cast<int>(n));
    return r > 0 ? r : -1;
  }
};

volatile std::sig_atomic_t stop_requested = 0;

extern "C" void on_signal(int) { stop_requested = 1; }

std::string workdir;

// Reads one HTTP request (headers and a Content-Length body of at most 64 KiB). Returns false on
// a malformed or truncated request. The socket has a receive timeout, so a silent client cannot
// block the server for long.
bool read_request(const Conn& fd, std::string& head, std::string& body) {
  std::string data;
  char buf[4096];
  std::size_t header_end = std::string::npos;
  std::size_t length = 0;
  while (true) {
    if (header_end == std::string::npos) {
      header_end = data.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        std::string headers = data.substr(0, header_end);
        for (auto& c : headers) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        const auto at = headers.find("\r\ncontent-length:");
        if (at != std::string::npos) length = std::strtoul(headers.c_str() + at + 17, nullptr, 10);
        if (length > 65536) return false;
      }
    }
    if (header_end != std::string::npos && data.size() >= header_end + 4 + length) {
      head = data.substr(0, header_end + 2);
      body = data.substr(header_end + 4, length);
      return true;
    }
    if (data.size() > 70000) return false;
    const ssize_t n = fd.recv_some(buf, sizeof buf);
    if (n <= 0) return false;
    data.append(buf, static_cast<std::size_t>(n));
  }
}

void send_all(const Conn& fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = fd.send_some(s.data() + off, s.size() - off);
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

void respond(const Conn& fd, int status, const char* reason, const char* type, const std::string& body) {
  std::string head = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: " + type +
                     "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  send_all(fd, head + body);
}

// Runs `openssl ts -reply` on the query; returns the reply's DER bytes, or empty on failure.
std::string openssl_reply(const std::string& config, const std::string& query) {
  const std::string q = workdir + "/query.tsq", r = workdir + "/reply.tsr";
  {
    std::ofstream out(q, std::ios::binary | std::ios::trunc);
    out << query;
    if (!out) return {};
  }
  std::remove(r.c_str());
  const pid_t pid = ::fork();
  if (pid < 0) return {};
  if (pid == 0) {
    const char* argv[] = {"openssl", "ts", "-reply", "-config", config.c_str(), "-queryfile", q.c_str(),
                          "-out",    r.c_str(), nullptr};
    ::execvp("openssl", const_cast<char* const*>(argv));
    std::_Exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return {};
  std::ifstream in(r, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void serve(const Listener& l, const Conn& fd, std::mt19937& rng) {
  std::string head, body;
  if (!read_request(fd, head, body)) {
    respond(fd, 400, "Bad Request", "text/plain", "bad request\n");
    return;
  }
  if (l.mode == Mode::auth) {
    // Header names are case-insensitive: lower-case each line up to its colon, never the value.
    std::string lines = head;
    bool in_name = true;
    for (auto& c : lines) {
      if (c == '\n') in_name = true;
      else if (c == ':') in_name = false;
      else if (in_name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    // base64("lab:lab-secret")
    if (lines.find("\nauthorization: Basic bGFiOmxhYi1zZWNyZXQ=\r\n") == std::string::npos) {
      send_all(fd, "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"lab tsa\"\r\nContent-Type: "
                   "text/plain\r\nContent-Length: 13\r\nConnection: close\r\n\r\nunauthorized\n");
      return;
    }
  }
  switch (l.mode) {
    case Mode::auth:
    case Mode::mtls:
    case Mode::reply: {
      const std::string reply = openssl_reply(l.config, body);
      if (reply.empty()) {
        respond(fd, 500, "Internal Server Error", "text/plain", "openssl ts -reply failed\n");
        return;
      }
      respond(fd, 200, "OK", "application/timestamp-reply", reply);
      return;
    }
    case Mode::error:
      respond(fd, 500, "Internal Server Error", "text/plain", "the time-stamping service is out of order\n");
      return;
    case Mode::garbage: {
      std::string junk(64, '\0');
      for (auto& c : junk) c = static_cast<char>(rng() & 0xff);
      junk[0] = '\x05';  // no DER SEQUENCE starts with this tag
      respond(fd, 200, "OK", "application/timestamp-reply", junk);
      return;
    }
  }
}

bool parse_listener(std::string_view arg, Listener& l) {
  const auto eq = arg.find('=');
  if (eq == std::string_view::npos) return false;
  const std::string_view mode = arg.substr(0, eq);
  std::string rest(arg.substr(eq + 1));
  if (mode == "reply") l.mode = Mode::reply;
  else if (mode == "error") l.mode = Mode::error;
  else if (mode == "garbage") l.mode = Mode::garbage;
  else if (mode == "auth") l.mode = Mode::auth;
  else if (mode == "mtls") l.mode = Mode::mtls;
  else return false;
  const auto colon = rest.find(':');
  if (colon != std::string::npos) {
    l.config = rest.substr(colon + 1);
    rest.resize(colon);
  }
  l.port = std::atoi(rest.c_str());
  if (l.mode == Mode::mtls) {
    // CONFIG:CERT:KEY:CLIENT_CA
    std::vector<std::string> parts;
    std::string::size_type from = 0;
    for (auto at = l.config.find(':'); ; at = l.config.find(':', from)) {
      parts.push_back(l.config.substr(from, at == std::string::npos ? std::string::npos : at - from));
      if (at == std::string::npos) break;
      from = at + 1;
    }
    if (parts.size() != 4) return false;
    l.config = parts[0];
    l.tls = SSL_CTX_new(TLS_server_method());
    if (!l.tls || SSL_CTX_use_certificate_chain_file(l.tls, parts[1].c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(l.tls, parts[2].c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_load_verify_locations(l.tls, parts[3].c_str(), nullptr) != 1)
      return false;
    SSL_CTX_set_verify(l.tls, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
  return l.port > 0 && l.port < 65536 && (l.mode == Mode::error || l.mode == Mode::garbage || !l.config.empty());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: tsa_server WORKDIR MODE=PORT[:CONFIG] ...\n");
    return 2;
  }
  workdir = argv[1];
  std::vector<Listener> listeners;
  for (int i = 2; i < argc; ++i) {
    Listener l{};
    if (!parse_listener(argv[i], l)) {
      std::fprintf(stderr, "tsa_server: bad argument '%s'\n", argv[i]);
      return 2;
    }
    l.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(l.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(l.port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (l.fd < 0 || ::bind(l.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(l.fd, 16) != 0) {
      std::fprintf(stderr, "tsa_server: cannot listen on 127.0.0.1:%d: %s\n", l.port, std::strerror(errno));
      return 1;
    }
    listeners.push_back(l);
  }
  struct sigaction sa{};
  sa.sa_handler = on_signal;
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  std::mt19937 rng(std::random_device{}());
  std::vector<pollfd> fds;
  for (const auto& l : listeners) fds.push_back({l.fd, POLLIN, 0});
  std::fprintf(stderr, "tsa_server: ready\n");
  while (!stop_requested) {
    if (::poll(fds.data(), fds.size(), 500) <= 0) continue;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      const int c = ::accept4(fds[i].fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      timeval tv{2, 0};  // a silent client cannot block the server for long
      ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      Conn conn{c};
      if (listeners[i].tls) {
        conn.ssl = SSL_new(listeners[i].tls);
        SSL_set_fd(conn.ssl, c);
        if (SSL_accept(conn.ssl) == 1) {
          serve(listeners[i], conn, rng);
          SSL_shutdown(conn.ssl);
        } else {
          std::fprintf(stderr, "tsa_server: TLS handshake on port %d refused (no valid client certificate?)\n",
                       listeners[i].port);
          ERR_clear_error();
        }
        SSL_free(conn.ssl);
      } else {
        serve(listeners[i], conn, rng);
      }
      ::shutdown(c, SHUT_WR);
      ::close(c);
    }
  }
  return 0;
}
