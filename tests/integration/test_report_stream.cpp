// The report.json `dnswitness report` writes (streamed, leaf by leaf) is byte for byte the JSON
// tree of build_bundle dumped as `report` wrote it before streaming, on a ledger built from the lab
// (Knot and Unbound answering, three runs), and its report.sha256 is that file's SHA-256.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "ledger/store.h"
#include "reports/bundle.h"
#include "support/lab.h"
#include "timeutil/timestamp.h"

using namespace dnswitness;
using namespace dnswitness::test;

namespace {

}  // namespace

TEST_CASE("report's streamed report.json equals build_bundle's dump(1) on a lab ledger") {
  TempDir dir;
  const Lab lab;
  const std::string ledger = dir / "ledger";
  for (int i = 0; i < 3; ++i) {
    const auto r = run_dnswitness("resolve-snapshot --ledger " + ledger + " --resolver knot=" + lab.knot() +
                                  " --resolver unbound=" + lab.unbound() + " --domains x.com,t.co,api.x.com -q");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }
  const auto now = run_command("date -u +%Y-%m-%dT%H:%M:%SZ").out.substr(0, 20);
  const auto r = run_dnswitness("report --ledger " + ledger + " --domains x.com,t.co,api.x.com --at " + now +
                                " --at 2020-01-01T00:00:00Z --case '令和8年(ワ)第123号' --out " + dir / "r");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const std::string written = read_file(dir / "r/report.json");
  const auto parsed = nlohmann::json::parse(written);

  // The same request, built as a JSON tree from the same ledger, with the report's own creation time.
  ReportRequest req;
  LoginInput in;
  in.kind = "command-line";
  in.name = "--at";
  in.values = {now, "2020-01-01T00:00:00Z"};
  req.inputs.push_back(in);
  req.options.domains = {"x.com", "t.co", "api.x.com"};
  req.case_name = "令和8年(ワ)第123号";
  const auto created = parse_rfc3339(parsed["created_at"].get<std::string>());
  REQUIRE(created);
  req.created_at = *created;
  req.manifest_signed = true;  // report signed it with the ledger's key (docs/manifest.md)
  LedgerStore store(ledger_paths(ledger), LedgerStore::Mode::read_only);
  const std::string expected = build_bundle(store, req).dump(1) + "\n";
  REQUIRE(written.size() == expected.size());
  CHECK(written == expected);
  const std::string digest =
      hex_encode(sha256(ByteView(reinterpret_cast<const std::uint8_t*>(written.data()), written.size())));
  // report.sha256 lists report.json first, then the PDF and the evidence description.
  CHECK(read_file(dir / "r/report.sha256").starts_with(digest + "  report.json\n"));
}
