// The log's witnesses, end to end on real parts: lab runs, `witness serve` processes, nginx.
//
// publish --witness and watch --publish --witness: two witnesses cosign, every answer is kept in the
// ledger, the published checkpoint carries both cosignatures and dnswitness/cosignatures/ lists them,
// status shows them; a witness restarted between checkpoints carries on from the size it held; one
// that is down is a warning, recorded, asked again next time and then added to the checkpoint; a
// second ledger with the same key and origin (a fork) is refused by both, loudly (exit 4), with the
// refusals kept, and `status --max-age` tells a monitoring system OK, WARNING, CRITICAL or UNKNOWN;
// a witness that accepts the connection and never answers costs a watch run no more than
// --witness-timeout and is recorded as failed.
//
// Reports: the newest tree head carries both cosignatures (so does a report drawn from the log as
// nginx serves it, and a mirror copies them); verify checks and lists them, and `verify --policy`
// passes with a 2-of-2 quorum of the policy's own keys. It fails (exit 4) for a quorum the report
// does not meet, a log the policy does not list, a newest tree head no witness cosigned, and a
// report from a forked ledger that the witnesses refused. A cosignature edited in the report fails
// verify itself; a policy that breaks the format is bad usage (exit 2).
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ledger/cosignatures.h"
#include "ledger/signed_note.h"
#include "support/child_process.h"
#include "support/lab.h"
#include "support/report_pdfs.h"
#include "support/nginx.h"
#include "support/published_log.h"
#include "support/witness_process.h"
#include "timeutil/timestamp.h"
#include "tlog/cosignature.h"
#include "tlog/run_heads.h"

using namespace dnswitness;
using namespace dnswitness::test;
namespace fs = std::filesystem;

namespace {

constexpr const char* kWitnessedOrigin = "example.jp/dnswitness/witnessed";

CommandResult publish_with(const fs::path& ledger, const fs::path& to, const std::string& witnesses) {
  return run_command(std::string(DNSWITNESS_BINARY) + " publish --no-default-config --ledger " + ledger.string() +
                     " --to " + to.string() + " " + witnesses);
}

// One lab run (one observation) into the ledger, as cron would make it.
void run_once(const Lab& lab, const fs::path& ledger) {
  const auto r = run_dnswitness("resolve-snapshot --quiet --ledger " + ledger.string() + " --origin " +
                                kWitnessedOrigin + " --resolver knot=" + lab.knot() +
                                " --domains x.com --types A --ntp none");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
}

std::vector<CosignatureRow> cosignature_rows_of(const fs::path& ledger) {
  LedgerStore store(LedgerPaths{ledger}, LedgerStore::Mode::read_only);
  return read_cosignatures(store.db());
}

// The witnesses whose cosignature on `checkpoint_file` verifies, by name.
std::vector<std::string> cosigners(const fs::path& checkpoint_file, const std::vector<std::string>& vkeys) {
  std::vector<CosignatureVerifier> verifiers;
  for (const auto& v : vkeys) verifiers.push_back(parse_cosignature_verifier_key(v));
  const auto check = verify_cosignatures(read_file(checkpoint_file), verifiers);
  std::vector<std::string> names;
  if (!check) return {"(" + check.problem + ")"};
  for (const auto& v : check.verified) names.push_back(v.name);
  return names;
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

TEST_CASE("publish --witness: two witnesses cosign, a restart keeps state, one down is retried, a fork is refused") {
  const Lab lab;
  TempDir t;
  const fs::path ledger = t.path() / "ledger", pub = t.path() / "pub";
  run_once(lab, ledger);
  const std::string log_vkey = verifier_key_of(ledger);
  const std::string v1 = make_witness_state(t.path() / "w1", "w1.example.jp", kWitnessedOrigin, log_vkey);
  const std::string v2 = make_witness_state(t.path() / "w2", "w2.example.jp", kWitnessedOrigin, log_vkey);
  REQUIRE_FALSE(v1.empty());
  REQUIRE_FALSE(v2.empty());
  auto w1 = std::make_unique<WitnessProcess>(t.path() / "w1", t.path() / "w1.log");
  auto w2 = std::make_unique<WitnessProcess>(t.path() / "w2", t.path() / "w2.log");
  const auto options = [&] {
    return "--witness w1.example.jp=" + w1->url + "+" + v1 + " --witness w2.example.jp=" + w2->url + "+" + v2;
  };

  // 1. Both cosign size 2 (named in a config file); the published checkpoint is the note and both
  // lines, and dnswitness/cosignatures/ lists them with their keys.
  const fs::path config = t.path() / "config.json";
  write_file(config, nlohmann::json{{"witnesses", {"w1.example.jp=" + w1->url + "+" + v1,
                                                   "w2.example.jp=" + w2->url + "+" + v2}},
                                    {"witness_timeout_s", 5}}
                         .dump());
  auto r = publish_with(ledger, pub, "--config " + config.string());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("The witness w1.example.jp cosigned the tree head of size 2.") != std::string::npos);
  CHECK(r.err.find("The witness w2.example.jp cosigned the tree head of size 2.") != std::string::npos);
  CHECK(cosigners(pub / "checkpoint", {v1, v2}) == std::vector<std::string>{"w1.example.jp", "w2.example.jp"});
  std::uint64_t size = 0;
  CHECK(published_folder_problem(pub, log_vkey, &size) == std::nullopt);
  CHECK(size == 2);
  {
    const auto list = nlohmann::json::parse(read_file(pub / run_cosignatures_path(2)));
    REQUIRE(list.size() == 2);
    CHECK(list[0]["verifier_key"] == v1);
    CHECK(list[1]["verifier_key"] == v2);
    CHECK(read_file(pub / "checkpoint").ends_with(list[1]["line"].get<std::string>()));
  }
  auto rows = cosignature_rows_of(ledger);
  REQUIRE(rows.size() == 2);
  for (const auto& row : rows) {
    CHECK(row.status == "cosigned");
    CHECK(row.size == 2);
    CHECK(row.old_size == 0);
    CHECK(row.http_status == 200);
    CHECK(row.cosigned_at > 0);
  }
  // A monitoring system hears OK.
  auto health = run_dnswitness("status --ledger " + ledger.string() + " --max-age 1h");
  CHECK(health.exit_code == 0);
  CHECK(health.out.starts_with("DNSWITNESS OK - last run "));
  // Nothing new: no request is sent again.
  r = publish_with(ledger, pub, options());
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("already cosigned at size 2 by w1.example.jp, w2.example.jp") != std::string::npos);
  CHECK(cosignature_rows_of(ledger).size() == 2);

