// The shipped list of what carriers ask for (presets/carrier-requests.json) and its refusals.
#include <doctest/doctest.h>

#include <cstdlib>

#include "dnswitness/version.h"
#include "model/errors.h"
#include "reports/carrier_requests.h"
#include "support/lab.h"

using namespace dnswitness;

TEST_CASE("the shipped list: dated, four carriers, each with a source") {
  const std::string file = std::string(kSourcePresetsDir) + "/" + kCarrierRequestsFile;
  const CarrierRequests c = parse_carrier_requests(test::read_file(file), file);
  CHECK(c.as_of == "2026-12-05");
  REQUIRE(c.carriers.size() == 4);
  CHECK(c.carriers[0].carrier == "NTTドコモ");
  CHECK(c.carriers[0].asks_ja.find("±5秒") != std::string::npos);
  CHECK(c.carriers[3].asks_ja.find("接続元ポート番号") != std::string::npos);
  for (const auto& r : c.carriers) {
    CAPTURE(r.carrier);
    CHECK_FALSE(r.sources.empty());
    CHECK_FALSE(r.asks_en.empty());
  }
  ::setenv("DNSWITNESS_PRESETS_DIR", kSourcePresetsDir, 1);
  const auto loaded = load_carrier_requests();
  ::unsetenv("DNSWITNESS_PRESETS_DIR");
  REQUIRE(loaded);
  CHECK(loaded->carriers.size() == 4);
}

TEST_CASE("a broken list is refused with the file named") {
  const auto refused = [](const std::string& text) {
    try {
      parse_carrier_requests(text, "x.json");
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(refused("[").find("x.json cannot be used: it is not a JSON object") != std::string::npos);
  CHECK(refused(R"({"format": "other"})").find("\"format\"") != std::string::npos);
  const std::string head = R"({"format": "dnswitness carrier requests 1", "title": "t", "as_of": "2026-12-05", )";
  CHECK(refused(head + R"("carriers": 3})").find("\"carriers\" is not a list") != std::string::npos);
  CHECK(refused(head + R"("carriers": [{"carrier": "a"}]})").find("\"asks_ja\" is missing") != std::string::npos);
  CHECK(refused(head + R"("carriers": [{"carrier": "a", "asks_ja": "b", "sources": [1]}]})")
            .find("a source of a is not a string") != std::string::npos);
  CHECK(refused(head + R"("carriers": []})").empty());
}
