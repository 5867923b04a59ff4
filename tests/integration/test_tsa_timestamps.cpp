// RFC 3161 time-stamps of signed tree heads against the lab's TSAs (tests/lab/tsa.sh): a token
// from the lab TSA verifies with stock `openssl ts -verify` and with verify-ledger; a TSA that is
// down, answers HTTP 500 or garbage, or signs under an untrusted root is recorded and never fails
// the run, and the next run asks again; a token moved to another tree head or altered makes
// verify-ledger exit 4 naming it. A report bundle carries the tokens of its tree heads, and
// `dnswitness verify` checks them offline.
#include <doctest/doctest.h>
#include <openssl/ts.h>
#include <sqlite3.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "crypto/encoding.h"
#include "ledger/store.h"
#include "ledger/timestamps.h"
#include "support/lab.h"
#include "tsa/rfc3161.h"
#include "tsa/stamp_tree_head.h"

using namespace dnswitness::test;

namespace {

// Runs SQL on a ledger file; returns every row's columns joined by '|', rows by '\n'.
std::string sql(const std::string& db, const std::string& statement) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  std::string out;
  char* err = nullptr;
  const int rc = sqlite3_exec(
      h, statement.c_str(),
      [](void* o, int n, char** values, char**) {
        auto* s = static_cast<std::string*>(o);
        if (!s->empty()) *s += '\n';
        for (int i = 0; i < n; ++i) *s += (i ? "|" : "") + std::string(values[i] ? values[i] : "NULL");
        return 0;
      },
      &out, &err);
  INFO(statement << " -> " << (err ? err : ""));
  sqlite3_free(err);
  sqlite3_close(h);
  REQUIRE(rc == SQLITE_OK);
  return out;
}

// The first column of the first row as bytes, e.g. a stored token.
std::string blob(const std::string& db, const std::string& query) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(h, query.c_str(), -1, &st, nullptr) == SQLITE_OK);
  std::string out;
  if (sqlite3_step(st) == SQLITE_ROW)
    out.assign(static_cast<const char*>(sqlite3_column_blob(st, 0)), static_cast<std::size_t>(sqlite3_column_bytes(st, 0)));
  sqlite3_finalize(st);
  sqlite3_close(h);
  return out;
}

// Runs `statement` with ?1 bound to `bytes`.
void with_blob(const std::string& db, const std::string& statement, const std::string& bytes) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(h, statement.c_str(), -1, &st, nullptr) == SQLITE_OK);
  sqlite3_bind_blob(st, 1, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  CHECK(sqlite3_step(st) == SQLITE_DONE);
  sqlite3_finalize(st);
  sqlite3_close(h);
}

std::string run_args(const Lab& lab, const std::string& ledger) {
  return "resolve-snapshot --ledger " + ledger + " --resolver knot=" + lab.knot() + " --domains x.com --types A -q";
}

}  // namespace

