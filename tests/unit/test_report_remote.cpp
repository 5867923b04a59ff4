// A report drawn from a published log (reports/published_evidence_log.h) equals the report drawn
// from the ledger that was published: the same leaves, proofs, tree heads and tables, for login
// times between runs, before the first run, after the last, hours away from any run, and for a
// period; with the runs' summaries (tlog/run_summary.h) and without them. A published folder without
// its runs' tree heads, or with one replaced, is refused, and so is a run summary that was changed or
// that disagrees with the leaves.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "reports/bundle.h"
#include "reports/published_evidence_log.h"
#include "support/lab.h"
#include "support/timed_log.h"
#include "timeutil/timestamp.h"
#include "tlog/mirror.h"
#include "tlog/run_heads.h"
#include "tlog/run_index.h"
#include "tlog/run_summary.h"

using namespace dnswitness;
using namespace dnswitness::test;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kMinute = 60'000'000'000;

// Runs every 10 minutes (sizes crossing bundle boundaries), then a day's pause, then two more.
struct RemoteReportLog {
  std::vector<std::size_t> sizes = {40, 300, 5, 700, 120, 2, 60, 90};
  std::vector<std::int64_t> starts;
  RemoteReportLog() {
    for (std::size_t k = 0; k < sizes.size(); ++k)
      starts.push_back(kTimedLogStart + static_cast<std::int64_t>(k) * 10 * kMinute +
                       (k >= 6 ? kTimedLogDay : 0));
  }
};

std::string at_text(std::int64_t ns) { return format_rfc3339_ns(UtcTime{ns}); }

ReportRequest request_at(const std::vector<std::int64_t>& times) {
  ReportRequest req;
  LoginInput at;
  at.kind = "command-line";
  at.name = "--at";
  for (const auto t : times) at.values.push_back(at_text(t));
  req.inputs.push_back(at);
  req.options.domains = {"api.x.com"};
  req.created_at = UtcTime{kTimedLogStart + 10 * kTimedLogDay};
  return req;
}

struct RemoteReadCounts {
  std::uint64_t summaries = 0, index_files = 0, bundles = 0;
};

nlohmann::json remote_bundle(const TimedLog& tl, const ReportRequest& req, std::uint64_t* summaries = nullptr,
                             RemoteReadCounts* counts = nullptr) {
  auto source = LogSource::open(tl.folder.string());
  const NoteVerifier key = parse_verifier_key(tl.verifier_key);
  auto log = RemoteLog::open(*source, key);
  PublishedEvidenceLog published(*log, key);
  auto bundle = build_bundle(published, req);
  if (summaries) *summaries = published.summaries_read();
  if (counts) *counts = {published.summaries_read(), published.run_index_files_read(), log->stats().bundles_read};
  return bundle;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_all(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << bytes;
}

nlohmann::json local_bundle(const fs::path& dir, const ReportRequest& req) {
  LedgerStore store(LedgerPaths{dir / "ledger"}, LedgerStore::Mode::read_only);
  return build_bundle(store, req);
}

}  // namespace

