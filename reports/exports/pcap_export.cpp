#include "reports/exports/pcap_export.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <sys/types.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace dnswitness {
namespace {

// Big enough for any packet drawn here (a 65535-byte IPv6 payload plus its header): nothing is cut.
constexpr int kPcapSnapLen = 262144;
constexpr std::uint8_t kPcapHopLimit = 64;
constexpr std::uint8_t kPcapProtoTcp = 6;
constexpr std::uint8_t kPcapProtoUdp = 17;
// Payload per drawn TCP segment: under the MSS of a 1500-byte Ethernet path for IPv4 and IPv6.
constexpr std::size_t kPcapTcpChunk = 1400;
constexpr std::uint16_t kPcapTcpWindow = 65535;
constexpr std::uint8_t kPcapTcpFin = 0x01;
constexpr std::uint8_t kPcapTcpSyn = 0x02;
constexpr std::uint8_t kPcapTcpPsh = 0x08;
constexpr std::uint8_t kPcapTcpAck = 0x10;
// An IP total length (IPv4) or payload length (IPv6) is 16 bits.
constexpr std::size_t kPcapMaxIpLength = 65535;
constexpr std::int64_t kPcapNsPerSecond = 1'000'000'000;
// Classic pcap stores the seconds in 32 bits (readers take them unsigned).
constexpr std::int64_t kPcapMaxSeconds = 0xFFFF'FFFFLL;
// stdio buffer of the cookie stream: fewer, larger calls of the caller's `write`.
constexpr std::size_t kPcapStdioBuffer = 1 << 16;

// An IP address as it goes into a header: 4 or 16 bytes.
struct PcapAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};
  std::size_t size() const { return v6 ? 16 : 4; }
};

// One direction of a flow: who sends to whom.
struct PcapPath {
  PcapAddress src;
  PcapAddress dst;
  std::uint16_t sport = 0;
  std::uint16_t dport = 0;
};

// One drawn packet: the IP packet's bytes and the recorded time it stands at.
struct PcapPacket {
  std::int64_t at_ns = 0;
  Bytes bytes;
};

// The two ends of an exchange, both of one family.
struct PcapFlow {
  PcapPath to_server;
  PcapPath to_local;
};

// Parses an IP literal; an IPv6 zone is dropped (a packet has no place for it) and an IPv4-mapped
// IPv6 address becomes IPv4 (such a socket sends IPv4 packets). Nothing for anything else.
std::optional<PcapAddress> pcap_parse_address(const std::string& text) {
  PcapAddress a;
  if (inet_pton(AF_INET, text.c_str(), a.bytes.data()) == 1) return a;
  const std::string no_zone = text.substr(0, text.find('%'));
  in6_addr six{};
  if (no_zone.find(':') == std::string::npos || inet_pton(AF_INET6, no_zone.c_str(), &six) != 1) {
    return std::nullopt;
  }
  if (IN6_IS_ADDR_V4MAPPED(&six)) {
    for (std::size_t i = 0; i < 4; ++i) a.bytes[i] = six.s6_addr[12 + i];
    return a;
  }
  a.v6 = true;
  for (std::size_t i = 0; i < 16; ++i) a.bytes[i] = six.s6_addr[i];
  return a;
}

// The two ends of `e`; nothing when they cannot be drawn. An unknown local address is the
// unspecified address of the server's family (all zero bytes), an unknown port stays 0.
std::optional<PcapFlow> pcap_flow_of(const RecordedExchange& e) {
  if (e.server_address.empty()) return std::nullopt;
  const auto server = pcap_parse_address(e.server_address);
  if (!server) return std::nullopt;
  PcapAddress local;
  local.v6 = server->v6;
  if (!e.local_address.empty()) {
    const auto parsed = pcap_parse_address(e.local_address);
    if (!parsed || parsed->v6 != server->v6) return std::nullopt;
    local = *parsed;
  }
  PcapFlow f;
  f.to_server = {local, *server, e.local_port, e.server_port};
  f.to_local = {*server, local, e.server_port, e.local_port};
  return f;
}

// A time fits a pcap record: not before 1970, seconds within 32 bits.
bool pcap_time_fits(std::int64_t ns) { return ns >= 0 && ns / kPcapNsPerSecond <= kPcapMaxSeconds; }

void pcap_put16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}

