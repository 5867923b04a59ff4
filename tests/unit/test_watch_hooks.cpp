// OnChangeQueue (scheduler/watch_hooks.h): submit never blocks, a full queue drops and counts,
// timeouts are counted, and finish() kills what still runs within its grace time.
#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "scheduler/watch_hooks.h"

using namespace dnswitness;
using namespace std::chrono_literals;

TEST_CASE("OnChangeQueue: a full queue drops calls without blocking; finish kills hanging calls in bounded time") {
  OnChangeQueue q("sleep 100", 60s, 1, 2, {});
  const auto t0 = std::chrono::steady_clock::now();
  int accepted = 0;
  for (int i = 0; i < 10; ++i) accepted += q.submit("{}\n", "call " + std::to_string(i)) ? 1 : 0;
  CHECK(std::chrono::steady_clock::now() - t0 < 2s);  // never waits for a command
  CHECK(accepted >= 2);                               // two wait; one more if a worker took one already
  CHECK(accepted <= 3);
  CHECK(q.take_counts().dropped == static_cast<std::uint64_t>(10 - accepted));
  CHECK(q.take_counts().dropped == 0);  // counts are taken once

  const auto t1 = std::chrono::steady_clock::now();
  const auto stopped = q.finish(300ms);
  CHECK(std::chrono::steady_clock::now() - t1 < 10s);
  CHECK(stopped.killed + stopped.not_started == static_cast<std::uint64_t>(accepted));
  CHECK(stopped.killed == 1);
  CHECK_FALSE(q.submit("{}\n", "late"));  // finished: nothing more is taken
  CHECK(q.take_finished().empty());       // killed calls are reported by finish, not as finished
}

TEST_CASE("OnChangeQueue: each call gets the event on stdin; timeouts and failures are counted; results come back") {
  const auto dir = std::filesystem::temp_directory_path() / ("dnsw-hooks-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto out = (dir / "out").string();
  std::atomic<int> ended{0};
  {
    OnChangeQueue q("cat >> " + out, 10s, 4, 256, [&] { ++ended; });
    for (int i = 0; i < 8; ++i) CHECK(q.submit("line\n", "ok"));
    const auto stopped = q.finish(20s);  // waits for the queued calls
    CHECK(stopped.killed == 0);
    CHECK(stopped.not_started == 0);
    CHECK(ended == 8);
    CHECK(q.take_finished().size() == 8);
  }
  std::ifstream in(out);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string expected;
  for (int i = 0; i < 8; ++i) expected += "line\n";
  CHECK(all == expected);

  OnChangeQueue slow("sleep 100", 1s, 2, 256, {});
  CHECK(slow.submit("{}\n", "slow 1"));
  CHECK(slow.submit("{}\n", "slow 2"));
  OnChangeQueue failing("exit 3", 10s, 1, 256, {});
  CHECK(failing.submit("{}\n", "failing"));
  failing.finish(10s);
  CHECK(failing.take_counts().failed == 1);
  const auto f = failing.take_finished();
  REQUIRE(f.size() == 1);
  CHECK(f[0].description == "failing");
  CHECK(f[0].result.problem == "exited with status 3");
  slow.finish(10s);  // the two calls time out after 1 s each, in parallel
  const auto c = slow.take_counts();
  CHECK(c.timed_out == 2);
  CHECK(c.failed == 0);
  std::filesystem::remove_all(dir);
}
