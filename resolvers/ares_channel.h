#pragma once
// AresChannel: one c-ares channel bound to one server and one transport, driven by Boost.Asio.
//
// c-ares never owns the loop: its sockets are watched through sock_state_cb on the io_context,
// and its timeouts are processed when the owner calls process_timeouts(). Every socket is opened
// through our ares_socket_functions hooks, so every UDP datagram actually sent and received is
// captured with its own time, including replies c-ares rejects (wrong ID, question or source)
// that would otherwise vanish from the evidence.
//
// Thread-safety: none; use from the io_context's thread only (c-ares 1.18 has no locking).
// Ownership: owns the ares_channel; callbacks must not destroy the channel (destroy it after
// io_context::run returns).
#include <array>
#include <ares.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "model/bytes.h"
#include "model/observation.h"
#include "model/resolver_spec.h"
#include "timeutil/timestamp.h"

namespace dnswitness {

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
  std::string last_local_address() const { return last_local_address_; }

  void process_timeouts();
  Transport transport() const { return transport_; }

 private:
  struct Watch;
  static void on_sock_state(void* data, ares_socket_t fd, int readable, int writable);
  void watch(int fd, bool readable, bool writable);
  void arm(const std::shared_ptr<Watch>& w);

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
  std::set<std::uint16_t> ids_in_flight_;
  // Query IDs come from the CSPRNG in batches: one RAND_bytes call per 256 IDs instead of one per
  // query (a bulk run spent 8 % of its main thread there). Unused IDs are never reused.
  std::array<std::uint16_t, 256> random_ids_{};
  std::size_t random_ids_left_ = 0;
  std::map<std::uint16_t, std::vector<CapturedDatagram>> replies_;
  std::vector<CapturedDatagram> unmatched_;
};

}  // namespace dnswitness
