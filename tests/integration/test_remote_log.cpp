// RemoteLog over HTTP from a real nginx serving a published folder with the block of
// docs/public-log.md: the time search fetches only the entry bundles it probes (counted in nginx's
// access log), what it finds verifies against the signed root, a flipped byte in a served bundle or
// tile is refused naming its URL, and a warm cache leaves only the checkpoint to fetch.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "ledger/merkle.h"
#include "support/lab.h"
#include "support/nginx.h"
#include "support/timed_log.h"
#include "tlog/remote_log.h"

using namespace dnswitness;
using namespace dnswitness::test;
namespace fs = std::filesystem;

namespace {

// 5,104 leaves: 20 entry bundles, the last partial.
const std::vector<std::size_t> kServedRuns = {1000, 1500, 2000, 600};

// The request paths of nginx's access log ("<uri> <status> <bytes>" per line). nginx logs a request
// after its response is sent, so the last line may come a moment after the client has read it: with
// `at_least`, the log is read again (for up to 5 s) until it holds that many lines.
std::vector<std::string> served_paths(const NginxServer& nginx, std::size_t at_least = 0) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    std::vector<std::string> out;
    std::istringstream in(nginx.access_log());
    std::string uri, status, bytes;
    while (in >> uri >> status >> bytes) out.push_back(uri);
    if (out.size() >= at_least || std::chrono::steady_clock::now() > deadline) return out;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string served_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("a log served by nginx is searched by time fetching only the bundles probed, and verifies") {
  TempDir t;
  const TimedLog tl = make_timed_log(t.path(), kServedRuns);
  REQUIRE(tl.leaves.size() == 5104);
  NginxServer nginx(tl.folder);
  auto source = LogSource::open(nginx.url());
  auto log = RemoteLog::open(*source, parse_verifier_key(tl.verifier_key));
  REQUIRE(log->size() == tl.leaves.size());

  // Inside run 2: observation 700 is the first at or after its time.
  const std::int64_t at = tl.run_start[2] + 700 * kTimedLogStep;
  const std::uint64_t found = log->first_at_or_after(at);
  CHECK(found == tl.run_first[2] + 1 + 700);
  const auto paths = served_paths(nginx, log->stats().requests);
  std::set<std::string> bundles;
  for (const auto& p : paths) {
    CHECK_MESSAGE((p == "/checkpoint" || p.starts_with("/tile/")), p);
    if (p.starts_with("/tile/entries/")) CHECK_MESSAGE(bundles.insert(p).second, "fetched twice: " << p);
  }
  // A binary search over 20 bundles probes at most 5 of them, each fetched once.
  CHECK(bundles.size() == log->stats().bundles_read);
  CHECK(bundles.size() >= 3);
  CHECK(bundles.size() <= 5);
  CHECK(paths.size() == log->stats().requests);

  // What it found is the leaf, proved to the signed root.
  const auto window = log->entries(found, found + 10);
  for (std::uint64_t k = 0; k < window.size(); ++k) {
    CHECK(window[k] == tl.leaves[found + k]);
    CHECK(verify_inclusion(leaf_hash(as_bytes(window[k])), found + k, log->size(), log->inclusion_proof(found + k),
                           log->checkpoint().root));
  }
  CHECK(log->first_at_or_after(tl.run_start[0] - kTimedLogDay) == 0);
  CHECK(log->first_at_or_after(tl.run_start[3] - kTimedLogDay / 2) == tl.run_first[3]);
  CHECK(log->first_at_or_after(tl.run_start[3] + kTimedLogDay) == log->size());
}

TEST_CASE("a flipped byte in a bundle or tile served by nginx is refused naming its URL") {
  TempDir t;
  const TimedLog tl = make_timed_log(t.path(), kServedRuns);
  NginxServer nginx(tl.folder);
  for (const std::string name : {"tile/entries/007", "tile/0/007", "tile/0/019.p/240", "tile/entries/019.p/240"}) {
    const fs::path p = tl.folder / name;
    const std::string good = served_file(p);
    for (const std::size_t pos : {std::size_t{3}, good.size() / 2, good.size() - 1}) {
      std::string bad = good;
      bad[pos] = static_cast<char>(bad[pos] ^ 0x04);
      write_file(p, bad);
      try {
        auto source = LogSource::open(nginx.url());
        auto log = RemoteLog::open(*source, parse_verifier_key(tl.verifier_key));
        (void)log->entries(0, log->size());
        FAIL("not refused: " << name << " at " << pos);
      } catch (const RemoteLogError& e) {
        INFO(std::string(e.what()));
        CHECK(e.exit_code() == 4);
        CHECK_MESSAGE(std::string(e.what()).find(nginx.url() + "/" + name) != std::string::npos, name << " at " << pos);
      }
    }
    write_file(p, good);
  }
}

TEST_CASE("with a warm cache only the checkpoint is fetched from nginx") {
  TempDir t;
  const TimedLog tl = make_timed_log(t.path(), kServedRuns);
  NginxServer nginx(tl.folder);
  RemoteLogOptions options;
  options.cache_root = t.path() / "cache";
  const std::int64_t at = tl.run_start[1] + 3 * kTimedLogStep;
  std::uint64_t cold_bytes = 0;
  for (int pass = 0; pass < 2; ++pass) {
    nginx.clear_access_log();
    auto source = LogSource::open(nginx.url());
    auto log = RemoteLog::open(*source, parse_verifier_key(tl.verifier_key), options);
    const std::uint64_t found = log->first_at_or_after(at);
    CHECK(found == tl.run_first[1] + 1 + 3);
    (void)log->inclusion_proof(found);
    if (pass == 0) {
      cold_bytes = log->stats().bytes_fetched;
      CHECK(served_paths(nginx).size() > 3);
    } else {
      CHECK(served_paths(nginx) == std::vector<std::string>{"/checkpoint"});
      CHECK(log->stats().bytes_fetched < cold_bytes);
      CHECK(log->stats().cache_hits > 0);
    }
  }
}
