#pragma once
// The facts a run gathers besides its DNS observations: the vantage (local interface addresses,
// the egress address seen by whoami services of the run's own resolver set) and the clock check
// (SNTP). Both go out on the snapshot's own io_context, concurrently with its DNS queries.
//
// Thread-safety: none; the loop's thread only. Ownership: destroy after io_context::run returns.
#include <boost/asio/io_context.hpp>
#include <optional>
#include <vector>

#include "clock/sntp.h"
#include "model/run_record.h"
#include "resolvers/whoami.h"

namespace dnswitness {

class RunFactsCollector {
 public:
  // `whoami` comes from plan_whoami(run's resolvers); `timeout_ms` bounds each whoami query.
  RunFactsCollector(boost::asio::io_context& io, NtpPlan ntp, std::vector<WhoamiQuery> whoami, int timeout_ms);

  // Reads the interface addresses now and starts the SNTP and whoami queries on the loop.
  void start();
  // Moves what was gathered into the run record; call after io_context::run has returned.
  void fill(RunRecord& run);
  // True once the clock check and every whoami query have ended (answered or failed).
  [[nodiscard]] bool done() const { return clock_done_ && whoami_done_; }

 private:
  SntpClient sntp_;
  WhoamiClient whoami_client_;
  std::vector<WhoamiQuery> whoami_;
  VantageFacts vantage_;
  std::optional<ClockFacts> clock_;
  bool clock_done_ = false;
  bool whoami_done_ = false;
};

}  // namespace dnswitness
