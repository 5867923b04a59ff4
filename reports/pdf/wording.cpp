#include "reports/pdf/wording.h"

#include <fmt/format.h>

#include "timeutil/timestamp.h"

namespace dnswitness::pdf {

std::string jst_of(std::string_view s) {
  if (s.empty()) return "-";
  const auto t = parse_rfc3339(s);
  return t ? format_jst_display(*t) : std::string(s);
}

std::string utc_of(std::string_view s) {
  if (s.empty()) return "-";
  const auto t = parse_rfc3339(s);
  return t ? format_utc_display(*t) : std::string(s);
}

std::string jst_short_of(std::string_view s) {
  std::string j = jst_of(s);
  if (j.ends_with("(JST)")) j.resize(j.size() - 5);
  return j;
}

std::string date_of(std::string_view s, Lang lang) {
  const std::string j = jst_of(s);  // "2023/11/21 11:10:15(JST)"
  if (j.size() < 10 || j[4] != '/') return j;
  const int y = std::stoi(j.substr(0, 4)), m = std::stoi(j.substr(5, 2)), d = std::stoi(j.substr(8, 2));
  static const char* kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                                  "July",    "August",   "September", "October", "November", "December"};
  if (lang.en) return fmt::format("{} {} {}", d, kMonths[(m + 11) % 12], y);
  if (lang.reiwa && y * 10000 + m * 100 + d >= 20190501) {
    const int era_year = y - 2018;
    return era_year == 1 ? fmt::format("令和元年{}月{}日", m, d) : fmt::format("令和{}年{}月{}日", era_year, m, d);
  }
  return fmt::format("{}年{}月{}日", y, m, d);
}

std::string yyyymmdd_of(std::string_view s) {
  const std::string j = jst_of(s);
  if (j.size() < 10 || j[4] != '/') return "00000000";
  return j.substr(0, 4) + j.substr(5, 2) + j.substr(8, 2);
}

std::int64_t ns_of(std::string_view s) {
  const auto t = parse_rfc3339(s);
  return t ? t->ns : 0;
}

std::string duration_words(std::int64_t ns, Lang lang) {
  const std::int64_t s = ns / 1'000'000'000;
  if (s < 120) return lang.en ? fmt::format("{} s", s) : fmt::format("{}秒", s);
  if (s < 2 * 3600) return lang.en ? fmt::format("{} min", s / 60) : fmt::format("{}分", s / 60);
  if (s < 2 * 86400)
    return lang.en ? fmt::format("{:.1f} h", static_cast<double>(s) / 3600) : fmt::format("{:.1f}時間", static_cast<double>(s) / 3600);
  return lang.en ? fmt::format("{:.1f} days", static_cast<double>(s) / 86400)
                 : fmt::format("{:.1f}日", static_cast<double>(s) / 86400);
}

std::string window_words(std::string_view text, Lang lang) {
  if (text.size() < 2) return std::string(text);
  const std::string n(text.substr(0, text.size() - 1));
  switch (text.back()) {
    case 's': return lang.en ? n + " s" : n + "秒";
    case 'm': return lang.en ? n + " min" : n + "分";
    case 'h': return lang.en ? n + " h" : n + "時間";
    case 'd': return lang.en ? n + " days" : n + "日";
    default: return std::string(text);
  }
}

std::string outcome_label(std::string_view o, Lang lang) {
  if (o == "answer") return lang("回答あり", "answer");
  if (o == "nodata") return lang("該当レコードなし(NODATA)", "no record of this type (NODATA)");
  if (o == "nxdomain") return lang("ドメインなし(NXDOMAIN)", "no such domain (NXDOMAIN)");
  if (o == "timeout") return lang("応答なし(タイムアウト)", "no response (timeout)");
  if (o == "servfail") return lang("サーバ障害(SERVFAIL)", "server failure (SERVFAIL)");
  if (o == "refused") return lang("拒否(REFUSED)", "refused (REFUSED)");
  if (o == "network_error") return lang("通信エラー", "network error");
  if (o == "malformed") return lang("解釈できない応答", "malformed response");
  if (o == "rcode_error") return lang("その他のエラー応答", "other error response");
  return std::string(o);
}

std::string source_class_label(std::string_view c, Lang lang) {
  struct Label {
    const char* name;
    const char* ja;
    const char* en;
  };
  static constexpr Label kLabels[] = {
      {"public_ipv4", "グローバルIPv4アドレス", "public IPv4 address"},
      {"public_ipv6", "グローバルIPv6アドレス", "public IPv6 address"},
      {"private_use", "プライベートアドレス(RFC 1918)", "private address (RFC 1918)"},
      {"shared_cgnat", "共有アドレス(CGNAT, RFC 6598)", "shared CGNAT address (RFC 6598)"},
      {"loopback", "ループバックアドレス", "loopback address"},
      {"link_local", "リンクローカルアドレス", "link-local address"},
      {"documentation", "文書用アドレス", "documentation address"},
      {"benchmarking", "試験用アドレス(RFC 2544)", "benchmarking address (RFC 2544)"},
      {"multicast", "マルチキャストアドレス", "multicast address"},
      {"broadcast", "ブロードキャストアドレス", "broadcast address"},
      {"unspecified", "未指定アドレス", "unspecified address"},
      {"reserved", "予約済みアドレス", "reserved address"},
      {"unique_local", "ユニークローカルアドレス(RFC 4193)", "unique local address (RFC 4193)"},
      {"ipv4_mapped", "IPv4射影IPv6アドレス", "IPv4-mapped IPv6 address"},
      {"nat64", "NAT64アドレス(RFC 6052)", "NAT64 address (RFC 6052)"},
      {"invalid", "IPアドレスではない", "not an IP address"},
  };
  for (const auto& l : kLabels)
    if (c == l.name) return lang(l.ja, l.en);
  return std::string(c);
}

std::string fullwidth(std::string_view ascii) {
  std::string out;
  for (const char ch : ascii) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x21 || c > 0x7E) {
      out += ch;
      continue;
    }
    const unsigned cp = 0xFF01u + (c - 0x21u);  // three UTF-8 bytes: EF BC/BD xx
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

}  // namespace dnswitness::pdf