TEST_CASE("a token from the lab TSA: stored with its chain, checked by openssl ts -verify and verify-ledger") {
  const Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger", db = ledger + "/ledger.sqlite";
  const auto r = run_dnswitness(run_args(lab, ledger) + " --tsa " + lab.get("TSA_URL") + " --tsa-ca " +
                                lab.get("TSA_CA"));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const std::string row = sql(db, "SELECT size, tsa_url, accredited, status, error IS NULL, gen_time IS NOT NULL, "
                                  "length(response) > 0, instr(chain, 'BEGIN CERTIFICATE') > 0 FROM timestamps");
  CHECK(row == "2|" + lab.get("TSA_URL") + "|0|granted|1|1|1|1");

  // Stock openssl: the imprint is SHA-256 of the note's first three lines (the signed text).
  write_file(dir / "token.tsr", blob(db, "SELECT response FROM timestamps"));
  write_file(dir / "note", blob(db, "SELECT CAST(note AS BLOB) FROM checkpoints WHERE size = 2"));
  const auto ossl = run_command("cd " + dir.path().string() + " && head -n 3 note > text && openssl ts -verify -data "
                                "text -in token.tsr -CAfile " + lab.get("TSA_CA") + " 2>&1 && openssl ts -verify "
                                "-digest $(openssl dgst -sha256 -r text | cut -c1-64) -in token.tsr -CAfile " +
                                lab.get("TSA_CA") + " 2>&1");
  CHECK_MESSAGE(ossl.exit_code == 0, ossl.out);
  CHECK(ossl.out.find("Verification: OK") != std::string::npos);
  // ... and another text does not verify.
  const auto other = run_command("cd " + dir.path().string() + " && sed 's/^2$/3/' text > other && openssl ts "
                                 "-verify -data other -in token.tsr -CAfile " + lab.get("TSA_CA") + " 2>&1");
  CHECK(other.exit_code != 0);

  const auto v = run_dnswitness("verify-ledger --ledger " + ledger);
  CHECK_MESSAGE(v.exit_code == 0, v.err);
  CHECK(v.out.find("1 RFC 3161 time-stamp tokens over 1 tree heads from 1 TSA(s)") != std::string::npos);
  CHECK(v.out.find("newest: tree head 2 time-stamped at") != std::string::npos);
  // With the lab root as the independent anchor, too; an unrelated root is not accepted.
  CHECK(run_dnswitness("verify-ledger -q --ledger " + ledger + " --tsa-ca " + lab.get("TSA_CA")).exit_code == 0);
  const auto wrong_root = run_dnswitness("verify-ledger -q --ledger " + ledger + " --tsa-ca " +
                                         lab.get("TSA_UNTRUSTED_CA"));
  CHECK(wrong_root.exit_code == 4);
  CHECK(wrong_root.err.find("time-stamp token 1") != std::string::npos);
}

TEST_CASE("TSAs that are down, answer HTTP 500, garbage or an untrusted token: recorded, exit 0, asked again") {
  const Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger", db = ledger + "/ledger.sqlite";
  const std::string tsas = " --tsa " + lab.get("TSA_DOWN_URL") + " --tsa " + lab.get("TSA_ERROR_URL") + " --tsa " +
                           lab.get("TSA_GARBAGE_URL") + " --tsa " + lab.get("TSA_UNTRUSTED_URL") +
                           " --tsa-accredited " + lab.get("TSA_URL") + " --tsa-ca " + lab.get("TSA_CA");
  for (int run = 1; run <= 2; ++run) {
    const auto r = run_dnswitness(run_args(lab, ledger) + tsas);
    CHECK_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.err.find("WARNING: the TSA " + lab.get("TSA_DOWN_URL")) != std::string::npos);
  }
  // Two runs (tree sizes 2 and 4), five attempts each.
  const std::string rows = sql(db, "SELECT size, tsa_url, accredited, status, response IS NOT NULL FROM timestamps "
                                   "ORDER BY id");
  const std::string one = lab.get("TSA_DOWN_URL") + "|0|unreachable|0\n{s}|" + lab.get("TSA_ERROR_URL") +
                          "|0|http_error|1\n{s}|" + lab.get("TSA_GARBAGE_URL") + "|0|malformed|1\n{s}|" +
                          lab.get("TSA_UNTRUSTED_URL") + "|0|invalid|1\n{s}|" + lab.get("TSA_URL") + "|1|granted|1";
  auto for_size = [&one](const std::string& s) {
    std::string t = s + "|" + one;
    for (auto at = t.find("{s}"); at != std::string::npos; at = t.find("{s}")) t.replace(at, 3, s);
    return t;
  };
  CHECK(rows == for_size("2") + "\n" + for_size("4"));
  CHECK(sql(db, "SELECT error FROM timestamps WHERE status = 'http_error' LIMIT 1") == "HTTP 500 (text/plain)");
  CHECK(sql(db, "SELECT error FROM timestamps WHERE status = 'invalid' LIMIT 1").find("does not verify") !=
        std::string::npos);
  const auto v = run_dnswitness("verify-ledger --ledger " + ledger);
  CHECK_MESSAGE(v.exit_code == 0, v.err);
  CHECK(v.out.find("2 RFC 3161 time-stamp tokens over 2 tree heads from 1 TSA(s)") != std::string::npos);
  CHECK(v.out.find("8 failed time-stamp attempts recorded") != std::string::npos);
}