void pcap_put32(Bytes& b, std::uint32_t v) {
  pcap_put16(b, static_cast<std::uint16_t>(v >> 16));
  pcap_put16(b, static_cast<std::uint16_t>(v));
}

void pcap_set16(Bytes& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}

void pcap_put_address(Bytes& b, const PcapAddress& a) {
  b.insert(b.end(), a.bytes.begin(), a.bytes.begin() + static_cast<std::ptrdiff_t>(a.size()));
}

// The Internet checksum's running sum (RFC 1071): big-endian 16-bit words, an odd last byte padded
// with zero. 64 bits cannot overflow for anything under 2^48 bytes.
std::uint64_t pcap_sum(ByteView data, std::uint64_t acc = 0) {
  std::size_t i = 0;
  for (; i + 1 < data.size(); i += 2) acc += static_cast<std::uint64_t>(data[i] << 8 | data[i + 1]);
  if (i < data.size()) acc += static_cast<std::uint64_t>(data[i] << 8);
  return acc;
}

// Folds the sum into 16 bits and complements it.
std::uint16_t pcap_checksum(std::uint64_t acc) {
  while (acc >> 16) acc = (acc & 0xFFFF) + (acc >> 16);
  return static_cast<std::uint16_t>(~acc & 0xFFFF);
}

// The UDP/TCP checksum over the pseudo-header (RFC 768, RFC 9293, RFC 8200 section 8.1) and `l4`.
std::uint16_t pcap_l4_checksum(const PcapPath& p, std::uint8_t proto, ByteView l4) {
  std::uint64_t acc = pcap_sum(ByteView(p.src.bytes.data(), p.src.size()));
  acc = pcap_sum(ByteView(p.dst.bytes.data(), p.dst.size()), acc);
  acc += proto;
  acc += l4.size();  // a 16-bit (IPv4) or 32-bit (IPv6) length: as words, the same sum
  return pcap_checksum(pcap_sum(l4, acc));
}

