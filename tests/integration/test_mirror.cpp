// `dnswitness mirror` against a real nginx serving tiled logs (the server block of
// docs/public-log.md): byte-for-byte copies, incremental fetches, a mirror of a mirror, rewound and
// forked logs refused with evidence kept, flipped bytes refused naming the URL, and server faults
// (down, 404, 500, too slow, too large) giving exit 1 with nothing written.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "ledger/checkpoint.h"
#include "support/child_process.h"
#include "support/lab.h"
#include "support/nginx.h"
#include "support/tiled_log.h"
#include "tlog/mirror.h"
#include "tlog/tiles.h"

using namespace dnswitness;
using namespace dnswitness::test;
namespace fs = std::filesystem;

namespace {

// Every regular file under `dir` (relative path -> bytes), leaving out `skip_prefix`.
std::map<std::string, std::string> files_under(const fs::path& dir, const std::string& skip_prefix = "fork-evidence") {
  std::map<std::string, std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    const std::string rel = fs::relative(e.path(), dir).string();
    if (!skip_prefix.empty() && rel.starts_with(skip_prefix)) continue;
    out[rel] = read_file(e.path());
  }
  return out;
}

// The files a reader of a tree of `size` needs, as they are in `dir`.
std::map<std::string, std::string> log_files(const fs::path& dir, std::uint64_t size) {
  std::map<std::string, std::string> out;
  for (const auto& t : tiles_of_size(size)) out[t.path()] = read_file(dir / t.path());
  out["checkpoint"] = read_file(dir / "checkpoint");
  out["log.json"] = read_file(dir / "log.json");
  return out;
}

CommandResult mirror(const std::string& source, const fs::path& to, const std::string& key = "",
                     const std::string& more = "") {
  return run_dnswitness("mirror " + source + " --to " + to.string() + (key.empty() ? "" : " --log-key '" + key + "'") +
                        " " + more);
}

// The request URIs nginx logged.
std::multiset<std::string> requested(const NginxServer& nginx) {
  std::multiset<std::string> out;
  std::istringstream in(nginx.access_log());
  std::string uri, rest;
  while (in >> uri && std::getline(in, rest)) out.insert(uri);
  return out;
}

// Response headers of one GET (curl, asking for gzip like a mirror does).
std::string headers_of(const std::string& url) {
  return run_command("curl -sS --noproxy '*' --compressed -D - -o /dev/null '" + url + "'").out;
}

void flip(const fs::path& file, std::size_t at) {
  std::string bytes = read_file(file);
  REQUIRE(at < bytes.size());
  bytes[at] = static_cast<char>(bytes[at] ^ 0x01);
  write_file(file, bytes);
}

}  // namespace

TEST_CASE("the documented nginx block serves the checkpoint, tiles and entry bundles with the documented headers") {
  TempDir served;
  TiledLog log;
  log.publish(served.path(), 700);
  NginxServer nginx(served.path());

  const std::string cp = headers_of(nginx.url() + "/checkpoint");
  CHECK(cp.find("HTTP/1.1 200") == 0);
  CHECK(cp.find("Content-Type: text/plain; charset=utf-8\r\n") != std::string::npos);
  CHECK(cp.find("Cache-Control: no-store\r\n") != std::string::npos);

  const std::string tile = headers_of(nginx.url() + "/tile/0/000");
  CHECK(tile.find("HTTP/1.1 200") == 0);
  CHECK(tile.find("Content-Type: application/octet-stream\r\n") != std::string::npos);
  CHECK(tile.find("Cache-Control: public, max-age=604800, immutable\r\n") != std::string::npos);
  CHECK(tile.find("Content-Encoding") == std::string::npos);  // random hashes: not worth compressing

  for (const std::string path : {"/tile/entries/000", "/tile/entries/002.p/188"}) {
    const std::string bundle = headers_of(nginx.url() + path);
    INFO(path << "\n" << bundle);
    CHECK(bundle.find("HTTP/1.1 200") == 0);
    CHECK(bundle.find("Cache-Control: public, max-age=604800, immutable\r\n") != std::string::npos);
    CHECK(bundle.find("Content-Encoding: gzip\r\n") != std::string::npos);
  }
  const std::string partial = headers_of(nginx.url() + "/tile/1/000.p/2");
  CHECK(partial.find("Cache-Control: public, max-age=604800, immutable\r\n") != std::string::npos);

  const std::string json = headers_of(nginx.url() + "/log.json");
  CHECK(json.find("Content-Type: application/json\r\n") != std::string::npos);
  CHECK(json.find("Cache-Control: public, max-age=300\r\n") != std::string::npos);

  // A tile that does not exist yet is a 404 that no cache keeps as immutable; state files and
  // temporary files are not served.
  const std::string missing = headers_of(nginx.url() + "/tile/0/005");
  CHECK(missing.find("HTTP/1.1 404") == 0);
  CHECK(missing.find("immutable") == std::string::npos);
  write_file(served.path() / ".mirror.json", "{}");
  write_file(served.path() / "tile/0/.000.tmp-0123456789abcdef", "x");
  CHECK(headers_of(nginx.url() + "/.mirror.json").find("HTTP/1.1 404") == 0);
  CHECK(headers_of(nginx.url() + "/tile/0/.000.tmp-0123456789abcdef").find("HTTP/1.1 404") == 0);
  CHECK(headers_of(nginx.url() + "/").find("HTTP/1.1 404") == 0);
}