TEST_CASE("a TSA that accepts the connection and never answers: unreachable after --tsa-timeout, run exits 0") {
  const Lab lab;
  TempDir dir;
  // A listening socket nobody accepts on: the kernel completes the handshake, the request is sent,
  // and no byte ever comes back.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0);
  REQUIRE(::listen(fd, 4) == 0);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  const std::string silent = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/tsa";
  const std::string ledger = dir / "ledger";
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = run_dnswitness(run_args(lab, ledger) + " --tsa " + silent + " --tsa-timeout 1 --tsa " +
                                lab.get("TSA_URL") + " --tsa-ca " + lab.get("TSA_CA"));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ::close(fd);
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  MESSAGE("the run with a silent TSA took " << seconds << " s");
  // libcurl records how long it waited: the 1 s asked for, not the 15 s default. Read from the
  // recorded error, so a slow machine does not make it fail.
  const std::string error = sql(ledger + "/ledger.sqlite", "SELECT error FROM timestamps WHERE status = 'unreachable'");
  const auto after = error.find("timed out after ");
  REQUIRE_MESSAGE(after != std::string::npos, error);
  const long waited_ms = std::stol(error.substr(after + 16));
  CHECK(waited_ms >= 1000);
  CHECK(waited_ms < 15000);
  CHECK(r.err.find("WARNING: the TSA " + silent) != std::string::npos);
  CHECK(sql(ledger + "/ledger.sqlite", "SELECT tsa_url || '|' || status FROM timestamps ORDER BY id") ==
        silent + "|unreachable\n" + lab.get("TSA_URL") + "|granted");
  // Out of range: refused before anything is sent.
  const auto bad = run_dnswitness(run_args(lab, dir / "other") + " --tsa " + silent + " --tsa-timeout 0");
  CHECK(bad.exit_code == 2);
  CHECK_FALSE(std::filesystem::exists(dir / "other"));
}

TEST_CASE("an https TSA that requires a client certificate: granted with --tsa-cert/--tsa-key, refused without") {
  const Lab lab;
  TempDir dir;
  const std::string url = lab.get("TSA_MTLS_URL");
  const std::string common = " --tsa " + url + " --tsa-ca " + lab.get("TSA_CA") + " --ca-file " + lab.get("LAB_CA");
  const std::string with = dir / "with", without = dir / "without";
  const auto r = run_dnswitness(run_args(lab, with) + common + " --tsa-cert " + lab.get("TSA_CLIENT_CERT") +
                                " --tsa-key " + lab.get("TSA_CLIENT_KEY"));
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(sql(with + "/ledger.sqlite", "SELECT tsa_url || '|' || status FROM timestamps") == url + "|granted");
  CHECK(run_dnswitness("verify-ledger -q --ledger " + with).exit_code == 0);
  // Without the certificate the server ends the TLS handshake: recorded, warned, the run succeeds.
  const auto n = run_dnswitness(run_args(lab, without) + common);
  CHECK_MESSAGE(n.exit_code == 0, n.err);
  CHECK(sql(without + "/ledger.sqlite", "SELECT status FROM timestamps") == "unreachable");
  CHECK(n.err.find("WARNING: the TSA " + url) != std::string::npos);
}