// Wraps a UDP or TCP segment in an IPv4 or IPv6 header. `ip_id` is only used by IPv4.
Bytes pcap_ip_packet(const PcapPath& p, std::uint8_t proto, std::uint16_t ip_id, const Bytes& l4) {
  Bytes b;
  if (p.src.v6) {
    b.reserve(40 + l4.size());
    pcap_put32(b, 0x6000'0000);  // version 6, traffic class 0, flow label 0
    pcap_put16(b, static_cast<std::uint16_t>(l4.size()));
    b.push_back(proto);
    b.push_back(kPcapHopLimit);
  } else {
    b.reserve(20 + l4.size());
    b.push_back(0x45);  // version 4, 20-byte header (no options)
    b.push_back(0x00);  // TOS
    pcap_put16(b, static_cast<std::uint16_t>(20 + l4.size()));
    pcap_put16(b, ip_id);
    pcap_put16(b, 0x4000);  // DF: what Linux sends for UDP and TCP alike; never a fragment
    b.push_back(kPcapHopLimit);
    b.push_back(proto);
    pcap_put16(b, 0);  // checksum, set below
  }
  pcap_put_address(b, p.src);
  pcap_put_address(b, p.dst);
  if (!p.src.v6) pcap_set16(b, 10, pcap_checksum(pcap_sum(b)));
  b.insert(b.end(), l4.begin(), l4.end());
  return b;
}

Bytes pcap_udp_segment(const PcapPath& p, ByteView payload) {
  Bytes s;
  s.reserve(8 + payload.size());
  pcap_put16(s, p.sport);
  pcap_put16(s, p.dport);
  pcap_put16(s, static_cast<std::uint16_t>(8 + payload.size()));
  pcap_put16(s, 0);
  s.insert(s.end(), payload.begin(), payload.end());
  std::uint16_t sum = pcap_l4_checksum(p, kPcapProtoUdp, s);
  if (sum == 0) sum = 0xFFFF;  // 0 would mean "no checksum", which IPv6 forbids
  pcap_set16(s, 6, sum);
  return s;
}

// One TCP segment's header fields.
struct PcapTcpFields {
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;  // only meaningful with the ACK flag; 0 otherwise
  std::uint8_t flags = 0;
  std::uint16_t mss = 0;  // an MSS option when not 0 (SYN and SYN-ACK)
};

Bytes pcap_tcp_segment(const PcapPath& p, const PcapTcpFields& f, ByteView payload) {
  const std::size_t header = f.mss ? 24 : 20;
  Bytes s;
  s.reserve(header + payload.size());
  pcap_put16(s, p.sport);
  pcap_put16(s, p.dport);
  pcap_put32(s, f.seq);
  pcap_put32(s, f.ack);
  s.push_back(static_cast<std::uint8_t>((header / 4) << 4));
  s.push_back(f.flags);
  pcap_put16(s, kPcapTcpWindow);
  pcap_put16(s, 0);  // checksum, set below
  pcap_put16(s, 0);  // urgent pointer
  if (f.mss) {
    s.push_back(2);  // kind: maximum segment size
    s.push_back(4);
    pcap_put16(s, f.mss);
  }
  s.insert(s.end(), payload.begin(), payload.end());
  pcap_set16(s, 16, pcap_l4_checksum(p, kPcapProtoTcp, s));
  return s;
}

// A 64-bit mix (splitmix64's finaliser): spreads the exchange's fields over the ISNs and IDs.
std::uint64_t pcap_mix(std::uint64_t x) {
  x += 0x9E37'79B9'7F4A'7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58'476D'1CE4'E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D0'49BB'1331'11EBULL;
  return x ^ (x >> 31);
}

// Deterministic per-exchange randomness: the same exchange gives the same sequence numbers and IP
// IDs wherever it sits in the file, and two exchanges of one leaf (a retry) differ by their time.
std::uint64_t pcap_seed(const RecordedExchange& e) {
  std::uint64_t h = pcap_mix(e.leaf_index);
  h = pcap_mix(h ^ static_cast<std::uint64_t>(e.sent_at_ns));
  h = pcap_mix(h ^ (static_cast<std::uint64_t>(e.local_port) << 16 | e.server_port));
  return pcap_mix(h ^ static_cast<std::uint64_t>(e.transport));
}

// Builds the packets of one exchange, keeping each direction's IPv4 IDs counting up as a kernel's do.
class PcapDrawing {
 public:
  PcapDrawing(const PcapFlow& flow, std::uint64_t seed)
      : flow_(flow),
        id_to_server_(static_cast<std::uint16_t>(seed >> 32)),
        id_to_local_(static_cast<std::uint16_t>(seed >> 48)) {}

  void udp(bool to_server, std::int64_t at_ns, ByteView payload) {
    const PcapPath& p = path(to_server);
    add(at_ns, pcap_ip_packet(p, kPcapProtoUdp, next_id(to_server), pcap_udp_segment(p, payload)));
  }

  void tcp(bool to_server, std::int64_t at_ns, const PcapTcpFields& f, ByteView payload = {}) {
    const PcapPath& p = path(to_server);
    add(at_ns, pcap_ip_packet(p, kPcapProtoTcp, next_id(to_server), pcap_tcp_segment(p, f, payload)));
  }

  bool v6() const { return flow_.to_server.src.v6; }
  std::vector<PcapPacket> take() { return std::move(packets_); }

 private:
  const PcapPath& path(bool to_server) const { return to_server ? flow_.to_server : flow_.to_local; }
  std::uint16_t next_id(bool to_server) { return to_server ? id_to_server_++ : id_to_local_++; }
  void add(std::int64_t at_ns, Bytes bytes) { packets_.push_back({at_ns, std::move(bytes)}); }

  PcapFlow flow_;
  std::uint16_t id_to_server_;
  std::uint16_t id_to_local_;
  std::vector<PcapPacket> packets_;
};

// The largest UDP payload one datagram can carry (no jumbograms).
std::size_t pcap_max_udp_payload(bool v6) { return kPcapMaxIpLength - 8 - (v6 ? 0 : 20); }

void pcap_draw_udp(PcapDrawing& d, const RecordedExchange& e) {
  d.udp(true, e.sent_at_ns, e.query);
  if (e.response) d.udp(false, *e.received_at_ns, *e.response);
}

// A DNS message as it goes on a TCP stream: two-byte length first (RFC 1035 section 4.2.2, RFC 7766).
Bytes pcap_length_prefixed(const Bytes& message) {
  Bytes b;
  b.reserve(2 + message.size());
  pcap_put16(b, static_cast<std::uint16_t>(message.size()));
  b.insert(b.end(), message.begin(), message.end());
  return b;
}

// One end of the drawn connection: which end it is and its next sequence number.
struct PcapTcpSide {
  bool is_local = false;
  std::uint32_t seq = 0;
};

// Sends `stream` from `from` to `to` in segments of at most 1400 bytes, PSH on the last. The
// receiver acknowledges each segment but the last (its next segment or FIN acknowledges that one),
// so no more than one segment is ever unacknowledged: a 65537-byte stream would otherwise overrun
// the 65535-byte window, which tshark reports.
void pcap_send_stream(PcapDrawing& d, std::int64_t at_ns, PcapTcpSide& from, const PcapTcpSide& to,
                      const Bytes& stream) {
  for (std::size_t at = 0; at < stream.size(); at += kPcapTcpChunk) {
    const std::size_t n = std::min(kPcapTcpChunk, stream.size() - at);
    const bool last = at + n == stream.size();
    const auto flags = static_cast<std::uint8_t>(kPcapTcpAck | (last ? kPcapTcpPsh : 0));
    d.tcp(from.is_local, at_ns, {from.seq, to.seq, flags, 0}, ByteView(stream).subspan(at, n));
    from.seq += static_cast<std::uint32_t>(n);  // wraps modulo 2^32 as TCP's sequence space does
    if (!last) d.tcp(to.is_local, at_ns, {to.seq, from.seq, kPcapTcpAck, 0});
  }
}

// Handshake, query, response, close; see the header for the shape.
void pcap_draw_tcp(PcapDrawing& d, const RecordedExchange& e, std::uint64_t seed) {
  PcapTcpSide local{true, static_cast<std::uint32_t>(seed)};
  PcapTcpSide server{false, static_cast<std::uint32_t>(pcap_mix(seed))};
  const std::uint16_t mss = d.v6() ? 1440 : 1460;  // a 1500-byte MTU minus the IP and TCP headers
  const std::int64_t t0 = e.sent_at_ns;

  d.tcp(true, t0, {local.seq, 0, kPcapTcpSyn, mss});
  d.tcp(false, t0, {server.seq, local.seq + 1, kPcapTcpSyn | kPcapTcpAck, mss});
  ++local.seq;  // a SYN takes one sequence number
  ++server.seq;
  d.tcp(true, t0, {local.seq, server.seq, kPcapTcpAck, 0});

  pcap_send_stream(d, t0, local, server, pcap_length_prefixed(e.query));
  std::int64_t t_close = t0;
  if (e.response) {
    t_close = *e.received_at_ns;
    pcap_send_stream(d, t_close, server, local, pcap_length_prefixed(*e.response));
  }

  // The client closes first, as RFC 7766 expects of a DNS client that has its answer.
  d.tcp(true, t_close, {local.seq, server.seq, kPcapTcpFin | kPcapTcpAck, 0});
  ++local.seq;  // so does a FIN
  d.tcp(false, t_close, {server.seq, local.seq, kPcapTcpFin | kPcapTcpAck, 0});
  ++server.seq;
  d.tcp(true, t_close, {local.seq, server.seq, kPcapTcpAck, 0});
}

// Whether `e`'s messages and times fit what pcap and the transport can show.
bool pcap_drawable(const RecordedExchange& e, bool v6) {
  if (!pcap_time_fits(e.sent_at_ns)) return false;
  if (e.response) {
    if (!e.received_at_ns || !pcap_time_fits(*e.received_at_ns)) return false;
    if (*e.received_at_ns < e.sent_at_ns) return false;  // packets must stay in time order
  }
  const std::size_t limit = e.transport == ExchangeTransport::udp ? pcap_max_udp_payload(v6) : 0xFFFF;
  if (e.query.size() > limit) return false;
  return !e.response || e.response->size() <= limit;
}

}  // namespace

