// Witness cosignatures in reports, on real parts: lab runs, two `witness serve` processes, publish
// --witness to both, a report from the ledger. Its newest tree head carries both cosignatures;
// verify checks and lists them, and `verify --policy` passes with a 2-of-2 quorum of the policy's
// own keys; it fails (exit 4) for a quorum the report does not meet, a log the policy does not list,
// a newest tree head no witness cosigned, and a report from a forked ledger (same key and origin,
// another tree) that the witnesses refused. A cosignature edited in the report fails verify itself;
// a policy that breaks the format is bad usage (exit 2).
#include <doctest/doctest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "support/lab.h"
#include "support/published_log.h"
#include "support/witness_process.h"
#include "ledger/signed_note.h"
#include "timeutil/timestamp.h"
#include "tlog/cosignature.h"

using namespace dnswitness;
using namespace dnswitness::test;
namespace fs = std::filesystem;

namespace {

constexpr const char* kReportedOrigin = "example.jp/dnswitness/cosigned-report";

void lab_run(const Lab& lab, const fs::path& ledger) {
  const auto r = run_dnswitness("resolve-snapshot --quiet --ledger " + ledger.string() + " --origin " +
                                kReportedOrigin + " --resolver knot=" + lab.knot() +
                                " --domains x.com --types A --ntp none");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
}

fs::path make_report(const fs::path& ledger, const fs::path& out, const std::string& format = "json") {
  const auto r = run_dnswitness("report --ledger " + ledger.string() + " --at " + format_rfc3339_ns(utc_now()) +
                                " --domains x.com --format " + format + " --out " + out.string());
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return out / "report.json";
}

CommandResult verify_with(const fs::path& report, const fs::path& policy, const std::string& text) {
  write_file(policy, text);
  return run_dnswitness("verify " + report.string() + " --policy " + policy.string());
}

}  // namespace