TEST_CASE("a directory written with TileBuilder verifies tile by tile and entry by entry") {
  TempDir dir;
  TiledLog log;
  const std::uint64_t size = 66000;  // 257 full level-0 tiles: full and partial tiles on three levels
  const auto note = log.publish(dir.path(), size);
  const auto cp = open_signed_checkpoint(note, parse_verifier_key(log.verifier_key()));
  REQUIRE(cp);
  TileHashReader reader(size, [&](const TileId& id) -> std::optional<Bytes> {
    if (!fs::exists(dir.path() / id.path())) return std::nullopt;
    const std::string s = read_file(dir.path() / id.path());
    return Bytes(s.begin(), s.end());
  });
  CHECK_FALSE(reader.check_all(cp->root).has_value());
  for (const auto& t : tiles_of_size(size))
    if (t.entries()) {
      const std::string s = read_file(dir.path() / t.path());
      CHECK_FALSE(reader.check_entries(t, as_bytes(s)).has_value());
    }
  // And one flipped hash deep in a full tile is found.
  flip(dir.path() / "tile/0/100", 4000);
  TileHashReader again(size, [&](const TileId& id) -> std::optional<Bytes> {
    const std::string s = read_file(dir.path() / id.path());
    return Bytes(s.begin(), s.end());
  });
  const auto problem = again.check_all(cp->root);
  REQUIRE(problem.has_value());
  CHECK(problem->find("tile/0/100 ") != std::string::npos);
}

TEST_CASE("a log served by nginx is mirrored byte for byte, then incrementally, then from the mirror") {
  TempDir served, work;
  TiledLog log;
  log.publish(served.path(), 300);
  NginxServer nginx(served.path());
  const fs::path to = work.path() / "mirror";

  const auto first = mirror(nginx.url(), to, log.verifier_key());
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  CHECK(log_files(to, 300) == log_files(served.path(), 300));
  CHECK(fs::exists(to / ".mirror.json"));
  CHECK_FALSE(fs::exists(to / ".mirror-incoming"));

  // The log grows: only the new tiles (and the checkpoint, log.json) are fetched; the key is
  // remembered.
  log.publish(served.path(), 700);
  nginx.clear_access_log();
  const auto second = mirror(nginx.url(), to);
  INFO(second.err);
  REQUIRE(second.exit_code == 0);
  std::multiset<std::string> want{"/checkpoint", "/log.json"};
  for (const auto& t : tiles_added(300, 700)) want.insert("/" + t.path());
  CHECK(requested(nginx) == want);
  CHECK(log_files(to, 700) == log_files(served.path(), 700));

  // Nothing new: only the checkpoint and log.json are read, nothing is written.
  nginx.clear_access_log();
  const auto before = files_under(to, "");
  const auto third = mirror(nginx.url(), to);
  CHECK(third.exit_code == 0);
  CHECK(third.out.find("up to date") != std::string::npos);
  CHECK(requested(nginx) == std::multiset<std::string>{"/checkpoint", "/log.json"});
  CHECK(files_under(to, "") == before);

  // The mirror is itself a log: served by nginx and mirrored again, and read as a local folder.
  NginxServer second_server(to);
  const fs::path to2 = work.path() / "mirror-of-mirror";
  const auto again = mirror(second_server.url(), to2, log.verifier_key());
  INFO(again.err);
  REQUIRE(again.exit_code == 0);
  CHECK(log_files(to2, 700) == log_files(served.path(), 700));
  const fs::path to3 = work.path() / "from-folder";
  REQUIRE(mirror(to.string(), to3, log.verifier_key()).exit_code == 0);
  CHECK(log_files(to3, 700) == log_files(served.path(), 700));
}

