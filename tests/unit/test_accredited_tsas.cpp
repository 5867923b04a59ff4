// The list of accredited (総務大臣認定) TSAs that verify decides "accredited" by: the shipped file
// reads, states its source and date and names no unconfirmed signer; a list is read strictly (a
// typo must not silently make a list that matches nothing); a signer matches only exactly.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "dnswitness/version.h"
#include "model/errors.h"
#include "support/lab.h"
#include "tsa/accredited_tsas.h"

using namespace dnswitness;
using namespace dnswitness::test;

namespace {

std::string list_text(const std::string& services) {
  return R"({"format": "dnswitness accredited TSAs 1", "source": {"url": "https://example.jp/list",
             "taken": "2026-12-05"}, "services": )" + services + "}";
}

}  // namespace

TEST_CASE("the shipped list: its source, the date it was taken, three services and no unconfirmed signer") {
  const auto list = load_accredited_tsas(std::string(kSourcePresetsDir) + "/" + kAccreditedTsaFile);
  CHECK(list.source_url == "https://www.soumu.go.jp/main_sosiki/joho_tsusin/top/ninshou-law/timestamp.html");
  CHECK(list.taken == "2026-12-05");
  REQUIRE(list.services.size() == 3);
  CHECK(list.services[0].service == "セイコータイムスタンプサービス");
  CHECK(list.services[1].operator_name == "三菱電機インフォメーションネットワーク株式会社");
  CHECK(list.services[2].service == "アマノタイムスタンプサービス3161");
  for (const auto& s : list.services) CHECK(s.signers.empty());
  // Found without a path through the presets folders, like the domain presets.
  ::setenv("DNSWITNESS_PRESETS_DIR", kSourcePresetsDir, 1);
  CHECK(load_accredited_tsas({}).services.size() == 3);
  TempDir empty;
  ::setenv("DNSWITNESS_PRESETS_DIR", empty.path().c_str(), 1);
  // A folder without it is passed over for the next one (here the source tree's).
  CHECK(load_accredited_tsas({}).path == std::string(kSourcePresetsDir) + "/" + kAccreditedTsaFile);
  ::unsetenv("DNSWITNESS_PRESETS_DIR");
}

TEST_CASE("a list is read strictly, and a signer matches only byte for byte") {
  const auto list = parse_accredited_tsas(
      list_text(R"([{"operator": "O", "service": "S", "accredited_on": null, "signers": ["CN=TSA 1,O=Op"]}])"), "t");
  CHECK(accredited_service(list, "CN=TSA 1,O=Op") == &list.services[0]);
  CHECK(accredited_service(list, "CN=TSA 1, O=Op") == nullptr);
  CHECK(accredited_service(list, "cn=TSA 1,O=Op") == nullptr);
  CHECK(accredited_service(list, "") == nullptr);

  const auto refused = [](const std::string& text, const std::string& says) {
    try {
      parse_accredited_tsas(text, "bad.json");
      CHECK_MESSAGE(false, "accepted: " << text);
    } catch (const UsageError& e) {
      CHECK_MESSAGE(std::string(e.what()).find(says) != std::string::npos, e.what());
    }
  };
  refused("[]", "is not a JSON object");
  refused("{", "is not a JSON object");
  refused(R"({"format": "other", "source": {}, "services": []})", "is not a list of accredited TSAs");
  refused(list_text("[]").replace(1, 0, R"("sources": 1, )"), "unknown key 'sources'");
  refused(list_text(R"([{"operator": "O", "service": "S", "signer": ["x"]}])"), "unknown key 'signer'");
  refused(list_text(R"([{"operator": "O", "service": "S"}])"), "needs 'signers' as a list");
  refused(list_text(R"([{"operator": "", "service": "S", "signers": []}])"), "needs 'operator'");
  refused(list_text(R"([{"operator": "O", "service": "S", "signers": [""]}])"), "not a non-empty string");
  refused(list_text("{}"), "needs 'services' as a list");
  std::string no_date = list_text("[]");
  no_date.replace(no_date.find("2026-12-05"), 10, "last week");
  refused(no_date, "source.taken must be the date");
}
