#include "resolvers/ares_channel.h"

#include "resolvers/wire.h"

#include <arpa/inet.h>
#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <mutex>
#include <stdexcept>

namespace dnswitness {
namespace {

// Room for the SCM_TIMESTAMPNS message the kernel attaches to each datagram (SO_TIMESTAMPNS), and
// the SCM_TIMESTAMPING one that SOF_TIMESTAMPING_SOFTWARE (for transmit stamps) adds beside it.
struct KernelTimeControl {
  alignas(cmsghdr) unsigned char bytes[CMSG_SPACE(sizeof(timespec)) + CMSG_SPACE(sizeof(scm_timestamping))];
};

// The wall-clock time the kernel stamped on a received datagram, if it did.
std::optional<UtcTime> kernel_receive_time(msghdr& header) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&header); c != nullptr; c = CMSG_NXTHDR(&header, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS || c->cmsg_len < CMSG_LEN(sizeof(timespec)))
      continue;
    timespec ts{};
    std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
    if (ts.tv_sec <= 0) return std::nullopt;
    return UtcTime{static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec};
  }
  return std::nullopt;
}

std::string sockaddr_text(const sockaddr_storage& ss) {
  char host[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &sin->sin_addr, host, sizeof host);
    return fmt::format("{}:{}", host, ntohs(sin->sin_port));
  }
  if (ss.ss_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof host);
    return fmt::format("[{}]:{}", host, ntohs(sin6->sin6_port));
  }
  return {};
}

// The ID field of a DNS message (its first two bytes), whatever follows.
std::optional<std::uint16_t> message_id(ByteView bytes) {
  if (bytes.size() < 2) return std::nullopt;
  return static_cast<std::uint16_t>(bytes[0] << 8 | bytes[1]);
}

void library_init_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS)
      throw std::runtime_error("c-ares could not be initialised");
  });
}

}  // namespace

struct AresChannel::Watch {
  Watch(boost::asio::io_context& io, int fd_) : fd(fd_), desc(io, fd_) {}
  int fd;
  boost::asio::posix::stream_descriptor desc;
  bool want_read = false, want_write = false;
  bool reading = false, writing = false;
  bool closed = false;
};

AresChannel::AresChannel(boost::asio::io_context& io, const ResolverSpec& server, Transport transport,
                         const ChannelOptions& options)
    : io_(io), transport_(transport) {
  library_init_once();
  ares_options opts{};
  int mask = 0;
  // NOCHECKRESP: keep SERVFAIL/REFUSED answers instead of silently trying elsewhere.
  // IGNTC: hand truncated UDP answers back so the TCP retry is ours and both exchanges are kept.
  // No ARES_FLAG_EDNS: it would rewrite our query bytes on a FORMERR; we build EDNS ourselves.
  // No ARES_FLAG_STAYOPEN: an idle channel closes its sockets, so the io_context runs dry and
  // returns once the last query has ended.
  opts.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_IGNTC | ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES |
               (transport == Transport::tcp ? ARES_FLAG_USEVC : 0);
  mask |= ARES_OPT_FLAGS;
  opts.timeout = options.timeout_ms;
  mask |= ARES_OPT_TIMEOUTMS;
  opts.tries = 1;
  mask |= ARES_OPT_TRIES;
  opts.ndomains = 0;
  mask |= ARES_OPT_DOMAINS;
  opts.sock_state_cb = &AresChannel::on_sock_state;
  opts.sock_state_cb_data = this;
  mask |= ARES_OPT_SOCK_STATE_CB;
  if (const int rc = ares_init_options(&channel_, &opts, mask); rc != ARES_SUCCESS)
    throw std::runtime_error(fmt::format("c-ares channel setup failed: {}", ares_strerror(rc)));

  ares_addr_port_node node{};
  node.next = nullptr;
  if (inet_pton(AF_INET, server.address.c_str(), &node.addr.addr4) == 1) {
    node.family = AF_INET;
  } else if (inet_pton(AF_INET6, server.address.c_str(), &node.addr.addr6) == 1) {
    node.family = AF_INET6;
  } else {
    ares_destroy(channel_);
    throw std::runtime_error(fmt::format("resolver address '{}' is not numeric", server.address));
  }
  node.udp_port = server.port;
  node.tcp_port = server.port;
  if (const int rc = ares_set_servers_ports(channel_, &node); rc != ARES_SUCCESS) {
    ares_destroy(channel_);
    throw std::runtime_error(fmt::format("c-ares server setup failed: {}", ares_strerror(rc)));
  }
  hooks_.asocket = &AresChannel::hook_socket;
  hooks_.aclose = &AresChannel::hook_close;
  hooks_.aconnect = &AresChannel::hook_connect;
  hooks_.arecvfrom = &AresChannel::hook_recvfrom;
  hooks_.asendv = &AresChannel::hook_sendv;
  ares_set_socket_functions(channel_, &hooks_, this);
}

