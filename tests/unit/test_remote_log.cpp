// RemoteLog over a published folder (tlog/remote_log.h): a log of realistic run and observation
// leaves spread over days opens with its key and not with another; the time search agrees with a
// scan of every leaf; entries and proofs verify against the signed root; a flipped byte in any bundle
// or tile is refused naming the file; the cache serves a second open and a damaged cached file is
// fetched again.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "ledger/merkle.h"
#include "support/lab.h"
#include "support/timed_log.h"
#include "tlog/leaf_time.h"
#include "tlog/remote_log.h"

using namespace dnswitness;
using namespace dnswitness::test;
namespace fs = std::filesystem;

namespace {

const std::vector<std::size_t> kRemoteRuns = {40, 300, 5, 700, 120, 2};  // 1,173 leaves: 5 bundles

std::string file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void put_bytes(const fs::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << s;
}

// The index the search must find, by scanning every leaf's time.
std::uint64_t scan_first_at_or_after(const std::vector<std::string>& leaves, std::int64_t t) {
  std::optional<std::int64_t> current;
  for (std::uint64_t i = 0; i < leaves.size(); ++i) {
    if (auto own = leaf_own_time_ns(leaves[i])) current = own;
    if (current && *current >= t) return i;
  }
  return leaves.size();
}

// Opens the log and reads all of it (entries and each leaf's proof), as a report would.
void read_everything(const fs::path& folder, const std::string& key, const RemoteLogOptions& options = {}) {
  auto source = LogSource::open(folder.string());
  auto log = RemoteLog::open(*source, parse_verifier_key(key), options);
  (void)log->entries(0, log->size());
  for (std::uint64_t i = 0; i < log->size(); i += 97) (void)log->inclusion_proof(i);
}

}  // namespace

TEST_CASE("a remote log opens with its key, finds leaves by time and proves them to the signed root") {
  TempDir t;
  const TimedLog tl = make_timed_log(t.path(), kRemoteRuns);
  auto source = LogSource::open(tl.folder.string());
  auto log = RemoteLog::open(*source, parse_verifier_key(tl.verifier_key));
  REQUIRE(log->size() == tl.leaves.size());
  CHECK(log->checkpoint().root == tl.checkpoints.back().root);
  CHECK(log->checkpoint().origin == tl.origin);

  // Before the first leaf, between runs, inside a run, after the last.
  CHECK(log->first_at_or_after(kTimedLogStart - kTimedLogDay) == 0);
  CHECK(log->first_at_or_after(kTimedLogStart) == 0);
  for (std::size_t k = 1; k < tl.run_start.size(); ++k)
    CHECK(log->first_at_or_after(tl.run_start[k] - kTimedLogDay / 2) == tl.run_first[k]);
  CHECK(log->first_at_or_after(tl.run_start[3] + 5 * kTimedLogStep + 1) == tl.run_first[3] + 1 + 6);
  CHECK(log->first_at_or_after(tl.run_start[1] + 299 * kTimedLogStep) == tl.run_first[1] + 300);
  CHECK(log->first_at_or_after(tl.run_start.back() + kTimedLogDay) == log->size());
  // Everywhere else, the scan of every leaf agrees.
  for (std::size_t k = 0; k < tl.run_start.size(); ++k)
    for (const std::int64_t d : {-1LL, 0LL, 1LL, 1'000'000LL, 39'000'001LL, 400'000'000LL})
      CHECK(log->first_at_or_after(tl.run_start[k] + d) == scan_first_at_or_after(tl.leaves, tl.run_start[k] + d));
  CHECK(log->time_of(tl.run_first[2]) == tl.run_start[2]);

  // Entries are the leaves; every proof verifies against the signed root.
  CHECK(log->entries(0, log->size()) == tl.leaves);
  CHECK(log->entries(250, 530) == std::vector<std::string>(tl.leaves.begin() + 250, tl.leaves.begin() + 530));
  CHECK(log->entries(7, 7).empty());
  for (std::uint64_t i = 0; i < log->size(); ++i) {
    const auto proof = log->inclusion_proof(i);
    REQUIRE_MESSAGE(verify_inclusion(leaf_hash(as_bytes(tl.leaves[i])), i, log->size(), proof, log->checkpoint().root),
                    "leaf " << i);
  }
  for (const auto& cp : tl.checkpoints) {
    CHECK(verify_consistency(cp.size, log->size(), cp.root, log->checkpoint().root, log->consistency_proof(cp.size)));
    CHECK(log->root_at(cp.size) == cp.root);
  }
  try {
    (void)log->entries(0, log->size() + 1);
    FAIL("no error");
  } catch (const RemoteLogError& e) {
    CHECK(e.exit_code() == 2);
  }
  CHECK_THROWS_AS((void)log->consistency_proof(0), RemoteLogError);
}