TEST_CASE("a large log is mirrored with progress on stderr and verifies") {
  TempDir served, work;
  TiledLog log;
  log.publish(served.path(), 66000);
  NginxServer nginx(served.path());
  const auto r = mirror(nginx.url(), work.path() / "m", log.verifier_key());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("tiles and entry bundles fetched and checked") != std::string::npos);
  CHECK(log_files(work.path() / "m", 66000) == log_files(served.path(), 66000));
  CHECK(mirror(nginx.url(), work.path() / "q", log.verifier_key(), "--quiet").err.empty());
}

TEST_CASE("the log key: required on a first mirror, remembered, and never replaced") {
  TempDir served, work;
  TiledLog log;
  log.publish(served.path(), 10);
  NginxServer nginx(served.path());
  const fs::path to = work.path() / "m";

  const auto no_key = mirror(nginx.url(), to);
  CHECK(no_key.exit_code == 2);
  CHECK(no_key.err.find(nginx.url() + "/log.json advertises " + log.verifier_key()) != std::string::npos);
  CHECK(no_key.err.find("operator") != std::string::npos);
  CHECK_FALSE(fs::exists(to));

  REQUIRE(mirror(nginx.url(), to, log.verifier_key()).exit_code == 0);
  const TiledLog other("log.test.example/mirror", 7);
  const auto other_key = mirror(nginx.url(), to, other.verifier_key());
  CHECK(other_key.exit_code == 2);
  CHECK(other_key.err.find(log.verifier_key()) != std::string::npos);

  // A key of another log: the checkpoint does not verify, exit 4, nothing written.
  const auto wrong = mirror(nginx.url(), work.path() / "w", other.verifier_key());
  CHECK(wrong.exit_code == 4);
  CHECK(wrong.err.find(nginx.url() + "/checkpoint") != std::string::npos);
  CHECK_FALSE(fs::exists(work.path() / "w"));
  CHECK(mirror(nginx.url(), work.path() / "b", "not-a-key").exit_code == 2);
}

TEST_CASE("a rewound log and a forked log are refused, both checkpoints kept, the mirror unchanged") {
  TempDir work;
  TiledLog log;
  const fs::path to = work.path() / "m";
  const fs::path good = work.path() / "good";
  const std::string held = log.publish(good, 700);
  REQUIRE(mirror(good.string(), to, log.verifier_key()).exit_code == 0);
  const auto before = files_under(to);

  struct Case {
    std::string name;
    std::uint64_t size;
    std::string variant;
  };
  for (const auto& c : {Case{"rewound", 300, ""}, Case{"forked at the same size", 700, "b"},
                        Case{"forked and grown", 1000, "b"}, Case{"forked in its last entry", 701, "c"}}) {
    CAPTURE(c.name);
    const fs::path bad = work.path() / (c.variant + std::to_string(c.size));
    std::string offered;
    if (c.variant == "c") {
      // The same 699 first entries, another 700th: only consistency can tell.
      std::vector<std::string> entries;
      for (std::uint64_t i = 0; i < c.size; ++i) entries.push_back(TiledLog::entry(i, i == 699 ? "c" : ""));
      offered = log.publish_entries(bad, entries);
    } else {
      offered = log.publish(bad, c.size, c.variant);
    }
    NginxServer nginx(bad);
    fs::remove_all(to / kForkEvidenceDir);
    const auto r = mirror(nginx.url(), to);
    INFO(r.err);
    CHECK(r.exit_code == 4);
    CHECK(r.err.find(c.size < 700 ? "rewound" : "forked") != std::string::npos);
    CHECK(files_under(to) == before);
    const fs::path evidence_root = to / kForkEvidenceDir;
    REQUIRE(fs::exists(evidence_root));
    const auto folder = fs::directory_iterator(evidence_root)->path();
    CHECK(r.err.find(folder.string()) != std::string::npos);
    CHECK(read_file(folder / "held-checkpoint") == held);
    CHECK(read_file(folder / "offered-checkpoint") == offered);
  }
  // The true log still mirrors on.
  log.publish(good, 800);
  CHECK(mirror(good.string(), to).exit_code == 0);
}

