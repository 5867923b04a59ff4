// `dnswitness report --log URL --log-key KEY` on real parts: lab runs recorded by the binary,
// published, served by nginx on loopback. The report drawn from the URL, and from a mirror of it,
// equals the report drawn from the ledger (same leaves, proofs, tree heads and tables) and verifies,
// read through the runs' summaries (tlog/run_summary.h), which the mirror copies only after checking
// them against the leaves;
// a missing key, another log's key, a byte flipped in a served entry bundle and a server that is down
// each stop the report with their exit code and one sentence, and write nothing. A report of two logs
// (a probe's ledger with --local, and the published log) carries each log's own report and verifies.
// A log of many runs is searched through its run index (tlog/run_index.h), cold and warm.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "ledger/signed_note.h"
#include "support/lab.h"
#include "support/report_pdfs.h"
#include "support/nginx.h"
#include "support/published_log.h"
#include "support/timed_log.h"
#include "tlog/log_source.h"
#include "tlog/run_summary.h"
#include "timeutil/timestamp.h"

using namespace dnswitness;
using namespace dnswitness::test;
namespace fs = std::filesystem;

namespace {

// report.json without the two members that differ by design: when it was made, and whether its
// manifest is signed (a report from a published log has no private key to sign with).
nlohmann::json comparable(const fs::path& out) {
  auto j = nlohmann::json::parse(read_file(out / "report.json"));
  j.erase("created_at");
  j.erase("manifest_signature");
  return j;
}

}  // namespace