// The libpcap handles and the bridge from stdio to the caller's `write`.
struct PcapExport::State {
  std::function<void(std::string_view)> write;
  std::exception_ptr write_error;  // what `write` threw, rethrown to our caller
  bool discard = false;            // set when closing without finish(): `write` is not called again
  bool failed = false;             // a write failed: the file cannot be continued
  bool finished = false;
  pcap_t* pcap = nullptr;
  FILE* file = nullptr;  // owned by `dumper` once it exists
  pcap_dumper_t* dumper = nullptr;

  explicit State(std::function<void(std::string_view)> w) : write(std::move(w)) {}
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  ~State() {
    discard = true;
    if (dumper) {
      pcap_dump_close(dumper);  // closes `file`
    } else if (file) {
      std::fclose(file);
    }
    if (pcap) pcap_close(pcap);
  }

  // The cookie stream's write function: hands the bytes to `write`. An exception must not cross
  // glibc's C frames, so it is kept and reported as a failed write (0 bytes).
  static ssize_t cookie_write(void* cookie, const char* buf, std::size_t size) {
    auto* self = static_cast<State*>(cookie);
    if (self->discard) return static_cast<ssize_t>(size);
    if (self->write_error) return 0;
    try {
      self->write(std::string_view(buf, size));
      return static_cast<ssize_t>(size);
    } catch (...) {
      self->write_error = std::current_exception();
      return 0;
    }
  }

