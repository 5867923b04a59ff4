// The forms every time option takes (reports/time_option.h): RFC 3339 with and without seconds, a
// date alone (its first or last instant), the tool's printed form, login-time forms read in --tz,
// now and relative times; and one plain sentence naming the option for anything else.
#include <doctest/doctest.h>

#include "model/errors.h"
#include "reports/time_option.h"
#include "timeutil/timestamp.h"

using namespace dnswitness;

namespace {

std::int64_t at(const char* rfc3339) { return parse_rfc3339(rfc3339)->ns; }
constexpr std::int64_t kSecond = 1'000'000'000;

}  // namespace

TEST_CASE("time options read every documented form") {
  const std::int64_t now = at("2026-12-05T10:00:00Z");
  const auto t = [&](const char* text, TimeBound bound = TimeBound::start, const char* tz = "") {
    return parse_time_option(text, "--since", bound, tz, now);
  };
  CHECK(t("2026-12-05T03:00:15Z") == at("2026-12-05T03:00:15Z"));
  CHECK(t("2026-12-05T12:00:15+09:00") == at("2026-12-05T03:00:15Z"));
  CHECK(t("2026-12-05T03:00:15.5Z") == at("2026-12-05T03:00:15.5Z"));
  CHECK(t("2026-12-05T03:00Z") == at("2026-12-05T03:00:00Z"));
  CHECK(t("2026-12-05T12:00+09:00") == at("2026-12-05T03:00:00Z"));
  CHECK(t("2026-12-05") == at("2026-12-05T00:00:00Z"));
  CHECK(t("2026/12/5") == at("2026-12-05T00:00:00Z"));
  CHECK(t("2026-12-05", TimeBound::end) == at("2026-12-06T00:00:00Z") - 1);
  CHECK(t("2026-12-05", TimeBound::start, "JST") == at("2026-12-04T15:00:00Z"));
  // The tool's own printed forms.
  CHECK(t("2026/12/05 12:00:00(JST)") == at("2026-12-05T03:00:00Z"));
  CHECK(t("2026/12/05 03:00:00(UTC)") == at("2026-12-05T03:00:00Z"));
  CHECK(t("2026-12-05 03:00:00") == at("2026-12-05T03:00:00Z"));
  CHECK(t("2026-12-05 12:00:00", TimeBound::start, "Asia/Tokyo") == at("2026-12-05T03:00:00Z"));
  // Full-width digits as pasted from Japanese documents.
  CHECK(t("２０２６－１２－０５") == at("2026-12-05T00:00:00Z"));
  // Relative to now.
  CHECK(t("now") == now);
  CHECK(t("1h") == now - 3600 * kSecond);
  CHECK(t("2d ago") == now - 2 * 86400 * kSecond);
  CHECK(t("90s") == now - 90 * kSecond);
}

TEST_CASE("a time option that is not a time is one sentence naming the option and the forms") {
  for (const char* bad : {"", "yesterday", "2026-13-05", "2026-12-05T25:00Z", "1x", "0h", "12:00", "2026-12"}) {
    CAPTURE(bad);
    try {
      (void)parse_time_option(bad, "--until", TimeBound::end);
      FAIL("accepted");
    } catch (const UsageError& e) {
      const std::string what = e.what();
      CHECK(what.find("--until '") == 0);
      CHECK(what.find("2026-12-05T03:00:00Z") != std::string::npos);
      CHECK(what.find('\n') == std::string::npos);
    }
  }
}