AresChannel::~AresChannel() {
  *alive_ = false;  // a posted flush finds the channel gone; queued datagrams are dropped
  // Before the watches go: ares_destroy reports each socket closed through on_sock_state.
  ares_destroy(channel_);
}

std::uint16_t AresChannel::reserve_id() {
  for (;;) {
    if (random_ids_left_ == 0) {
      if (RAND_bytes(reinterpret_cast<unsigned char*>(random_ids_.data()), sizeof random_ids_) != 1)
        throw std::runtime_error("the system random generator failed");
      random_ids_left_ = random_ids_.size();
    }
    const std::uint16_t id = random_ids_[--random_ids_left_];
    if (!ids_in_flight_[id]) {
      ids_in_flight_[id] = true;
      return id;
    }
  }
}

void AresChannel::release_id(std::uint16_t id) {
  ids_in_flight_[id] = false;
  replies_.erase(id);
  sent_.erase(id);
}

std::optional<SentDatagram> AresChannel::take_sent(std::uint16_t id) {
  auto it = sent_.find(id);
  if (it == sent_.end()) return std::nullopt;
  if (!it->second.kernel && it->second.error == 0) {
    // No reply was read since it left (a timeout): its stamp may still wait on the error queue.
    for (const int fd : udp_fds_) drain_transmit_stamps(fd);
    it = sent_.find(id);
    if (it == sent_.end()) return std::nullopt;
  }
  SentDatagram out = it->second;
  sent_.erase(it);
  if (out.error == 0) ++(out.kernel ? kernel_sent_ : batch_sent_);
  return out;
}

void AresChannel::note_sent(int fd, std::uint16_t id) {
  SentOrder& order = sent_order_[fd];
  if (order.lost_count) return;
  order.ids.push_back(id);
  // Bounded: stamps that never come (switched off, or a kernel without them) must not grow memory.
  if (order.ids.size() > 4096) {
    order.ids.pop_front();
    ++order.first;
  }
}

// The kernel queues one transmit stamp per datagram on the socket's error queue (ee_data: the
// datagram's count on the socket). Each replaces the batch's send time of its query with the
// moment that datagram itself left, so queries sent in one sendmmsg keep times of their own.
void AresChannel::drain_transmit_stamps(int fd) {
  // Up to 64 stamps per recvmmsg: one system call per batch rather than one per datagram, which
  // kept bulk runs measurably slower (a stamp is a few bytes of control data, no payload).
  constexpr unsigned kStamps = 64;
  struct Control {
    alignas(cmsghdr) unsigned char bytes[256];
  };
  std::array<Control, kStamps> controls;
  std::array<mmsghdr, kStamps> msgs;
  for (int round = 0; round < 4; ++round) {
    for (unsigned k = 0; k < kStamps; ++k) {
      msgs[k] = mmsghdr{};
      msgs[k].msg_hdr.msg_control = controls[k].bytes;
      msgs[k].msg_hdr.msg_controllen = sizeof controls[k].bytes;
    }
    const int got = ::recvmmsg(fd, msgs.data(), kStamps, MSG_ERRQUEUE | MSG_DONTWAIT, nullptr);
    if (got <= 0) return;  // EAGAIN: none left
    for (int k = 0; k < got; ++k) apply_transmit_stamp(fd, msgs[static_cast<std::size_t>(k)].msg_hdr);
    if (static_cast<unsigned>(got) < kStamps) return;
  }
}

