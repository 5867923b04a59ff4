// Login time formats, --tz values, and the text normalisation (full-width, Word's quotes).
#include <doctest/doctest.h>

#include <string>

#include "model/errors.h"
#include "reports/login_time.h"

using namespace dnswitness;

namespace {

constexpr std::int64_t kS = 1'000'000'000;
// 2023-11-21T02:10:15Z, the example in DOMAIN.md.
constexpr std::int64_t kT = 1700532615LL * kS;

const LoginTimeZone kUtc{0, "UTC"};
const LoginTimeZone kJst{9 * 3600, "JST"};

std::int64_t ns(std::string_view text, const LoginTimeZone& zone = kUtc) {
  std::string problem;
  const auto t = parse_login_time(text, zone, &problem);
  INFO(text << " -> " << problem);
  REQUIRE(t.has_value());
  return t->ns;
}

std::string problem_of(std::string_view text, const LoginTimeZone& zone = kUtc) {
  std::string problem;
  const auto t = parse_login_time(text, zone, &problem);
  INFO(text);
  CHECK_FALSE(t.has_value());
  return problem;
}

}  // namespace

TEST_CASE("RFC 3339 with Z or an offset, with and without fractions; zone in the text wins over --tz") {
  for (const auto* zone : {&kUtc, &kJst}) {
    CHECK(ns("2023-11-21T02:10:15.000Z", *zone) == kT);
    CHECK(ns("2023-11-21T02:10:15Z", *zone) == kT);
    CHECK(ns("2023-11-21t02:10:15z", *zone) == kT);
    CHECK(ns("2023-11-21T11:10:15+09:00", *zone) == kT);
    CHECK(ns("2023-11-21T11:10:15+0900", *zone) == kT);
    CHECK(ns("2023-11-21T11:10:15+09", *zone) == kT);
    CHECK(ns("2023-11-20T21:10:15-05:00", *zone) == kT);
    CHECK(ns("2023-11-21 02:10:15Z", *zone) == kT);
  }
  CHECK(ns("2023-11-21T02:10:15.5Z") == kT + 500'000'000);
  CHECK(ns("2023-11-21T02:10:15.123Z") == kT + 123'000'000);
  CHECK(ns("2023-11-21T02:10:15.123456789Z") == kT + 123'456'789);
  CHECK(ns("2023-11-21T02:10:15,25Z") == kT + 250'000'000);
  CHECK(ns("  2023-11-21T02:10:15.000Z\r\n") == kT);
}

TEST_CASE("wall times with dashes or slashes are read in the given zone") {
  CHECK(ns("2023-11-21 02:10:15") == kT);
  CHECK(ns("2023/11/21 02:10:15") == kT);
  CHECK(ns("2023-11-21T02:10:15") == kT);
  CHECK(ns("2023.11.21 02:10:15") == kT);
  CHECK(ns("2023-11-21 11:10:15", kJst) == kT);
  CHECK(ns("2023/11/21 11:10:15", kJst) == kT);
  CHECK(ns("2023/11/21 11:10:15.750", kJst) == kT + 750'000'000);
  CHECK(ns("2023/11/21 02:10:15", LoginTimeZone{-5 * 3600, "-05:00"}) == kT + 5 * 3600 * kS);
  // Excel drops leading zeros from month, day and hour.
  CHECK(ns("2023/11/21 2:10:15") == kT);
  CHECK(ns("2023/1/5 9:03:07", kJst) == ns("2023-01-05T00:03:07Z"));
  // The day boundary in JST.
  CHECK(ns("2024/01/01 00:00:00", kJst) == ns("2023-12-31T15:00:00Z"));
}

TEST_CASE("lawyers' forms: (UTC), (JST), zone words, kanji, weekday") {
  CHECK(ns("2023/11/21 02:10:15(UTC)", kJst) == kT);
  CHECK(ns("2023/11/21 11:10:15(JST)") == kT);
  CHECK(ns("2023/11/21 11:10:15 (JST)") == kT);
  CHECK(ns("2023/11/21 11:10:15 JST") == kT);
  CHECK(ns("2023/11/21 02:10:15 UTC", kJst) == kT);
  CHECK(ns("2023/11/21 02:10:15 GMT", kJst) == kT);
  CHECK(ns("2023/11/21 11:10:15(日本時間)") == kT);
  CHECK(ns("2023/11/21 11:10:15(UTC+9)") == kT);
  CHECK(ns("2023/11/21 11:10:15 [JST]") == kT);
  CHECK(ns("2023年11月21日 11時10分15秒", kJst) == kT);
  CHECK(ns("2023年11月21日11時10分15秒(JST)") == kT);
  CHECK(ns("2023年11月21日 11:10:15 JST") == kT);
  CHECK(ns("2023/11/21(火) 11:10:15(JST)") == kT);
  CHECK(ns("2023/11/21 (Tue) 11:10:15", kJst) == kT);
  CHECK(ns("2023年11月21日(火曜日) 11時10分15秒", kJst) == kT);
}