TEST_CASE("a flipped byte in a served tile, entry bundle or checkpoint is refused, naming the URL") {
  TempDir served, work;
  TiledLog log;
  log.publish(served.path(), 700);
  NginxServer nginx(served.path());
  const std::map<std::string, std::vector<std::size_t>> positions{
      {"tile/0/000", {0, 31, 32, 4096, 8191}},
      {"tile/0/001", {4100}},
      {"tile/0/002.p/188", {0, 6015}},
      {"tile/1/000.p/2", {31, 32}},
      {"tile/entries/000", {0, 1, 2, 500, 20000}},
      {"tile/entries/002.p/188", {1, 7000}},
      {"checkpoint", {0, 10, 24, 26, 40, 65, 80, 120}},
  };
  std::size_t runs = 0;
  for (const auto& [path, list] : positions) {
    const std::string original = read_file(served.path() / path);
    for (const auto at : list) {
      if (at >= original.size()) continue;
      CAPTURE(path);
      CAPTURE(at);
      flip(served.path() / path, at);
      const fs::path to = work.path() / ("m" + std::to_string(runs++));
      const auto r = mirror(nginx.url(), to, log.verifier_key());
      INFO(r.err);
      CHECK(r.exit_code == 4);
      CHECK(r.err.find(nginx.url() + "/" + path) != std::string::npos);
      CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
      CHECK_FALSE(fs::exists(to));
      write_file(served.path() / path, original);
    }
  }
  CHECK(runs > 20);

  // A tile cut short (or grown by a whole hash) is refused the same way, whichever level it is on.
  for (const auto& [path, size] : std::vector<std::pair<std::string, std::size_t>>{
           {"tile/0/001", 8160}, {"tile/1/000.p/2", 32}, {"tile/0/002.p/188", 6048}}) {
    CAPTURE(path);
    const std::string original = read_file(served.path() / path);
    write_file(served.path() / path, (original + std::string(64, 'h')).substr(0, size));
    const fs::path to = work.path() / ("cut" + std::to_string(runs++));
    const auto r = mirror(nginx.url(), to, log.verifier_key());
    INFO(r.err);
    CHECK(r.exit_code == 4);
    CHECK(r.err.find(nginx.url() + "/" + path + " has " + std::to_string(size) + " bytes") != std::string::npos);
    CHECK_FALSE(fs::exists(to));
    write_file(served.path() / path, original);
  }

  // The same on an incremental run: the mirror keeps what it had.
  TempDir small;
  log.publish(small.path(), 300);
  const fs::path to = work.path() / "incremental";
  REQUIRE(mirror(small.path().string(), to, log.verifier_key()).exit_code == 0);
  const auto before = files_under(to, "");
  for (const std::string path : {"tile/0/001", "tile/entries/001", "tile/1/000.p/2"}) {
    flip(served.path() / path, 33);
    const auto r = mirror(nginx.url(), to);
    CHECK(r.exit_code == 4);
    CHECK(r.err.find(nginx.url() + "/" + path) != std::string::npos);
    CHECK(files_under(to, "") == before);
    flip(served.path() / path, 33);
  }
  CHECK(mirror(nginx.url(), to).exit_code == 0);
}

