#include "scheduler/run_facts.h"

#include "vantage/interfaces.h"

namespace dnswitness {

RunFactsCollector::RunFactsCollector(boost::asio::io_context& io, NtpPlan ntp, std::vector<WhoamiQuery> whoami,
                                     int timeout_ms)
    : sntp_(io, std::move(ntp)), whoami_client_(io, timeout_ms), whoami_(std::move(whoami)) {}

void RunFactsCollector::start() {
  vantage_.interfaces = local_interface_addresses();
  sntp_.start([this](ClockFacts&& facts) {
    clock_ = std::move(facts);
    clock_done_ = true;
  });
  whoami_client_.start(std::move(whoami_), [this](std::vector<WhoamiResult>&& r) {
    vantage_.whoami = std::move(r);
    whoami_done_ = true;
  });
}

void RunFactsCollector::fill(RunRecord& run) {
  run.vantage = std::move(vantage_);
  run.clock = std::move(clock_);
}

}  // namespace dnswitness
