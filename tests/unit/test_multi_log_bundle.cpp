// The multi-log report (reports/multi_log_bundle.h, dnswitness-report/3): two logs with their own
// keys, one read from its ledger and one from its published folder. Each log's part is exactly the
// single-log bundle of that log; the streamed bytes are the document's dump(1); verify checks each
// part with its own key and refuses a part that was changed, parts made for different requests, a
// log included twice, and a signed manifest claim; the PDF reader splits the file into its logs.
#include <doctest/doctest.h>

#include <filesystem>
#include <functional>

#include "reports/multi_log_bundle.h"
#include "reports/pdf/bundle_view.h"
#include "reports/published_evidence_log.h"
#include "reports/verify.h"
#include "support/lab.h"
#include "support/timed_log.h"
#include "timeutil/timestamp.h"

using namespace dnswitness;
using namespace dnswitness::test;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::int64_t kMinute = 60'000'000'000;

// Two logs observing the same hours: "a" every 10 minutes, "b" every 15 minutes from 3 minutes on.
struct TwoLogs {
  TempDir dir;
  TimedLog a, b;
  std::vector<std::int64_t> a_starts, b_starts;
  TwoLogs() {
    for (int k = 0; k < 6; ++k) a_starts.push_back(kTimedLogStart + k * 10 * kMinute);
    for (int k = 0; k < 4; ++k) b_starts.push_back(kTimedLogStart + 3 * kMinute + k * 15 * kMinute);
    fs::create_directories(dir.path() / "a");
    fs::create_directories(dir.path() / "b");
    a = make_timed_log(dir.path() / "a", {40, 300, 5, 70, 12, 9}, "example.jp/dnswitness/multi-a", a_starts);
    b = make_timed_log(dir.path() / "b", {30, 260, 8, 50}, "example.org/probes/multi-b", b_starts);
  }
};

ReportRequest request_at(std::int64_t t) {
  ReportRequest req;
  LoginInput at;
  at.kind = "command-line";
  at.name = "--at";
  at.values = {format_rfc3339_ns(UtcTime{t})};
  req.inputs.push_back(at);
  req.options.domains = {"api.x.com"};
  req.created_at = UtcTime{kTimedLogStart + 10 * kTimedLogDay};
  req.case_name = "令和8年(ワ)第123号";
  return req;
}

// Log "a" from its ledger, log "b" from its published folder.
struct OpenLogs {
  LedgerStore store;
  LedgerEvidenceLog a;
  std::unique_ptr<LogSource> source;
  NoteVerifier key;
  std::unique_ptr<RemoteLog> remote;
  PublishedEvidenceLog b;
  std::vector<LogPart> parts;
  explicit OpenLogs(const TwoLogs& l)
      : store(LedgerPaths{l.dir.path() / "a" / "ledger"}, LedgerStore::Mode::read_only),
        a(store),
        source(LogSource::open(l.b.folder.string())),
        key(parse_verifier_key(l.b.verifier_key)),
        remote(RemoteLog::open(*source, key)),
        b(*remote, key),
        parts{{kLocalLedgerSource, &a, nullptr}, {l.b.folder.string(), &b, nullptr}} {}
};

std::string streamed(const std::vector<LogPart>& parts, const ReportRequest& req, MultiLogWritten* w = nullptr) {
  std::string out;
  const MultiLogWritten written = write_multi_log_bundle(parts, req, [&](std::string_view s) { out += s; });
  if (w) *w = written;
  return out;
}

std::string failure_of(const json& doc) {
  const auto v = verify_bundle(doc.dump(1) + "\n");
  CHECK_FALSE(v.ok);
  return v.failure;
}

}  // namespace