TEST_CASE("a remote log signed by another key, or with a damaged checkpoint, is refused with exit 4") {
  TempDir t;
  const TimedLog tl = make_timed_log(t.path(), {3, 2});
  auto source = LogSource::open(tl.folder.string());
  const auto other = Ed25519PrivateKey::generate();
  for (const auto& key : {make_note_verifier(tl.origin, other.public_key()),
                          make_note_verifier("example.jp/another-log", parse_verifier_key(tl.verifier_key).key)}) {
    try {
      (void)RemoteLog::open(*source, key);
      FAIL("opened with the wrong key");
    } catch (const RemoteLogError& e) {
      CHECK(e.exit_code() == 4);
      CHECK(std::string(e.what()).find((tl.folder / "checkpoint").string()) != std::string::npos);
    }
  }
  const std::string note = file_bytes(tl.folder / "checkpoint");
  for (const std::size_t pos : {std::size_t{0}, tl.origin.size() + 1, note.size() - 5}) {
    std::string bad = note;
    bad[pos] = static_cast<char>(bad[pos] ^ 0x01);
    put_bytes(tl.folder / "checkpoint", bad);
    try {
      (void)RemoteLog::open(*source, parse_verifier_key(tl.verifier_key));
      FAIL("opened a damaged checkpoint at " << pos);
    } catch (const RemoteLogError& e) {
      CHECK(e.exit_code() == 4);
    }
  }
  fs::remove(tl.folder / "checkpoint");
  try {
    (void)RemoteLog::open(*source, parse_verifier_key(tl.verifier_key));
    FAIL("opened a log without checkpoint");
  } catch (const RemoteLogError& e) {
    CHECK(e.exit_code() == 1);
  }
}

TEST_CASE("a flipped byte in any entry bundle or hash tile of a remote log is refused, naming the file") {
  TempDir t;
  const TimedLog tl = make_timed_log(t.path(), kRemoteRuns);
  read_everything(tl.folder, tl.verifier_key);  // untouched: fine
  const std::vector<std::string> files = {"tile/entries/000", "tile/entries/003", "tile/entries/004.p/149",
                                          "tile/0/000", "tile/0/002", "tile/0/004.p/149", "tile/1/000.p/4"};
  for (const auto& name : files) {
    const fs::path p = tl.folder / name;
    REQUIRE_MESSAGE(fs::exists(p), name);
    const std::string good = file_bytes(p);
    for (const std::size_t pos : {std::size_t{0}, std::size_t{1}, good.size() / 3, good.size() / 2, good.size() - 1}) {
      std::string bad = good;
      bad[pos] = static_cast<char>(bad[pos] ^ 0x20);
      put_bytes(p, bad);
      try {
        read_everything(tl.folder, tl.verifier_key);
        FAIL("not refused: " << name << " at " << pos);
      } catch (const RemoteLogError& e) {
        INFO(std::string(e.what()));
        CHECK(e.exit_code() == 4);
        CHECK_MESSAGE(std::string(e.what()).find(p.string()) != std::string::npos, name << " at " << pos);
      }
    }
    put_bytes(p, good);
  }
  read_everything(tl.folder, tl.verifier_key);
}

TEST_CASE("the tile cache serves a second open, and a damaged cached file is fetched again") {
  TempDir t;
  const TimedLog tl = make_timed_log(t.path(), kRemoteRuns);
  const fs::path cache_root = t.path() / "cache";
  RemoteLogOptions options;
  options.cache_root = cache_root;
  const auto read_all = [&](RemoteLogStats* stats) {
    auto source = LogSource::open(tl.folder.string());
    auto log = RemoteLog::open(*source, parse_verifier_key(tl.verifier_key), options);
    CHECK(log->entries(0, log->size()) == tl.leaves);
    for (std::uint64_t i = 0; i < log->size(); i += 50)
      CHECK(verify_inclusion(leaf_hash(as_bytes(tl.leaves[i])), i, log->size(), log->inclusion_proof(i),
                             log->checkpoint().root));
    *stats = log->stats();
  };
  RemoteLogStats cold, warm, healed;
  read_all(&cold);
  CHECK(cold.cache_hits == 0);
  const fs::path folder = cache_root / TileCache(cache_root, tl.origin).folder().filename();
  CHECK(fs::exists(folder / "tile/0/000"));
  CHECK(fs::exists(folder / "tile/entries/004.p/149"));
  CHECK(!fs::exists(folder / "checkpoint"));
  read_all(&warm);
  CHECK(warm.requests == 1);  // the checkpoint, never cached
  CHECK(warm.bytes_fetched < cold.bytes_fetched / 10);
  CHECK(warm.cache_hits > 0);
  CHECK(warm.cache_rejected == 0);

  // Damaged cached files: a full tile, a partial tile (checked with the root) and a bundle.
  for (const std::string name : {"tile/0/001", "tile/1/000.p/4", "tile/entries/002"}) {
    std::string bytes = file_bytes(folder / name);
    bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x01);
    put_bytes(folder / name, bytes);
  }
  read_all(&healed);
  CHECK(healed.cache_rejected >= 3);
  CHECK(healed.requests >= 4);
  for (const std::string name : {"tile/0/001", "tile/1/000.p/4", "tile/entries/002"})
    CHECK_MESSAGE(file_bytes(folder / name) == file_bytes(tl.folder / name), name);
}