void AresChannel::apply_transmit_stamp(int fd, msghdr& m) {
  std::optional<UtcTime> stamp;
  std::optional<std::uint32_t> count;
  for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPING &&
        c->cmsg_len >= CMSG_LEN(sizeof(scm_timestamping))) {
      scm_timestamping ts{};
      std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
      if (ts.ts[0].tv_sec > 0)
        stamp = UtcTime{static_cast<std::int64_t>(ts.ts[0].tv_sec) * 1'000'000'000 + ts.ts[0].tv_nsec};
    } else if ((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
               (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR)) {
      if (c->cmsg_len < CMSG_LEN(sizeof(sock_extended_err))) continue;
      sock_extended_err e{};
      std::memcpy(&e, CMSG_DATA(c), sizeof e);
      if (e.ee_errno == ENOMSG && e.ee_origin == SO_EE_ORIGIN_TIMESTAMPING) count = e.ee_data;
    }
  }
  if (!stamp || !count) return;
  SentOrder& order = sent_order_[fd];
  if (order.lost_count) return;
  const std::uint32_t index = *count - order.first;  // wraps like the kernel's counter
  if (index >= order.ids.size()) return;
  const std::uint16_t id = order.ids[index];
  for (std::uint32_t k = 0; k <= index; ++k) order.ids.pop_front();
  order.first = *count + 1;
  const auto it = sent_.find(id);
  if (it == sent_.end() || it->second.error != 0 || it->second.kernel) return;
  // The steady twin: the batch's steady time moved by the same amount as the wall time.
  const std::int64_t shift = stamp->ns - it->second.at.ns;
  if (shift < 0 || shift > 1'000'000'000) return;  // not this datagram's: keep the batch's time
  it->second.steady += std::chrono::nanoseconds(shift);
  it->second.at = *stamp;
  it->second.kernel = true;
}

void AresChannel::flush_sends() {
  flush_posted_ = false;
  std::vector<PendingSend> batch;
  batch.swap(pending_);  // a retry started from a callback below queues into a fresh list
  constexpr std::size_t kBatch = 64;
  std::array<mmsghdr, kBatch> msgs{};
  std::array<iovec, kBatch> iovs{};
  std::map<int, int> failed;  // fd -> errno of a send the kernel refused (e.g. port unreachable)
  std::size_t i = 0;
  while (i < batch.size()) {
    // One sendmmsg per run of datagrams on the same socket (a UDP channel normally has one).
    const int fd = batch[i].fd;
    if (failed.count(fd)) {  // c-ares ends these below, with the socket's error
      ++i;
      continue;
    }
    std::size_t n = 0;
    while (n < kBatch && i + n < batch.size() && batch[i + n].fd == fd) {
      PendingSend& p = batch[i + n];
      iovs[n] = {p.bytes.data(), p.bytes.size()};
      msgs[n] = {};
      msgs[n].msg_hdr.msg_iov = &iovs[n];
      msgs[n].msg_hdr.msg_iovlen = 1;
      ++n;
    }
    const UtcTime at = utc_now();
    const SteadyTime steady = steady_now();
    const int sent = ::sendmmsg(fd, msgs.data(), static_cast<unsigned>(n), MSG_DONTWAIT);
    const std::size_t ok = sent > 0 ? static_cast<std::size_t>(sent) : 0;
    for (std::size_t k = 0; k < ok; ++k) {
      sent_[batch[i + k].id] = SentDatagram{at, steady, 0};
      note_sent(fd, batch[i + k].id);
    }
    if (ok == n) {
      i += n;
      continue;
    }
    // sendmmsg stops at the first datagram that fails and reports its error only when it was the
    // first of the call: send that one alone to learn what the kernel says.
    PendingSend& bad = batch[i + ok];
    int error = sent < 0 ? errno : 0;
    if (error == 0) {
      const UtcTime again_at = utc_now();
      const SteadyTime again_steady = steady_now();
      if (::send(fd, bad.bytes.data(), bad.bytes.size(), MSG_DONTWAIT) >= 0) {
        sent_[bad.id] = SentDatagram{again_at, again_steady, 0};
        note_sent(fd, bad.id);
        i += ok + 1;
        continue;
      }
      error = errno;
    }
    sent_[bad.id] = SentDatagram{at, steady, error};
    sent_order_[fd].lost_count = true;
    // A full buffer fails only this datagram (its query times out and is retried); anything else
    // (port unreachable, network down) is the socket's, as a direct writev would have told c-ares.
    if (error != EAGAIN && error != EWOULDBLOCK && error != ENOBUFS && error != EINTR) failed[fd] = error;
    i += ok + 1;
  }
  // c-ares reads the error on its next receive and ends or moves every query of the socket, as it
  // does when writev fails.
  for (const auto& [fd, error] : failed) {
    if (!udp_fds_.count(fd)) continue;
    socket_errors_[fd] = error;
    ares_process_fd(channel_, fd, ARES_SOCKET_BAD);
  }
}

void AresChannel::send(const Bytes& query, Callback done) {
  auto* heap = new Callback(std::move(done));
  ares_send(
      channel_, query.data(), static_cast<int>(query.size()),
      [](void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
        std::unique_ptr<Callback> cb(static_cast<Callback*>(arg));
        if (status == ARES_EDESTRUCTION) return;  // channel going away: nobody is waiting
        const ByteView response = (abuf != nullptr && alen > 0)
                                      ? ByteView(abuf, static_cast<std::size_t>(alen))
                                      : ByteView();
        (*cb)(status, response);
      },
      heap);
}

std::vector<CapturedDatagram> AresChannel::take_replies(std::uint16_t id) {
  auto it = replies_.find(id);
  if (it == replies_.end()) return {};
  auto out = std::move(it->second);
  replies_.erase(it);
  return out;
}

std::vector<CapturedDatagram> AresChannel::take_unmatched_since(SteadyTime since, const std::string& qname,
                                                              std::uint16_t qtype) {
  std::vector<CapturedDatagram> out;
  auto keep = std::stable_partition(unmatched_.begin(), unmatched_.end(), [&](const CapturedDatagram& d) {
    if (d.steady < since) return true;
    const auto q = read_question(d.bytes);
    return q && !(q->qname == qname && q->qtype == qtype);
  });
  std::move(keep, unmatched_.end(), std::back_inserter(out));
  unmatched_.erase(keep, unmatched_.end());
  return out;
}

void AresChannel::process_timeouts() { ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD); }

