#pragma once
// Whoami queries: one question to a public resolver service that answers with the address it saw
// the question come from (the run's egress address), sent on the run's Boost.Asio loop over UDP.
// Which services are asked is decided elsewhere (plan_whoami in model/vantage.h: only services
// that are in the run's own resolver set); this only sends, waits once, and keeps the raw bytes.
//
// Thread-safety: none; use from the io_context's thread.
// Ownership: owns its sockets; destroy it only after io_context::run has returned.
#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <vector>

#include "model/observation.h"
#include "model/vantage.h"

namespace dnswitness {

class WhoamiClient {
 public:
  using Done = std::function<void(std::vector<WhoamiResult>&&)>;

  WhoamiClient(boost::asio::io_context& io, int timeout_ms);
  ~WhoamiClient();
  WhoamiClient(const WhoamiClient&) = delete;
  WhoamiClient& operator=(const WhoamiClient&) = delete;

  // Sends every query at once; `done` runs once on the loop with the results in query order
  // (at once, from the loop, when there are none).
  void start(std::vector<WhoamiQuery> queries, Done done);

 private:
  struct Pending;
  void finish_one();

  boost::asio::io_context& io_;
  int timeout_ms_;
  std::vector<std::unique_ptr<Pending>> pending_;
  std::size_t open_ = 0;
  Done done_;
};

// The IP addresses in answer data (A, AAAA, or TXT strings such as "203.0.113.7"), sorted.
std::vector<std::string> egress_addresses(const std::vector<ResourceRecord>& answers);

}  // namespace dnswitness
