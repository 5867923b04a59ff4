#pragma once
// The clock check of a run: one SNTP query (RFC 4330) to each address of the configured NTP
// servers, on the run's own Boost.Asio loop, concurrently with its DNS queries. It only measures:
// the system clock is never stepped or slewed. The result (offset, delay, stratum, the raw 48-byte
// request and response) goes into the run record so an expert can see how right the clock was.
//
// Thread-safety: none; the client and its handlers run on the io_context's thread.
// Ownership: the client owns its sockets; destroy it only after io_context::run has returned.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "clock/ntp_state.h"
#include "model/vantage.h"

namespace dnswitness {

inline constexpr std::string_view kDefaultNtpServer = "ntp.nict.jp";
inline constexpr std::string_view kFallbackNtpServer = "ntp.jst.mfeed.ad.jp";

struct NtpServer {
  std::string text;  // as the user wrote it
  std::string host;  // name or numeric address, no brackets
  std::uint16_t port = 123;
};

// Parses HOST, HOST:PORT, an IPv6 address, or [IPv6]:PORT. Throws UsageError with a plain sentence.
NtpServer parse_ntp_server(std::string_view text);

struct NtpPlan {
  std::vector<NtpServer> servers;   // asked at once; empty = the clock is not checked
  std::vector<NtpServer> fallback;  // asked only when no address of `servers` answered
  int timeout_ms = 2000;            // per query; there is no retry (one query per server per run)
  std::filesystem::path state_file; // where the last query times live; empty = remembered in memory only
  bool enabled() const { return !servers.empty(); }
};

// From the setting: absent = the defaults (ntp.nict.jp, falling back to ntp.jst.mfeed.ad.jp);
// ["none"] or an empty list = no clock check; otherwise exactly the servers given, no fallback.
NtpPlan make_ntp_plan(const std::optional<std::vector<std::string>>& setting);

// ---- the packet (pure) ----

// NTP 32.32 fixed-point timestamp (seconds since 1900) of a UTC instant, era 0/1 by wrapping.
std::uint64_t ntp_timestamp(UtcTime t);
// 48 bytes: LI 0, version 4, mode 3 (client), transmit timestamp = t1, everything else zero.
Bytes build_sntp_request(UtcTime t1);
// Checks `response` against `request` (mode 4, our transmit time echoed as originate, a transmit
// time present) and fills outcome, stratum, leap, version, reference_id, offset_ns and delay_ns,
// with T4 = T1 + elapsed_ns (the steady clock's round trip, so a clock step mid-query cannot
// distort the figures). Never reads outside `response`.
void read_sntp_response(ByteView response, ByteView request, std::int64_t elapsed_ns, SntpResult& out);

// ---- the client ----

class SntpClient {
 public:
  using Done = std::function<void(ClockFacts&&)>;

  SntpClient(boost::asio::io_context& io, NtpPlan plan);
  ~SntpClient();
  SntpClient(const SntpClient&) = delete;
  SntpClient& operator=(const SntpClient&) = delete;

  // Starts the queries; `done` runs once on the loop when every one has finished (at once, from
  // the loop, when the plan is disabled).
  void start(Done done);

 private:
  struct Query;
  void start_round(const std::vector<NtpServer>& servers);
  void send_to(const NtpServer& server, const boost::asio::ip::udp::endpoint& endpoint);
  void finish_one();

  boost::asio::io_context& io_;
  NtpPlan plan_;
  NtpRateLimit limit_;
  boost::asio::ip::udp::resolver resolver_;
  Done done_;
  ClockFacts facts_;
  std::vector<std::unique_ptr<Query>> queries_;
  std::size_t harvested_ = 0;  // queries whose results are in facts_
  std::size_t pending_ = 0;
  bool in_fallback_ = false;
};

}  // namespace dnswitness