  void open() {
    pcap = pcap_open_dead_with_tstamp_precision(DLT_RAW, kPcapSnapLen, PCAP_TSTAMP_PRECISION_NANO);
    if (!pcap) throw std::runtime_error("libpcap could not set up a raw-IP capture with nanosecond timestamps.");
    cookie_io_functions_t io{};
    io.write = &State::cookie_write;
    file = fopencookie(this, "w", io);
    if (!file) throw std::runtime_error("The pcap output stream could not be opened.");
    if (std::setvbuf(file, nullptr, _IOFBF, kPcapStdioBuffer) != 0) {
      throw std::runtime_error("The pcap output stream could not be given a buffer.");
    }
    dumper = pcap_dump_fopen(pcap, file);
    if (!dumper) throw std::runtime_error(std::string("libpcap could not start the pcap file: ") + pcap_geterr(pcap));
    flush();  // the header goes out at once
  }

  // Throws what went wrong with an earlier write, if anything did.
  void check() {
    if (write_error) {
      failed = true;
      std::rethrow_exception(std::exchange(write_error, nullptr));
    }
    if (std::ferror(pcap_dump_file(dumper))) {
      failed = true;
      throw std::runtime_error("Writing the pcap file failed.");
    }
  }

  void flush() {
    const int rc = pcap_dump_flush(dumper);
    check();
    if (rc != 0) {
      failed = true;
      throw std::runtime_error("Writing the pcap file failed.");
    }
  }

  void usable() const {
    if (finished) throw std::logic_error("The pcap file was already finished.");
    if (failed) throw std::runtime_error("The pcap file cannot be continued after a failed write.");
  }

  void dump(const PcapPacket& p) {
    pcap_pkthdr h{};
    h.ts.tv_sec = static_cast<time_t>(p.at_ns / kPcapNsPerSecond);
    // With nanosecond precision libpcap writes this field as it is: nanoseconds, not microseconds.
    h.ts.tv_usec = static_cast<suseconds_t>(p.at_ns % kPcapNsPerSecond);
    h.caplen = static_cast<bpf_u_int32>(p.bytes.size());
    h.len = h.caplen;
    pcap_dump(reinterpret_cast<u_char*>(dumper), &h, p.bytes.data());
  }
};

PcapExport::PcapExport(std::function<void(std::string_view)> write)
    : state_(std::make_unique<State>(std::move(write))) {
  state_->open();
}

PcapExport::~PcapExport() = default;

bool PcapExport::add(const RecordedExchange& e) {
  state_->usable();
  const auto flow = pcap_flow_of(e);
  if (!flow || !pcap_drawable(e, flow->to_server.src.v6)) return false;
  const std::uint64_t seed = pcap_seed(e);
  PcapDrawing d(*flow, seed);
  if (e.transport == ExchangeTransport::udp) {
    pcap_draw_udp(d, e);
  } else {
    pcap_draw_tcp(d, e, seed);  // tcp; https and tls drawn as DNS over TCP
  }
  for (const PcapPacket& p : d.take()) state_->dump(p);
  state_->check();
  return true;
}

void PcapExport::finish() {
  if (state_->finished) return;
  state_->usable();
  state_->flush();
  state_->discard = true;  // nothing is left in the buffer; closing must not reach `write`
  pcap_dump_close(state_->dumper);
  state_->dumper = nullptr;
  state_->file = nullptr;
  state_->finished = true;
}

}  // namespace dnswitness
