#include "reports/login_time.h"

#include <fmt/format.h>

#include <array>
#include <chrono>

#include "model/errors.h"

namespace dnswitness {
namespace {

constexpr std::int64_t kJstOffset = 9 * 3600;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string upper_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

bool consume(std::string_view& s, std::string_view prefix) {
  if (!s.starts_with(prefix)) return false;
  s.remove_prefix(prefix.size());
  return true;
}

// Reads between min and max digits; returns the number of digits read (0 if fewer than min).
std::size_t read_number(std::string_view& s, std::size_t min, std::size_t max, unsigned& out) {
  std::size_t n = 0;
  out = 0;
  while (n < max && n < s.size() && is_digit(s[n])) out = out * 10 + static_cast<unsigned>(s[n++] - '0');
  if (n < min) return 0;
  s.remove_prefix(n);
  return n;
}

void skip_spaces(std::string_view& s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
}

// "+09:00", "+0900", "+09", "-5": an offset in seconds, or nullopt.
std::optional<std::int64_t> parse_offset(std::string_view s) {
  if (s.empty() || (s.front() != '+' && s.front() != '-')) return std::nullopt;
  const std::int64_t sign = s.front() == '-' ? -1 : 1;
  s.remove_prefix(1);
  unsigned h = 0, m = 0;
  const std::size_t hd = read_number(s, 1, 2, h);
  if (hd == 0) return std::nullopt;
  if (consume(s, ":")) {
    if (read_number(s, 2, 2, m) != 2) return std::nullopt;
  } else if (hd == 2 && s.size() == 2) {
    if (read_number(s, 2, 2, m) != 2) return std::nullopt;
  }
  if (!s.empty() || h > 23 || m > 59) return std::nullopt;
  return sign * static_cast<std::int64_t>(h * 3600 + m * 60);
}

// A zone name or offset: "UTC", "JST", "Z", "+09:00", "UTC+9", "日本時間".
std::optional<LoginTimeZone> zone_from_name(std::string_view text) {
  text = trim(text);
  const std::string u = upper_ascii(text);
  if (u == "UTC" || u == "Z" || u == "GMT" || u == "UT" || u == "ETC/UTC" || u == "ETC/GMT" || u == "UCT" ||
      text == "協定世界時")
    return LoginTimeZone{0, "UTC"};
  if (u == "JST" || u == "ASIA/TOKYO" || u == "JAPAN" || text == "日本時間" || text == "日本標準時")
    return LoginTimeZone{kJstOffset, "JST"};
  std::string_view rest = u;
  if (!consume(rest, "UTC")) consume(rest, "GMT");
  if (const auto off = parse_offset(rest)) {
    if (*off == 0) return LoginTimeZone{0, "UTC"};
    const std::int64_t a = *off < 0 ? -*off : *off;
    return LoginTimeZone{*off, fmt::format("{}{:02}:{:02}", *off < 0 ? '-' : '+', a / 3600, a / 60 % 60)};
  }
  return std::nullopt;
}

// Japanese weekday marks as lawyers write them after a date: 2023年11月21日(火).
constexpr std::array<std::string_view, 7> kWeekdays = {"日", "月", "火", "水", "木", "金", "土"};

std::optional<UtcTime> fail(std::string* problem, std::string reason) {
  if (problem) *problem = std::move(reason);
  return std::nullopt;
}

}  // namespace

std::optional<LoginTimeZone> find_login_time_zone(std::string_view text) {
  return zone_from_name(normalize_value(text));
}

LoginTimeZone parse_login_time_zone(std::string_view text) {
  const std::string value = normalize_value(text);
  if (const auto z = zone_from_name(value)) return *z;
  throw UsageError(fmt::format("--tz '{}' is not a zone this tool reads; use UTC, Asia/Tokyo (or JST), or a "
                               "fixed offset such as +09:00.",
                               text));
}

std::optional<UtcTime> parse_login_time(std::string_view text, const LoginTimeZone& zone, std::string* problem,
                                        bool* zone_written) {
  std::string_view s = trim(text);
  if (s.empty()) return fail(problem, "the time is empty");
  const std::string_view whole = s;
  auto not_a_time = [&] {
    return fail(problem, fmt::format("'{}' is not a time this tool reads (write it like 2023-11-21T02:10:15Z or "
                                     "2023/11/21 11:10:15(JST))",
                                     whole));
  };

  // Date: YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, YYYY年MM月DD日, or the same with a Japanese era year
  // (令和8年12月5日, 令和元年5月1日, 平成31年4月30日) as court papers and carriers write them.
  unsigned year = 0, month = 0, day = 0;
  struct Era {
    std::string_view name;
    unsigned offset;  // Gregorian year = offset + era year
    int first, last;  // the era's first and last day as YYYYMMDD
    std::string_view span;
  };
  static constexpr std::array<Era, 2> kEras = {{{"令和", 2018, 20190501, 99991231, "which began on 2019-05-01"},
                                                {"平成", 1988, 19890108, 20190430, "which ran from 1989-01-08 to 2019-04-30"}}};
  const Era* era = nullptr;
  for (const Era& e : kEras)
    if (consume(s, e.name)) era = &e;
  if (era) {
    skip_spaces(s);
    if (consume(s, "元")) year = 1;
    else if (!read_number(s, 1, 2, year) || year == 0) return not_a_time();
    skip_spaces(s);
    if (s.substr(0, std::string_view("年").size()) != "年") return not_a_time();
    year += era->offset;
  } else if (read_number(s, 4, 4, year) != 4) {
    return not_a_time();
  }
  bool kanji = false;
  if (consume(s, "年")) {
    kanji = true;
    if (!read_number(s, 1, 2, month) || !consume(s, "月") || !read_number(s, 1, 2, day) || !consume(s, "日"))
      return not_a_time();
  } else {
    if (s.empty() || (s.front() != '-' && s.front() != '/' && s.front() != '.')) return not_a_time();
    const char sep = s.front();
    s.remove_prefix(1);
    if (!read_number(s, 1, 2, month) || !consume(s, std::string_view(&sep, 1)) || !read_number(s, 1, 2, day))
      return not_a_time();
  }

  // An optional weekday, checked against the date below: (火) or (Tue).
  std::optional<int> weekday;
  {
    std::string_view w = s;
    skip_spaces(w);
    if (consume(w, "(")) {
      const auto close = w.find(')');
      if (close != std::string_view::npos) {
        const std::string_view mark = trim(w.substr(0, close));
        static constexpr std::array<std::string_view, 7> kEnglish = {"SUN", "MON", "TUE", "WED",
                                                                     "THU", "FRI", "SAT"};
        const std::string upper = upper_ascii(mark);
        for (std::size_t i = 0; i < 7; ++i) {
          const std::string ja(kWeekdays[i]);
          if (mark == ja || mark == ja + "曜" || mark == ja + "曜日" ||
              (upper.size() >= 3 && upper.starts_with(kEnglish[i])))
            weekday = static_cast<int>(i);
        }
        if (weekday) s = w.substr(close + 1);
      }
    }
  }

  // Separator between date and time.
  const bool had_space = !s.empty() && is_space(s.front());
  skip_spaces(s);
  if (s.empty()) return fail(problem, fmt::format("'{}' has a date but no time of day", whole));
  if (!had_space && !kanji && !weekday) {
    if (s.front() != 'T' && s.front() != 't') return not_a_time();
    s.remove_prefix(1);
  }

  // Time: H:MM:SS[.fraction] or H時M分S秒.
  unsigned hour = 0, minute = 0, second = 0;
  std::string fraction;
  if (!read_number(s, 1, 2, hour)) return not_a_time();
  if (consume(s, "時")) {
    if (!read_number(s, 1, 2, minute) || !consume(s, "分")) return not_a_time();
    if (!read_number(s, 1, 2, second) || !consume(s, "秒"))
      return fail(problem, fmt::format("'{}' has no seconds; carriers match a login to the second, so write the "
                                       "seconds as X disclosed them",
                                       whole));
  } else {
    if (!consume(s, ":") || read_number(s, 2, 2, minute) != 2) return not_a_time();
    if (!consume(s, ":"))
      return fail(problem, fmt::format("'{}' has no seconds; carriers match a login to the second, so write the "
                                       "seconds as X disclosed them",
                                       whole));
    if (read_number(s, 2, 2, second) != 2) return not_a_time();
    if (!s.empty() && (s.front() == '.' || s.front() == ',')) {
      s.remove_prefix(1);
      while (!s.empty() && is_digit(s.front())) {
        fraction += s.front();
        s.remove_prefix(1);
      }
      if (fraction.empty() || fraction.size() > 9)
        return fail(problem, fmt::format("'{}' has a fraction of a second with {} digits; use 1 to 9 digits", whole,
                                         fraction.size()));
    }
  }

  // Zone: what follows the time, if anything, overrides `zone`.
  LoginTimeZone used = zone;
  std::string_view rest = trim(s);
  if (!rest.empty()) {
    std::string_view name = rest;
    if (name.front() == '(' || name.front() == '[') {
      const char close = name.front() == '(' ? ')' : ']';
      if (name.back() != close) return not_a_time();
      name = name.substr(1, name.size() - 2);
    }
    const auto z = zone_from_name(name);
    if (!z)
      return fail(problem, fmt::format("'{}' ends with '{}', which is not a zone this tool reads; use (UTC), (JST) "
                                       "or an offset such as +09:00",
                                       whole, rest));
    used = *z;
  }

  if (zone_written) *zone_written = !rest.empty();
  const std::int64_t off = used.offset_seconds < 0 ? -used.offset_seconds : used.offset_seconds;
  const std::string canonical =
      fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}{}{}{:02}:{:02}", year, month, day, hour, minute, second,
                  fraction.empty() ? "" : ".", fraction, used.offset_seconds < 0 ? '-' : '+', off / 3600,
                  off / 60 % 60);
  if (month < 1 || month > 12) return fail(problem, fmt::format("'{}' has month {}, which does not exist; check the date", whole, month));
  const std::chrono::year_month_day ymd{std::chrono::year{static_cast<int>(year)}, std::chrono::month{month},
                                        std::chrono::day{day}};
  if (!ymd.ok()) return fail(problem, fmt::format("'{}' has a date that does not exist; check the day and the month", whole));
  if (era) {
    const int ordinal = static_cast<int>(year * 10000 + month * 100 + day);
    if (ordinal < era->first || ordinal > era->last)
      return fail(problem, fmt::format("'{}' is a date outside the {} era, {}; check the era year", whole, era->name,
                                       era->span));
  }
  if (hour > 23 || minute > 59 || second > 59)
    return fail(problem, fmt::format("'{}' has a time of day out of range; write it between 00:00:00 and 23:59:59", whole));
  const auto parsed = parse_rfc3339(canonical);
  if (!parsed) return not_a_time();
  if (weekday) {
    const std::chrono::weekday wd{std::chrono::sys_days{ymd}};
    if (static_cast<int>(wd.c_encoding()) != *weekday)
      return fail(problem, fmt::format("'{}' names the wrong weekday: that date was a {}曜日", whole,
                                       kWeekdays[wd.c_encoding()]));
  }
  return parsed;
}