TEST_CASE("Japanese era years: 令和 and 平成, 元年, checked against the era's first and last day") {
  CHECK(ns("令和8年12月5日 12時05分03秒", kJst) == ns("2026-12-05T03:05:03Z"));
  CHECK(ns("令和8年12月5日12時05分03秒(JST)") == ns("2026-12-05T03:05:03Z"));
  CHECK(ns("令和5年11月21日 11:10:15", kJst) == kT);
  CHECK(ns("令和 5 年11月21日(火) 11時10分15秒", kJst) == kT);
  CHECK(ns(normalize_value("令和５年１１月２１日　１１時１０分１５秒（日本時間）")) == kT);
  CHECK(ns("令和元年5月1日 00:00:00", kJst) == ns("2019-04-30T15:00:00Z"));
  CHECK(ns("平成31年4月30日 23:59:59", kJst) == ns("2019-04-30T14:59:59Z"));
  CHECK(ns("平成元年1月8日 00:00:00", kJst) == ns("1989-01-07T15:00:00Z"));
  CHECK(problem_of("令和元年4月30日 00:00:00").find("outside the 令和 era, which began on 2019-05-01") !=
        std::string::npos);
  CHECK(problem_of("平成31年5月1日 00:00:00").find("outside the 平成 era") != std::string::npos);
  CHECK(problem_of("令和0年5月1日 00:00:00").find("is not a time this tool reads") != std::string::npos);
  CHECK(problem_of("令和8/12/5 00:00:00").find("is not a time this tool reads") != std::string::npos);
  CHECK(problem_of("令和年12月5日 00:00:00").find("is not a time this tool reads") != std::string::npos);
}

TEST_CASE("full-width digits, colons and parentheses read after normalisation") {
  CHECK(ns(normalize_value("２０２３/１１/２１　１１：１０：１５（ＪＳＴ）")) == kT);
  CHECK(ns(normalize_value("２０２３－１１－２１Ｔ０２：１０：１５．０００Ｚ")) == kT);
  CHECK(ns(normalize_value("2023年11月21日（火）11時10分15秒"), kJst) == kT);
  CHECK(ns(normalize_value("2023\u201011\u201021 02:10:15")) == kT);  // Unicode hyphen from Word
}

TEST_CASE("what is refused, and why") {
  CHECK(problem_of("") == "the time is empty");
  CHECK(problem_of("   ") == "the time is empty");
  CHECK(problem_of("2023/11/21 02:10").find("has no seconds") != std::string::npos);
  CHECK(problem_of("2023年11月21日 11時10分").find("has no seconds") != std::string::npos);
  CHECK(problem_of("2023/11/21").find("has a date but no time of day") != std::string::npos);
  CHECK(problem_of("2023-02-30 00:00:00").find("has a date that does not exist") != std::string::npos);
  CHECK(problem_of("2023-02-29 00:00:00").find("does not exist") != std::string::npos);
  CHECK(ns("2024-02-29 00:00:00") == ns("2024-02-29T00:00:00Z"));
  CHECK(problem_of("2023-13-01 00:00:00").find("has month 13") != std::string::npos);
  CHECK(problem_of("2023-11-21 24:00:00").find("out of range") != std::string::npos);
  CHECK(problem_of("2023-11-21 23:60:00").find("out of range") != std::string::npos);
  CHECK(problem_of("2023-11-21 02:10:15.").find("fraction") != std::string::npos);
  CHECK(problem_of("2023-11-21 02:10:15.1234567890").find("10 digits") != std::string::npos);
  CHECK(problem_of("2023/11/21 02:10:15(PST)").find("'(PST)', which is not a zone") != std::string::npos);
  CHECK(problem_of("2023/11/21 02:10:15 Asia/Singapore").find("not a zone") != std::string::npos);
  CHECK(problem_of("2023/11/22(火) 11:10:15").find("wrong weekday: that date was a 水曜日") != std::string::npos);
  for (const char* bad : {"21/11/2023 02:10:15", "11/21/2023 02:10:15", "1700532615", "2023-11-21X02:10:15",
                          "2023-11/21 02:10:15", "23-11-21 02:10:15", "2023-11-21 2:1:15", "2023-11-21 02:10:15+25:00",
                          "now", "2023-11-21T02:10:15.000Z junk", "2023/11/21 02:10:15(JST"}) {
    const std::string p = problem_of(bad);
    CAPTURE(bad);
    CHECK(!p.empty());
  }
  // Without a problem pointer it only returns nullopt.
  CHECK_FALSE(parse_login_time("nonsense", kUtc));
}

