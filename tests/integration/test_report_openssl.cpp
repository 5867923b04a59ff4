// docs/report.md's "Checking a report by hand with openssl" steps, taken from the document itself
// (between the openssl-steps markers) and run with sh -e on a fresh lab report: for several leaves
// (observation and run leaves, first and last), and on copies with a changed leaf, a changed proof
// hash and a changed signature, which must fail.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "support/lab.h"

using namespace dnswitness::test;
using nlohmann::json;

namespace {

std::string doc_steps() {
  const std::string doc = read_file(std::string(DNSWITNESS_TESTDATA_DIR) + "/../../docs/report.md");
  const auto b = doc.find("<!-- openssl-steps:begin -->"), e = doc.find("<!-- openssl-steps:end -->");
  REQUIRE(b != std::string::npos);
  REQUIRE(e != std::string::npos);
  std::string block = doc.substr(b, e - b);
  const auto open = block.find("```sh\n"), close = block.rfind("```");
  REQUIRE(open != std::string::npos);
  REQUIRE(close > open);
  return block.substr(open + 6, close - open - 6);
}

CommandResult run_steps(const std::string& dir, const std::string& report, std::size_t n) {
  return run_command("cd " + dir + " && R=" + report + " N=" + std::to_string(n) + " sh -e steps.sh");
}

}  // namespace

TEST_CASE("the documented openssl steps verify a fresh report's tree head and leaves, and catch changes") {
  REQUIRE_MESSAGE(run_command("command -v jq xxd openssl").exit_code == 0, "install jq, xxd and openssl");
  const Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger";
  for (int i = 0; i < 3; ++i) {
    const auto r = run_dnswitness("resolve-snapshot --ledger " + ledger + " --resolver knot=" + lab.knot() +
                                  " --domains x.com,t.co,twitter.com -q");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }
  const auto now = run_command("date -u +%Y-%m-%dT%H:%M:%SZ");
  auto r = run_dnswitness("report --ledger " + ledger + " --domains x.com,t.co,twitter.com --at " +
                          now.out.substr(0, 20) + " --out " + dir / "r");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  write_file(dir / "steps.sh", doc_steps());
  const std::string report = dir / "r/report.json";
  const json b = json::parse(read_file(report));
  const std::size_t count = b["leaves"].size();
  REQUIRE(count > 10);
  const auto fp = b["ledger"]["key_fingerprint_sha256"].get<std::string>();
  for (const std::size_t n : {std::size_t{0}, std::size_t{1}, count / 2, count - 1}) {
    r = run_steps(dir.path().string(), report, n);
    CHECK_MESSAGE(r.exit_code == 0, n << ": " << r.out << r.err);
    CHECK(r.out.find(fp) != std::string::npos);
    CHECK(r.out.find("Signature Verified Successfully") != std::string::npos);
    CHECK(r.out.find("leaf " + std::to_string(n) + " is in the signed tree") != std::string::npos);
  }

  // A changed leaf byte, a changed proof hash, a changed signature: each stops the steps.
  const auto tampered = [&](const std::string& name, const std::function<void(json&)>& change) {
    json t = b;
    change(t);
    const std::string path = dir / name;
    write_file(path, t.dump(1));
    const auto res = run_steps(dir.path().string(), path, 2);
    CHECK_MESSAGE(res.exit_code != 0, name << ": " << res.out);
    CHECK(res.out.find("is in the signed tree") == std::string::npos);
  };
  tampered("leaf.json", [](json& t) {
    // Same bytes with one changed, and a leaf_hash matching the change: only the proof can notice.
    std::string d = t["leaves"][2]["data_base64"];
    d[10] = d[10] == 'A' ? 'B' : 'A';
    t["leaves"][2]["data_base64"] = d;
    const auto h = run_command("echo " + d + " | base64 -d | (printf '\\000'; cat) | openssl dgst -sha256 -binary | base64");
    t["leaves"][2]["leaf_hash"] = h.out.substr(0, 44);
  });
  tampered("proof.json", [](json& t) {
    std::string p = t["leaves"][2]["inclusion_proof"][0];
    p[5] = p[5] == 'A' ? 'B' : 'A';
    t["leaves"][2]["inclusion_proof"][0] = p;
  });
  tampered("sig.json", [](json& t) {
    std::string note = t["checkpoints"].back()["note"];
    const auto pos = note.rfind(' ') + 30;
    note[pos] = note[pos] == 'A' ? 'B' : 'A';
    t["checkpoints"].back()["note"] = note;
  });
  tampered("root.json", [](json& t) {
    // A different root in the signed text: the signature no longer matches it.
    std::string note = t["checkpoints"].back()["note"];
    const auto line3 = note.find('\n', note.find('\n') + 1) + 1;
    note[line3 + 3] = note[line3 + 3] == 'A' ? 'B' : 'A';
    t["checkpoints"].back()["note"] = note;
  });
}