// --- Asio integration -------------------------------------------------------------------------

void AresChannel::on_sock_state(void* data, ares_socket_t fd, int readable, int writable) {
  static_cast<AresChannel*>(data)->watch(fd, readable != 0, writable != 0);
}

void AresChannel::watch(int fd, bool readable, bool writable) {
  if (!readable && !writable) {
    // c-ares is about to close fd: stop watching it without closing it (c-ares owns the fd).
    if (auto it = watches_.find(fd); it != watches_.end()) {
      it->second->closed = true;
      it->second->desc.release();
      watches_.erase(it);
    }
    return;
  }
  auto& w = watches_[fd];
  if (!w) w = std::make_shared<Watch>(io_, fd);
  w->want_read = readable;
  w->want_write = writable;
  arm(w);
}

void AresChannel::arm(const std::shared_ptr<Watch>& w) {
  using boost::asio::posix::stream_descriptor;
  if (w->want_read && !w->reading) {
    w->reading = true;
    w->desc.async_wait(stream_descriptor::wait_read, [this, w](const boost::system::error_code& ec) {
      w->reading = false;
      if (ec || w->closed) return;
      ares_process_fd(channel_, w->fd, ARES_SOCKET_BAD);
      if (!w->closed) arm(w);
    });
  }
  if (w->want_write && !w->writing) {
    w->writing = true;
    w->desc.async_wait(stream_descriptor::wait_write, [this, w](const boost::system::error_code& ec) {
      w->writing = false;
      if (ec || w->closed) return;
      ares_process_fd(channel_, ARES_SOCKET_BAD, w->fd);
      if (!w->closed) arm(w);
    });
  }
}