TEST_CASE("a report drawn from a published log served by nginx equals the ledger's, and bad logs are refused") {
  const Lab lab;
  TempDir t;
  const fs::path ledger = t.path() / "ledger", pub = t.path() / "pub";
  for (int run = 0; run < 3; ++run) {
    const auto r = run_dnswitness("resolve-snapshot --ledger " + ledger.string() +
                                  " --origin example.jp/dnswitness/report-log --resolver knot=" + lab.knot() +
                                  " --resolver unbound=" + lab.unbound() +
                                  " --domains x.com,api.x.com,t.co --ntp none");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  }
  REQUIRE(run_dnswitness("publish --ledger " + ledger.string() + " --to " + pub.string()).exit_code == 0);
  NginxServer nginx(pub);
  const std::string key = verifier_key_of(ledger);
  const std::string cache = "XDG_CACHE_HOME=" + (t.path() / "cache").string() + " ";
  // A login time just after the runs: all three are in its window.
  const std::string at = " --at " + format_rfc3339_ns(utc_now()) + " --domains x.com,api.x.com,t.co ";
  const std::string log = " report --log " + nginx.url() + " --log-key '" + key + "'" + at;

  const auto local = run_dnswitness("report --ledger " + ledger.string() + at + "--format json --out " +
                                    (t.path() / "local").string());
  INFO(local.err);
  REQUIRE(local.exit_code == 0);
  const auto remote = run_command(cache + DNSWITNESS_BINARY + log + "--out " + (t.path() / "remote").string());
  INFO(remote.err);
  REQUIRE(remote.exit_code == 0);
  CHECK(remote.out.find("read from " + nginx.url()) != std::string::npos);
  CHECK(remote.out.find(", 3 run summaries") != std::string::npos);
  CHECK(comparable(t.path() / "remote") == comparable(t.path() / "local"));
  CHECK(comparable(t.path() / "local")["checkpoints"].size() == 3);
  const auto verified = run_dnswitness("verify " + (t.path() / "remote" / "report.json").string());
  INFO(verified.out);
  CHECK(verified.exit_code == 0);
  // The PDF was typeset from the remote bundle too.
  bool pdf = false;
  for (const auto& e : fs::directory_iterator(t.path() / "remote")) pdf = pdf || e.path().extension() == ".pdf";
  CHECK(pdf);

  {  // A mirror of the log is a log to report from.
    const fs::path copy = t.path() / "mirror";
    REQUIRE(run_dnswitness("mirror " + nginx.url() + " --to " + copy.string() + " --log-key '" + key + "'")
                .exit_code == 0);
    const auto r = run_dnswitness("report --log " + copy.string() + " --log-key '" + key + "'" + at +
                                  "--format json --out " + (t.path() / "from-mirror").string());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(comparable(t.path() / "from-mirror") == comparable(t.path() / "local"));
    // The summaries were copied (the report from the folder read them) with the same bytes.
    CHECK(r.out.find(", 3 run summaries") != std::string::npos);
    std::size_t summaries = 0;
    for (const auto& e : fs::recursive_directory_iterator(pub / "dnswitness" / "runs"))
      if (e.is_regular_file()) {
        ++summaries;
        CHECK(read_file(copy / fs::relative(e.path(), pub)) == read_file(e.path()));
      }
    CHECK(summaries == 3);

    // A summary the log's key signed but that says otherwise than its run's leaves: a new mirror
    // refuses the log (exit 4, naming it), and a report from the log stops at it too.
    const fs::path file = pub / "dnswitness" / "runs" / "000";
    const std::string original = read_file(file);
    const NoteVerifier verifier = parse_verifier_key(key);
    std::string why;
    auto s = open_run_summary(original, verifier.name, std::span(&verifier, 1), &why);
    REQUIRE_MESSAGE(s, why);
    REQUIRE(s->address_sets.size() > 1);
    s->rows.back().set = s->rows.back().set == 0 ? 1 : 0;
    const auto signer = Ed25519PrivateKey::load_pem_file(ledger / "keys" / "ledger.key");
    write_file(file, sign_note(run_summary_text(verifier.name, *s), verifier.name, signer));
    const auto refused = run_dnswitness("mirror " + nginx.url() + " --to " + (t.path() / "mirror-2").string() +
                                        " --log-key '" + key + "'");
    CHECK(refused.exit_code == 4);
    CHECK(refused.err.find(nginx.url() + "/dnswitness/runs/000 says otherwise than the leaves of its run") !=
          std::string::npos);
    CHECK_FALSE(fs::exists(t.path() / "mirror-2"));
    const auto report = run_command("XDG_CACHE_HOME=" + (t.path() / "cache-2").string() + " " + DNSWITNESS_BINARY +
                                    log + "--out " + (t.path() / "refused-report").string());
    CHECK(report.exit_code == 4);
    CHECK(report.err.find(nginx.url() + "/dnswitness/runs/000") != std::string::npos);
    CHECK_FALSE(fs::exists(t.path() / "refused-report"));
    write_file(file, original);
  }
  {  // A report of two logs: a probe's own ledger (--local) and the published log over nginx.
    const fs::path probe = t.path() / "probe";
    for (int run = 0; run < 2; ++run)
      REQUIRE(run_dnswitness("resolve-snapshot --ledger " + probe.string() +
                             " --origin example.org/probes/tokyo --resolver unbound=" + lab.unbound() +
                             " --domains x.com,api.x.com,t.co --ntp none")
                  .exit_code == 0);
    const fs::path multi = t.path() / "multi";
    const auto r = run_command(cache + DNSWITNESS_BINARY + " report --local --ledger " + probe.string() + " --log " +
                               nginx.url() + " --log-key '" + key + "'" + at + "--case 'Case 7' --out " +
                               multi.string());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("2 logs, dnswitness-report/3") != std::string::npos);
    CHECK(r.out.find("ledger example.org/probes/tokyo") != std::string::npos);
    CHECK(r.out.find("log example.jp/dnswitness/report-log") != std::string::npos);
    const auto doc = nlohmann::json::parse(read_file(multi / "report.json"));
    CHECK(doc["format"] == "dnswitness-report/3");
    REQUIRE(doc["logs"].size() == 2);
    CHECK(doc["logs"][0]["source"] == "local");
    CHECK(doc["logs"][1]["source"] == nginx.url());
    // The published log's part is the report that log alone gives.
    auto part = doc["logs"][1]["bundle"];
    part.erase("created_at");
    part.erase("manifest_signature");
    part.erase("case");
    auto alone = comparable(t.path() / "remote");
    alone.erase("case");
    CHECK(part == alone);
    // The probe ran after the login time, inside its window.
    CHECK(doc["logs"][0]["bundle"]["tables"]["logins"][0]["domains"][0]["after"]["addresses"].size() > 0);
    CHECK_FALSE(fs::exists(multi / "manifest.sig"));
    const auto v = run_dnswitness("verify " + (multi / "report.json").string());
    INFO(v.out);
    INFO(v.err);
    CHECK(v.exit_code == 0);
    CHECK(v.out.find("log 1 of 2: this machine's ledger") != std::string::npos);
    CHECK(v.out.find("log 2 of 2: " + nginx.url()) != std::string::npos);
    CHECK(v.out.find("verifier key " + key) != std::string::npos);
    CHECK(v.out.find("verifier key " + verifier_key_of(probe)) != std::string::npos);
    CHECK(v.out.find("report.sha256: every listed file matches") != std::string::npos);
    CHECK(v.err.find("draws on several logs") != std::string::npos);
    REQUIRE(!exhibit_pdf(multi).empty());
    for (const auto& file : {exhibit_pdf(multi), technical_pdf(multi)}) {
      const std::string text = pdf_text(file);
      CHECK(text.find("本書が用いるログ") != std::string::npos);
      CHECK(text.find("第1部（全2部）") != std::string::npos);
      CHECK(text.find("第2部（全2部）") != std::string::npos);
      CHECK(text.find("example.org/probes/tokyo") != std::string::npos);
    }
    // The second log's bundle waits in $TMPDIR until its turn: a TMPDIR that is not there is one
    // sentence naming it, exit 1, and no report.
    const fs::path no_tmp = t.path() / "no-such-tmp";
    const auto spill = run_command(cache + "TMPDIR=" + no_tmp.string() + " " + DNSWITNESS_BINARY +
                                   " report --local --ledger " + probe.string() + " --log " + nginx.url() +
                                   " --log-key '" + key + "'" + at + "--format json --out " +
                                   (t.path() / "multi-no-tmp").string());
    CHECK(spill.exit_code == 1);
    CHECK(spill.err.find("dnswitness: Cannot make a temporary file in " + no_tmp.string() +
                         " for a part of the report (No such file or directory)") != std::string::npos);
    CHECK_FALSE(fs::exists(t.path() / "multi-no-tmp" / "report.json"));
    // A manifest.sig put beside it is refused: no one key signs a report of several logs.
    write_file(multi / "manifest.sig", "x");
    CHECK(run_dnswitness("verify " + (multi / "report.json").string()).exit_code == 4);
    fs::remove(multi / "manifest.sig");

    // Refused before anything is written: keys that do not pair with the logs, a log given twice, the
    // same log as the ledger and as --log, --local without --log, --ledger with --log alone.
    const std::string two = " --log " + nginx.url() + " --log-key '" + key + "' --log " + pub.string();
    for (const auto& args : {two, two + " --log-key a --log-key b", " --log " + pub.string() + " --log-key '" + key +
                                 "' --log " + pub.string() + " --log-key '" + key + "'",
                             " --local --ledger " + ledger.string() + " --log " + pub.string() + " --log-key '" + key +
                                 "'",
                             std::string(" --local --ledger ") + ledger.string(),
                             " --ledger " + ledger.string() + " --log " + pub.string() + " --log-key '" + key + "'"}) {
      const fs::path o = t.path() / "multi-refused";
      const auto bad = run_command(cache + DNSWITNESS_BINARY + " report" + args + at + "--out " + o.string());
      CAPTURE(args);
      INFO(bad.err);
      CHECK(bad.exit_code == 2);
      CHECK(std::count(bad.err.begin(), bad.err.end(), '\n') == 1);
      CHECK_FALSE(fs::exists(o));
    }
  }
  // The refusals, one after the other (the setup above is too dear to repeat per subcase); each must
  // leave nothing written.
  int refusal = 0;
  const auto out = [&] { return t.path() / ("refused-" + std::to_string(++refusal)); };
  {  // no key: exit 2, naming the key log.json advertises
    const auto r = run_command(cache + DNSWITNESS_BINARY + " report --log " + nginx.url() + at + "--out " +
                               out().string());
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("advertises " + key) != std::string::npos);
    CHECK(r.err.find("check it with the log's operator") != std::string::npos);
  }
  {  // another log's key: exit 4
    append_small_run(t.path() / "other", 3, "example.jp/dnswitness/report-log");
    const auto r = run_command(cache + DNSWITNESS_BINARY + " report --log " + nginx.url() + " --log-key '" +
                               verifier_key_of(t.path() / "other") + "'" + at + "--out " + out().string());
    INFO(r.err);
    CHECK(r.exit_code == 4);
  }
  {  // a byte flipped in a served entry bundle: exit 4, naming its URL
    fs::path bundle;
    for (const auto& e : fs::recursive_directory_iterator(pub / "tile" / "entries"))
      if (e.is_regular_file()) bundle = e.path();
    REQUIRE(!bundle.empty());
    std::string bytes = read_file(bundle);
    bytes[bytes.size() / 2] ^= 0x01;
    write_file(bundle, bytes);
    const auto r = run_command("XDG_CACHE_HOME=" + (t.path() / "cold-cache").string() + " " + DNSWITNESS_BINARY +
                               log + "--out " + out().string());
    INFO(r.err);
    CHECK(r.exit_code == 4);
    CHECK(r.err.find(nginx.url() + "/" + fs::relative(bundle, pub).string()) != std::string::npos);
  }
  {  // the server is down: exit 1
    nginx.stop();
    const auto r = run_command("XDG_CACHE_HOME=" + (t.path() / "cold-cache").string() + " " + DNSWITNESS_BINARY +
                               log + "--out " + out().string());
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find(nginx.url()) != std::string::npos);
  }
  // Whatever stopped them, nothing was written.
  for (int k = 1; k <= refusal; ++k) CHECK(!fs::exists(t.path() / ("refused-" + std::to_string(k))));
  CHECK(refusal == 4);
}

