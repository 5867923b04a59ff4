#pragma once
// AresChannel: one c-ares channel bound to one server and one transport, driven by Boost.Asio.
//
// c-ares never owns the loop: its sockets are watched through sock_state_cb on the io_context,
// and its timeouts are processed when the owner calls process_timeouts(). Every socket is opened
// through our ares_socket_functions hooks, so every UDP datagram actually sent and received is
// captured with its own time, including replies c-ares rejects (wrong ID, question or source)
// that would otherwise vanish from the evidence.
//
// UDP sends are batched: the send hook queues each datagram and a handler posted on the
// io_context hands everything queued to the kernel with one sendmmsg, right after the handler that
// queued it (c-ares 1.18 writes each query with its own writev). On a loaded 2-core machine one
// system call and one wake-up of the server per batch instead of per query is a large part of a
// bulk run's cost; a lone query leaves a few microseconds later than before. The time each
// datagram was actually handed to the kernel is recorded (take_sent), and a send that failed is
// reported there with its errno. Receives are batched too (recvmmsg, see RecvBuffer below).
//
// Thread-safety: none; use from the io_context's thread only (c-ares 1.18 has no locking).
// Ownership: owns the ares_channel; callbacks must not destroy the channel (destroy it after
// io_context::run returns).
#include <array>
#include <ares.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <sys/socket.h>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>
#include <string>
#include <vector>

#include "model/bytes.h"
#include "model/observation.h"
#include "model/resolver_spec.h"
#include "timeutil/timestamp.h"

namespace dnswitness {

// When and how a query's datagram was handed to the kernel.
struct SentDatagram {
  UtcTime at;
  SteadyTime steady;
  int error = 0;        // errno of a send that failed, 0 when it was sent
  bool kernel = false;  // `at` is the kernel's own transmit stamp of this datagram (SO_TIMESTAMPING)
};

struct ChannelOptions {
  int timeout_ms = 2000;  // one attempt; retries are the caller's (see DnsEngine)
};

// A datagram that crossed a UDP socket of this channel.
struct CapturedDatagram {
  UtcTime at;
  SteadyTime steady;
  Bytes bytes;
  std::string local_address;
};

class AresChannel {
 public:
  using Callback = std::function<void(int ares_status, ByteView response)>;

  AresChannel(boost::asio::io_context& io, const ResolverSpec& server, Transport transport,
              const ChannelOptions& options);
  ~AresChannel();
  AresChannel(const AresChannel&) = delete;
  AresChannel& operator=(const AresChannel&) = delete;

  // A query ID from the CSPRNG, unique among this channel's queries in flight (c-ares 1.18 IDs
  // are weak: CVE-2023-31147). Reserved until release_id().
  std::uint16_t reserve_id();
  void release_id(std::uint16_t id);

  // Sends the exact bytes given; `done` runs exactly once, from inside c-ares, possibly before
  // send() returns.
  void send(const Bytes& query, Callback done);

  // What the UDP hooks saw for `id` (replies carrying that ID) and datagrams whose ID matched no
  // query, received since `since`. Both are removed from the channel's buffers.
  std::vector<CapturedDatagram> take_replies(std::uint16_t id);
  // Unmatched datagrams are attributed by their question when it can be read: a reply echoing
  // (qname, qtype) belongs to that query; unreadable junk goes to the first query that asks.
  std::vector<CapturedDatagram> take_unmatched_since(SteadyTime since, const std::string& qname,
                                                     std::uint16_t qtype);
  // The send of `id`'s latest datagram, once the batch holding it was flushed (UDP only; TCP
  // queries are written at once and have none). Removed from the channel.
  std::optional<SentDatagram> take_sent(std::uint16_t id);
  const std::string& last_local_address() const { return last_local_address_; }
  // UDP datagrams received with the kernel's own arrival time (SO_TIMESTAMPNS), and without it
  // (the time the batch holding them was read stands in).
  std::uint64_t kernel_stamped() const { return kernel_stamped_; }
  std::uint64_t read_stamped() const { return read_stamped_; }
  // Queries whose send time (take_sent) is the kernel's transmit stamp of their own datagram, and
  // those that kept the time their batch was handed to the kernel.
  std::uint64_t kernel_sent() const { return kernel_sent_; }
  std::uint64_t batch_sent() const { return batch_sent_; }

