// `publish --witness` and `watch --publish --witness` against real witness processes: two witnesses
// cosign, every answer is kept in the ledger, the published checkpoint carries both cosignatures and
// status shows them; a witness restarted between checkpoints carries on from the size it held; one
// that is down is a warning, recorded, asked again next time and then added to the checkpoint; a
// second ledger with the same key and origin (a fork) is refused by both, loudly (exit 4), with the
// refusals kept; a witness that accepts the connection and never answers costs a watch run no more
// than --witness-timeout and is recorded as failed.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "ledger/cosignatures.h"
#include "support/child_process.h"
#include "support/lab.h"
#include "support/published_log.h"
#include "support/witness_process.h"
#include "tlog/cosignature.h"

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

  // 1. Both cosign size 2; the published checkpoint is the note and both lines.
  auto r = publish_with(ledger, pub, options());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("The witness w1.example.jp cosigned the tree head of size 2.") != std::string::npos);
  CHECK(r.err.find("The witness w2.example.jp cosigned the tree head of size 2.") != std::string::npos);
  CHECK(cosigners(pub / "checkpoint", {v1, v2}) == std::vector<std::string>{"w1.example.jp", "w2.example.jp"});
  std::uint64_t size = 0;
  CHECK(published_folder_problem(pub, log_vkey, &size) == std::nullopt);
  CHECK(size == 2);
  auto rows = cosignature_rows_of(ledger);
  REQUIRE(rows.size() == 2);
  for (const auto& row : rows) {
    CHECK(row.status == "cosigned");
    CHECK(row.size == 2);
    CHECK(row.old_size == 0);
    CHECK(row.http_status == 200);
    CHECK(row.cosigned_at > 0);
  }
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
  // Back up, with no new run: asked again for the same tree head, and the checkpoint gains its line.
  w2 = std::make_unique<WitnessProcess>(t.path() / "w2", t.path() / "w2c.log");
  r = publish_with(ledger, pub, options());
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("already holds example.jp/dnswitness/witnessed at size 6; updated 1 files") != std::string::npos);
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
  append_small_run(forked, 40, kWitnessedOrigin, "fork");
  REQUIRE(verifier_key_of(forked) == log_vkey);
  r = publish_with(forked, forked_pub, options());
  CHECK(r.exit_code == 4);
  CHECK(r.err.find("WARNING: the witness w1.example.jp REFUSED the tree head of size 41 as inconsistent") !=
        std::string::npos);
  CHECK(r.err.find("2 witness(es) refused this tree as inconsistent") != std::string::npos);
  CHECK(r.out.find("Published example.jp/dnswitness/witnessed at size 41") != std::string::npos);
  CHECK(cosigners(forked_pub / "checkpoint", {v1, v2}).empty());
  const auto refused = cosignature_rows_of(forked);
  REQUIRE(refused.size() == 2);
  for (const auto& row : refused) {
    CHECK(row.status == "refused");
    CHECK(row.http_status == 422);
  }
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
      // Given up after --witness-timeout (curl's words), not after some longer default.
      CHECK(row.error.find("after 1000 milliseconds") != std::string::npos);
    }
  }
  CHECK(cosigners(pub / "checkpoint", {v1, v2}) == std::vector<std::string>{"w1.example.jp"});
}