TEST_CASE("--tz values") {
  CHECK(parse_login_time_zone("UTC") == kUtc);
  CHECK(parse_login_time_zone("utc") == kUtc);
  CHECK(parse_login_time_zone("Z") == kUtc);
  CHECK(parse_login_time_zone("Etc/UTC") == kUtc);
  CHECK(parse_login_time_zone("+00:00") == kUtc);
  CHECK(parse_login_time_zone("Asia/Tokyo") == kJst);
  CHECK(parse_login_time_zone("asia/tokyo") == kJst);
  CHECK(parse_login_time_zone("JST") == kJst);
  CHECK(parse_login_time_zone("Japan") == kJst);
  CHECK(parse_login_time_zone("ＪＳＴ") == kJst);
  CHECK(parse_login_time_zone("+09:00").offset_seconds == 9 * 3600);
  CHECK(parse_login_time_zone("+09:00").name == "+09:00");
  CHECK(parse_login_time_zone("+0530") == LoginTimeZone{5 * 3600 + 1800, "+05:30"});
  CHECK(parse_login_time_zone("-05:00") == LoginTimeZone{-5 * 3600, "-05:00"});
  CHECK(parse_login_time_zone("UTC+9").offset_seconds == 9 * 3600);
  for (const char* bad : {"", "America/New_York", "EST", "+24:00", "+9:0", "Tokyo", "09:00"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(parse_login_time_zone(bad), UsageError);
  }
  try {
    parse_login_time_zone("Europe/Berlin");
    FAIL("no throw");
  } catch (const UsageError& e) {
    CHECK(std::string(e.what()) ==
          "--tz 'Europe/Berlin' is not a zone this tool reads; use UTC, Asia/Tokyo (or JST), or a fixed offset such "
          "as +09:00.");
  }
}

TEST_CASE("normalize_text maps the full-width block, U+3000, Word's quotes and keeps Japanese") {
  CHECK(normalize_value("\uFF01\uFF10\uFF19\uFF21\uFF3A\uFF41\uFF5A\uFF5E") == "!09AZaz~");
  CHECK(normalize_value("\u3000") == " ");
  CHECK(normalize_value("\u201Cqu\u201D \u2018s\u2019 \u201E\u201F \u2033 \u2032") == "\"qu\" 's' \"\" \" '");
  CHECK(normalize_value("a\u00A0b\u2003c\u202Fd") == "a b c d");
  CHECK(normalize_value("\uFEFFa\u200Bb\u200Dc") == "abc");
  CHECK(normalize_value("\u2212 \u2013 \u2014") == "- - -");
  CHECK(normalize_value("ログイン日時、ユーザー") == "ログイン日時、ユーザー");
  CHECK(normalize_value("\uFF5F") == "\uFF5F");  // just past the block: kept
  CHECK(normalize_value("\uFF00") == "\uFF00");  // just before: kept

  const NormalizedText n = normalize_text("a\u201Cb\uFF12");
  CHECK(n.text == "a\"b2");
  REQUIRE(n.origin.size() == 5);
  CHECK(n.origin[0] == 0);
  CHECK(n.origin[1] == 1);
  CHECK(n.origin[2] == 4);
  CHECK(n.origin[3] == 5);
  CHECK(n.origin[4] == 8);
  CHECK_FALSE(n.invalid_utf8_at);

  for (const std::string& bad : {std::string("ab\xFF"), std::string("ab\xC3"), std::string("ab\xC0\x80"),
                                std::string("ab\xED\xA0\x80"), std::string("ab\x82\xA0")}) {
    const NormalizedText b = normalize_text(bad);
    CAPTURE(bad);
    REQUIRE(b.invalid_utf8_at);
    CHECK(*b.invalid_utf8_at == 2);
    CHECK(b.text == "ab");
  }
}
