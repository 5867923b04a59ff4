// odd_server: a tiny misbehaving DNS server for the dnswitness test lab (tests/lab/lab.sh).
//
// Usage: odd_server MODE=PORT [MODE=PORT ...]
//   MODE is one of:
//     silent    reads every query and never answers (client sees a timeout)
//     garbage   answers with 40 bytes: the query's ID, then 38 random bytes (QR forced on and
//               ANCOUNT forced >= 0x8000 so no parser can accept it; the matching ID makes clients
//               that match by ID alone, such as kdig, report a malformed reply)
//     badid     answers with a copy of the query, QR set, but a different ID (never matched)
//     refused   answers with the query's header and question, QR set, RCODE=REFUSED, no records
//     servfail  same as refused with RCODE=SERVFAIL
//     malformed the query's header and question, QR set, NOERROR, ANCOUNT=1, then a name pointer
//               and 8 random bytes where the answer record (at least 12 bytes) should be: a reply
//               that matches the query (ID and question, so c-ares accepts it) but whose answer
//               section cannot be parsed
// Every port is bound on UDP 127.0.0.1 only. One process serves all modes through ppoll().
// It exits with status 0 on SIGTERM or SIGINT. No dependencies beyond POSIX and the C++ library.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

enum class Mode { silent, garbage, badid, refused, servfail, malformed };

struct Listener {
  Mode mode;
  int port;
  int fd;
};

volatile std::sig_atomic_t stop_requested = 0;

extern "C" void on_signal(int) { stop_requested = 1; }

bool parse_mode(std::string_view name, Mode& mode) {
  if (name == "silent") mode = Mode::silent;
  else if (name == "garbage") mode = Mode::garbage;
  else if (name == "badid") mode = Mode::badid;
  else if (name == "refused") mode = Mode::refused;
  else if (name == "servfail") mode = Mode::servfail;
  else if (name == "malformed") mode = Mode::malformed;
  else return false;
  return true;
}

int open_udp(int port) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    int saved = errno;
    ::close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

// Length of the header plus the first question, or 0 if the query is too short or malformed.
std::size_t header_and_question_length(const std::uint8_t* msg, std::size_t len) {
  constexpr std::size_t header = 12;
  if (len < header) return 0;
  const unsigned qdcount = (static_cast<unsigned>(msg[4]) << 8) | msg[5];
  if (qdcount == 0) return header;
  std::size_t pos = header;
  while (true) {
    if (pos >= len) return 0;
    const std::uint8_t label = msg[pos];
    if (label == 0) {
      ++pos;
      break;
    }
    if ((label & 0xC0) != 0) return 0;  // no compression pointers in a query's first name
    pos += 1u + label;
  }
  pos += 4;  // QTYPE + QCLASS
  return pos <= len ? pos : 0;
}

