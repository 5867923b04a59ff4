// RFC 3161 pieces that need no TSA: the timestamps table of a new ledger, the request bytes
// (read back by stock `openssl ts -query -text`), the imprint over the checkpoint text, answers that
// are not time-stamp responses, and the TSA settings of the config file.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <string>

#include "crypto/encoding.h"
#include "ledger/checkpoint.h"
#include "ledger/store.h"
#include "ledger/timestamps.h"
#include "model/errors.h"
#include "support/lab.h"
#include "tsa/rfc3161.h"
#include "tsa/stamp_tree_head.h"
#include "tsa/tsa_settings.h"

using namespace dnswitness;
using namespace dnswitness::test;

TEST_CASE("the timestamps table is part of a new ledger; rows are written, read back and append-only") {
  TempDir dir;
  LedgerStore store(LedgerPaths{dir.path()}, LedgerStore::Mode::read_write, "new-ledger");
  CHECK(read_timestamps(store.db()).empty());
  std::vector<TimestampRow> rows(1);
  rows[0].size = 7;
  rows[0].tsa_url = "http://127.0.0.1:1/tsa";
  rows[0].requested_at = "2026-01-01T00:00:00.000000000Z";
  rows[0].status = "unreachable";
  rows[0].error = "Couldn't connect to server";
  insert_timestamps(store.db(), rows);
  CHECK(rows[0].id == 1);
  const auto back = read_timestamps(store.db());
  REQUIRE(back.size() == 1);
  CHECK(back[0].size == 7);
  CHECK(back[0].status == "unreachable");
  CHECK(back[0].gen_time.empty());
  CHECK(back[0].response.empty());
  // Append-only, like the leaves.
  CHECK(sqlite3_exec(store.db().get(), "UPDATE timestamps SET status = 'granted'", nullptr, nullptr, nullptr) !=
        SQLITE_OK);
  CHECK(sqlite3_exec(store.db().get(), "DELETE FROM timestamps", nullptr, nullptr, nullptr) != SQLITE_OK);
}

TEST_CASE("the request: SHA-256 imprint of the checkpoint text, a nonce, certReq; openssl reads it back") {
  Hash root{};
  root.fill(0x42);
  const Hash imprint = tree_head_imprint("example-law.jp/ledger-1", 5, root);
  CHECK(imprint == sha256(as_bytes(Checkpoint{"example-law.jp/ledger-1", 5, root}.to_text())));
  const TsaRequest a = make_tsa_request(imprint), b = make_tsa_request(imprint);
  CHECK(a.der != b.der);  // the nonces differ
  TempDir dir;
  write_file(dir / "q.tsq", std::string(a.der.begin(), a.der.end()));
  const auto text = run_command("openssl ts -query -in " + (dir / "q.tsq") + " -text 2>&1");
  REQUIRE_MESSAGE(text.exit_code == 0, text.out);
  CHECK(text.out.find("Hash Algorithm: sha256") != std::string::npos);
  CHECK(text.out.find("Certificate required: yes") != std::string::npos);
  CHECK(text.out.find("Nonce: 0x") != std::string::npos);
  // The imprint bytes as openssl prints them (first 16 bytes, hex pairs separated by spaces/dashes).
  std::string hex = hex_encode(imprint);
  CHECK(text.out.find(hex.substr(0, 2) + " " + hex.substr(2, 2)) != std::string::npos);
}

TEST_CASE("answers that are not granted tokens are classified, never thrown") {
  const TsaRequest req = make_tsa_request(Hash{});
  const TsaTrust trust;
  const auto empty = check_tsa_response({}, req, trust);
  CHECK(empty.status == "malformed");
  const std::string junk = "<html>Service Unavailable</html>";
  const auto html = check_tsa_response(as_bytes(junk), req, trust);
  CHECK(html.status == "malformed");
  CHECK(html.error.find("is not an RFC 3161 time-stamp response") != std::string::npos);
  // A well-formed rejection: TimeStampResp { status { rejection(2), failInfo badDataFormat } }.
  const auto der = *hex_decode("3009300702010203020204");
  const auto r = check_tsa_response(der, req, trust);
  CHECK(r.status == "rejected");
  CHECK(r.error == "the TSA refused: rejection (badDataFormat)");
  // A request's own bytes are no response either.
  CHECK(check_tsa_response(req.der, req, trust).status == "malformed");
  CHECK(verify_stored_token(as_bytes(junk), Hash{}, trust, {}).status == "malformed");
}

TEST_CASE("TSA settings from the config file, and refusals before anything is sent") {
  const auto servers = parse_tsa_servers(
      nlohmann::json::parse(R"(["http://timestamp.digicert.com",
                               {"url": "https://tsa.example.jp/tsa", "accredited": true, "user": "u",
                                "password_file": "/nonexistent/pass"}])"),
      "the config file x.json");
  REQUIRE(servers.size() == 2);
  CHECK_FALSE(servers[0].accredited);
  CHECK(servers[1].accredited);
  CHECK(servers[1].user == "u");
  CHECK_THROWS_AS(parse_tsa_servers(nlohmann::json::parse(R"([{"url": "http://a", "colour": 1}])"), "x"), UsageError);
  CHECK_THROWS_AS(parse_tsa_servers(nlohmann::json::parse(R"([{"accredited": true}])"), "x"), UsageError);
  CHECK_THROWS_AS(parse_tsa_servers(nlohmann::json::parse(R"("http://a")"), "x"), UsageError);
  // The password file must be readable before anything is sent.
  CHECK_THROWS_AS(make_tsa_targets(servers, {}, std::nullopt), UsageError);
  CHECK_THROWS_AS(make_tsa_targets({TsaServer{"file:///etc/passwd", false, {}, {}, {}, {}, {}}}, {}, std::nullopt),
                  UsageError);
  CHECK_THROWS_AS(make_tsa_targets({TsaServer{"http://a", false, {}, {}, {}, {}, {}},
                                    TsaServer{"http://a", false, {}, {}, {}, {}, {}}},
                                   {}, std::nullopt),
                  UsageError);
  const auto ok = make_tsa_targets({servers[0]}, {}, std::nullopt);
  REQUIRE(ok.size() == 1);
  CHECK(ok[0].trust.system);
}
