#pragma once
// Test support: a real nginx (Debian nginx-light) serving a folder on a free loopback port, started
// by the test itself and stopped by the destructor.
//
// The server block is the one docs/public-log.md documents (between its "BEGIN/END nginx server
// block (tested)" markers), with only `listen` and `root` replaced, so the documentation cannot drift
// from what is tested. Everything else nginx needs (pid file, logs, temporary folders) lives in a
// temporary folder; nginx runs in the foreground as a child of the test. As root, the workers keep
// running as root (`user root;`) so they can read the test's 0700 temporary folders; as another
// user nginx needs no such directive (it only matters to a master started by root).
// Header-only; not thread-safe.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>

#include "support/lab.h"

namespace dnswitness::test {

inline const std::filesystem::path kPublicLogDoc =
    std::filesystem::path(DNSWITNESS_TESTDATA_DIR) / ".." / ".." / "docs" / "public-log.md";

// The nginx server block of docs/public-log.md, as written there.
inline std::string documented_server_block() {
  const std::string doc = read_file(kPublicLogDoc);
  const std::string begin = "<!-- BEGIN nginx server block (tested) -->", end = "<!-- END nginx server block (tested) -->";
  const auto b = doc.find(begin), e = doc.find(end);
  if (b == std::string::npos || e == std::string::npos || e < b)
    throw std::runtime_error("docs/public-log.md has no tested nginx server block markers");
  std::string block = doc.substr(b + begin.size(), e - b - begin.size());
  const auto open = block.find("```nginx\n"), close = block.rfind("```");
  if (open == std::string::npos || close == std::string::npos || close <= open)
    throw std::runtime_error("the tested nginx block of docs/public-log.md is not a ```nginx code block");
  return block.substr(open + 9, close - open - 9);
}

inline void replace_once(std::string& text, const std::string& from, const std::string& to) {
  const auto p = text.find(from);
  if (p == std::string::npos)
    throw std::runtime_error("the nginx block of docs/public-log.md no longer has the line '" + from + "'");
  text.replace(p, from.size(), to);
}

// A loopback TCP port nobody listens on right now.
inline int free_tcp_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("no TCP port");
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

inline bool tcp_port_open(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

class NginxServer {
 public:
  // Serves `root`; `extra` is put at the top of the documented server block (a test's own
  // locations or limits, e.g. "location = /tile/0/000 { return 500; }" or "limit_rate 1;").
  explicit NginxServer(const std::filesystem::path& root, const std::string& extra = "") {
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = free_tcp_port();
      if (start(root, extra)) return;
    }
    throw std::runtime_error("nginx did not start: " + read_file(work_.path() / "error.log"));
  }
  ~NginxServer() { stop(); }
  NginxServer(const NginxServer&) = delete;
  NginxServer& operator=(const NginxServer&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // One line per request: "<request URI> <status> <body bytes sent>".
  [[nodiscard]] std::string access_log() const { return read_file(work_.path() / "access.log"); }
  void clear_access_log() const { write_file(work_.path() / "access.log", ""); }
  [[nodiscard]] std::string config() const { return read_file(work_.path() / "nginx.conf"); }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  bool start(const std::filesystem::path& root, const std::string& extra) {
    const auto& w = work_.path();
    std::filesystem::create_directories(w / "tmp");
    std::string block = documented_server_block();
    replace_once(block, "    listen 80;\n", "    listen 127.0.0.1:" + std::to_string(port_) + ";\n");
    replace_once(block, "    root /var/www/dnswitness-log;\n", "    root \"" + root.string() + "\";\n");
    replace_once(block, "server {\n", "server {\n" + extra + "\n");
    const std::string t = (w / "tmp").string();
    const std::string conf = std::string(::geteuid() == 0 ? "user root;\n" : "") +
                             "daemon off;\nmaster_process on;\nworker_processes 1;\n"
                             "pid " + (w / "nginx.pid").string() + ";\n"
                             "error_log " + (w / "error.log").string() + " info;\n"
                             "events { worker_connections 64; }\n"
                             "http {\n"
                             "  log_format tiles '$request_uri $status $body_bytes_sent';\n"
                             "  access_log " + (w / "access.log").string() + " tiles;\n"
                             "  client_body_temp_path " + t + "/body;\n  proxy_temp_path " + t + "/proxy;\n"
                             "  fastcgi_temp_path " + t + "/fastcgi;\n  uwsgi_temp_path " + t + "/uwsgi;\n"
                             "  scgi_temp_path " + t + "/scgi;\n" +
                             block + "}\n";
    write_file(w / "nginx.conf", conf);
    write_file(w / "error.log", "");
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      const std::string prefix = w.string() + "/", conf_path = (w / "nginx.conf").string(),
                        err = (w / "error.log").string();
      // Debian puts nginx in /usr/sbin, which a non-root user's PATH may lack.
      const char* binary = std::filesystem::exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";
      ::execlp(binary, "nginx", "-p", prefix.c_str(), "-e", err.c_str(), "-c", conf_path.c_str(),
               static_cast<char*>(nullptr));
      ::_exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {  // exited: bad config, or the port was taken
        pid_ = -1;
        return false;
      }
      if (tcp_port_open(port_)) {
        // The port answers, but it may be another test's server that took it between
        // free_tcp_port() and our bind: nginx then logs its failed bind (and retries for seconds
        // before it exits). Give it a moment to say so before the port is taken as ours.
        std::this_thread::sleep_for(std::chrono::milliseconds(150));
        if (read_file(work_.path() / "error.log").find("bind() to") == std::string::npos &&
            ::waitpid(pid_, &status, WNOHANG) == 0)
          return true;
        stop();
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop();
    return false;
  }

  TempDir work_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace dnswitness::test
