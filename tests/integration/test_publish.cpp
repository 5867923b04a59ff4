// `dnswitness publish` and `watch --publish` on real ledgers: the folder is a complete tiled log
// (c2sp.org/tlog-tiles) whose tiles rehash to the signed checkpoint; incremental publishes write
// only new tiles and equal a publish from scratch; kill -9 at 20 moments never leaves a folder that
// fails to verify; forks, rolled-back ledgers, edited files, another log's folder and a second
// publisher are refused without replacing anything.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>

#include "ledger/signed_note.h"
#include "support/lab.h"
#include "support/nginx.h"
#include "support/published_log.h"

using namespace dnswitness;
using namespace dnswitness::test;
namespace fs = std::filesystem;

namespace {

std::string verifier_key_of(const fs::path& ledger) {
  LedgerStore store(LedgerPaths{ledger}, LedgerStore::Mode::read_only);
  return format_verifier_key(store.origin(), *store.bound_public_key());
}

CommandResult publish(const fs::path& ledger, const fs::path& to, const std::string& env = "") {
  return run_command(env + " " + DNSWITNESS_BINARY + " publish --ledger " + ledger.string() + " --to " + to.string());
}

// Every file below `dir` but temporary files and the lock, with its bytes.
std::map<std::string, std::string> files_of(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    const std::string name = e.path().filename().string();
    if (name.starts_with(".")) continue;  // the lock, temporary files, a mirror's state
    out[fs::relative(e.path(), dir).string()] = read_file(e.path());
  }
  return out;
}

}  // namespace

TEST_CASE("publish writes a complete tiled log, and incremental publishes equal one from scratch") {
  TempDir t;
  const fs::path ledger = t.path() / "ledger", pub = t.path() / "pub", once = t.path() / "once";
  // Sizes that cross a full tile, a full level-1 tile (65,536 leaves: a level-2 tile) and leave
  // partial tiles at every level.
  const std::vector<std::uint64_t> runs = {21, 300, 65000, 400, 22};
  std::uint64_t size = 0;
  for (const auto n : runs) {
    size = append_small_run(ledger, n);
    const auto r = publish(ledger, pub);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("at size " + std::to_string(size)) != std::string::npos);
    std::uint64_t published = 0;
    CHECK(published_folder_problem(pub, verifier_key_of(ledger), &published) == std::nullopt);
    CHECK(published == size);
  }
  CHECK(size == 65748);
  CHECK(fs::exists(pub / "tile/2/000.p/1"));
  CHECK(fs::exists(pub / "tile/0/255"));
  CHECK(fs::exists(pub / "tile/1/000"));

  // Nothing new: nothing written, exit 0.
  const auto again = publish(ledger, pub);
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("nothing new to publish") != std::string::npos);

  // From scratch: every file the final size names is byte-identical; the incremental folder has in
  // addition the partial tiles of the earlier sizes (which proofs against old checkpoints use).
  REQUIRE(publish(ledger, once).exit_code == 0);
  const auto a = files_of(pub), b = files_of(once);
  for (const auto& [name, bytes] : b) {
    INFO(name);
    REQUIRE(a.count(name) == 1);
    CHECK(a.at(name) == bytes);
  }
  CHECK(a.size() > b.size());
  // log.json names the origin and the verifier key.
  const std::string log_json = read_file(pub / "log.json");
  CHECK(log_json.find("\"verifier_key\": \"" + verifier_key_of(ledger) + "\"") != std::string::npos);
  CHECK(log_json.find("\"origin\": \"example.jp/dnswitness/publish-test\"") != std::string::npos);
}

TEST_CASE("kill -9 at 20 moments of a publish: the folder always verifies, and the next publish completes it") {
  TempDir t;
  const fs::path ledger = t.path() / "ledger", base = t.path() / "base";
  append_small_run(ledger, 299);
  REQUIRE(publish(ledger, base).exit_code == 0);
  const std::string vkey = verifier_key_of(ledger);
  const std::uint64_t grown = append_small_run(ledger, 1800);  // 6 more bundles and level-0 tiles
  int killed = 0;
  for (int moment = 1; moment <= 20; ++moment) {
    CAPTURE(moment);
    const fs::path dir = t.path() / ("k" + std::to_string(moment));
    fs::copy(base, dir, fs::copy_options::recursive);
    const auto r = publish(ledger, dir, "DNSWITNESS_TEST_PUBLISH_KILL_AT=" + std::to_string(moment));
    CHECK(r.exit_code == 128 + SIGKILL);
    if (r.exit_code == 128 + SIGKILL) ++killed;
    std::uint64_t size = 0;
    CHECK(published_folder_problem(dir, vkey, &size) == std::nullopt);
    CHECK((size == 300 || size == grown));
    const auto resumed = publish(ledger, dir);
    INFO(resumed.err);
    CHECK(resumed.exit_code == 0);
    // The killed publish's temporary files are gone from the folders the next one wrote to.
    for (const auto& e : fs::recursive_directory_iterator(dir))
      CHECK_MESSAGE(e.path().filename().string().find(".tmp-") == std::string::npos, e.path());
    CHECK(published_folder_problem(dir, vkey, &size) == std::nullopt);
    CHECK(size == grown);
  }
  CHECK(killed == 20);
}

