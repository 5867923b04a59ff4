#pragma once
// Test support: a real chronyd serving NTP on a loopback port, started by the test itself (the
// shared lab does not need one). `-x` keeps it from touching the system clock; `local stratum 8`
// makes it serve its own clock at once. Header-only; one instance per test binary is plenty.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>

#include "clock/sntp.h"
#include "support/lab.h"

namespace dnswitness::test {

// A UDP socket bound to a free loopback port in the lab's range (below the ephemeral ports).
class UdpPort {
 public:
  UdpPort() {
    std::mt19937 rng(static_cast<unsigned>(::getpid()) ^ static_cast<unsigned>(std::random_device{}()));
    for (int i = 0; i < 200; ++i) {
      fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      port_ = static_cast<int>(20000 + rng() % 12000);
      a.sin_port = htons(static_cast<std::uint16_t>(port_));
      if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return;
      ::close(fd_);
    }
    throw std::runtime_error("no free UDP port on loopback");
  }
  ~UdpPort() { close(); }
  UdpPort(const UdpPort&) = delete;
  UdpPort& operator=(const UdpPort&) = delete;
  int port() const { return port_; }
  int fd() const { return fd_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  // Bytes of the datagrams that arrived so far (does not wait).
  std::vector<std::string> drain() {
    std::vector<std::string> out;
    char buf[2048];
    for (;;) {
      const ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
      if (n < 0) break;
      out.emplace_back(buf, static_cast<std::size_t>(n));
    }
    return out;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

class Chronyd {
 public:
  Chronyd() {
    int port = 0;
    {
      UdpPort probe;  // reserve a free port, then hand it over to chronyd
      port = probe.port();
    }
    port_ = port;
    const std::string conf = dir_ / "chrony.conf";
    const passwd* pw = ::getpwuid(::getuid());
    write_file(conf, "port " + std::to_string(port_) +
                         "\nbindaddress 127.0.0.1\nallow 127.0.0.1\nlocal stratum 8\ncmdport 0\n"
                         "pidfile " + (dir_ / "chronyd.pid") + "\nuser " + (pw ? pw->pw_name : "root") + "\n");
    const std::string log = dir_ / "chronyd.log";
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      ::execlp("chronyd", "chronyd", "-x", "-d", "-f", conf.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    if (pid_ < 0) throw std::runtime_error("fork failed");
    for (int i = 0; i < 50; ++i) {
      if (answers()) return;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("chronyd stopped at once: " + read_file(log));
      }
    }
    stop();
    throw std::runtime_error("chronyd does not answer on 127.0.0.1:" + std::to_string(port_) + ": " + read_file(log));
  }
  ~Chronyd() { stop(); }
  Chronyd(const Chronyd&) = delete;
  Chronyd& operator=(const Chronyd&) = delete;

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  // One SNTP exchange with a 100 ms wait (the tool's own code builds the request).
  bool answers() const {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(port_));
    const Bytes req = build_sntp_request(utc_now());
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::send(fd, req.data(), req.size(), 0) == 48;
    pollfd p{fd, POLLIN, 0};
    ok = ok && ::poll(&p, 1, 100) == 1;
    char buf[128];
    ok = ok && ::recv(fd, buf, sizeof buf, 0) >= 48;
    ::close(fd);
    if (!ok) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return ok;
  }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  TempDir dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace dnswitness::test
