// A report drawn from a published log (reports/published_evidence_log.h) equals the report drawn
// from the ledger that was published: the same leaves, proofs, tree heads and tables, for login
// times between runs, before the first run, after the last, hours away from any run, and for a
// period. A published folder without its runs' tree heads, or with one replaced, is refused.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "reports/bundle.h"
#include "reports/published_evidence_log.h"
#include "support/lab.h"
#include "support/timed_log.h"
#include "timeutil/timestamp.h"
#include "tlog/run_heads.h"

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

nlohmann::json remote_bundle(const TimedLog& tl, const ReportRequest& req) {
  auto source = LogSource::open(tl.folder.string());
  const NoteVerifier key = parse_verifier_key(tl.verifier_key);
  auto log = RemoteLog::open(*source, key);
  PublishedEvidenceLog published(*log, key);
  return build_bundle(published, req);
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
  const nlohmann::json remote = remote_bundle(tl, req);
  CHECK(remote.dump() == local.dump());
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
