#pragma once
// Recorded DNS exchanges as a classic pcap file, so experts can open them in Wireshark or tshark.
//
// The file: libpcap's classic format (magic a1b23c4d: nanosecond timestamps, version 2.4), link
// type LINKTYPE_RAW (101: each packet starts with its IPv4 or IPv6 header), snapshot length
// 262144, nothing truncated. Every packet is stamped with the exact recorded nanosecond.
//
// What is real and what is drawn: the DNS messages (query and response bytes), the addresses, the
// ports and the times are as recorded. The IP, UDP and TCP headers around them are drawn here, as
// the exchange would have looked on the wire: valid IPv4 header checksums (ID derived from the
// exchange, DF set, TTL 64) or IPv6 (hop limit 64), valid UDP and TCP checksums.
//  - udp: the query datagram local -> server at sent_at; the response datagram server -> local at
//    received_at, when there is one.
//  - tcp: a synthetic connection tshark reassembles: SYN, SYN-ACK (both with an MSS option), ACK
//    at sent_at; the query with its two-byte length (RFC 1035 4.2.2, RFC 7766) at sent_at; the
//    length-prefixed response at received_at; then FIN-ACK local -> server, FIN-ACK server -> local
//    and the last ACK, at received_at (at sent_at when nothing came back). A message longer than
//    1398 bytes goes in segments of at most 1400 bytes, the receiver acknowledging each but the
//    last, so nothing overruns the 65535-byte window. Initial sequence numbers and IPv4 IDs are a
//    hash of the exchange (leaf index, sent_at, ports, transport): the same exchange always gives
//    the same bytes, wherever it sits in the file.
//  - https (DoH) and tls (DoT): the real bytes were TLS; the DNS messages are drawn as the tcp flow
//    above, between the recorded local end and the address and port the connection went to
//    (usually 443 or 853). Only the port and docs/export.md say it was DoH or DoT.
// Unknown local end (empty address, port 0): the unspecified address of the server's family
// (0.0.0.0 or ::), and port 0; a known address with port 0 keeps its address. They read as "not
// recorded" rather than as a made-up host, and tshark decodes them cleanly (DNS on the server's
// port, TCP reassembly, no warning). Several such DoH flows to one server share the 4-tuple;
// tshark tells them apart by their SYNs, with the note "A new tcp session is started with the same
// ports as an earlier session in this trace", which is harmless.
// An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is drawn as the IPv4 address: such a socket sends
// IPv4 packets. An IPv6 zone ("%eth0") is dropped: the packet has no place for it.
//
// Role: a writer. Ownership: owns its libpcap handles; the callback is called with the file's
// bytes in order, in chunks as a 64 KiB stdio buffer fills, never after finish() or from the
// destructor. An exception the callback throws comes out of the PcapExport call that caused the
// write. Thread-safety: one thread at a time.
#include <functional>
#include <memory>
#include <string_view>

#include "reports/exports/recorded_exchange.h"

namespace dnswitness {

class PcapExport {
 public:
  // Writes the pcap file header at once; every byte of the file goes through `write`, in order.
  // Throws std::runtime_error when libpcap or stdio cannot be set up.
  explicit PcapExport(std::function<void(std::string_view)> write);
  // Without finish(), the buffered tail is dropped, not written: the destructor may run while an
  // error unwinds, when `write` must not be called any more.
  ~PcapExport();
  PcapExport(const PcapExport&) = delete;
  PcapExport& operator=(const PcapExport&) = delete;

  // Adds the packets of one exchange. Returns false and writes nothing when the exchange cannot be
  // drawn: no server address; an address that is not an IP literal; local and server of different
  // families; a time before 1970 or after 2106 (pcap's 32-bit seconds); a response without a
  // received_at, or received before it was sent; a message too big for its transport (over
  // 65535 bytes on TCP, over one datagram on UDP). Throws when writing fails, and std::logic_error
  // after finish().
  bool add(const RecordedExchange& e);

  // Flushes everything to `write` and closes the file; call once at the end (later calls do nothing).
  void finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace dnswitness