TEST_CASE("a token over another tree head, or altered, fails verify-ledger with exit 4 naming it") {
  const Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger", db = ledger + "/ledger.sqlite";
  for (int run = 1; run <= 2; ++run)
    REQUIRE(run_dnswitness(run_args(lab, ledger) + " --tsa " + lab.get("TSA_URL") + " --tsa-ca " + lab.get("TSA_CA"))
                .exit_code == 0);
  REQUIRE(run_dnswitness("verify-ledger -q --ledger " + ledger).exit_code == 0);
  const auto copy = [&](const std::string& name) {
    const std::string to = dir / name;
    std::filesystem::copy(ledger, to, std::filesystem::copy_options::recursive);
    return to;
  };

  SUBCASE("the token of tree head 4 recorded for tree head 2") {
    const std::string l = copy("swapped");
    sql(l + "/ledger.sqlite", "INSERT INTO timestamps(size, tsa_url, accredited, requested_at, gen_time, status, "
                              "response, chain) SELECT 2, tsa_url, accredited, requested_at, gen_time, status, "
                              "response, chain FROM timestamps WHERE size = 4");
    const auto v = run_dnswitness("verify-ledger -q --ledger " + l);
    CHECK(v.exit_code == 4);
    CHECK_MESSAGE(v.err.find("the time-stamp token 3 (from " + lab.get("TSA_URL") +
                             ") for the tree head at size 2 does not verify: its message imprint is") !=
                      std::string::npos,
                  v.err);
  }
  SUBCASE("one byte of a stored token's signature changed") {
    const std::string l = copy("altered");
    std::string token = blob(l + "/ledger.sqlite", "SELECT response FROM timestamps WHERE id = 2");
    REQUIRE(token.size() > 100);
    token[token.size() - 8] = static_cast<char>(token[token.size() - 8] ^ 0x01);
    sql(l + "/ledger.sqlite", "DROP TRIGGER timestamps_append_only_u");
    with_blob(l + "/ledger.sqlite", "UPDATE timestamps SET response = ?1 WHERE id = 2", token);
    const auto v = run_dnswitness("verify-ledger -q --ledger " + l);
    CHECK(v.exit_code == 4);
    CHECK_MESSAGE(v.err.find("the time-stamp token 2 (from " + lab.get("TSA_URL") +
                             ") for the tree head at size 4 does not verify") != std::string::npos,
                  v.err);
  }
  SUBCASE("a recorded time that is not the token's") {
    const std::string l = copy("retimed");
    sql(l + "/ledger.sqlite", "DROP TRIGGER timestamps_append_only_u; UPDATE timestamps SET gen_time = "
                              "'2020-01-01T00:00:00.000000000Z' WHERE id = 1");
    const auto v = run_dnswitness("verify-ledger -q --ledger " + l);
    CHECK(v.exit_code == 4);
    CHECK(v.err.find("is not the token's own time") != std::string::npos);
  }
}

