// A report drawn from a published log (reports/published_evidence_log.h) equals the report drawn
// from the ledger that was published: the same leaves, proofs, tree heads and tables, for login
// times between runs, before the first run, after the last, hours away from any run, and for a
// period; with the runs' summaries (tlog/run_summary.h) and without them. A published folder without
// its runs' tree heads, or with one replaced, is refused, and so is a run summary that was changed or
// that disagrees with the leaves.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "reports/bundle.h"
#include "reports/published_evidence_log.h"
#include "support/lab.h"
#include "support/timed_log.h"
#include "timeutil/timestamp.h"
#include "tlog/run_heads.h"
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

nlohmann::json remote_bundle(const TimedLog& tl, const ReportRequest& req, std::uint64_t* summaries = nullptr) {
  auto source = LogSource::open(tl.folder.string());
  const NoteVerifier key = parse_verifier_key(tl.verifier_key);
  auto log = RemoteLog::open(*source, key);
  PublishedEvidenceLog published(*log, key);
  auto bundle = build_bundle(published, req);
  if (summaries) *summaries = published.summaries_read();
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
  const nlohmann::json remote = remote_bundle(tl, req, &summaries);
  CHECK(remote.dump() == local.dump());
  CHECK(summaries > 0);  // the day around each login was read from the runs' summaries
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
