// A run summary's rows are read by a scanner of their one canonical layout (docs/public-log.md, "Run
// summaries"): every other layout is refused even when it is signed, whatever nlohmann would make of
// it; and peek_run_summary reads a note's end and run start without trusting it.
#include <doctest/doctest.h>

#include <span>
#include <string>

#include "crypto/ed25519.h"
#include "ledger/signed_note.h"
#include "tlog/run_summary.h"

using namespace dnswitness;

namespace {

const std::string kOrigin = "evidence.example.jp/dnswitness/layout";
const std::string kRunLeaf = R"({"kind":"run","observation_count":2,"started_at":"2026-12-06T01:02:03.000000004Z"})";

PublishedRunSummary sample() {
  PublishedRunSummary s;
  s.run_leaf = 45;
  s.end = 48;
  s.run_leaf_bytes = kRunLeaf;
  s.keys = {{"x.com", "A", "knot"}, {"x.com", "AAAA", "knot"}};
  s.outcomes = {"answer"};
  s.address_sets = {"104.244.42.1", ""};
  s.rows = {{0, 0, 0, 1'796'563'555'826'092'752}, {1, 0, 1, 1'796'563'555'826'093'783}};
  return s;
}

}  // namespace

TEST_CASE("summary rows in any layout but the canonical one are refused, even when signed") {
  const auto key = Ed25519PrivateKey::generate();
  const NoteVerifier verifier = make_note_verifier(kOrigin, key.public_key());
  const std::string text = run_summary_text(kOrigin, sample());
  const std::string rows = R"("rows":[[0,0,0,0],[1,0,1031,1]])";
  REQUIRE(text.find(rows) != std::string::npos);
  const auto open_with_rows = [&](const std::string& other, std::string* why) {
    std::string changed = text;
    changed.replace(changed.find(rows), rows.size(), other);
    return open_run_summary(sign_note(changed, kOrigin, key), kOrigin, std::span(&verifier, 1), why);
  };
  std::string why;
  const auto canonical = open_with_rows(rows, &why);
  REQUIRE(canonical);
  CHECK(canonical->rows.size() == 2);
  CHECK(canonical->row(1).time_ns == 1'796'563'555'826'093'783);
  CHECK(canonical->row(0).addresses == "104.244.42.1");
  CHECK(open_with_rows(R"("rows":[])", &why));  // a run without observations

  for (const std::string other : {R"("rows":[[0, 0,0,0],[1,0,1031,1]])", R"("rows":[[0,0,0,0] ,[1,0,1031,1]])",
                                  R"("rows":[[0,0,00,0],[1,0,1031,1]])", R"("rows":[[0,0,-0,0],[1,0,1031,1]])",
                                  R"("rows":[[0,0,0,0],[1,0,1031.0,1]])", R"("rows":[[0,0,0,0],[1,0,1e3,1]])",
                                  R"("rows":[[0,0,0],[1,0,1031,1]])", R"("rows":[[0,0,0,0],[1,0,1031,1],])",
                                  R"("rows":[[0,0,0,0,0],[1,0,1031,1]])", R"("rows":[[0,0,0,0],[1,0,"1031",1]])",
                                  R"("rows":[[0,0,0,0],[1,0,18446744073709551616,1]])"}) {
    CAPTURE(other);
    CHECK_FALSE(open_with_rows(other, &why));
    CHECK(why == "a row is not [key, outcome, time, address set] in whole numbers");
  }
  // Whole numbers that name no key, or a time past what a signed 64-bit time holds.
  CHECK_FALSE(open_with_rows(R"("rows":[[0,0,0,0],[2,0,1031,1]])", &why));
  CHECK(why == "a row names no key, outcome or set");
  CHECK_FALSE(open_with_rows(R"("rows":[[0,0,0,0],[1,0,9223372036854775807,1]])", &why));
  CHECK(why == "a row's time is out of range");
  // A member named like rows elsewhere in the object does not stand in for it.
  CHECK_FALSE(open_with_rows(R"("rowz":[[0,0,0,0],[1,0,1031,1]])", &why));
  CHECK(why == "its JSON line is not the summary object");
}

TEST_CASE("peek_run_summary reads the end and the run's start, and nothing it cannot read") {
  const auto key = Ed25519PrivateKey::generate();
  const std::string note = sign_note(run_summary_text(kOrigin, sample()), kOrigin, key);
  const auto peek = peek_run_summary(note);
  REQUIRE(peek);
  CHECK(peek->end == 48);
  CHECK(peek->started_ns == 1'796'518'923'000'000'004);
  CHECK_FALSE(peek_run_summary("dnswitness-run-summary/1\nx\n45\n"));
  CHECK_FALSE(peek_run_summary("dnswitness-run-summary/1\nx\n45\n048\n{\"run_leaf\":\"e30=\"}\n"));
  CHECK_FALSE(peek_run_summary("dnswitness-run-summary/1\nx\n45\n48\n{\"run_leaf\":\"e30=\"}\n"));  // no started_at
}