TEST_CASE("TSA settings: the config file, the accredited label, and plain refusals before anything is sent") {
  const Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger";
  write_file(dir / "cfg.json", "{\"tsa\": [{\"url\": \"" + lab.get("TSA_URL") +
                                   "\", \"accredited\": true}], \"tsa_ca\": \"" + lab.get("TSA_CA") + "\"}");
  const auto r = run_dnswitness(run_args(lab, ledger) + " --config " + (dir / "cfg.json"));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(sql(ledger + "/ledger.sqlite", "SELECT accredited || status FROM timestamps") == "1granted");

  const std::string none = dir / "none";
  const auto refused = [&](const std::string& extra, const std::string& says) {
    const auto x = run_dnswitness(run_args(lab, none) + extra);
    CHECK(x.exit_code == 2);
    CHECK_MESSAGE(x.err.find(says) != std::string::npos, x.err);
    CHECK_FALSE(std::filesystem::exists(none));
  };
  // HTTP Basic: the lab's authenticated TSA answers 401 without the credentials, a token with them.
  const std::string auth = ledger + "-auth";
  const auto without = run_dnswitness(run_args(lab, auth) + " --tsa " + lab.get("TSA_AUTH_URL") + " --tsa-ca " +
                                      lab.get("TSA_CA"));
  CHECK_MESSAGE(without.exit_code == 0, without.err);
  const auto with = run_dnswitness(run_args(lab, auth) + " --tsa-accredited " + lab.get("TSA_AUTH_URL") +
                                   " --tsa-ca " + lab.get("TSA_CA") + " --tsa-user " + lab.get("TSA_AUTH_USER") +
                                   " --tsa-password-file " + lab.get("TSA_AUTH_PASSWORD_FILE"));
  CHECK_MESSAGE(with.exit_code == 0, with.err);
  CHECK(sql(auth + "/ledger.sqlite", "SELECT size, accredited, status, error FROM timestamps ORDER BY id") ==
        "2|0|http_error|HTTP 401 (text/plain)\n4|1|granted|NULL");

  refused(" --tsa ftp://127.0.0.1/tsa", "is not an http:// or https:// URL");
  refused(" --tsa " + lab.get("TSA_URL") + " --tsa-ca " + (dir / "missing.pem"), "Cannot read");
  refused(" --tsa " + lab.get("TSA_URL") + " --tsa-ca " + (dir / "cfg.json"), "holds no PEM certificate");
  refused(" --tsa " + lab.get("TSA_URL") + " --tsa " + lab.get("TSA_ERROR_URL") + " --tsa-user u "
          "--tsa-password-file " + (dir / "cfg.json"), "apply to a single TSA");
  refused(" --tsa " + lab.get("TSA_URL") + " --tsa-user u", "HTTP Basic needs both");
  refused(" --tsa " + lab.get("TSA_URL") + " --no-ledger", "cannot be combined with --no-ledger");
}

TEST_CASE("a report bundle carries the tokens of its tree heads; verify checks them and names a moved one") {
  const Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger";
  for (int run = 1; run <= 2; ++run)
    REQUIRE(run_dnswitness(run_args(lab, ledger) + " --tsa " + lab.get("TSA_URL") + " --tsa-ca " + lab.get("TSA_CA"))
                .exit_code == 0);
  const auto at = run_command("date -u +%Y-%m-%dT%H:%M:%SZ").out.substr(0, 20);
  const auto rep = run_dnswitness("report --ledger " + ledger + " --domains x.com --types A --at " + at + " --out " +
                                  (dir / "r"));
  REQUIRE_MESSAGE(rep.exit_code == 0, rep.err);
  nlohmann::json b = nlohmann::json::parse(read_file(dir / "r/report.json"));
  REQUIRE(b["checkpoints"].size() == 2);
  for (const auto& cp : b["checkpoints"]) {
    REQUIRE(cp.contains("timestamps"));
    CHECK(cp["timestamps"].size() == 1);
    CHECK(cp["timestamps"][0]["tsa_url"] == lab.get("TSA_URL"));
  }
  const auto ok = run_dnswitness("verify " + (dir / "r/report.json"));
  CHECK_MESSAGE(ok.exit_code == 0, ok.err);
  CHECK(ok.out.find("2 RFC 3161 time-stamp tokens over the tree heads verified") != std::string::npos);

  // The newest tree head's token put on the older one (in a folder without report.sha256).
  std::swap(b["checkpoints"][0]["timestamps"], b["checkpoints"][1]["timestamps"]);
  std::filesystem::create_directories(dir / "moved");
  write_file(dir / "moved/report.json", b.dump(1) + "\n");
  const auto moved = run_dnswitness("verify " + (dir / "moved/report.json"));
  CHECK(moved.exit_code == 4);
  CHECK_MESSAGE(moved.err.find("time-stamp token 0 of the tree head at size 2 (from " + lab.get("TSA_URL") +
                               ") does not verify: its message imprint is") != std::string::npos,
                moved.err);
}

