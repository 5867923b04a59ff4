// UTC formatting and parsing; base64 and hex.
#include <doctest/doctest.h>

#include "crypto/encoding.h"
#include "timeutil/timestamp.h"

using namespace dnswitness;

TEST_CASE("RFC 3339 parsing and formatting") {
  const auto t = parse_rfc3339("2023-11-21T02:10:15.000Z");
  REQUIRE(t);
  CHECK(t->ns == 1700532615LL * 1'000'000'000);
  CHECK(format_rfc3339_ns(*t) == "2023-11-21T02:10:15.000000000Z");
  CHECK(format_rfc3339_s(*t) == "2023-11-21T02:10:15Z");
  CHECK(format_utc_display(*t) == "2023/11/21 02:10:15(UTC)");
  CHECK(format_jst_display(*t) == "2023/11/21 11:10:15(JST)");
  CHECK(parse_rfc3339("2023-11-21T11:10:15+09:00") == t);
  CHECK(parse_rfc3339("2023-11-21T02:10:15Z") == t);
  const auto ns = parse_rfc3339("2023-11-21T02:10:15.123456789Z");
  REQUIRE(ns);
  CHECK(format_rfc3339_ns(*ns) == "2023-11-21T02:10:15.123456789Z");
  CHECK(format_jst_display(*parse_rfc3339("2023-12-31T15:00:00Z")) == "2024/01/01 00:00:00(JST)");
  CHECK(format_rfc3339_ns(UtcTime{-1}) == "1969-12-31T23:59:59.999999999Z");
  // The digit-by-digit writer, round-tripped through the parser over random instants of the
  // whole int64 range (years 1677-2262), before and after 1970.
  std::uint64_t seed = 42;
  for (int i = 0; i < 20000; ++i) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    const auto instant = static_cast<std::int64_t>(seed >> 1) * (i % 2 ? -1 : 1);
    const std::string text = format_rfc3339_ns(UtcTime{instant});
    const auto back = parse_rfc3339(text);
    REQUIRE(back);
    CHECK(back->ns == instant);
    CHECK(text.size() == 30);
  }
  for (const char* bad : {"", "2023-11-21", "2023-11-21T02:10:15", "2023-02-30T00:00:00Z", "2023-13-01T00:00:00Z",
                          "2023-11-21T24:00:00Z", "2023-11-21T02:10:15.Z", "2023-11-21T02:10:15.1234567890Z",
                          "2023-11-21T02:10:15+9:00", "2023-11-21T02:10:15Zjunk"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_rfc3339(bad));
  }
}

TEST_CASE("base64 and hex round trips, strict decoding") {
  const Bytes data = {0x00, 0xff, 0x10, 0x20};
  CHECK(base64_encode(data) == "AP8QIA==");
  CHECK(base64_decode("AP8QIA==") == data);
  CHECK(base64_encode(Bytes{}) == "");
  CHECK(base64_decode("")->empty());
  CHECK(base64_decode("Zg==") == Bytes{'f'});
  CHECK(base64_decode("Zm8=") == Bytes{'f', 'o'});
  for (const char* bad : {"A", "AP8QIA=", "AP8Q IA=", "A=P8", "====", "AP8QIA=A"}) {
    CAPTURE(bad);
    CHECK_FALSE(base64_decode(bad));
  }
  CHECK(hex_encode(data) == "00ff1020");
  CHECK(hex_decode("00FF1020") == data);
  CHECK_FALSE(hex_decode("0"));
  CHECK_FALSE(hex_decode("zz"));
}