  void process_timeouts();
  Transport transport() const { return transport_; }

 private:
  struct Watch;
  static void on_sock_state(void* data, ares_socket_t fd, int readable, int writable);
  void watch(int fd, bool readable, bool writable);
  void arm(const std::shared_ptr<Watch>& w);
  void flush_sends();

  static ares_socket_t hook_socket(int domain, int type, int protocol, void* data);
  static int hook_close(ares_socket_t fd, void* data);
  static int hook_connect(ares_socket_t fd, const struct sockaddr* addr, ares_socklen_t len, void* data);
  static ares_ssize_t hook_recvfrom(ares_socket_t fd, void* buf, size_t len, int flags,
                                    struct sockaddr* from, ares_socklen_t* from_len, void* data);
  static ares_ssize_t hook_sendv(ares_socket_t fd, const struct iovec* iov, int iovcnt, void* data);

  boost::asio::io_context& io_;
  Transport transport_;
  ares_channel channel_ = nullptr;
  ares_socket_functions hooks_{};
  std::map<int, std::shared_ptr<Watch>> watches_;
  std::set<int> udp_fds_;
  std::map<int, std::string> local_addresses_;
  std::string last_local_address_;
  std::vector<bool> ids_in_flight_ = std::vector<bool>(65536);
  struct PendingSend {
    int fd;
    std::uint16_t id;
    Bytes bytes;
  };
  std::vector<PendingSend> pending_;  // queued by hook_sendv, sent by flush_sends
  bool flush_posted_ = false;
  std::uint64_t kernel_stamped_ = 0, read_stamped_ = 0, kernel_sent_ = 0, batch_sent_ = 0;
  // Per UDP socket, the query IDs of the datagrams sent on it, in order, and the kernel's count
  // (SOF_TIMESTAMPING_OPT_ID) of the first of them: a transmit stamp names its datagram by count.
  // After a refused send the count may or may not have moved: the socket's stamps are then no
  // longer used (its queries keep their batch's time) rather than risk giving one query another's.
  struct SentOrder {
    std::uint32_t first = 0;
    std::deque<std::uint16_t> ids;
    bool lost_count = false;
  };
  std::map<int, SentOrder> sent_order_;
  void note_sent(int fd, std::uint16_t id);
  void drain_transmit_stamps(int fd);
  void apply_transmit_stamp(int fd, msghdr& message);  // one stamp read by drain_transmit_stamps
  std::unordered_map<std::uint16_t, SentDatagram> sent_;
  // Receiving is batched the same way: when c-ares asks a UDP socket for a datagram and none is
  // buffered, one recvmmsg fetches up to kRecvBatch; each is captured at once and then handed to
  // c-ares one per call, as recvfrom would.
  static constexpr std::size_t kRecvBatch = 32;
  struct Received {
    std::size_t offset = 0, size = 0;
    sockaddr_storage from{};
    socklen_t from_len = 0;
  };
  struct RecvBuffer {
    Bytes data;  // kRecvBatch slots of the length c-ares asks for
    std::vector<Received> ready;
    std::size_t next = 0;
  };
  std::map<int, RecvBuffer> received_;
  std::map<int, int> socket_errors_;  // fd -> errno for c-ares' next receive (see flush_sends)
  void capture(int fd, const std::uint8_t* bytes, std::size_t n, UtcTime at, SteadyTime steady);
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  // Query IDs come from the CSPRNG in batches: one RAND_bytes call per 256 IDs instead of one per
  // query (a bulk run spent 8 % of its main thread there). Unused IDs are never reused.
  std::array<std::uint16_t, 256> random_ids_{};
  std::size_t random_ids_left_ = 0;
  std::map<std::uint16_t, std::vector<CapturedDatagram>> replies_;
  std::vector<CapturedDatagram> unmatched_;
};

}  // namespace dnswitness