NormalizedText normalize_text(std::string_view in) {
  NormalizedText out;
  out.text.reserve(in.size());
  out.origin.reserve(in.size() + 1);
  auto emit = [&](char c, std::size_t at) {
    out.text.push_back(c);
    out.origin.push_back(static_cast<std::uint32_t>(at));
  };
  std::size_t i = 0;
  while (i < in.size()) {
    const auto b0 = static_cast<unsigned char>(in[i]);
    if (b0 < 0x80) {
      emit(static_cast<char>(b0), i);
      ++i;
      continue;
    }
    std::size_t len = 0;
    char32_t cp = 0;
    if ((b0 & 0xE0) == 0xC0) len = 2, cp = b0 & 0x1F;
    else if ((b0 & 0xF0) == 0xE0) len = 3, cp = b0 & 0x0F;
    else if ((b0 & 0xF8) == 0xF0) len = 4, cp = b0 & 0x07;
    bool ok = len != 0 && i + len <= in.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      const auto b = static_cast<unsigned char>(in[i + k]);
      if ((b & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (b & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if (ok && ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
               (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF))
      ok = false;
    if (!ok) {
      out.invalid_utf8_at = i;
      break;
    }
    if (cp >= 0xFF01 && cp <= 0xFF5E) {
      emit(static_cast<char>(cp - 0xFEE0), i);
    } else if (cp == 0x3000 || cp == 0x00A0 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F || cp == 0x205F) {
      emit(' ', i);
    } else if (cp == 0x201C || cp == 0x201D || cp == 0x201E || cp == 0x201F || cp == 0x2033 || cp == 0x301D ||
               cp == 0x301E) {
      emit('"', i);
    } else if (cp == 0x2018 || cp == 0x2019 || cp == 0x201A || cp == 0x201B || cp == 0x2032) {
      emit('\'', i);
    } else if ((cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212) {
      emit('-', i);
    } else if (cp == 0x200B || cp == 0x200C || cp == 0x200D || cp == 0x200E || cp == 0x200F || cp == 0x2060 ||
               cp == 0xFEFF) {
      // Invisible characters Word and web pages leave behind: dropped.
    } else {
      for (std::size_t k = 0; k < len; ++k) emit(in[i + k], i);
    }
    i += len;
  }
  out.origin.push_back(static_cast<std::uint32_t>(out.invalid_utf8_at ? *out.invalid_utf8_at : in.size()));
  return out;
}

std::string normalize_value(std::string_view utf8) { return normalize_text(utf8).text; }

}  // namespace dnswitness