TEST_CASE("fetch_many over nginx: many files at once, in order, absent ones as such, the first fault thrown") {
  TempDir t;
  const fs::path ledger = t.path() / "ledger", pub = t.path() / "pub";
  append_small_run(ledger, 4000);
  REQUIRE(run_dnswitness("publish --ledger " + ledger.string() + " --to " + pub.string()).exit_code == 0);
  std::vector<std::string> paths;
  for (const auto& e : fs::recursive_directory_iterator(pub))
    if (e.is_regular_file() && !e.path().filename().string().starts_with("."))
      paths.push_back(fs::relative(e.path(), pub).string());
  REQUIRE(paths.size() > 3 * LogSource::kParallelFetches);
  paths.insert(paths.begin() + 5, "tile/entries/x999/999");  // absent
  {
    NginxServer nginx(pub);
    auto source = LogSource::open(nginx.url());
    const auto got = source->fetch_many(paths);
    REQUIRE(got.size() == paths.size());
    for (std::size_t i = 0; i < paths.size(); ++i) {
      INFO(paths[i]);
      if (i == 5) {
        CHECK_FALSE(got[i].has_value());
        continue;
      }
      REQUIRE(got[i].has_value());
      CHECK(std::string(got[i]->begin(), got[i]->end()) == read_file(pub / paths[i]));
    }
    CHECK(source->requests() == paths.size());
  }
  NginxServer faulty(pub, "    location = /tile/0/000 { return 500; }\n    location = /tile/0/001 { return 503; }");
  auto source = LogSource::open(faulty.url());
  // Both fail; the first in the list is the one reported.
  const std::vector<std::string> three = {"tile/entries/000", "tile/0/000", "tile/0/001"};
  try {
    (void)source->fetch_many(three);
    FAIL("a server answering 500 was accepted");
  } catch (const LogFetchError& e) {
    CHECK(std::string(e.what()).find(faulty.url() + "/tile/0/000 answered HTTP 500") != std::string::npos);
  }
}