TEST_CASE("server faults: down, 404, 500, too slow, too large give exit 1, one sentence, nothing written") {
  TempDir served, work;
  TiledLog log;
  log.publish(served.path(), 700);
  const std::string key = log.verifier_key();
  const auto one_sentence = [](const CommandResult& r) {
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(r.err.find("internal error") == std::string::npos);
  };

  SUBCASE("down") {
    const int port = free_tcp_port();
    const auto r = mirror("http://127.0.0.1:" + std::to_string(port), work.path() / "m", key);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("http://127.0.0.1:" + std::to_string(port) + "/checkpoint") != std::string::npos);
    one_sentence(r);
  }
  SUBCASE("404 for a tile the checkpoint needs") {
    fs::remove(served.path() / "tile/0/001");
    NginxServer nginx(served.path());
    const auto r = mirror(nginx.url(), work.path() / "m", key);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find(nginx.url() + "/tile/0/001 is missing") != std::string::npos);
    one_sentence(r);
  }
  SUBCASE("404 for the checkpoint") {
    fs::remove(served.path() / "checkpoint");
    NginxServer nginx(served.path());
    const auto r = mirror(nginx.url(), work.path() / "m", key);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find(nginx.url() + "/checkpoint is missing") != std::string::npos);
  }
  SUBCASE("500 for an entry bundle") {
    NginxServer nginx(served.path(), "    location = /tile/entries/001 { return 500; }");
    const auto r = mirror(nginx.url(), work.path() / "m", key);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find(nginx.url() + "/tile/entries/001 answered HTTP 500") != std::string::npos);
    one_sentence(r);
  }
  SUBCASE("too slow") {
    NginxServer nginx(served.path(), "    limit_rate 1;");
    const auto r = mirror(nginx.url(), work.path() / "m", key, "--timeout 1");
    CHECK(r.exit_code == 1);
    CHECK(r.err.find(nginx.url() + "/checkpoint did not answer completely") != std::string::npos);
    one_sentence(r);
  }
  SUBCASE("a checkpoint too large") {
    write_file(served.path() / "checkpoint", std::string(70000, 'a'));
    NginxServer nginx(served.path());
    const auto r = mirror(nginx.url(), work.path() / "m", key);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find(nginx.url() + "/checkpoint is larger than 65536 bytes") != std::string::npos);
    one_sentence(r);
  }
  SUBCASE("a hash tile too large") {
    write_file(served.path() / "tile/0/000", read_file(served.path() / "tile/0/000") + std::string(32, 'x'));
    NginxServer nginx(served.path());
    const auto r = mirror(nginx.url(), work.path() / "m", key);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find(nginx.url() + "/tile/0/000 is larger than 8192 bytes") != std::string::npos);
  }
  SUBCASE("an entry bundle too large once gzip is undone") {
    // 300 entries of 60,000 bytes that compress to almost nothing: over the limit only when decoded.
    std::string big;
    for (int i = 0; i < 300; ++i) big += std::string("\xEA\x60", 2) + std::string(60000, 'z');
    write_file(served.path() / "tile/entries/000", big);
    NginxServer nginx(served.path());
    const auto r = mirror(nginx.url(), work.path() / "m", key);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find(nginx.url() + "/tile/entries/000 is larger than") != std::string::npos);
  }
  CHECK_FALSE(fs::exists(work.path() / "m"));
}

TEST_CASE("a mirror killed at any moment leaves a folder that is a valid log, and the next run completes it") {
  TempDir served, work;
  TiledLog log;
  log.publish(served.path(), 300);
  NginxServer nginx(served.path());
  const fs::path to = work.path() / "m";
  REQUIRE(mirror(nginx.url(), to, log.verifier_key()).exit_code == 0);
  log.publish(served.path(), 66000);
  // Killed after the k-th progress line (tiles first, then entry bundles, then the renames).
  for (std::size_t k = 1; k <= 10; k += 2) {
    CAPTURE(k);
    const std::string progress = (work.path() / "progress").string();
    const pid_t pid = start_dnswitness("mirror " + nginx.url() + " --to " + to.string(), progress);
    wait_for_text(progress, "fetched and checked", std::min<std::size_t>(k, 10), std::chrono::seconds(120));
    ::kill(pid, SIGKILL);
    (void)wait_child_exit(pid, std::chrono::seconds(60));
    // Whatever it left is a log: its own checkpoint, with every tile it needs, verifying.
    const fs::path copy = work.path() / ("copy" + std::to_string(k));
    const auto r = mirror(to.string(), copy, log.verifier_key(), "--quiet");
    INFO(r.err);
    CHECK(r.exit_code == 0);
  }
  CHECK(mirror(nginx.url(), to).exit_code == 0);
  CHECK(log_files(to, 66000) == log_files(served.path(), 66000));
}
