// `dnswitness witness serve` as a real process on a loopback port, asked over HTTP with curl: the
// spec's statuses, bodies and content types; the server going on after each malformed request; 50
// concurrent add-checkpoint requests for one log, of which exactly one wins and the size never goes
// back; the newest cosigned checkpoint at the monitoring path; SIGTERM stopping it with its state
// kept for the next start. The log's client (tlog/witness_client.h) against the same process: a
// cosignature checked with the witness's key, a 409 answered by one retry, a fork refused, a witness
// down reported as such.
#include <doctest/doctest.h>

#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>

#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "model/errors.h"
#include "support/child_process.h"
#include "support/lab.h"
#include "support/tree_log.h"
#include "support/witness_process.h"
#include "tlog/cosignature.h"
#include "tlog/witness_client.h"

using namespace dnswitness;
using namespace dnswitness::test;
namespace fs = std::filesystem;

namespace {

std::string hex_origin(const std::string& origin) {
  return hex_encode(sha256(ByteView(reinterpret_cast<const std::uint8_t*>(origin.data()), origin.size())));
}

}  // namespace

TEST_CASE("witness serve: statuses over HTTP, 50 concurrent requests, the monitoring path, SIGTERM and restart") {
  TempDir t;
  const fs::path state = t.path() / "witness";
  const TreeLog log;
  REQUIRE(run_dnswitness("witness keygen --state " + state.string() + " --name witness.example/http").exit_code == 0);
  const auto added = run_dnswitness("witness add-log --state " + state.string() + " --origin " + log.origin +
                                    " --key '" + log.vkey() + "'");
  INFO(added.err);
  REQUIRE(added.exit_code == 0);
  const std::string vkey = [&] {
    const auto shown = run_dnswitness("witness show --state " + state.string());
    const auto at = shown.out.find("verifier key: ");
    return shown.out.substr(at + 14, shown.out.find('\n', at) - at - 14);
  }();
  const auto verifier = parse_cosignature_verifier_key(vkey);

  {
    WitnessProcess w(state, t.path() / "serve1.log");
    // The first checkpoint, from old 0; the answer is a cosignature line that verifies.
    WitnessAnswer a = w.post(t.path(), log.request(0, 100));
    INFO(a.body);
    REQUIRE(a.status == 200);
    CHECK(a.content_type.starts_with("text/plain"));
    const auto check = verify_cosignatures(log.note(100) + a.body, std::span<const CosignatureVerifier>(&verifier, 1));
    CHECK(check);
    CHECK(check.verified.size() == 1);

    // Malformed requests, each with its status, and the server answering the next one.
    const std::map<std::string, int> bad{
        {"old x\n\n" + log.note(150), 400},
        {"old 100\n" + std::string(64, '!') + "\n\n" + log.note(150), 400},
        {"old 100\n" + std::string(20000, 'A') + "\n\n" + log.note(150), 413},
        {TreeLog("fork ").request(100, 100), 422},
        {log.request(100, 150, false), 422},
        {log.request(200, 150), 400},
    };
    for (const auto& [body, status] : bad) {
      CAPTURE(body.substr(0, 60));
      const WitnessAnswer r = w.post(t.path(), body);
      CHECK(r.status == status);
      CHECK(w.get(t.path(), "/no-such-path").status == 404);
    }
    TreeLog stranger;
    stranger.origin = "log.example/stranger";
    CHECK(w.post(t.path(), stranger.request(0, 5)).status == 404);
    TreeLog rekeyed;
    rekeyed.key = Ed25519PrivateKey::from_seed(Bytes(32, 99));
    CHECK(w.post(t.path(), rekeyed.request(100, 150)).status == 403);
    CHECK(w.get(t.path(), "/add-checkpoint").status == 405);
    a = w.post(t.path(), log.request(0, 150));
    CHECK(a.status == 409);
    CHECK(a.content_type == "text/x.tlog.size");
    CHECK(a.body == "100\n");

    // 50 requests at once, all from size 100 to sizes 101..150: one wins, the others learn its size.
    std::string script;
    for (int k = 1; k <= 50; ++k) {
      const fs::path in = t.path() / ("c" + std::to_string(k));
      write_file(in, log.request(100, 100 + k));
      script += "curl -s -o /dev/null -w '%{http_code}\\n' --data-binary @" + in.string() + " " + w.url +
                "/add-checkpoint >> " + (t.path() / "codes").string() + " &\n";
    }
    script += "wait\n";
    write_file(t.path() / "burst.sh", script);
    REQUIRE(run_command("sh " + (t.path() / "burst.sh").string()).exit_code == 0);
    const std::string codes = read_file(t.path() / "codes");
    CHECK(std::count(codes.begin(), codes.end(), '\n') == 50);
    CHECK(count_of(codes, "200\n") == 1);
    CHECK(count_of(codes, "409\n") == 49);
    a = w.post(t.path(), log.request(0, 150));
    REQUIRE(a.status == 409);
    const std::uint64_t won = std::stoull(a.body);
    CHECK(won > 100);
    CHECK(won <= 150);
    // The newest cosigned checkpoint at the monitoring path.
    a = w.get(t.path(), "/" + hex_origin(log.origin) + "/checkpoint");
    CHECK(a.status == 200);
    CHECK(a.body.starts_with(log.note(won)));
    CHECK(verify_cosignatures(a.body, std::span<const CosignatureVerifier>(&verifier, 1)).verified.size() == 1);
    CHECK(w.stop() == 0);
    CHECK(read_file(w.log).find("witness stopped") != std::string::npos);
  }
  {  // Restarted: it holds what it held.
    WitnessProcess w(state, t.path() / "serve2.log");
    const WitnessAnswer a = w.post(t.path(), log.request(0, 160));
    CHECK(a.status == 409);
    const std::uint64_t held = std::stoull(a.body);
    CHECK(held > 100);
    CHECK(w.post(t.path(), log.request(held, 160)).status == 200);
  }
  // Bad usage: exit 2, one sentence, the state untouched.
  for (const std::string& args : {"witness serve --state " + state.string() + " --listen nowhere",
                                 "witness serve --state " + (t.path() / "none").string(),
                                 "witness keygen --state " + state.string() + " --name other.example/1",
                                 "witness add-log --state " + state.string() + " --origin other.example/x --key '" +
                                     log.vkey() + "'"}) {
    CAPTURE(args);
    const auto r = run_dnswitness(args);
    CHECK(r.exit_code == 2);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
}

TEST_CASE("request_cosignature: cosigned and checked, one retry after 409, a fork refused, a witness down failed") {
  TempDir t;
  const fs::path state = t.path() / "witness";
  const TreeLog log;
  REQUIRE(run_dnswitness("witness keygen --state " + state.string() + " --name witness.example/client").exit_code == 0);
  REQUIRE(run_dnswitness("witness add-log --state " + state.string() + " --origin " + log.origin + " --key '" +
                         log.vkey() + "'")
              .exit_code == 0);
  const auto shown = run_dnswitness("witness show --state " + state.string());
  const auto at = shown.out.find("verifier key: ");
  const std::string vkey = shown.out.substr(at + 14, shown.out.find('\n', at) - at - 14);
  std::string url;
  {
    WitnessProcess w(state, t.path() / "serve.log");
    url = w.url;
    const WitnessEndpoint endpoint = parse_witness_option("witness.example/client=" + w.url + "/+" + vkey);
    CHECK(endpoint.url == w.url);
    const auto proof = [&](std::uint64_t n) { return [&log, n](std::uint64_t m) { return log.proof(m, n); }; };
    auto r = request_cosignature(endpoint, log.note(40), 40, 0, proof(40), 5000);
    INFO(r.problem);
    REQUIRE(r.kind == CosignOutcome::Kind::cosigned);
    CHECK(r.http_status == 200);
    CHECK(r.line.starts_with("\u2014 witness.example/client "));
    CHECK(r.timestamp > 0);
    // The log believes the witness has nothing (old 0): the 409 says 40, and the retry from 40 is cosigned.
    r = request_cosignature(endpoint, log.note(90), 90, 0, proof(90), 5000);
    CHECK(r.kind == CosignOutcome::Kind::cosigned);
    CHECK(r.old_size == 40);
    // Another history under the same key: refused (422), nothing cosigned.
    const TreeLog fork("fork ");
    r = request_cosignature(endpoint, fork.note(120), 120, 90,
                            [&](std::uint64_t m) { return fork.proof(m, 120); }, 5000);
    CHECK(r.kind == CosignOutcome::Kind::refused);
    CHECK(r.http_status == 422);
    CHECK(r.problem.find("answered 422") != std::string::npos);
    // A key that is not this witness's: the cosignature does not verify, so it is not taken.
    WitnessEndpoint impostor = endpoint;
    impostor.verifier = parse_cosignature_verifier_key(format_cosignature_verifier_key(
        "witness.example/client", Ed25519PrivateKey::from_seed(Bytes(32, 3)).public_key()));
    r = request_cosignature(impostor, log.note(100), 100, 90, proof(100), 5000);
    CHECK(r.kind == CosignOutcome::Kind::failed);
    CHECK(r.problem.find("without a cosignature that verifies") != std::string::npos);
  }
  // The witness stopped: failed, quickly, with a sentence naming it.
  const WitnessEndpoint gone = parse_witness_option("witness.example/client=" + url + "+" + vkey);
  const auto r = request_cosignature(gone, log.note(100), 100, 90, [&](std::uint64_t m) { return log.proof(m, 100); },
                                     2000);
  CHECK(r.kind == CosignOutcome::Kind::failed);
  CHECK(r.http_status == 0);
  CHECK(r.problem.find("did not answer") != std::string::npos);
}

TEST_CASE("--witness NAME=URL+VKEY: read, or refused with one sentence") {
  const std::string vkey =
      format_cosignature_verifier_key("w.example/1", Ed25519PrivateKey::from_seed(Bytes(32, 5)).public_key());
  const auto w = parse_witness_option("w.example/1=https://w.example/api/+" + vkey);
  CHECK(w.name == "w.example/1");
  CHECK(w.url == "https://w.example/api");
  CHECK(w.verifier_key == vkey);
  const std::vector<std::string> refused{"no-equals",
                                         "=https://w.example+" + vkey,
                                         "w.example/1=https://w.example",
                                         "w.example/1=ftp://w.example+" + vkey,
                                         "w.example/2=https://w.example+" + vkey,
                                         "w.example/1=https://w.example+w.example/1+00000000+AAAA"};
  for (const auto& bad : refused) {
    CAPTURE(bad);
    CHECK_THROWS_AS(parse_witness_option(bad), UsageError);
  }
}