TEST_CASE("a report drawn from the published log equals the one drawn from the ledger") {
  TempDir t;
  const RemoteReportLog shape;
  const TimedLog tl = make_timed_log(t.path(), shape.sizes, "example.jp/dnswitness/report-remote", shape.starts);
  const auto& s = shape.starts;
  std::vector<std::int64_t> times;
  std::string what;
  SUBCASE("between two runs") {
    times = {s[2] + 5 * kMinute};
    what = "between";
  }
  SUBCASE("before the first run") {
    times = {s[0] - 30 * kMinute};
    what = "before";
  }
  SUBCASE("after the last run") {
    times = {s.back() + 2 * 60 * kMinute};
    what = "after";
  }
  SUBCASE("in the day without runs, and 20 hours before the first run") {
    times = {s[5] + 12 * 60 * kMinute, s[0] - 20 * 60 * kMinute};
    what = "far";
  }
  SUBCASE("a day after the runs, 5 minutes after the seventh") {
    times = {s[6] + 5 * kMinute};
    what = "second day";
  }
  SUBCASE("a period") {
    what = "period";
  }
  ReportRequest req = request_at(times);
  if (what == "period") {
    req.inputs.clear();
    req.options.from_ns = s[1];
    req.options.until_ns = s[4];
  }
  CAPTURE(what);
  const nlohmann::json local = local_bundle(t.path(), req);
  std::uint64_t summaries = 0;
  RemoteReadCounts indexed;
  const nlohmann::json remote = remote_bundle(tl, req, &summaries, &indexed);
  CHECK(remote.dump() == local.dump());
  CHECK(summaries > 0);  // the day around each login was read from the runs' summaries
  // The run index found where to start (but before the first run, which it cannot name), and no
  // bundle was read for a time.
  const fs::path index_file = tl.folder / run_index_path(0, run_index_width(0, tl.leaves.size()));
  REQUIRE(fs::exists(index_file));
  CHECK(indexed.index_files == 1);
  {  // Without the run index (a folder published before it), the search by time over the bundles.
    fs::rename(tl.folder / "dnswitness" / "runs" / "index", t.path() / "index-away");
    RemoteReadCounts searched;
    CHECK(remote_bundle(tl, req, nullptr, &searched).dump() == local.dump());
    fs::rename(t.path() / "index-away", tl.folder / "dnswitness" / "runs" / "index");
    CHECK(searched.index_files == 0);
    CHECK(searched.bundles >= indexed.bundles);
    if (what == "second day" || what == "after") CHECK(searched.bundles > indexed.bundles);
  }
  {  // A run index that leaves runs out: the walk over the summaries finds them.
    const std::string original = read_all(index_file);
    std::string thinned = "dnswitness-run-index/1\n";
    std::istringstream lines(original.substr(thinned.size()));
    int k = 0;
    for (std::string line; std::getline(lines, line); ++k)
      if (k % 3 == 0) thinned += line + "\n";
    write_all(index_file, thinned);
    CHECK(remote_bundle(tl, req).dump() == local.dump());
    write_all(index_file, original);
  }
  // The same report from the entry bundles alone (a folder published without summaries).
  fs::rename(tl.folder / "dnswitness" / "runs", t.path() / "runs-away");
  const nlohmann::json from_bundles = remote_bundle(tl, req, &summaries);
  fs::rename(t.path() / "runs-away", tl.folder / "dnswitness" / "runs");
  CHECK(summaries == 0);
  CHECK(from_bundles.dump() == local.dump());
  // The report is about something: leaves, the newest tree head, and a run's own tree head.
  CHECK(local["leaves"].size() > 0);
  CHECK(local["checkpoints"].size() >= 1);
  if (what == "between") {
    // The windows reach runs 0-3 (10 minutes apart), each carried whole with its own tree head.
    CHECK(local["checkpoints"].size() >= 4);
    const auto& table = local["tables"]["logins"][0]["domains"][0];
    CHECK(table["before"]["addresses"].size() > 0);
    CHECK(table["after"]["addresses"].size() > 0);
  }
  if (what == "before") {
    const auto& login = local["tables"]["logins"][0];
    CHECK(login["domains"][0]["before"]["addresses"].empty());
    CHECK(login["domains"][0]["after"]["addresses"].size() > 0);
    CHECK(login["warnings"].dump().find("before the login time") != std::string::npos);
  }
  if (what == "after") {
    const auto& login = local["tables"]["logins"][0];
    CHECK(login["domains"][0]["before"]["addresses"].size() > 0);
    CHECK(login["domains"][0]["after"]["addresses"].empty());
  }
}

TEST_CASE("a published folder without its runs' tree heads, or with one replaced, is refused") {
  TempDir t;
  const RemoteReportLog shape;
  const TimedLog tl = make_timed_log(t.path(), shape.sizes, "example.jp/dnswitness/report-remote", shape.starts);
  const ReportRequest req = request_at({shape.starts[2] + 5 * kMinute});
  const fs::path head = tl.folder / run_head_path(tl.checkpoints[2].size);
  REQUIRE(fs::exists(head));
  SUBCASE("missing") {
    fs::remove(head);
    try {
      (void)remote_bundle(tl, req);
      FAIL("a folder without a run's tree head was accepted");
    } catch (const RemoteLogError& e) {
      CHECK(e.kind() == RemoteLogError::Kind::fetch);
      CHECK(std::string(e.what()).find(run_head_path(tl.checkpoints[2].size)) != std::string::npos);
    }
  }
  SUBCASE("another run's head under its name") {
    fs::copy_file(tl.folder / run_head_path(tl.checkpoints[1].size), head, fs::copy_options::overwrite_existing);
    try {
      (void)remote_bundle(tl, req);
      FAIL("a tree head of another size was accepted");
    } catch (const RemoteLogError& e) {
      CHECK(e.kind() == RemoteLogError::Kind::tampered);
      CHECK(std::string(e.what()).find(run_head_path(tl.checkpoints[2].size)) != std::string::npos);
    }
  }
}