  // 2. A restarted witness keeps its state: the next request from 2 is taken as it is (no 409, so
  // the row's old size stays 2).
  REQUIRE(w2->stop() == 0);
  w2 = std::make_unique<WitnessProcess>(t.path() / "w2", t.path() / "w2b.log");
  run_once(lab, ledger);
  r = publish_with(ledger, pub, options());
  CHECK(r.exit_code == 0);
  rows = cosignature_rows_of(ledger);
  REQUIRE(rows.size() == 4);
  CHECK(rows[2].size == 4);
  CHECK(rows[3].size == 4);
  CHECK(rows[2].old_size == 2);
  CHECK(rows[3].old_size == 2);
  CHECK(rows[3].status == "cosigned");

  // 3. A witness that is down: a warning, exit 0, a failed row; the checkpoint carries the other.
  const std::string w2_url = w2->url;
  REQUIRE(w2->stop() == 0);
  run_once(lab, ledger);
  r = publish_with(ledger, pub,
                   "--witness w1.example.jp=" + w1->url + "+" + v1 + " --witness w2.example.jp=" + w2_url + "+" + v2);
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("WARNING: the witness w2.example.jp did not cosign the tree head of size 6") != std::string::npos);
  CHECK(cosigners(pub / "checkpoint", {v1, v2}) == std::vector<std::string>{"w1.example.jp"});
  rows = cosignature_rows_of(ledger);
  REQUIRE(rows.size() == 6);
  CHECK(rows.back().witness == "w2.example.jp");
  CHECK(rows.back().status == "failed");
  CHECK(rows.back().http_status == 0);
  CHECK(rows.back().error.find("did not answer") != std::string::npos);
  auto status = run_dnswitness("status --ledger " + ledger.string());
  INFO(status.out, status.err);
  const std::string id1 = v1.substr(14, 8), id2 = v2.substr(14, 8);  // after "wN.example.jp+"
  CHECK(status.out.find("witness w1.example.jp (key " + id1 + "): cosigned size 6") != std::string::npos);
  CHECK(status.out.find("witness w2.example.jp (key " + id2 + "): FAILED at size 6") != std::string::npos);
  CHECK(status.out.find("newest it cosigned: size 4") != std::string::npos);
  health = run_dnswitness("status --ledger " + ledger.string() + " --max-age 1h");
  CHECK(health.exit_code == 1);
  CHECK(health.out.starts_with("DNSWITNESS WARNING - witness w2.example.jp: failed at size 6 ("));
  // Back up, with no new run: asked again for the same tree head, and the checkpoint gains its line.
  w2 = std::make_unique<WitnessProcess>(t.path() / "w2", t.path() / "w2c.log");
  r = publish_with(ledger, pub, options());
  CHECK(r.exit_code == 0);
  // The checkpoint, the cosignature list of size 6 and its published-through mark.
  CHECK_MESSAGE(r.out.find("already holds example.jp/dnswitness/witnessed at size 6; updated 3 files") !=
                    std::string::npos,
                r.out);
  CHECK(nlohmann::json::parse(read_file(pub / run_cosignatures_path(6))).size() == 2);
  CHECK(cosigners(pub / "checkpoint", {v1, v2}) == std::vector<std::string>{"w1.example.jp", "w2.example.jp"});
  CHECK(published_folder_problem(pub, log_vkey, &size) == std::nullopt);
  status = run_dnswitness("status --ledger " + ledger.string() + " --json");
  CHECK(status.out.find("\"newest_cosigned_size\": 6") != std::string::npos);

  // 4. A fork: another ledger with the same key and origin, and another tree. Both witnesses
  // refuse it (they hold size 6 of the first); publishing goes on, exit 4, the refusals are kept.
  const fs::path forked = t.path() / "forked", forked_pub = t.path() / "forked-pub";
  fs::create_directories(forked / "keys");
  fs::permissions(forked / "keys", fs::perms::owner_all);
  fs::copy_file(ledger / "keys" / "ledger.key", forked / "keys" / "ledger.key");
  fs::copy_file(ledger / "keys" / "ledger.pub", forked / "keys" / "ledger.pub");
  for (int i = 0; i < 4; ++i) run_once(lab, forked);
  REQUIRE(verifier_key_of(forked) == log_vkey);
  r = publish_with(forked, forked_pub, options());
  CHECK(r.exit_code == 4);
  CHECK(r.err.find("WARNING: the witness w1.example.jp REFUSED the tree head of size 8 as inconsistent") !=
        std::string::npos);
  CHECK(r.err.find("2 witness(es) refused this tree as inconsistent") != std::string::npos);
  CHECK(r.out.find("Published example.jp/dnswitness/witnessed at size 8") != std::string::npos);
  CHECK(cosigners(forked_pub / "checkpoint", {v1, v2}).empty());
  const auto refused = cosignature_rows_of(forked);
  REQUIRE(refused.size() == 2);
  for (const auto& row : refused) {
    CHECK(row.status == "refused");
    CHECK(row.http_status == 422);
  }
  // For a monitoring system the refusal is CRITICAL; a ledger it cannot read is UNKNOWN.
  health = run_dnswitness("status --ledger " + forked.string() + " --max-age 1h");
  CHECK(health.exit_code == 2);
  CHECK(health.out.starts_with("DNSWITNESS CRITICAL - witness w1.example.jp: refused at size 8 ("));
  health = run_dnswitness("status --ledger " + (t.path() / "nowhere").string() + " --max-age 1h");
  CHECK(health.exit_code == 3);
  CHECK(health.out.starts_with("DNSWITNESS UNKNOWN - "));
  // The witnesses still hold the first ledger's tree: it goes on being cosigned.
  run_once(lab, ledger);
  CHECK(publish_with(ledger, pub, options()).exit_code == 0);
  CHECK(cosigners(pub / "checkpoint", {v1, v2}) == std::vector<std::string>{"w1.example.jp", "w2.example.jp"});
}

