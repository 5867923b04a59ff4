#pragma once
// Words and formats the court report uses in Japanese and English: times in the lawyers' style,
// dates, durations, outcome and source-IP class labels, full-width digits. Pure functions:
// thread-safe.
#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace dnswitness::pdf {

// Picks the Japanese or the English text.
struct Lang {
  bool en = false;
  bool reiwa = false;  // Japanese prose dates in the 令和 era (report --era reiwa); tables keep 西暦
  const char* operator()(const char* ja, const char* english) const { return en ? english : ja; }
};

// fmt::format with a format chosen at run time (by language).
template <typename... Args>
std::string rt(std::string_view format, const Args&... args) {
  return fmt::vformat(format, fmt::make_format_args(args...));
}

// "2023/11/21 11:10:15(JST)" / "2023/11/21 02:10:15(UTC)" of an RFC 3339 time; the text itself
// when it is not one (so nothing is hidden), "-" for "".
std::string jst_of(std::string_view rfc3339);
std::string utc_of(std::string_view rfc3339);
// "2023/11/21 11:10:15": JST without the zone, for table columns whose header names the zone.
std::string jst_short_of(std::string_view rfc3339);
// "2023年11月21日" / "21 November 2023" (JST date); "令和5年11月21日" with lang.reiwa (from
// 2019-05-01; 元年 for its first year; earlier dates stay 西暦).
std::string date_of(std::string_view rfc3339, Lang lang);
// "20231121" (JST date), for file names.
std::string yyyymmdd_of(std::string_view rfc3339);
// The nanoseconds of an RFC 3339 time; 0 when it is not one.
std::int64_t ns_of(std::string_view rfc3339);
// "15分" / "15 min", "2時間" / "2.0 h", "90秒" / "90 s", "3.0日" / "3.0 days".
std::string duration_words(std::int64_t ns, Lang lang);
// Window text as the bundle writes it ("1h", "10m") in words.
std::string window_words(std::string_view text, Lang lang);

std::string outcome_label(std::string_view outcome, Lang lang);
std::string source_class_label(std::string_view cls, Lang lang);

// ASCII '!'..'~' to their full-width forms (U+FF01..U+FF5E): "１０４．２４４．４２．１".
std::string fullwidth(std::string_view ascii);

}  // namespace dnswitness::pdf