// --- Socket hooks: where evidence bytes are captured ------------------------------------------

ares_socket_t AresChannel::hook_socket(int domain, int type, int protocol, void* data) {
  auto* self = static_cast<AresChannel*>(data);
  // c-ares leaves user-managed sockets unconfigured: make them non-blocking here.
  const int fd = ::socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd >= 0 && type == SOCK_DGRAM) {
    self->udp_fds_.insert(fd);
    // The kernel stamps each datagram as it arrives, so a reply read in a batch keeps its own
    // time; without it (never seen on Linux) the batch's read time stands in.
    const int on = 1;
    (void)::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
    // And each datagram sent gets its own transmit stamp on the error queue (only the stamp, not
    // the bytes: OPT_TSONLY), numbered per socket (OPT_ID); drain_transmit_stamps reads them.
    const unsigned tx = SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_ID |
                        SOF_TIMESTAMPING_OPT_TSONLY;
    (void)::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &tx, sizeof tx);
  }
  return fd;
}

int AresChannel::hook_close(ares_socket_t fd, void* data) {
  auto* self = static_cast<AresChannel*>(data);
  // c-ares has ended or moved the queries of this socket; their queued datagrams must not go out
  // later on whatever socket reuses the number.
  std::erase_if(self->pending_, [fd](const PendingSend& p) { return p.fd == fd; });
  self->udp_fds_.erase(fd);
  self->received_.erase(fd);  // anything buffered was captured when it was read
  self->socket_errors_.erase(fd);
  self->local_addresses_.erase(fd);
  self->sent_order_.erase(fd);
  return ::close(fd);
}

int AresChannel::hook_connect(ares_socket_t fd, const struct sockaddr* addr, ares_socklen_t len, void* data) {
  auto* self = static_cast<AresChannel*>(data);
  const int rc = ::connect(fd, addr, len);
  const int saved = errno;
  sockaddr_storage local{};
  socklen_t local_len = sizeof local;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) == 0) {
    self->local_addresses_[fd] = sockaddr_text(local);
    self->last_local_address_ = self->local_addresses_[fd];
  }
  errno = saved;
  return rc;
}

void AresChannel::capture(int fd, const std::uint8_t* bytes, std::size_t n, UtcTime at, SteadyTime steady) {
  CapturedDatagram d{at, steady, Bytes(bytes, bytes + n), local_addresses_[fd]};
  if (const auto id = message_id(d.bytes); id && ids_in_flight_[*id]) {
    replies_[*id].push_back(std::move(d));
    return;
  }
  // Bounded: a flood of junk must not grow memory without limit.
  if (unmatched_.size() < 64) unmatched_.push_back(std::move(d));
}