TEST_CASE("a token dated before its run started (this machine's clock ahead) is a warning, not tampering") {
  const Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger";
  // The run believes it is two hours later than the TSA does.
  // (libfaketime is preloaded ahead of ASan's runtime in sanitizer builds, hence the option.)
  const auto r = run_command("ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 DONT_FAKE_MONOTONIC=1 faketime -f "
                             "'+2h' " + std::string(DNSWITNESS_BINARY) + " " + run_args(lab, ledger) +
                             " --tsa " + lab.get("TSA_URL") + " --tsa-ca " + lab.get("TSA_CA"));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto v = run_dnswitness("verify-ledger --ledger " + ledger);
  CHECK_MESSAGE(v.exit_code == 0, v.err);
  CHECK(v.err.find("warning: the time-stamp token 1") != std::string::npos);
  CHECK(v.err.find("before its run started") != std::string::npos);
}

TEST_CASE("a stored token with any byte changed or cut short never verifies, and is read safely") {
  const Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger";
  REQUIRE(run_dnswitness(run_args(lab, ledger) + " --tsa " + lab.get("TSA_URL") + " --tsa-ca " + lab.get("TSA_CA"))
              .exit_code == 0);
  dnswitness::LedgerStore store(dnswitness::LedgerPaths{ledger}, dnswitness::LedgerStore::Mode::read_only);
  const auto rows = dnswitness::read_timestamps(store.db());
  REQUIRE(rows.size() == 1);
  const auto cps = store.checkpoints();
  REQUIRE(cps.size() == 1);
  const auto imprint = dnswitness::tree_head_imprint(store.origin(), cps[0].size, cps[0].root);
  dnswitness::TsaTrust trust;
  trust.pem_files = {lab.get("TSA_CA")};
  const auto& token = rows[0].response;
  CHECK(dnswitness::verify_stored_token(token, imprint, trust, rows[0].chain_pem).status == "granted");
  // What the TSA signs is the TSTInfo (time, imprint, serial, nonce, policy): a flip inside it, or
  // in the signature that follows the signed attributes at the end, never verifies. (Elsewhere,
  // CMS leaves some bytes unsigned — the certificates carried along, the signer's issuer name,
  // which OpenSSL compares case-insensitively — and a flip there may change nothing that counts.)
  const unsigned char* p = token.data();
  TS_RESP* resp = d2i_TS_RESP(nullptr, &p, static_cast<long>(token.size()));
  REQUIRE(resp);
  unsigned char* tst_der = nullptr;
  const int tst_len = i2d_TS_TST_INFO(TS_RESP_get_tst_info(resp), &tst_der);
  REQUIRE(tst_len > 100);
  const auto at = std::search(token.begin(), token.end(), tst_der, tst_der + tst_len);
  OPENSSL_free(tst_der);
  TS_RESP_free(resp);
  REQUIRE(at != token.end());
  std::vector<std::size_t> signed_bytes;
  for (auto i = static_cast<std::size_t>(at - token.begin()); i < static_cast<std::size_t>(at - token.begin()) +
                                                                     static_cast<std::size_t>(tst_len);
       ++i)
    signed_bytes.push_back(i);
  for (std::size_t i = token.size() - 60; i < token.size(); ++i) signed_bytes.push_back(i);  // the signature
  std::size_t verified = 0;
  for (const auto i : signed_bytes) {
    auto bad = token;
    bad[i] ^= 0x20;
    if (dnswitness::verify_stored_token(bad, imprint, trust, rows[0].chain_pem).status == "granted") {
      ++verified;
      INFO("byte " << i << " of " << token.size());
      CHECK(false);
    }
  }
  CHECK(verified == 0);
  // Other bytes flipped, and the token cut short: read safely whatever comes of it.
  for (std::size_t i = 0; i < token.size(); i += 5) {
    auto bad = token;
    bad[i] ^= 0x01;
    const auto c = dnswitness::verify_stored_token(bad, imprint, trust, rows[0].chain_pem);
    CHECK(!c.status.empty());
  }
  for (std::size_t n = 0; n < token.size(); n += 13) {
    const dnswitness::Bytes cut(token.begin(), token.begin() + static_cast<std::ptrdiff_t>(n));
    CHECK(dnswitness::verify_stored_token(cut, imprint, trust, rows[0].chain_pem).status != "granted");
  }
}
