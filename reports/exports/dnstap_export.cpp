#include "reports/exports/dnstap_export.h"

#include <arpa/inet.h>
#include <fstrm.h>
#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

// Generated at build time by protoc-c from reports/exports/dnstap.proto.
#include "reports/exports/dnstap.pb-c.h"

namespace dnswitness {

// What the write callback needs; fstrm holds a pointer to it for the life of the writer.
struct DnstapOutput {
  std::function<void(std::string_view)> write;
  std::exception_ptr error;  // what `write` threw: fstrm can only be told "failure"
  bool discard = false;      // set while an unfinished export is torn down
};

namespace {

// The Frame Streams content type that dnstap readers check in the start frame.
constexpr std::string_view dnstap_content_type = "protobuf:dnstap.Dnstap";

constexpr std::int64_t dnstap_ns_per_second = 1'000'000'000;

// An IP address as dnstap carries it: raw octets in network order, 4 or 16 of them.
struct dnstap_Address {
  Dnstap__SocketFamily family = DNSTAP__SOCKET_FAMILY__INET;
  std::array<std::uint8_t, 16> octets{};
  std::size_t size = 0;
};

// Both ends of an exchange. `ours` is empty when the ledger did not record our end (DoH): dnstap
// readers then show no query address rather than a made-up one.
struct dnstap_Ends {
  dnstap_Address server;
  std::uint16_t server_port = 0;
  std::optional<dnstap_Address> ours;
  std::uint16_t our_port = 0;
};

// A time as dnstap splits it: seconds since 1970 and the nanoseconds within that second.
struct dnstap_Time {
  std::uint64_t sec = 0;
  std::uint32_t nsec = 0;
};

std::optional<dnstap_Address> dnstap_parse_address(const std::string& text) {
  dnstap_Address a;
  if (inet_pton(AF_INET, text.c_str(), a.octets.data()) == 1) {
    a.family = DNSTAP__SOCKET_FAMILY__INET;
    a.size = 4;
    return a;
  }
  if (inet_pton(AF_INET6, text.c_str(), a.octets.data()) == 1) {
    a.family = DNSTAP__SOCKET_FAMILY__INET6;
    a.size = 16;
    return a;
  }
  return std::nullopt;  // a host name, a scoped address ("fe80::1%eth0"), or nothing at all
}

std::optional<dnstap_Ends> dnstap_ends_of(const RecordedExchange& e) {
  dnstap_Ends ends;
  const auto server = dnstap_parse_address(e.server_address);
  if (!server) return std::nullopt;
  ends.server = *server;
  ends.server_port = e.server_port;
  if (e.local_address.empty()) return ends;
  // One socket_family covers both addresses, so both ends must be of the same family.
  const auto ours = dnstap_parse_address(e.local_address);
  if (!ours || ours->family != server->family) return std::nullopt;
  ends.ours = *ours;
  ends.our_port = e.local_port;
  return ends;
}

std::optional<dnstap_Time> dnstap_split_time(std::int64_t ns) {
  if (ns < 0) return std::nullopt;  // the seconds field is unsigned
  return dnstap_Time{static_cast<std::uint64_t>(ns / dnstap_ns_per_second),
                     static_cast<std::uint32_t>(ns % dnstap_ns_per_second)};
}

Dnstap__SocketProtocol dnstap_protocol_of(ExchangeTransport transport) {
  switch (transport) {
    case ExchangeTransport::udp:
      return DNSTAP__SOCKET_PROTOCOL__UDP;
    case ExchangeTransport::tcp:
      return DNSTAP__SOCKET_PROTOCOL__TCP;
    case ExchangeTransport::https:
      return DNSTAP__SOCKET_PROTOCOL__DOH;
    case ExchangeTransport::tls:
      return DNSTAP__SOCKET_PROTOCOL__DOT;
  }
  throw std::runtime_error("The exchange has a transport that dnstap export does not know.");
}

// protobuf-c takes non-const pointers for bytes fields but only reads them when packing.
ProtobufCBinaryData dnstap_bytes(const std::uint8_t* data, std::size_t size) {
  return ProtobufCBinaryData{size, const_cast<std::uint8_t*>(data)};
}

ProtobufCBinaryData dnstap_bytes(std::string_view text) {
  return dnstap_bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
}

// The fields both messages of an exchange share, set as kdig -E sets them: the query end is us, the
// response end the server, and a port goes with each address that is known. The message points into
// `ends`, which must outlive it.
Dnstap__Message dnstap_message(Dnstap__Message__Type type, Dnstap__SocketProtocol protocol,
                               const dnstap_Ends& ends) {
  Dnstap__Message m;
  dnstap__message__init(&m);
  m.type = type;
  m.has_socket_family = 1;
  m.socket_family = ends.server.family;
  m.has_socket_protocol = 1;
  m.socket_protocol = protocol;
  m.has_response_address = 1;
  m.response_address = dnstap_bytes(ends.server.octets.data(), ends.server.size);
  m.has_response_port = 1;
  m.response_port = ends.server_port;
  if (ends.ours) {
    m.has_query_address = 1;
    m.query_address = dnstap_bytes(ends.ours->octets.data(), ends.ours->size);
    m.has_query_port = 1;
    m.query_port = ends.our_port;
  }
  return m;
}

void dnstap_set_query_time(Dnstap__Message& m, dnstap_Time t) {
  m.has_query_time_sec = 1;
  m.query_time_sec = t.sec;
  m.has_query_time_nsec = 1;
  m.query_time_nsec = t.nsec;
}

void dnstap_set_response_time(Dnstap__Message& m, dnstap_Time t) {
  m.has_response_time_sec = 1;
  m.response_time_sec = t.sec;
  m.has_response_time_nsec = 1;
  m.response_time_nsec = t.nsec;
}

// TOOL_QUERY: our query at its send time.
Dnstap__Message dnstap_query_message(const Bytes& query, Dnstap__SocketProtocol protocol, const dnstap_Ends& ends,
                                     dnstap_Time sent) {
  Dnstap__Message m = dnstap_message(DNSTAP__MESSAGE__TYPE__TOOL_QUERY, protocol, ends);
  dnstap_set_query_time(m, sent);
  m.has_query_message = 1;
  m.query_message = dnstap_bytes(query.data(), query.size());
  return m;
}

// TOOL_RESPONSE: as kdig -E, the response message alone (the query is in the frame before) at its
// receive time. Unlike kdig, also the query's send time: kdig -G prints the round trip from the two
// times of a response message (for kdig's own files it prints 0.0 ms).
Dnstap__Message dnstap_response_message(const Bytes& response, Dnstap__SocketProtocol protocol,
                                        const dnstap_Ends& ends, dnstap_Time sent, dnstap_Time received) {
  Dnstap__Message m = dnstap_message(DNSTAP__MESSAGE__TYPE__TOOL_RESPONSE, protocol, ends);
  dnstap_set_query_time(m, sent);
  dnstap_set_response_time(m, received);
  m.has_response_message = 1;
  m.response_message = dnstap_bytes(response.data(), response.size());
  return m;
}

// One frame's payload: the message wrapped in the top-level Dnstap message, serialised.
Bytes dnstap_pack(Dnstap__Message& m, const std::string& identity, const std::string& version) {
  Dnstap__Dnstap d;
  dnstap__dnstap__init(&d);
  if (!identity.empty()) {
    d.has_identity = 1;
    d.identity = dnstap_bytes(identity);
  }
  if (!version.empty()) {
    d.has_version = 1;
    d.version = dnstap_bytes(version);
  }
  d.type = DNSTAP__DNSTAP__TYPE__MESSAGE;
  d.message = &m;
  Bytes out(dnstap__dnstap__get_packed_size(&d));
  if (dnstap__dnstap__pack(&d, out.data()) != out.size())
    throw std::runtime_error("A dnstap message could not be serialised.");
  return out;
}

// After fstrm reports failure: the exception `write` threw, as a sentence, else `what`.
[[noreturn]] void dnstap_fail(DnstapOutput& output, const std::string& what) {
  if (const std::exception_ptr error = std::exchange(output.error, nullptr)) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      throw std::runtime_error(what + ": " + e.what());
    }
  }
  throw std::runtime_error(what + ".");
}