TEST_CASE("watch --publish --witness: a witness that never answers costs a run its timeout, and is recorded") {
  const Lab lab;
  TempDir t;
  const fs::path ledger = t.path() / "ledger", pub = t.path() / "pub";
  REQUIRE(run_dnswitness("keygen --ledger " + ledger.string() + " --origin " + kWitnessedOrigin).exit_code == 0);
  const std::string v1 = make_witness_state(t.path() / "w1", "w1.example.jp", kWitnessedOrigin,
                                            verifier_key_of(ledger));
  REQUIRE_FALSE(v1.empty());
  WitnessProcess w1(t.path() / "w1", t.path() / "w1.log");
  // A port that accepts connections (the kernel's backlog) and never answers.
  const int hang = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(hang >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(hang, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(hang, 16) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(hang, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  const std::string hang_url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  const std::string v2 = format_cosignature_verifier_key(
      "hang.example.jp", Ed25519PrivateKey::from_seed(Bytes(32, 7)).public_key());

  const auto r = run_dnswitness("watch --count 2 --interval 2s --jitter 0 --ledger " + ledger.string() +
                                " --publish " + pub.string() + " --resolver knot=" + lab.knot() +
                                " --domains x.com --types A --ntp none --witness-timeout 1 --witness w1.example.jp=" +
                                w1.url + "+" + v1 + " --witness hang.example.jp=" + hang_url + "+" + v2);
  ::close(hang);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("Published example.jp/dnswitness/witnessed at size 2 (was 0)") != std::string::npos);
  CHECK(count_of(r.err, "Published example.jp/dnswitness/witnessed at size") == 2);
  const auto rows = cosignature_rows_of(ledger);
  REQUIRE(rows.size() == 4);
  for (const auto& row : rows) {
    CAPTURE(row.witness);
    if (row.witness == "w1.example.jp") {
      CHECK(row.status == "cosigned");
    } else {
      CHECK(row.status == "failed");
      CHECK(row.http_status == 0);
      // Given up after --witness-timeout (curl's words, "after 1003 milliseconds" on a busy machine),
      // not after the 10 s default; how much later than 1 s a loaded machine notices is not checked.
      const auto after = row.error.find("timed out after ");
      REQUIRE(after != std::string::npos);
      const long waited_ms = std::stol(row.error.substr(after + 16));
      CHECK(waited_ms >= 1000);
      CHECK(waited_ms < 10000);
    }
  }
  CHECK(cosigners(pub / "checkpoint", {v1, v2}) == std::vector<std::string>{"w1.example.jp"});
}

TEST_CASE("a report carries the witnesses' cosignatures, verify --policy enforces a quorum, a fork fails it") {
  const Lab lab;
  TempDir t;
  const fs::path ledger = t.path() / "ledger", pub = t.path() / "pub";
  run_once(lab, ledger);
  run_once(lab, ledger);
  const std::string log_vkey = verifier_key_of(ledger);
  const std::string v1 = make_witness_state(t.path() / "w1", "w1.example.jp", kWitnessedOrigin, log_vkey);
  const std::string v2 = make_witness_state(t.path() / "w2", "w2.example.org", kWitnessedOrigin, log_vkey);
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
    REQUIRE_FALSE(technical_pdf(report.parent_path()).empty());
    const std::string flat = squeezed_text(report_pdfs_text(report.parent_path()));
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

  // The same from the published log served by the documented nginx block (report --log): its
  // cosignature lists, never cached, give the same lines.
  {
    NginxServer nginx(pub);
    const std::string headers =
        run_command("curl -sS --noproxy '*' -D - -o /dev/null '" + nginx.url() + "/dnswitness/cosignatures/004'").out;
    INFO(headers);
    CHECK(headers.find("HTTP/1.1 200") == 0);
    CHECK(headers.find("Content-Type: application/json\r\n") != std::string::npos);
    CHECK(headers.find("Cache-Control: no-store\r\n") != std::string::npos);
    const auto remote = run_command("XDG_CACHE_HOME=" + (t.path() / "cache").string() + " " + DNSWITNESS_BINARY +
                                    " report --log " + nginx.url() + " --log-key '" + log_vkey + "' --at " +
                                    format_rfc3339_ns(utc_now()) + " --domains x.com --format json --out " +
                                    (t.path() / "remote").string());
    REQUIRE_MESSAGE(remote.exit_code == 0, remote.err);
    const auto remote_doc = nlohmann::json::parse(read_file(t.path() / "remote" / "report.json"));
    CHECK(remote_doc["checkpoints"].back()["cosignatures"] == newest["cosignatures"]);
    const auto checked = verify_with(t.path() / "remote" / "report.json", policy, both);
    CHECK_MESSAGE(checked.exit_code == 0, checked.err);
    // A mirror copies the lists with the run heads.
    const auto mirrored = run_dnswitness("mirror " + nginx.url() + " --to " + (t.path() / "mirror").string() +
                                         " --log-key '" + log_vkey + "'");
    CHECK_MESSAGE(mirrored.exit_code == 0, mirrored.err);
    CHECK(read_file(t.path() / "mirror" / "dnswitness/cosignatures/004") ==
          read_file(pub / "dnswitness/cosignatures/004"));
  }

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
      format_verifier_key(kWitnessedOrigin, Ed25519PrivateKey::from_seed(Bytes(32, 4)).public_key());
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
  run_once(lab, ledger);
  const fs::path later = make_report(ledger, t.path() / "later");
  r = verify_with(later, policy, both);
  CHECK(r.exit_code == 4);
  CHECK(r.err.find("the newest tree head of " + std::string(kWitnessedOrigin) +
                   " (size 6) is cosigned by none of the policy's witnesses") != std::string::npos);
  CHECK(run_dnswitness("verify " + later.string()).out.find("2 more witness cosignature(s) on older tree heads") !=
        std::string::npos);

  // A fork: the same key and origin, another tree. The witnesses refuse it; its report fails the policy.
  const fs::path forked = t.path() / "forked";
  fs::create_directories(forked / "keys");
  fs::permissions(forked / "keys", fs::perms::owner_all);
  fs::copy_file(ledger / "keys" / "ledger.key", forked / "keys" / "ledger.key");
  fs::copy_file(ledger / "keys" / "ledger.pub", forked / "keys" / "ledger.pub");
  for (int i = 0; i < 3; ++i) run_once(lab, forked);
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