TEST_CASE("with overlapping runs the time search finds a boundary, and widening by the slack misses nothing") {
  TempDir t;
  // Run 2 started 30 minutes before run 1 but finished after it, so it was appended after it.
  const std::int64_t day2 = kTimedLogStart + 2 * kTimedLogDay, minute = 60'000'000'000;
  const TimedLog tl = make_timed_log(t.path(), {300, 400, 500, 200}, "example.jp/dnswitness/overlap",
                                     {kTimedLogStart, day2, day2 - 30 * minute, day2 + kTimedLogDay});
  auto source = LogSource::open(tl.folder.string());
  auto log = RemoteLog::open(*source, parse_verifier_key(tl.verifier_key));
  std::vector<std::int64_t> times;  // each leaf's own time (every leaf here has one)
  for (const auto& leaf : tl.leaves) times.push_back(*leaf_own_time_ns(leaf));
  for (const std::int64_t x : std::vector<std::int64_t>{day2 - 40 * minute, day2 - 30 * minute, day2 - 1, day2,
                                                        day2 + 100 * kTimedLogStep, day2 + 450 * kTimedLogStep}) {
    // The answer is a boundary: the leaf it names is at or after x.
    const std::uint64_t b = log->first_at_or_after(x);
    REQUIRE(b < log->size());
    CHECK(times[b] >= x);
    // Searching from x minus the slack, no leaf at or after x comes before the answer.
    const std::uint64_t widened = log->first_at_or_after(x - kTimeSearchSlackNs);
    for (std::uint64_t i = 0; i < widened; ++i) REQUIRE_MESSAGE(times[i] < x, "leaf " << i << " for " << x);
  }
}

TEST_CASE("a leaf's time: a run's started_at, an observation's sent_at, nothing for events and other bytes") {
  CHECK(leaf_own_time_ns(R"({"kind":"run","started_at":"2026-11-28T14:30:12.500000000Z"})") ==
        parse_rfc3339("2026-11-28T14:30:12.500000000Z")->ns);
  CHECK(leaf_own_time_ns(R"({"kind":"observation","sent_at":"1970-01-01T00:00:01.000000002Z"})") == 1'000'000'002);
  // An event has no time of its own, even one that carries a started_at (delayed_run).
  CHECK(!leaf_own_time_ns(R"({"event":"delayed_run","kind":"event","started_at":"2026-11-28T14:30:12.500000000Z"})"));
  CHECK(!leaf_own_time_ns(R"({"kind":"observation","sent_at":"yesterday"})"));
  CHECK(!leaf_own_time_ns(R"({"leaf":3})"));
  CHECK(!leaf_own_time_ns("not json"));
}

TEST_CASE("the time search guesses where leaves come at a steady pace, and finds the scan's answer where they do not") {
  TempDir t;
  // Steady: a run of 200 a day for 30 days (24 bundles). Then the same days with runs of very
  // different sizes, so that guesses by time land far off.
  std::vector<std::size_t> steady(30, 200), uneven;
  for (std::size_t k = 0; k < 30; ++k) uneven.push_back(k % 7 == 3 ? 900 : k % 5 == 1 ? 1 : 40);
  for (const auto* sizes : {&steady, &uneven}) {
    CAPTURE(sizes == &steady ? "steady" : "uneven");
    const fs::path dir = t.path() / (sizes == &steady ? "steady" : "uneven");
    fs::create_directories(dir);
    const TimedLog tl = make_timed_log(dir, *sizes);
    auto source = LogSource::open(tl.folder.string());
    auto log = RemoteLog::open(*source, parse_verifier_key(tl.verifier_key));
    for (std::size_t k = 0; k < tl.run_start.size(); ++k)
      for (const std::int64_t d :
           std::vector<std::int64_t>{-kTimedLogDay / 3, -1, 0, 7 * kTimedLogStep + 1, kTimedLogDay / 2})
        REQUIRE(log->first_at_or_after(tl.run_start[k] + d) == scan_first_at_or_after(tl.leaves, tl.run_start[k] + d));
    if (sizes == &steady) {
      // A time between bundles already read costs two or three reads; halving the 19 bundles
      // between would take five.
      auto fresh = RemoteLog::open(*source, parse_verifier_key(tl.verifier_key));
      (void)fresh->first_at_or_after(tl.run_start[3] + 10 * kTimedLogStep);
      (void)fresh->first_at_or_after(tl.run_start[27] + 10 * kTimedLogStep);
      const std::uint64_t before = fresh->stats().bundles_read;
      CHECK(fresh->first_at_or_after(tl.run_start[15] + 150 * kTimedLogStep) == tl.run_first[15] + 1 + 150);
      CHECK(fresh->stats().bundles_read - before <= 3);
    }
  }
}