TEST_CASE("run summaries: one per run, made from its leaves; a changed byte or a row unlike its leaf is refused") {
  TempDir t;
  const RemoteReportLog shape;
  const TimedLog tl = make_timed_log(t.path(), shape.sizes, "example.jp/dnswitness/report-remote", shape.starts);
  const NoteVerifier key = parse_verifier_key(tl.verifier_key);
  for (std::size_t k = 0; k < shape.sizes.size(); ++k) {
    CAPTURE(k);
    const fs::path file = tl.folder / run_summary_path(tl.run_first[k]);
    REQUIRE(fs::exists(file));
    std::string why;
    const auto s = open_run_summary(read_all(file), tl.origin, std::span(&key, 1), &why);
    INFO(why);
    REQUIRE(s);
    CHECK(s->run_leaf == tl.run_first[k]);
    CHECK(s->end == tl.checkpoints[k].size);
    CHECK(s->run_leaf_bytes == tl.leaves[tl.run_first[k]]);
    REQUIRE(s->rows.size() == shape.sizes[k]);
    for (std::size_t i = 0; i < s->rows.size(); ++i) {
      const std::uint64_t index = tl.run_first[k] + 1 + i;
      const auto row = index_row_of_leaf(index, tl.leaves[index]);
      REQUIRE(row);
      CHECK(s->row(i) == *row);
    }
    // Another origin, or a key the reader does not trust, opens nothing.
    CHECK_FALSE(open_run_summary(read_all(file), "example.jp/other", std::span(&key, 1), &why));
  }

  // Run 3 lies in the login's window, so the report reads its leaves and compares them.
  const ReportRequest req = request_at({shape.starts[2] + 5 * kMinute});
  const std::string rel = run_summary_path(tl.run_first[3]);
  const fs::path file = tl.folder / rel;
  const std::string original = read_all(file);
  const auto refused = [&](const std::string& what) {
    try {
      (void)remote_bundle(tl, req);
    } catch (const RemoteLogError& e) {
      CHECK(e.kind() == RemoteLogError::Kind::tampered);
      CHECK(std::string(e.what()).find(rel) != std::string::npos);
      return std::string(e.what()).find(what) != std::string::npos;
    }
    return false;
  };
  SUBCASE("a byte flipped anywhere") {
    for (std::size_t n = 0; n < 24; ++n) {
      const std::size_t at = original.size() * n / 24 + n % 7;
      CAPTURE(at);
      std::string bytes = original;
      bytes[at] = static_cast<char>(bytes[at] ^ 0x20);
      write_all(file, bytes);
      CHECK(refused("does not check out"));
    }
  }
  SUBCASE("signed by the log's key, but a row is not its leaf's") {
    std::string why;
    auto s = open_run_summary(original, tl.origin, std::span(&key, 1), &why);
    REQUIRE(s);
    s->rows[7].time_ns += 1;
    const auto signer = Ed25519PrivateKey::load_pem_file(t.path() / "ledger" / "keys" / "ledger.key");
    write_all(file, sign_note(run_summary_text(tl.origin, *s), tl.origin, signer));
    CHECK(refused("says otherwise than leaf " + std::to_string(tl.run_first[3] + 8)));
  }
  SUBCASE("signed by the log's key, but for another run leaf's bytes") {
    std::string why;
    auto s = open_run_summary(original, tl.origin, std::span(&key, 1), &why);
    REQUIRE(s);
    s->run_leaf_bytes += " ";
    const auto signer = Ed25519PrivateKey::load_pem_file(t.path() / "ledger" / "keys" / "ledger.key");
    write_all(file, sign_note(run_summary_text(tl.origin, *s), tl.origin, signer));
    CHECK(refused("its run leaf is not leaf " + std::to_string(tl.run_first[3])));
  }
}