TEST_CASE("a report of two logs: each part is that log's own bundle, streamed as the document, and verifies") {
  const TwoLogs logs;
  const ReportRequest req = request_at(kTimedLogStart + 22 * kMinute);
  OpenLogs open(logs);
  const json doc = build_multi_log_bundle(open.parts, req);
  MultiLogWritten w;
  const std::string bytes = streamed(open.parts, req, &w);
  CHECK(bytes == doc.dump(1) + "\n");
  CHECK(w.bytes == bytes.size());
  CHECK(w.parts.size() == 2);

  // The layout around the logs' bundles, frozen: what a verifier written from docs/report.md reads.
  CHECK(doc["format"] == "dnswitness-report/3");
  std::vector<std::string> keys;
  for (const auto& [k, _] : doc.items()) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"case", "created_at", "created_at_note", "format", "logs",
                                         "manifest_signature", "operator", "tool"});
  CHECK(doc["manifest_signature"].is_null());
  CHECK(doc["case"] == "令和8年(ワ)第123号");
  REQUIRE(doc["logs"].size() == 2);
  CHECK(doc["logs"][0]["source"] == "local");
  CHECK(doc["logs"][1]["source"] == logs.b.folder.string());
  CHECK(bytes.find("\n \"logs\": [\n  {\n   \"bundle\": {\n    \"case\": ") != std::string::npos);

  // Each part is exactly the single-log report of its log.
  CHECK(doc["logs"][0]["bundle"].dump() == build_bundle(open.a, req).dump());
  CHECK(doc["logs"][1]["bundle"].dump() == build_bundle(open.b, req).dump());
  CHECK(doc["logs"][0]["bundle"]["ledger"]["origin"] == "example.jp/dnswitness/multi-a");
  CHECK(doc["logs"][1]["bundle"]["ledger"]["origin"] == "example.org/probes/multi-b");
  // Both logs saw the login's window.
  for (const auto& part : doc["logs"]) {
    const auto& table = part["bundle"]["tables"]["logins"][0]["domains"][0];
    CHECK(table["before"]["addresses"].size() > 0);
    CHECK(table["after"]["addresses"].size() > 0);
  }

  const BundleVerification v = verify_bundle(bytes);
  INFO(v.failure);
  REQUIRE(v.ok);
  REQUIRE(v.logs.size() == 2);
  CHECK(v.logs[0].source == "local");
  CHECK(v.logs[0].origin == "example.jp/dnswitness/multi-a");
  CHECK(v.logs[1].origin == "example.org/probes/multi-b");
  CHECK(v.logs[1].verifier_key == logs.b.verifier_key);
  CHECK(v.leaves == v.logs[0].leaves + v.logs[1].leaves);
  CHECK(v.observation_leaves == v.logs[0].observation_leaves + v.logs[1].observation_leaves);
  CHECK(v.login_records == 1);
  CHECK(v.login_tables == 2);
  CHECK(v.completeness_checked);
  CHECK(v.manifest_signed == false);
  CHECK(v.origin.empty());

  // The PDF's reader splits the file into its logs, with the file's SHA-256.
  TempDir t;
  const fs::path file = t.path() / "report.json";
  write_file(file, bytes);
  const auto views = pdf::read_report_views(file);
  REQUIRE(views.size() == 2);
  CHECK(views[0].source == "local");
  CHECK(views[1].source == logs.b.folder.string());
  CHECK(views[0].observations.size() == v.logs[0].observation_leaves);
  CHECK(views[1].observations.size() == v.logs[1].observation_leaves);
  CHECK(views[1].run_records.size() == v.logs[1].run_leaves);
  CHECK(views[0].sha256_hex == views[1].sha256_hex);
  CHECK(views[0].doc["ledger"]["origin"] == "example.jp/dnswitness/multi-a");
  CHECK_THROWS_WITH_AS(pdf::read_bundle_view(file), doctest::Contains("several logs"), std::runtime_error);
  const json summary = pdf::combined_summary_doc(views);
  CHECK(summary["tables"]["logins"].size() == 2);
  CHECK(summary["observations"]["first"] <= views[1].doc["observations"]["first"]);
}