// Builds the reply for one query; returns false when nothing is to be sent.
bool build_reply(Mode mode, const std::uint8_t* query, std::size_t len, std::mt19937& rng,
                 std::vector<std::uint8_t>& out) {
  out.clear();
  switch (mode) {
    case Mode::silent:
      return false;
    case Mode::garbage: {
      out.resize(40);
      for (auto& byte : out) byte = static_cast<std::uint8_t>(rng());
      if (len >= 2) {
        out[0] = query[0];
        out[1] = query[1];
      }
      out[2] |= 0x80;  // QR
      out[6] |= 0x80;  // ANCOUNT >= 0x8000: impossible in 40 bytes
      return true;
    }
    case Mode::badid: {
      if (len < 12) return false;
      out.assign(query, query + len);
      out[2] |= 0x80;  // QR
      out[0] ^= 0x5A;  // a different ID
      out[1] ^= 0xA5;
      return true;
    }
    case Mode::refused:
    case Mode::servfail: {
      const std::size_t keep = header_and_question_length(query, len);
      if (keep == 0) return false;
      out.assign(query, query + keep);
      out[2] = static_cast<std::uint8_t>((out[2] & 0x79) | 0x80);  // QR, keep OPCODE and RD, clear AA/TC
      out[3] = static_cast<std::uint8_t>(mode == Mode::refused ? 5 : 2);  // RA=0, Z=0, RCODE
      out[4] = 0;
      out[5] = keep > 12 ? 1 : 0;  // QDCOUNT
      std::memset(out.data() + 6, 0, 6);  // ANCOUNT, NSCOUNT, ARCOUNT
      return true;
    }
    case Mode::malformed: {
      const std::size_t keep = header_and_question_length(query, len);
      if (keep <= 12) return false;
      out.assign(query, query + keep);
      out[2] = static_cast<std::uint8_t>((out[2] & 0x79) | 0x80);  // QR
      out[3] = 0x80;                                                 // RA, NOERROR
      out[4] = 0;
      out[5] = 1;                                    // QDCOUNT
      out[6] = 0;
      out[7] = 1;                                    // ANCOUNT: one record, never complete
      std::memset(out.data() + 8, 0, 4);             // NSCOUNT, ARCOUNT
      out.push_back(0xC0);                           // a compression pointer...
      out.push_back(0x0C);                           // ...to the question name
      for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(rng()));  // cut short
      return true;
    }
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODE=PORT [MODE=PORT ...] (modes: silent garbage badid refused servfail malformed)\n",
                 argv[0]);
    return 2;
  }

  struct sigaction action{};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: poll() must return EINTR
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  std::vector<Listener> listeners;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto eq = arg.find('=');
    Mode mode{};
    if (eq == std::string::npos || !parse_mode(std::string_view(arg).substr(0, eq), mode)) {
      std::fprintf(stderr, "odd_server: bad argument '%s' (want MODE=PORT)\n", arg.c_str());
      return 2;
    }
    char* end = nullptr;
    const long port = std::strtol(arg.c_str() + eq + 1, &end, 10);
    if (end == nullptr || *end != '\0' || port <= 0 || port > 65535) {
      std::fprintf(stderr, "odd_server: bad port in '%s'\n", arg.c_str());
      return 2;
    }
    const int fd = open_udp(static_cast<int>(port));
    if (fd < 0) {
      std::fprintf(stderr, "odd_server: cannot bind 127.0.0.1:%ld/udp: %s\n", port, std::strerror(errno));
      return 1;
    }
    listeners.push_back({mode, static_cast<int>(port), fd});
  }

  // SIGTERM/SIGINT stay blocked except inside ppoll(), so a signal can never slip in between the
  // stop_requested check and the wait.
  sigset_t blocked{};
  sigset_t during_wait{};
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGTERM);
  sigaddset(&blocked, SIGINT);
  sigprocmask(SIG_BLOCK, &blocked, &during_wait);
  sigdelset(&during_wait, SIGTERM);
  sigdelset(&during_wait, SIGINT);

  std::vector<pollfd> fds;
  for (const auto& l : listeners) fds.push_back({l.fd, POLLIN, 0});
  std::printf("odd_server: ready on %zu port(s)\n", listeners.size());
  std::fflush(stdout);

  std::mt19937 rng(std::random_device{}());
  std::array<std::uint8_t, 65536> buf{};
  std::vector<std::uint8_t> reply;
  reply.reserve(65536);

  while (!stop_requested) {
    const int ready = ::ppoll(fds.data(), fds.size(), nullptr, &during_wait);
    if (ready < 0) {
      if (errno == EINTR) continue;
      std::perror("odd_server: ppoll");
      return 1;
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if ((fds[i].revents & POLLIN) == 0) continue;
      // Drain the socket; it is non-blocking.
      while (true) {
        sockaddr_storage peer{};
        socklen_t peer_len = sizeof peer;
        const ssize_t n = ::recvfrom(fds[i].fd, buf.data(), buf.size(), 0,
                                     reinterpret_cast<sockaddr*>(&peer), &peer_len);
        if (n < 0) break;  // EAGAIN or a transient error
        if (build_reply(listeners[i].mode, buf.data(), static_cast<std::size_t>(n), rng, reply)) {
          (void)::sendto(fds[i].fd, reply.data(), reply.size(), 0, reinterpret_cast<const sockaddr*>(&peer),
                         peer_len);
        }
      }
    }
  }

  for (const auto& l : listeners) ::close(l.fd);
  return 0;
}