TEST_CASE("the run summary's text is frozen (docs/public-log.md, \"Run summaries\")") {
  PublishedRunSummary s;
  s.run_leaf = 45;
  s.end = 50;
  s.run_leaf_bytes = R"({"kind":"run"})";
  s.keys = {{"x.com", "A", "knot"}, {"x.com", "AAAA", "knot"}};
  s.outcomes = {"answer", "nodata"};
  s.address_sets = {"104.244.42.1 104.244.42.65", ""};
  s.rows = {{0, 0, 0, 1'796'563'555'826'092'752}, {1, 1, 1, 1'796'563'555'826'093'783}};
  CHECK(run_summary_text("evidence.example.jp/dnswitness/2027", s) ==
        "dnswitness-run-summary/1\n"
        "evidence.example.jp/dnswitness/2027\n"
        "45\n"
        "50\n"
        R"({"address_sets":["104.244.42.1 104.244.42.65",""],"keys":[["x.com","A","knot"],["x.com","AAAA","knot"]],)"
        R"("outcomes":["answer","nodata"],"rows":[[0,0,0,0],[1,1,1031,1]],"run_leaf":"eyJraW5kIjoicnVuIn0=",)"
        R"("time_base_ns":1796563555826092752})"
        "\n");
  CHECK(run_summary_path(45) == "dnswitness/runs/045");
  CHECK(run_summary_path(1234567) == "dnswitness/runs/x001/x234/567");
}

TEST_CASE("the run index: publish continues it, a mirror makes the same from the leaves, a line that lies is refused") {
  TempDir t;
  const RemoteReportLog shape;
  const TimedLog tl = make_timed_log(t.path(), shape.sizes, "example.jp/dnswitness/report-remote", shape.starts);
  const auto index_files = [](const fs::path& folder) {
    std::map<std::string, std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(folder / "dnswitness" / "runs" / "index"))
      if (e.is_regular_file()) files[fs::relative(e.path(), folder).generic_string()] = read_all(e.path());
    return files;
  };
  // 1,325 leaves: five full bundles, one file listing the runs that start in them.
  std::string expected = "dnswitness-run-index/1\n";
  for (std::size_t k = 0; k < tl.run_first.size(); ++k)
    if (tl.run_first[k] < 5 * 256) expected += fmt::format("{} {}\n", tl.run_first[k], tl.run_start[k]);
  CHECK(index_files(tl.folder) == std::map<std::string, std::string>{{"dnswitness/runs/index/000.p/5", expected}});

  // Two more runs (to 2,326 leaves): the next publish continues the file it wrote (000.p/9), and
  // equals a publish of the whole ledger into a new folder.
  {
    append_timed_runs(t.path() / "ledger", {499, 499},
                      {shape.starts.back() + 10 * kMinute, shape.starts.back() + 20 * kMinute}, tl.origin);
    LedgerStore store(LedgerPaths{t.path() / "ledger"}, LedgerStore::Mode::read_write);
    PublishOptions options;
    options.dir = tl.folder;
    publish_ledger(store, options);
    options.dir = t.path() / "at-once";
    publish_ledger(store, options);
  }
  const auto grown = index_files(tl.folder);
  CHECK(grown.size() == 2);  // the file of 5 bundles stays, beside the one of 9
  CHECK(grown.at("dnswitness/runs/index/000.p/5") == expected);
  const auto at_once = index_files(t.path() / "at-once");
  REQUIRE(at_once.size() == 1);
  CHECK(grown.at("dnswitness/runs/index/000.p/9") == at_once.at("dnswitness/runs/index/000.p/9"));
  CHECK(at_once.at("dnswitness/runs/index/000.p/9").starts_with(expected));

  // A mirror makes its own from the leaves it copies: the same bytes.
  MirrorOptions m;
  m.source = tl.folder.string();
  m.dir = t.path() / "mirror";
  m.log_key = tl.verifier_key;
  (void)mirror_log(m);
  CHECK(index_files(m.dir) == at_once);

  // A line that says another start than its run's record stops the report, naming the file.
  const fs::path file = tl.folder / "dnswitness/runs/index/000.p/9";
  std::string lied = read_all(file);
  const std::string first_line = fmt::format("0 {}\n", tl.run_start[0]);
  REQUIRE(lied.find(first_line) != std::string::npos);
  lied.replace(lied.find(first_line), first_line.size(), fmt::format("0 {}\n", tl.run_start[0] + 1));
  write_all(file, lied);
  try {
    (void)remote_bundle(tl, request_at({shape.starts[6] + 5 * kMinute}));
    FAIL("a run index that lies was taken");
  } catch (const RemoteLogError& e) {
    CHECK(e.kind() == RemoteLogError::Kind::tampered);
    CHECK(std::string(e.what()).find("dnswitness/runs/index/000.p/9") != std::string::npos);
  }
  // One that does not parse too.
  write_all(file, "dnswitness-run-index/1\n0 x\n");
  CHECK_THROWS_AS((void)remote_bundle(tl, request_at({shape.starts[6] + 5 * kMinute})), RemoteLogError);
}
