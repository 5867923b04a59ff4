// `dnswitness publish` and `watch --publish` on real ledgers: the folder is a complete tiled log
// (c2sp.org/tlog-tiles) whose tiles rehash to the signed checkpoint; incremental publishes write
// only new tiles and equal a publish from scratch; every run's signed tree head is published byte
// for byte under dnswitness/checkpoints/ (a folder published without them gets them all back), and
// the lab TSA's real tokens under dnswitness/timestamps/, a list that grows when a token arrives
// later; kill -9 at 20 moments never leaves a folder that fails to verify; forks, rolled-back
// ledgers, edited files, another log's folder and a second publisher are refused without replacing
// anything.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "ledger/signed_note.h"
#include "support/lab.h"
#include "support/nginx.h"
#include "support/published_log.h"
#include "tlog/run_heads.h"
#include "tsa/bundle_tokens.h"
#include "tsa/stamp_tree_head.h"

using namespace dnswitness;
using namespace dnswitness::test;
namespace fs = std::filesystem;

namespace {

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

// files_of but the dnswitness/ folder: what a tlog-tiles mirror copies.
std::map<std::string, std::string> tlog_files_of(const fs::path& dir) {
  auto out = files_of(dir);
  std::erase_if(out, [](const auto& f) { return f.first.starts_with("dnswitness/"); });
  return out;
}

// Checks that `pub` holds the run head of every checkpoint of the ledger, with the bytes the ledger
// holds, and no other run head.
void check_run_heads(const fs::path& ledger, const fs::path& pub) {
  LedgerStore store(LedgerPaths{ledger}, LedgerStore::Mode::read_only);
  const auto rows = store.checkpoints();
  for (const auto& row : rows) {
    INFO("run head " << row.size);
    REQUIRE(fs::exists(pub / run_head_path(row.size)));
    CHECK(read_file(pub / run_head_path(row.size)) == row.note);
  }
  std::size_t files = 0;
  for (const auto& [name, bytes] : files_of(pub)) files += name.starts_with("dnswitness/checkpoints/") ? 1 : 0;
  CHECK(files == rows.size());
}

// Response headers of one GET (curl, asking for gzip like a mirror does).
std::string served_headers(const std::string& url) {
  return run_command("curl -sS --noproxy '*' --compressed -D - -o /dev/null '" + url + "'").out;
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
    check_run_heads(ledger, pub);
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
  // The run heads are the same files in both (every run's, not only the final size's); the run index
  // files too, but the incremental folder keeps those of the earlier sizes (partial ones).
  auto heads = files_of(pub / "dnswitness");
  const auto index_of_earlier = [&](const auto& f) {
    return f.first.starts_with("runs/index/") && !b.count("dnswitness/" + f.first);
  };
  for (const auto& f : heads)
    if (index_of_earlier(f)) CHECK(f.first.find(".p/") != std::string::npos);
  std::erase_if(heads, index_of_earlier);
  CHECK(heads == files_of(once / "dnswitness"));
  CHECK(heads.count("runs/index/000") == 1);  // 65,748 leaves: 256 full bundles, one full file
  CHECK(std::count_if(heads.begin(), heads.end(), [](const auto& f) { return f.first.starts_with("runs/index/"); }) ==
        1);
  check_run_heads(ledger, once);
  // log.json names the origin and the verifier key.
  const std::string log_json = read_file(pub / "log.json");
  CHECK(log_json.find("\"verifier_key\": \"" + verifier_key_of(ledger) + "\"") != std::string::npos);
  CHECK(log_json.find("\"origin\": \"example.jp/dnswitness/publish-test\"") != std::string::npos);

  // A folder published before run heads were (no dnswitness/ folder) gets every run head back, at the
  // same size and after a new run.
  fs::remove_all(pub / "dnswitness");
  const auto same = publish(ledger, pub);
  CHECK(same.exit_code == 0);
  CHECK_MESSAGE(same.out.find("already holds example.jp/dnswitness/publish-test at size 65748; updated 5 files") !=
                    std::string::npos,
                same.out);
  check_run_heads(ledger, pub);
  fs::remove_all(pub / "dnswitness");
  append_small_run(ledger, 2);
  REQUIRE(publish(ledger, pub).exit_code == 0);
  check_run_heads(ledger, pub);
}

TEST_CASE("kill -9 at 20 moments of a publish: the folder always verifies, and the next publish completes it") {
  TempDir t;
  const fs::path ledger = t.path() / "ledger", base = t.path() / "base";
  append_small_run(ledger, 299);
  REQUIRE(publish(ledger, base).exit_code == 0);
  const std::string vkey = verifier_key_of(ledger);
  const std::uint64_t grown = append_small_run(ledger, 1800);  // 6 more bundles and level-0 tiles
  // A publish takes two steps per file it writes (create, rename) and one sync: the moments are its
  // first 15 steps (tiles and bundles) and its last 5 (the run head, the sync, the checkpoint).
  const fs::path probe = t.path() / "probe";
  fs::copy(base, probe, fs::copy_options::recursive);
  const std::string summary = publish(ledger, probe).out;
  const auto written = summary.find(" files written");
  REQUIRE(written != std::string::npos);
  const auto written_at = summary.rfind(' ', written - 1);
  const int steps = 2 * std::stoi(summary.substr(written_at + 1)) + 1;
  std::vector<int> moments;
  for (int m = 1; m <= 15; ++m) moments.push_back(m);
  for (int m = steps - 4; m <= steps; ++m) moments.push_back(m);
  int killed = 0;
  for (const int moment : moments) {
    CAPTURE(moment);
    const fs::path dir = t.path() / ("k" + std::to_string(moment));
    fs::copy(base, dir, fs::copy_options::recursive);
    const auto r = publish(ledger, dir, "DNSWITNESS_TEST_PUBLISH_KILL_AT=" + std::to_string(moment));
    CHECK(r.exit_code == 128 + SIGKILL);
    if (r.exit_code == 128 + SIGKILL) ++killed;
    std::uint64_t size = 0;
    CHECK(published_folder_problem(dir, vkey, &size) == std::nullopt);
    CHECK((size == 300 || size == grown));
    // The run head of the published size is there before its checkpoint is.
    CHECK(read_file(dir / run_head_path(size)) == read_file(dir / "checkpoint"));
    const auto resumed = publish(ledger, dir);
    INFO(resumed.err);
    CHECK(resumed.exit_code == 0);
    // The killed publish's temporary files are gone from the folders the next one wrote to.
    for (const auto& e : fs::recursive_directory_iterator(dir))
      CHECK_MESSAGE(e.path().filename().string().find(".tmp-") == std::string::npos, e.path());
    CHECK(published_folder_problem(dir, vkey, &size) == std::nullopt);
    CHECK(size == grown);
    check_run_heads(ledger, dir);
  }
  CHECK(killed == 20);
  // One step later, the publish completes.
  const fs::path last = t.path() / "last";
  fs::copy(base, last, fs::copy_options::recursive);
  CHECK(publish(ledger, last, "DNSWITNESS_TEST_PUBLISH_KILL_AT=" + std::to_string(steps + 1)).exit_code == 0);
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
  SUBCASE("an edited run head") {
    // The run head of the published size is compared before anything is written.
    const fs::path head = pub / "dnswitness/checkpoints/601";
    std::string note = read_file(head);
    note[note.size() - 5] ^= 0x01;  // in the signature
    write_file(head, note);
    const auto before = files_of(pub);
    const auto r = publish(ledger, pub);
    CHECK(r.exit_code == 4);
    CHECK_MESSAGE(r.err.find(head.string() + " already exists with other bytes") != std::string::npos, r.err);
    CHECK(files_of(pub) == before);
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
    CHECK(busy.err.find("Another dnswitness process is writing") != std::string::npos);
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
  // The mirror copies the tiled log, and makes the run index from its leaves (the same bytes).
  const auto index_files_of = [](const fs::path& dir) {
    auto out = files_of(dir);
    std::erase_if(out, [](const auto& f) { return !f.first.starts_with("dnswitness/runs/index/"); });
    return out;
  };
  auto copied = files_of(copy);
  std::erase_if(copied, [](const auto& f) { return f.first.starts_with("dnswitness/runs/index/"); });
  CHECK(copied == tlog_files_of(pub));
  CHECK(index_files_of(copy) == index_files_of(pub));
  CHECK(index_files_of(copy).count("dnswitness/runs/index/000.p/1") == 1);
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

TEST_CASE("the lab TSA's tokens are published beside their run head; the list grows when a token arrives later") {
  const Lab lab;
  TempDir t;
  const fs::path ledger = t.path() / "ledger", pub = t.path() / "pub";
  const auto run = run_dnswitness("resolve-snapshot -q --ledger " + ledger.string() +
                                  " --origin example.jp/dnswitness/tsa-publish --resolver knot=" + lab.knot() +
                                  " --domains x.com --types A --tsa " + lab.get("TSA_URL") + " --tsa-ca " +
                                  lab.get("TSA_CA"));
  REQUIRE_MESSAGE(run.exit_code == 0, run.err);
  REQUIRE(publish(ledger, pub).exit_code == 0);
  const fs::path tokens = pub / run_timestamps_path(2), through = pub / "dnswitness/timestamps/published-through";
  // Exactly what a report bundle carries for that tree head.
  const auto bundle_list = [&] {
    LedgerStore store(LedgerPaths{ledger}, LedgerStore::Mode::read_only);
    return bundle_timestamps(store).at(2).dump() + "\n";
  };
  const std::string one = read_file(tokens);
  CHECK(one == bundle_list());
  CHECK(nlohmann::json::parse(one).size() == 1);
  CHECK(read_file(through) == "1\n");
  check_run_heads(ledger, pub);

  // The TSA asked again for the same tree head (a retry): a real second token. The next publish, at
  // the same size, replaces the list with the longer one.
  {
    LedgerStore store(LedgerPaths{ledger}, LedgerStore::Mode::read_write);
    TsaServer server;
    server.url = lab.get("TSA_URL");
    const auto head = store.checkpoints().back();
    const auto stamped = stamp_tree_head(store, head.size, head.root,
                                         make_tsa_targets({server}, {lab.get("TSA_CA")}, std::nullopt));
    REQUIRE(stamped.size() == 1);
    REQUIRE_MESSAGE(stamped[0].row.status == "granted", stamped[0].row.error);
  }
  const auto grown = publish(ledger, pub);
  CHECK(grown.exit_code == 0);
  CHECK_MESSAGE(grown.out.find("already holds example.jp/dnswitness/tsa-publish at size 2; updated 2 files") !=
                    std::string::npos,
                grown.out);
  const std::string two = read_file(tokens);
  CHECK(two == bundle_list());
  CHECK(nlohmann::json::parse(two).size() == 2);
  CHECK(nlohmann::json::parse(two)[0] == nlohmann::json::parse(one)[0]);
  CHECK(read_file(through) == "2\n");
  CHECK(publish(ledger, pub).out.find("nothing new to publish") != std::string::npos);

  // Served by the documented nginx block: a run head is immutable, the token lists are never cached.
  {
    NginxServer nginx(pub);
    const std::string head = served_headers(nginx.url() + "/dnswitness/checkpoints/002");
    INFO(head);
    CHECK(head.find("HTTP/1.1 200") == 0);
    CHECK(head.find("Content-Type: text/plain; charset=utf-8\r\n") != std::string::npos);
    CHECK(head.find("Cache-Control: public, max-age=604800, immutable\r\n") != std::string::npos);
    for (const std::string path : {"/dnswitness/timestamps/002", "/dnswitness/timestamps/published-through"}) {
      const std::string h = served_headers(nginx.url() + path);
      INFO(path << "\n" << h);
      CHECK(h.find("HTTP/1.1 200") == 0);
      CHECK(h.find("Content-Type: application/json\r\n") != std::string::npos);
      CHECK(h.find("Cache-Control: no-store\r\n") != std::string::npos);
    }
  }

  // A list that is not a prefix of the ledger's is a fork: refused, naming the file, nothing replaced.
  // (Without published-through, publish reads every token again.)
  nlohmann::json edited = nlohmann::json::parse(one);
  edited[0]["gen_time"] = "2001-01-01T00:00:00Z";
  write_file(tokens, edited.dump() + "\n");
  fs::remove(through);
  const auto before = files_of(pub);
  const auto forked = publish(ledger, pub);
  CHECK(forked.exit_code == 4);
  CHECK_MESSAGE(forked.err.find(tokens.string() + " lists time-stamp tokens this ledger does not hold") !=
                    std::string::npos,
                forked.err);
  CHECK(files_of(pub) == before);
}