TEST_CASE("verify refuses a multi-log report whose parts were changed, disagree, repeat a log, or claim a signature") {
  const TwoLogs logs;
  const ReportRequest req = request_at(kTimedLogStart + 22 * kMinute);
  OpenLogs open(logs);
  const json good = build_multi_log_bundle(open.parts, req);
  REQUIRE(verify_bundle(good.dump(1) + "\n").ok);
  // Built once: each change is made to a copy of the good report (subcases would build it again).
  ReportRequest other = request_at(kTimedLogStart + 40 * kMinute);
  const json other_b = build_bundle(open.b, other);
  ReportRequest later = req;
  later.created_at = UtcTime{req.created_at.ns + 1};
  const json later_b = build_bundle(open.b, later);
  const std::string b_source = logs.b.folder.string();
  struct Change {
    const char* what;
    std::function<void(json&)> apply;
    std::string expected;  // the failure starts with it, or contains it when prefixed by '*'
  };
  const std::vector<Change> changes{
      {"a leaf of the second log changed",
       [](json& d) {
         std::string& data = d["logs"][1]["bundle"]["leaves"][3]["data_base64"].get_ref<std::string&>();
         data[10] = data[10] == 'A' ? 'B' : 'A';
       },
       "the log 2 (" + b_source + "): "},
      {"the second log's tables changed",
       [](json& d) { d["logs"][1]["bundle"]["tables"]["logins"][0]["warnings"].push_back("added"); }, "the log 2"},
      {"the parts answer different requests", [&](json& d) { d["logs"][1]["bundle"] = other_b; },
       "*its logins differ from those of the first log"},
      {"a part made at another time", [&](json& d) { d["logs"][1]["bundle"] = later_b; },
       "*its created_at differs from the report's"},
      {"the same log twice under two sources",
       [](json& d) {
         d["logs"][1] = d["logs"][0];
         d["logs"][1]["source"] = "https://mirror.example/a";
       },
       "*is included twice"},
      {"one log only", [](json& d) { d["logs"].erase(1); }, "*at least two logs"},
      {"a signed manifest claimed by the report", [](json& d) { d["manifest_signature"] = "manifest.sig"; },
       "*manifest_signature"},
      {"a signed manifest claimed by a part",
       [](json& d) { d["logs"][0]["bundle"]["manifest_signature"] = "manifest.sig"; }, "*manifest_signature"},
      {"a part of the older format", [](json& d) { d["logs"][0]["bundle"]["format"] = "dnswitness-report/1"; },
       "the log 1 (local): it is not a dnswitness-report/2 bundle"},
      {"the second log's key replaced by the first's",
       [](json& d) { d["logs"][1]["bundle"]["ledger"] = d["logs"][0]["bundle"]["ledger"]; }, "the log 2"},
  };
  for (const auto& c : changes) {
    CAPTURE(c.what);
    json doc = good;
    c.apply(doc);
    const std::string why = failure_of(doc);
    INFO(why);
    if (c.expected.front() == '*') CHECK(why.find(c.expected.substr(1)) != std::string::npos);
    else CHECK(why.find(c.expected) == 0);
  }
}

TEST_CASE("three logs' bundles are made at the same time and still written in order; one that fails stops the report") {
  const TwoLogs logs;
  TempDir third;
  std::vector<std::int64_t> c_starts;
  for (int k = 0; k < 5; ++k) c_starts.push_back(kTimedLogStart + 5 * kMinute + k * 12 * kMinute);
  const TimedLog c = make_timed_log(third.path(), {20, 90, 7, 33, 15}, "example.net/probes/multi-c", c_starts);
  const ReportRequest req = request_at(kTimedLogStart + 22 * kMinute);
  OpenLogs open(logs);
  const auto c_source = LogSource::open(c.folder.string());
  const NoteVerifier c_key = parse_verifier_key(c.verifier_key);
  const auto c_remote = RemoteLog::open(*c_source, c_key);
  PublishedEvidenceLog c_log(*c_remote, c_key);
  std::vector<LogPart> parts = open.parts;
  parts.push_back({c.folder.string(), &c_log, nullptr});

  const json doc = build_multi_log_bundle(parts, req);
  MultiLogWritten w;
  const std::string bytes = streamed(parts, req, &w);
  CHECK(bytes == doc.dump(1) + "\n");
  REQUIRE(w.parts.size() == 3);
  CHECK(w.parts[2].stats.observation_leaves > 0);
  REQUIRE(doc["logs"].size() == 3);
  CHECK(doc["logs"][2]["bundle"]["ledger"]["origin"] == "example.net/probes/multi-c");
  const BundleVerification v = verify_bundle(bytes);
  INFO(v.failure);
  CHECK(v.ok);

  // The third log's entry bundles gone: its part fails, and the report with it, with that log's error.
  TempDir copy;
  fs::copy(c.folder, copy.path() / "pub", fs::copy_options::recursive);
  fs::remove_all(copy.path() / "pub" / "tile" / "entries");
  const auto broken_source = LogSource::open((copy.path() / "pub").string());
  const auto broken_remote = RemoteLog::open(*broken_source, c_key);
  PublishedEvidenceLog broken(*broken_remote, c_key);
  parts.back().log = &broken;
  CHECK_THROWS_WITH_AS(streamed(parts, req), doctest::Contains("is missing"), RemoteLogError);
}
