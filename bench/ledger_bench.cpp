// ledger_bench: appends synthetic but realistic runs to a ledger through the store API (the same
// make_run_leaves + append_run path resolve-snapshot uses), and reports the rate.
//
//   ledger_bench append FOLDER OBSERVATIONS [RUN_SIZE [ORIGIN]]
//
// Observations imitate an hourly snapshot of the X preset: 13 domains x {A, AAAA} x 4 resolvers,
// with 1-4 addresses, a 33-byte query and a response of the matching size, one exchange each.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "ledger/leaves.h"
#include "ledger/store.h"

using namespace dnswitness;

namespace {

const std::vector<std::string> kDomains = {"twitter.com",     "x.com",          "t.co",           "api.twitter.com",
                                           "api.x.com",       "mobile.twitter.com", "mobile.x.com", "www.twitter.com",
                                           "www.x.com",       "abs.twimg.com",  "pbs.twimg.com",  "video.twimg.com",
                                           "upload.twitter.com"};
const std::vector<std::string> kResolvers = {"system", "google", "cloudflare", "quad9"};

Observation make_observation(std::size_t i, std::int64_t t, std::uint64_t run) {
  Observation o;
  const std::size_t d = (i / 8) % kDomains.size();
  o.qname = kDomains[d];
  o.qtype = (i / 4) % 2 == 0 ? 1 : 28;
  o.resolver = ResolverSpec{kResolvers[i % 4], Protocol::udp, fmt::format("192.0.2.{}", i % 4 + 1), 53, {}};
  o.sent_at = UtcTime{t};
  o.rtt_us = static_cast<std::int64_t>(3000 + (i * 7919) % 20000);
  o.transport = Transport::udp;
  o.outcome = Outcome::answer;
  o.rcode = 0;
  o.flags = {"qr", "rd", "ra"};
  const std::size_t n = 1 + (d + run / 24) % 4;  // the address set changes now and then
  for (std::size_t k = 0; k < n; ++k) {
    const std::string a = o.qtype == 1 ? fmt::format("104.244.42.{}", (d * 16 + k * 64 + run / 168) % 250 + 1)
                                       : fmt::format("2606:1f80:f000::{:x}", d * 16 + k + 1);
    o.addresses.push_back(a);
    o.answers.push_back({o.qname + ".", o.qtype == 1 ? "A" : "AAAA", 300, a});
  }
  std::sort(o.addresses.begin(), o.addresses.end());
  o.query_wire = Bytes(33 + o.qname.size(), static_cast<std::uint8_t>(i));
  o.response_wire = Bytes(o.query_wire.size() + n * (o.qtype == 1 ? 16 : 28) + 11, static_cast<std::uint8_t>(i + 7));
  Exchange e;
  e.query_id = static_cast<std::uint16_t>(i * 40503U);
  e.sent_at = o.sent_at;
  e.rtt_us = o.rtt_us;
  e.result = "response";
  e.query_wire = o.query_wire;
  e.response_wire = o.response_wire;
  e.local_address = fmt::format("10.0.0.2:{}", 20000 + i % 30000);
  o.exchanges.push_back(std::move(e));
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || std::string(argv[1]) != "append") {
    std::cerr << "usage: ledger_bench append FOLDER OBSERVATIONS [RUN_SIZE [ORIGIN]]\n";
    return 2;
  }
  const LedgerPaths paths{argv[2]};
  const std::uint64_t total = std::strtoull(argv[3], nullptr, 10);
  const std::uint64_t run_size = argc > 4 ? std::strtoull(argv[4], nullptr, 10) : 1000;
  try {
    // A new ledger's origin (a fleet benchmark makes several probes, each its own log).
    LedgerStore store(paths, LedgerStore::Mode::read_write, argc > 5 ? argv[5] : "bench.example/ledger");
    bool created = false;
    const auto key = store.load_or_create_key(&created);
    const std::uint64_t start_size = store.size();
    const std::uint64_t first_run = store.checkpoints().size();
    const std::int64_t t0 = 1'700'000'000'000'000'000;
    double build_s = 0, append_s = 0;
    std::uint64_t done = 0, runs = 0, fast = 0, mismatched_runs = 0;
    while (done < total) {
      const std::uint64_t n = std::min(run_size, total - done);
      const std::uint64_t run_no = first_run + runs;
      // Synthesizing the Observation structs stands in for DNS and is not timed.
      RunRecord run;
      run.run_id = new_run_id();
      run.started_at = UtcTime{t0 + static_cast<std::int64_t>(run_no) * 3'600'000'000'000};
      run.finished_at = UtcTime{run.started_at.ns + 900'000'000};
      run.tool_version = "0.1.0";
      run.tool_commit = "bench";
      run.hostname = "bench";
      run.os = "Linux";
      run.domains = kDomains;
      run.types = {"A", "AAAA"};
      run.observation_count = n;
      std::vector<Observation> observations;
      observations.reserve(n);
      for (std::uint64_t i = 0; i < n; ++i)
        observations.push_back(make_observation(i, run.started_at.ns + static_cast<std::int64_t>(i) * 100'000, run_no));
      const auto a = std::chrono::steady_clock::now();
      const RunLeaves leaves = make_run_leaves(run, observations);
      const auto b = std::chrono::steady_clock::now();
      fast += leaves.written_fast;
      if (leaves.writer_mismatch) ++mismatched_runs;
      store.append_run(leaves, key);
      const auto c = std::chrono::steady_clock::now();
      build_s += std::chrono::duration<double>(b - a).count();
      append_s += std::chrono::duration<double>(c - b).count();
      done += n;
      ++runs;
      if (runs % 500 == 0) std::cerr << fmt::format("  {} observations...\n", done);
    }
    const double all = build_s + append_s;
    std::cout << fmt::format(
        "appended {} observations in {} runs of {} (+1 run leaf each) to a ledger of {} leaves\n"
        "  leaves built (make_run_leaves: {} by the fixed-order writer, {} runs where it disagreed with "
        "nlohmann): {:.2f} s\n"
        "  stored (hash, insert leaves + index rows, sign, commit): {:.2f} s\n"
        "  total {:.2f} s = {:.0f} observations/s\n",
        done, runs, run_size, start_size, fast, mismatched_runs, build_s, append_s, all, static_cast<double>(done) / all);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "ledger_bench: " << e.what() << '\n';
    return 1;
  }
}