TEST_CASE("a folder this ledger does not extend is refused and nothing in it is replaced") {
  TempDir t;
  const fs::path ledger = t.path() / "ledger", pub = t.path() / "pub";
  append_small_run(ledger, 600);
  REQUIRE(publish(ledger, pub).exit_code == 0);
  append_small_run(ledger, 10);

  SUBCASE("an edited tile published earlier") {
    // The open tiles of the published size are read back from the folder only after they lead to
    // the ledger's root at that size.
    std::string tile = read_file(pub / "tile/1/000.p/2");
    tile[40] ^= 0x01;
    write_file(pub / "tile/1/000.p/2", tile);
    const auto before_checkpoint = read_file(pub / "checkpoint");
    const auto r = publish(ledger, pub);
    CHECK(r.exit_code == 4);
    CHECK_MESSAGE(r.err.find("The published tiles of size 601 in " + pub.string() + " do not match the checkpoint") !=
                      std::string::npos,
                  r.err);
    CHECK(read_file(pub / "checkpoint") == before_checkpoint);
  }
  SUBCASE("a full entry bundle with other bytes") {
    std::string bundle = read_file(pub / "tile/entries/001");
    bundle[7] ^= 0x20;
    write_file(pub / "tile/entries/001", bundle);
    // Republishing from scratch into the same folder meets the edited bundle.
    fs::remove(pub / "checkpoint");
    const auto before = files_of(pub);
    const auto r = publish(ledger, pub);
    CHECK(r.exit_code == 4);
    CHECK(r.err.find("tile/entries/001 already exists with other bytes") != std::string::npos);
    CHECK(files_of(pub) == before);
  }
  SUBCASE("a checkpoint of another tree under the same origin and key name") {
    const fs::path other = t.path() / "other";
    append_small_run(other, 700);
    const auto before_checkpoint = read_file(pub / "checkpoint");
    const fs::path pub2 = t.path() / "pub2";
    REQUIRE(publish(other, pub2).exit_code == 0);
    fs::copy_file(pub2 / "checkpoint", pub / "checkpoint", fs::copy_options::overwrite_existing);
    const auto before = files_of(pub);
    const auto r = publish(ledger, pub);
    CHECK(r.exit_code == 4);
    CHECK(r.err.find("is not a checkpoint signed by this ledger's key") != std::string::npos);
    CHECK(files_of(pub) == before);
  }
  SUBCASE("a ledger rolled back behind what it published") {
    const fs::path backup = t.path() / "backup";
    fs::copy(ledger, backup, fs::copy_options::recursive);  // no writer runs: a plain copy is consistent
    append_small_run(ledger, 5);
    REQUIRE(publish(ledger, pub).exit_code == 0);
    const auto before = files_of(pub);
    const auto r = publish(backup, pub);
    CHECK(r.exit_code == 4);
    CHECK(r.err.find("the ledger was rolled back or replaced") != std::string::npos);
    CHECK(files_of(pub) == before);
    // The rolled-back ledger grown to a larger size with other leaves is a fork at the published size.
    append_small_run(backup, 50, "example.jp/dnswitness/publish-test", "other leaves");
    const auto f = publish(backup, pub);
    CHECK(f.exit_code == 4);
    CHECK(f.err.find("has another root than this ledger") != std::string::npos);
    CHECK(files_of(pub) == before);
  }
  SUBCASE("another log's folder, and a second publisher at the same time") {
    const fs::path other = t.path() / "other";
    append_small_run(other, 3, "example.jp/dnswitness/other");
    const auto r = publish(other, pub);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("holds the log 'example.jp/dnswitness/publish-test', not this ledger's "
                     "'example.jp/dnswitness/other'") != std::string::npos);
    const int fd = ::open((pub / ".publish-lock").c_str(), O_RDWR);
    REQUIRE(fd >= 0);
    REQUIRE(::flock(fd, LOCK_EX) == 0);
    const auto busy = publish(ledger, pub);
    ::close(fd);
    CHECK(busy.exit_code == 2);
    CHECK(busy.err.find("Another dnswitness publish is writing") != std::string::npos);
  }
}

TEST_CASE("watch --publish publishes after every run") {
  const Lab lab;
  TempDir t;
  const fs::path ledger = t.path() / "ledger", pub = t.path() / "pub";
  const auto r = run_dnswitness("watch --count 2 --interval 1s --jitter 0 --ledger " + ledger.string() +
                                " --origin example.jp/dnswitness/watch --publish " + pub.string() +
                                " --resolver knot=" + lab.knot() + " --domains x.com,t.co --types A --ntp none");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("Published example.jp/dnswitness/watch at size 3 (was 0)") != std::string::npos);
  CHECK(r.err.find("Published example.jp/dnswitness/watch at size 6 (was 3)") != std::string::npos);
  std::uint64_t size = 0;
  CHECK(published_folder_problem(pub, verifier_key_of(ledger), &size) == std::nullopt);
  CHECK(size == 6);
}

TEST_CASE("a published ledger served by nginx is mirrored byte for byte, then incrementally") {
  TempDir t;
  const fs::path ledger = t.path() / "ledger", pub = t.path() / "pub", copy = t.path() / "mirror";
  append_small_run(ledger, 299);
  REQUIRE(publish(ledger, pub).exit_code == 0);
  NginxServer nginx(pub);
  const std::string mirror = std::string(DNSWITNESS_BINARY) + " mirror " + nginx.url() + " --to " + copy.string();
  const auto first = run_command(mirror + " --log-key " + verifier_key_of(ledger));
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  CHECK(files_of(copy) == files_of(pub));
  append_small_run(ledger, 1000);
  REQUIRE(publish(ledger, pub).exit_code == 0);
  const auto second = run_command(mirror);
  INFO(second.err);
  REQUIRE(second.exit_code == 0);
  // The mirror fetches what the newest size names, not the partial tiles of sizes it never saw.
  const auto published = files_of(pub);
  for (const auto& [name, bytes] : files_of(copy)) {
    INFO(name);
    CHECK(published.at(name) == bytes);
  }
  std::uint64_t size = 0;
  CHECK(published_folder_problem(copy, verifier_key_of(ledger), &size) == std::nullopt);
  CHECK(size == 1301);
}