void dnstap_check(fstrm_res res, DnstapOutput& output, const std::string& what) {
  if (res != fstrm_res_success) dnstap_fail(output, what);
}

// The fstrm_rdwr methods. The caller's `write` stands for an already open stream, so opening and
// closing have nothing to do; an exception must not cross fstrm's C frames, so it is kept for
// dnstap_fail.
fstrm_res dnstap_on_open(void*) { return fstrm_res_success; }

fstrm_res dnstap_on_close(void*) { return fstrm_res_success; }

fstrm_res dnstap_on_write(void* obj, const struct iovec* iov, int iovcnt) {
  auto& output = *static_cast<DnstapOutput*>(obj);
  if (output.discard) return fstrm_res_success;
  try {
    // fstrm hands over a frame as length prefix and payload apart; joined, the caller sees whole
    // frames (and the frames of one exchange) in one call.
    std::string joined;
    for (int i = 0; i < iovcnt; ++i) joined.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
    output.write(joined);
    return fstrm_res_success;
  } catch (...) {
    output.error = std::current_exception();
    return fstrm_res_failure;
  }
}

// The frames of one exchange, in one call to the write callback.
void dnstap_write_frames(fstrm_writer* writer, DnstapOutput& output, std::vector<Bytes>& frames) {
  std::vector<struct iovec> iov;
  for (Bytes& f : frames) iov.push_back({f.data(), f.size()});
  dnstap_check(fstrm_writer_writev(writer, iov.data(), static_cast<int>(iov.size())), output,
               "The dnstap messages of an exchange could not be written");
}