TEST_CASE("a report carries the witnesses' cosignatures, verify --policy enforces a quorum, a fork fails it") {
  const Lab lab;
  TempDir t;
  const fs::path ledger = t.path() / "ledger", pub = t.path() / "pub";
  lab_run(lab, ledger);
  lab_run(lab, ledger);
  const std::string log_vkey = verifier_key_of(ledger);
  const std::string v1 = make_witness_state(t.path() / "w1", "w1.example.jp", kReportedOrigin, log_vkey);
  const std::string v2 = make_witness_state(t.path() / "w2", "w2.example.org", kReportedOrigin, log_vkey);
  REQUIRE_FALSE(v1.empty());
  REQUIRE_FALSE(v2.empty());
  WitnessProcess w1(t.path() / "w1", t.path() / "w1.log");
  WitnessProcess w2(t.path() / "w2", t.path() / "w2.log");
  const std::string witnesses =
      " --witness w1.example.jp=" + w1.url + "+" + v1 + " --witness w2.example.org=" + w2.url + "+" + v2;
  auto r = run_dnswitness("publish --ledger " + ledger.string() + " --to " + pub.string() + witnesses);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);

  const fs::path report = make_report(ledger, t.path() / "report", "pdf,json");
  const auto doc = nlohmann::json::parse(read_file(report));
  const auto& newest = doc["checkpoints"].back();
  CHECK(newest["size"] == 4);
  REQUIRE(newest.contains("cosignatures"));
  REQUIRE(newest["cosignatures"].size() == 2);
  CHECK(newest["cosignatures"][0]["verifier_key"] == v1);
  CHECK(newest["cosignatures"][1]["verifier_key"] == v2);
  CHECK(newest["cosignatures"][0]["line"].get<std::string>().starts_with("\u2014 w1.example.jp "));
  CHECK_FALSE(doc["checkpoints"].front().contains("cosignatures"));  // size 2 was never sent to them

  // The PDF names each witness with its key fingerprint and its time, and says what that proves.
  {
    fs::path pdf;
    for (const auto& e : fs::directory_iterator(report.parent_path()))
      if (e.path().extension() == ".pdf") pdf = e.path();
    REQUIRE_FALSE(pdf.empty());
    const std::string text = run_command("pdftotext '" + pdf.string() + "' -").out;
    std::string flat;
    for (const char c : text)
      if (c != '\n' && c != ' ') flat += c;
    CHECK(flat.find("証人（ウィットネス）による連署") != std::string::npos);
    CHECK(flat.find("観測の内容そのものが正しいことや") != std::string::npos);
    CHECK(flat.find("w1.example.jp") != std::string::npos);
    CHECK(flat.find("w2.example.org") != std::string::npos);
    CHECK(flat.find(parse_cosignature_verifier_key(v1).key.fingerprint().substr(0, 16)) != std::string::npos);
    CHECK(flat.find("証人の連署：2件") != std::string::npos);
  }

  // Without a policy: checked with the keys the report names, and listed.
  r = run_dnswitness("verify " + report.string());
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("cosigned by the witness w1.example.jp at ") != std::string::npos);
  CHECK(r.out.find("cosigned by the witness w2.example.org at ") != std::string::npos);

  // A 2-of-2 policy, with keys of the reader's own (the same witnesses, named as the reader likes).
  const fs::path policy = t.path() / "policy";
  const std::string both = "# who we trust\nlog " + log_vkey + "\nwitness bar " + v1 + "\nwitness uni " + v2 +
                           " https://w2.example.org\ngroup both all bar uni\nquorum both\n";
  r = verify_with(report, policy, both);
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("its newest tree head (size 4) is cosigned by bar, uni") != std::string::npos);

  // A quorum the report does not meet: a third witness that never cosigned.
  const std::string v3 = format_cosignature_verifier_key(
      "w3.example.net", Ed25519PrivateKey::from_seed(Bytes(32, 9)).public_key());
  r = verify_with(report, policy,
                  "log " + log_vkey + "\nwitness bar " + v1 + "\nwitness other " + v3 + "\ngroup g all bar other\n"
                  "quorum g\n");
  CHECK(r.exit_code == 4);
  CHECK(r.err.find("does NOT meet the policy") != std::string::npos);
  CHECK(r.err.find("is cosigned by bar of the policy's witnesses, and the policy needs all 2 of the group 'g'") !=
        std::string::npos);
  // A log the policy does not list.
  const std::string stranger =
      format_verifier_key(kReportedOrigin, Ed25519PrivateKey::from_seed(Bytes(32, 4)).public_key());
  r = verify_with(report, policy, "log " + stranger + "\nwitness bar " + v1 + "\nquorum bar\n");
  CHECK(r.exit_code == 4);
  CHECK(r.err.find("is not one the policy lists") != std::string::npos);
  // A policy that breaks the format: bad usage, and the report is not judged.
  r = verify_with(report, policy, "witness bar " + v1 + "\nquorum nobody\n");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("breaks the tlog-policy format: line 2") != std::string::npos);

  // A cosignature edited in the report: the report itself is invalid.
  {
    auto edited = doc;
    std::string line = edited["checkpoints"].back()["cosignatures"][1]["line"];
    line[line.size() - 5] = line[line.size() - 5] == 'A' ? 'B' : 'A';
    edited["checkpoints"].back()["cosignatures"][1]["line"] = line;
    const fs::path copy = t.path() / "edited" / "report.json";
    fs::create_directories(copy.parent_path());
    write_file(copy, edited.dump(1));
    r = run_dnswitness("verify " + copy.string());
    CHECK(r.exit_code == 4);
    CHECK(r.err.find("the cosignature of w2.example.org on the tree head at size 4 does not verify") !=
          std::string::npos);
  }

  // A run not published yet: the newest tree head has no cosignature, so the policy is not met
  // (the older one's cosignatures are still listed).
  lab_run(lab, ledger);
  const fs::path later = make_report(ledger, t.path() / "later");
  r = verify_with(later, policy, both);
  CHECK(r.exit_code == 4);
  CHECK(r.err.find("the newest tree head of " + std::string(kReportedOrigin) +
                   " (size 6) is cosigned by none of the policy's witnesses") != std::string::npos);
  CHECK(run_dnswitness("verify " + later.string()).out.find("2 more witness cosignature(s) on older tree heads") !=
        std::string::npos);

  // A fork: the same key and origin, another tree. The witnesses refuse it; its report fails the policy.
  const fs::path forked = t.path() / "forked";
  fs::create_directories(forked / "keys");
  fs::permissions(forked / "keys", fs::perms::owner_all);
  fs::copy_file(ledger / "keys" / "ledger.key", forked / "keys" / "ledger.key");
  fs::copy_file(ledger / "keys" / "ledger.pub", forked / "keys" / "ledger.pub");
  for (int i = 0; i < 3; ++i) lab_run(lab, forked);
  REQUIRE(verifier_key_of(forked) == log_vkey);
  r = run_dnswitness("publish --ledger " + forked.string() + " --to " + (t.path() / "forked-pub").string() +
                     witnesses);
  CHECK(r.exit_code == 4);
  CHECK(r.err.find("REFUSED the tree head of size 6 as inconsistent") != std::string::npos);
  const fs::path forked_report = make_report(forked, t.path() / "forked-report");
  CHECK(run_dnswitness("verify " + forked_report.string()).exit_code == 0);  // signed by the key: valid alone
  r = verify_with(forked_report, policy, both);
  CHECK(r.exit_code == 4);
  CHECK(r.err.find("is cosigned by none of the policy's witnesses") != std::string::npos);
}