TEST_CASE("a log of many runs over nginx: its run index finds each login's runs, cold and warm, as the ledger does") {
  // 60 runs of 100 observations, 10 minutes apart: 6,060 leaves in 23 full bundles and one file of
  // the run index; three login times in the middle of the runs and one before them all.
  TempDir t;
  std::vector<std::size_t> sizes(60, 100);
  std::vector<std::int64_t> starts;
  constexpr std::int64_t kTenMinutes = 600'000'000'000;
  for (std::size_t k = 0; k < sizes.size(); ++k)
    starts.push_back(kTimedLogStart + static_cast<std::int64_t>(k) * kTenMinutes);
  const TimedLog tl = make_timed_log(t.path(), sizes, "example.jp/dnswitness/many-runs", starts);
  REQUIRE(fs::exists(tl.folder / "dnswitness/runs/index/000.p/23"));
  NginxServer nginx(tl.folder);
  std::string at = " --domains api.x.com";
  for (const std::int64_t ns : {starts[20] + 90'000'000'000, starts[33] + 1, starts[51] + 300'000'000'000,
                                starts[0] - 7'200'000'000'000})
    at += " --at " + format_rfc3339_ns(UtcTime{ns});
  const auto local = run_dnswitness("report --ledger " + (t.path() / "ledger").string() + at +
                                    " --format json --out " + (t.path() / "local").string());
  INFO(local.err);
  REQUIRE(local.exit_code == 0);
  const std::string cache = "XDG_CACHE_HOME=" + (t.path() / "cache").string() + " ";
  const std::string remote = cache + DNSWITNESS_BINARY + " report --log " + nginx.url() + " --log-key '" +
                             tl.verifier_key + "'" + at + " --format json --force --out " +
                             (t.path() / "remote").string();
  std::vector<std::uint64_t> fetched;
  for (const char* pass : {"cold", "warm"}) {
    CAPTURE(pass);
    const auto r = run_command(remote);
    INFO(r.err);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(comparable(t.path() / "remote") == comparable(t.path() / "local"));
    // The runs came from their summaries; a few bundles were read for the leaves the report carries.
    CHECK(r.out.find(", 60 run summaries") != std::string::npos);
    CHECK(r.out.find(" 0 entry bundles") == std::string::npos);
    const auto at_bytes = r.out.find(" bytes fetched");
    REQUIRE(at_bytes != std::string::npos);
    const auto from = r.out.rfind(' ', at_bytes - 1) + 1;
    fetched.push_back(std::stoull(r.out.substr(from, at_bytes - from)));
  }
  // Warm, what was fetched cold (summaries, run index, tiles, bundles) came from the cache.
  CHECK(fetched[1] * 20 < fetched[0]);
  CHECK(run_dnswitness("verify " + (t.path() / "remote" / "report.json").string()).exit_code == 0);
  // The run index and the summaries are in the cache like tiles.
  bool cached_index = false;
  for (const auto& e : fs::recursive_directory_iterator(t.path() / "cache"))
    cached_index = cached_index || e.path().generic_string().ends_with("dnswitness/runs/index/000.p/23");
  CHECK(cached_index);
}