struct dnstap_OptionsFree {
  void operator()(fstrm_writer_options* p) const { fstrm_writer_options_destroy(&p); }
};

struct dnstap_WriterFree {
  void operator()(fstrm_writer* p) const { fstrm_writer_destroy(&p); }
};

// A uni-directional writer (no read method: a file, no handshake) whose bytes go to `output`.
std::unique_ptr<fstrm_writer, dnstap_WriterFree> dnstap_writer_to(DnstapOutput& output) {
  const std::unique_ptr<fstrm_writer_options, dnstap_OptionsFree> options(fstrm_writer_options_init());
  if (!options) throw std::runtime_error("The dnstap framing options could not be allocated.");
  dnstap_check(fstrm_writer_options_add_content_type(options.get(), dnstap_content_type.data(),
                                                     dnstap_content_type.size()),
               output, "The dnstap content type could not be set");
  fstrm_rdwr* rdwr = fstrm_rdwr_init(&output);
  if (rdwr == nullptr) throw std::runtime_error("The dnstap output could not be allocated.");
  fstrm_rdwr_set_open(rdwr, dnstap_on_open);
  fstrm_rdwr_set_close(rdwr, dnstap_on_close);
  fstrm_rdwr_set_write(rdwr, dnstap_on_write);
  // On success the writer takes rdwr over (and sets our pointer to null); on failure it is still ours.
  std::unique_ptr<fstrm_writer, dnstap_WriterFree> writer(fstrm_writer_init(options.get(), &rdwr));
  if (!writer) {
    fstrm_rdwr_destroy(&rdwr);
    throw std::runtime_error("The dnstap writer could not be created.");
  }
  return writer;
}

}  // namespace

DnstapExport::DnstapExport(std::function<void(std::string_view)> write, std::string identity, std::string version)
    : output_(std::make_unique<DnstapOutput>()), identity_(std::move(identity)), version_(std::move(version)) {
  if (!write) throw std::runtime_error("The dnstap export was given no write function.");
  output_->write = std::move(write);
  auto writer = dnstap_writer_to(*output_);
  dnstap_check(fstrm_writer_open(writer.get()), *output_, "The dnstap start frame could not be written");
  writer_ = writer.release();
}

DnstapExport::~DnstapExport() {
  // When finish() was not called, destroying the writer would write the stop frame through `write`,
  // whose target may already be gone; the abandoned output gets nothing more.
  output_->discard = true;
  fstrm_writer_destroy(&writer_);
}

bool DnstapExport::add(const RecordedExchange& e) {
  if (finished_) throw std::runtime_error("The dnstap file is already finished; no exchange can be added.");
  const auto ends = dnstap_ends_of(e);
  const auto sent = dnstap_split_time(e.sent_at_ns);
  // A response needs its receive time: without one, dnstap-read prints "????" and kdig -G the time
  // of reading, as if it were the time of receipt.
  const auto received = e.received_at_ns ? dnstap_split_time(*e.received_at_ns) : std::nullopt;
  if (!ends || !sent || (e.response && !received)) return false;
  const Dnstap__SocketProtocol protocol = dnstap_protocol_of(e.transport);

  std::vector<Bytes> frames;
  Dnstap__Message query = dnstap_query_message(e.query, protocol, *ends, *sent);
  frames.push_back(dnstap_pack(query, identity_, version_));
  if (e.response) {
    Dnstap__Message response = dnstap_response_message(*e.response, protocol, *ends, *sent, *received);
    frames.push_back(dnstap_pack(response, identity_, version_));
  }
  dnstap_write_frames(writer_, *output_, frames);
  return true;
}

void DnstapExport::finish() {
  if (finished_) throw std::runtime_error("The dnstap file was already finished.");
  finished_ = true;
  dnstap_check(fstrm_writer_close(writer_), *output_, "The dnstap stop frame could not be written");
}

}  // namespace dnswitness