ares_ssize_t AresChannel::hook_recvfrom(ares_socket_t fd, void* buf, size_t len, int flags,
                                        struct sockaddr* from, ares_socklen_t* from_len, void* data) {
  auto* self = static_cast<AresChannel*>(data);
  if (auto e = self->socket_errors_.find(fd); e != self->socket_errors_.end()) {
    errno = e->second;  // a refused send of flush_sends, handed to c-ares as a receive error
    self->socket_errors_.erase(e);
    return -1;
  }
  const bool udp = self->udp_fds_.count(fd) != 0;
  if (!udp || flags != 0 || len == 0) {  // not the plain UDP read c-ares makes: one datagram at a time
    const ares_ssize_t n = ::recvfrom(fd, buf, len, flags, from, from_len);
    if (n >= 0 && udp) {
      const int saved = errno;
      self->capture(fd, static_cast<const std::uint8_t*>(buf), static_cast<std::size_t>(n), utc_now(), steady_now());
      errno = saved;
    }
    return n;
  }
  RecvBuffer& rb = self->received_[fd];
  self->drain_transmit_stamps(fd);  // before any reply of theirs reaches c-ares
  if (rb.next == rb.ready.size()) {
    rb.ready.clear();
    rb.next = 0;
    rb.data.resize(kRecvBatch * len);
    std::array<mmsghdr, kRecvBatch> msgs{};
    std::array<iovec, kRecvBatch> iovs{};
    std::array<sockaddr_storage, kRecvBatch> names{};
    std::array<KernelTimeControl, kRecvBatch> controls{};
    for (std::size_t k = 0; k < kRecvBatch; ++k) {
      iovs[k] = {rb.data.data() + k * len, len};
      msgs[k].msg_hdr.msg_iov = &iovs[k];
      msgs[k].msg_hdr.msg_iovlen = 1;
      msgs[k].msg_hdr.msg_name = &names[k];
      msgs[k].msg_hdr.msg_namelen = sizeof names[k];
      msgs[k].msg_hdr.msg_control = controls[k].bytes;
      msgs[k].msg_hdr.msg_controllen = sizeof controls[k].bytes;
    }
    const int got = ::recvmmsg(fd, msgs.data(), kRecvBatch, MSG_DONTWAIT, nullptr);
    if (got <= 0) return got;  // errno as recvfrom would leave it (EAGAIN ends c-ares' read loop)
    const int saved = errno;
    const UtcTime at = utc_now();
    const SteadyTime steady = steady_now();
    for (int k = 0; k < got; ++k) {
      const std::size_t offset = static_cast<std::size_t>(k) * len;
      const std::size_t size = msgs[k].msg_len;
      // The kernel's arrival time of this datagram; its steady-clock twin is the batch's read time
      // less the datagram's age (both clocks advance at the same rate over microseconds).
      UtcTime arrived = at;
      SteadyTime arrived_steady = steady;
      if (const auto kernel = kernel_receive_time(msgs[k].msg_hdr); kernel && kernel->ns <= at.ns) {
        arrived = *kernel;
        arrived_steady = steady - std::chrono::nanoseconds(at.ns - kernel->ns);
        ++self->kernel_stamped_;
      } else {
        ++self->read_stamped_;
      }
      // Every datagram is evidence from the moment it is read, even if c-ares never asks for it.
      self->capture(fd, rb.data.data() + offset, size, arrived, arrived_steady);
      rb.ready.push_back(Received{offset, size, names[k], msgs[k].msg_hdr.msg_namelen});
    }
    errno = saved;
  }
  const Received& r = rb.ready[rb.next++];
  const std::size_t n = std::min(r.size, len);
  std::memcpy(buf, rb.data.data() + r.offset, n);
  if (from != nullptr && from_len != nullptr) {
    const socklen_t copy = std::min<socklen_t>(*from_len, r.from_len);
    std::memcpy(from, &r.from, copy);
    *from_len = r.from_len;
  }
  return static_cast<ares_ssize_t>(n);
}

ares_ssize_t AresChannel::hook_sendv(ares_socket_t fd, const struct iovec* iov, int iovcnt, void* data) {
  auto* self = static_cast<AresChannel*>(data);
  if (!self->udp_fds_.count(fd)) return ::writev(fd, iov, iovcnt);  // TCP: c-ares needs the real result
  PendingSend p{fd, 0, {}};
  for (int k = 0; k < iovcnt; ++k) {
    const auto* b = static_cast<const std::uint8_t*>(iov[k].iov_base);
    p.bytes.insert(p.bytes.end(), b, b + iov[k].iov_len);
  }
  p.id = message_id(p.bytes).value_or(0);
  const auto len = static_cast<ares_ssize_t>(p.bytes.size());
  self->pending_.push_back(std::move(p));
  if (!self->flush_posted_) {
    self->flush_posted_ = true;
    boost::asio::post(self->io_, [self, alive = self->alive_] {
      if (*alive) self->flush_sends();
    });
  }
  return len;
}

}  // namespace dnswitness
