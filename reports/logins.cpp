#include "reports/logins.h"

#include "config/input_file.h"
#include "reports/docx_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <tuple>

namespace dnswitness {
namespace {


bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// The normalised input with its lines, and the way back to the original characters.
class Source {
 public:
  Source(std::string_view original, const LoginParseOptions& options)
      : original_(original), name_(options.source_name), norm_(normalize_text(original)) {
    if (original.starts_with("\xFF\xFE") || original.starts_with("\xFE\xFF"))
      fail(1, "the file is UTF-16 text; save it as UTF-8 (in Word: Plain Text, encoding Unicode (UTF-8)) and run "
              "again");
    if (const auto nul = original.find('\0'); nul != std::string_view::npos)
      fail(line_of_original(nul), "the file contains NUL bytes, so it is not a text file; save it as UTF-8 text "
                                  "and run again");
    if (norm_.invalid_utf8_at)
      fail(line_of_original(*norm_.invalid_utf8_at),
           "the text is not UTF-8 (Excel's plain 'CSV' is Shift_JIS); save the file as 'CSV UTF-8' or UTF-8 text and "
           "run again");
    const std::string& t = norm_.text;
    starts_.push_back(0);
    for (std::size_t i = 0; i < t.size(); ++i)
      if (t[i] == '\n') starts_.push_back(i + 1);
  }

  [[noreturn]] void fail(int line, const std::string& why) const {
    throw LoginParseError(fmt::format("{} line {}: {}.", name_, line, why), line, why);
  }

  const std::string& text() const { return norm_.text; }
  int line_count() const { return static_cast<int>(starts_.size()); }
  // Line n (from 1) of the normalised text, without its line ending.
  std::string_view line(int n) const {
    const std::size_t b = starts_[static_cast<std::size_t>(n - 1)];
    std::size_t e = static_cast<std::size_t>(n) < starts_.size() ? starts_[static_cast<std::size_t>(n)] - 1
                                                                   : norm_.text.size();
    std::string_view s(norm_.text.data() + b, e - b);
    if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
    return s;
  }
  std::size_t line_start(int n) const { return starts_[static_cast<std::size_t>(n - 1)]; }
  int line_of(std::size_t normalized_pos) const {
    return static_cast<int>(std::upper_bound(starts_.begin(), starts_.end(), normalized_pos) - starts_.begin());
  }
  // The original characters behind normalised [b, e).
  std::string original(std::size_t b, std::size_t e) const {
    const std::size_t ob = norm_.origin[b], oe = norm_.origin[e];
    return std::string(trim(original_.substr(ob, oe - ob)));
  }

 private:
  int line_of_original(std::size_t pos) const {
    return 1 + static_cast<int>(std::count(original_.begin(), original_.begin() + static_cast<std::ptrdiff_t>(pos), '\n'));
  }
  std::string_view original_;
  std::string name_;
  NormalizedText norm_;
  std::vector<std::size_t> starts_;
};

std::optional<int> parse_port(std::string_view s) {
  s = trim(s);
  if (s.empty() || s.size() > 5) return std::nullopt;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v > 65535) return std::nullopt;
  return v;
}

// Shared by all formats: a source IP cell or value, checked and made canonical.
std::optional<std::string> read_ip(const Source& src, int line, std::string_view text, std::string_view what) {
  text = trim(text);
  if (text.empty() || lower_ascii(text) == "null" || text == "-") return std::nullopt;
  const SourceIpCheck check = classify_source_ip(text);
  if (check.cls == SourceIpClass::invalid)
    src.fail(line, fmt::format("{} '{}' is not an IPv4 or IPv6 address; correct it (without a port or brackets) "
                               "and run again",
                               what, text));
  return check.address;
}

std::optional<int> read_port(const Source& src, int line, std::string_view text, std::string_view what) {
  text = trim(text);
  if (text.empty() || lower_ascii(text) == "null" || text == "-") return std::nullopt;
  const auto port = parse_port(text);
  if (!port) src.fail(line, fmt::format("{} '{}' is not a port number (0 to 65535); correct it and run again", what, text));
  return port;
}

std::optional<std::string> read_account(std::string_view text) {
  text = trim(text);
  if (text.empty() || lower_ascii(text) == "null") return std::nullopt;
  return std::string(text);
}

UtcTime read_time(const Source& src, int line, std::string_view text, const LoginTimeZone& zone, bool* zone_written) {
  std::string problem;
  const auto t = parse_login_time(text, zone, &problem, zone_written);
  if (!t) src.fail(line, problem);
  return *t;
}

// ---- X paste -------------------------------------------------------------------------------

struct Token {
  enum Kind { open, close, pair } kind;
  std::size_t pos = 0;  // normalised offset of the brace or the key
  std::string key;      // lower case
  std::size_t value_begin = 0, value_end = 0;
  bool cut_off = false;  // a quoted value without its closing quote on the line
};

bool is_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Finds braces and "key" : value pairs anywhere in the text, skipping what is neither: the paste is
// not a JSON document, so a real parser would stop at the first stray word. Quoted values are read
// to their closing quote on the same line, so braces inside them do not count.
std::vector<Token> lex_paste(const std::string& t) {
  std::vector<Token> out;
  std::size_t i = 0;
  const std::size_t n = t.size();
  auto skip_ws = [&](std::size_t j) {
    while (j < n && is_space(t[j])) ++j;
    return j;
  };
  while (i < n) {
    const char c = t[i];
    if (c == '{' || c == '}') {
      out.push_back(Token{c == '{' ? Token::open : Token::close, i, {}, 0, 0});
      ++i;
      continue;
    }
    if (c != '"' && c != '\'') {
      ++i;
      continue;
    }
    const std::size_t key_pos = i;
    std::size_t j = i + 1;
    while (j < n && is_key_char(t[j])) ++j;
    if (j == i + 1 || j >= n || (t[j] != '"' && t[j] != '\'')) {
      ++i;
      continue;
    }
    const std::string key = lower_ascii(std::string_view(t).substr(i + 1, j - i - 1));
    std::size_t k = skip_ws(j + 1);
    if (k >= n || t[k] != ':') {
      i = j + 1;  // a quoted word that is not a key (a value, or prose)
      continue;
    }
    k = skip_ws(k + 1);
    if (k >= n || t[k] == '{' || t[k] == '[') {
      i = k;  // a key whose value is an object or array: its braces are tokens of their own
      continue;
    }
    std::size_t vb = k, ve = k;
    if (t[k] == '"' || t[k] == '\'') {
      const char q = t[k];
      vb = k + 1;
      ve = vb;
      while (ve < n && t[ve] != q && t[ve] != '\n' && t[ve] != '\r') ++ve;
      if (ve < n && t[ve] == q) {
        i = ve + 1;
      } else {
        // No closing quote on this line: the value was cut off (by the paste, or a line break in
        // Word). The rest of the line is kept so the message can quote it; using it is refused.
        while (ve > vb && (is_space(t[ve - 1]) || t[ve - 1] == ',' || t[ve - 1] == '}')) --ve;
        i = ve;
        out.push_back(Token{Token::pair, key_pos, key, vb, ve, true});
        continue;
      }
    } else {
      while (ve < n && t[ve] != ',' && t[ve] != '}' && t[ve] != ']' && t[ve] != '\n' && t[ve] != '\r') ++ve;
      i = ve;
      while (ve > vb && is_space(t[ve - 1])) --ve;
    }
    out.push_back(Token{Token::pair, key_pos, key, vb, ve, false});
  }
  return out;
}

constexpr std::array<std::string_view, 1> kTimeKeys = {"createdat"};
constexpr std::array<std::string_view, 1> kIpKeys = {"loginip"};
constexpr std::array<std::string_view, 4> kPortKeys = {"loginportnumber", "loginport", "sourceport", "port"};
constexpr std::array<std::string_view, 3> kAccountKeys = {"accountid", "screenname", "username"};

template <std::size_t N>
bool one_of(const std::string& key, const std::array<std::string_view, N>& keys) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

bool has_paste_keys(const std::vector<Token>& tokens) {
  return std::any_of(tokens.begin(), tokens.end(), [](const Token& t) {
    return t.kind == Token::pair && (one_of(t.key, kTimeKeys) || one_of(t.key, kIpKeys));
  });
}

void read_paste(const Source& src, const std::vector<Token>& tokens, const LoginTimeZone& zone, LoginImport& out) {
  // At most one record per createdAt: reserved once (as in read_csv).
  out.records.reserve(static_cast<std::size_t>(std::count_if(
      tokens.begin(), tokens.end(), [](const Token& t) { return t.kind == Token::pair && one_of(t.key, kTimeKeys); })));
  const std::string& t = src.text();
  // Fields of the record being assembled; a record ends at a brace or when a field repeats (a
  // paste that lost its braces still separates records that way).
  std::map<std::string, const Token*> current;
  auto field = [&](auto& keys) -> const Token* {
    for (auto k : keys)
      if (auto it = current.find(std::string(k)); it != current.end()) return it->second;
    return nullptr;
  };
  auto value = [&](const Token* tok) { return std::string_view(t).substr(tok->value_begin, tok->value_end - tok->value_begin); };
  auto flush = [&] {
    const Token* time = field(kTimeKeys);
    const Token* ip = field(kIpKeys);
    if (!time) {
      if (ip)
        out.warnings.push_back(fmt::format("line {}: a loginIp ({}) without a createdAt in the same record was "
                                           "skipped (a record cut off by the paste?)",
                                           src.line_of(ip->pos), value(ip)));
      current.clear();
      return;
    }
    // A cut-off time could be read as another time (2023-11-01T03:25:06.8 without its Z is read in
    // --tz); a cut-off address could be another address (192.0.2.1 of 192.0.2.17).
    for (const auto& [key, tok] : current)
      if (tok->cut_off)
        src.fail(src.line_of(tok->pos),
                 fmt::format("the {} value '{}' has no closing quote, so it may be cut off; paste the whole record "
                             "again",
                             one_of(key, kTimeKeys) ? "createdAt" : one_of(key, kIpKeys) ? "loginIp" : key,
                             src.original(tok->value_begin, tok->value_end)));
    LoginRecord r;
    r.line = src.line_of(time->pos);
    r.origin = "x-paste";
    r.time_text = src.original(time->value_begin, time->value_end);
    const std::string_view tv = value(time);
    if (trim(tv).empty() || lower_ascii(trim(tv)) == "null") src.fail(r.line, "the createdAt value is empty");
    r.at = read_time(src, r.line, tv, zone, &r.zone_written);
    if (ip) r.source_ip = read_ip(src, src.line_of(ip->pos), value(ip), "the loginIp");
    if (const Token* port = field(kPortKeys)) r.source_port = read_port(src, src.line_of(port->pos), value(port), "the port");
    if (const Token* account = field(kAccountKeys)) r.account = read_account(value(account));
    out.records.push_back(std::move(r));
    current.clear();
  };
  for (const Token& tok : tokens) {
    if (tok.kind != Token::pair) {
      flush();
      continue;
    }
    const bool wanted = one_of(tok.key, kTimeKeys) || one_of(tok.key, kIpKeys) || one_of(tok.key, kPortKeys) ||
                        one_of(tok.key, kAccountKeys);
    if (!wanted) continue;
    if (current.count(tok.key)) flush();
    current[tok.key] = &tok;
  }
  flush();
  // X's login records always carry loginIp; a createdAt alone is some other date of the disclosure
  // (the account's creation date sits in the same paste), so it is set aside with a warning --
  // unless no record has a loginIp, when the paste holds bare times.
  const bool any_ip = std::any_of(out.records.begin(), out.records.end(), [](const LoginRecord& r) { return r.source_ip.has_value(); });
  if (any_ip) {
    std::vector<LoginRecord> logins;
    for (auto& r : out.records) {
      if (r.source_ip) {
        logins.push_back(std::move(r));
      } else {
        out.warnings.push_back(fmt::format("line {}: a createdAt ({}) without a loginIp in the same record was "
                                           "skipped (the account's creation date?)",
                                           r.line, r.time_text));
      }
    }
    out.records = std::move(logins);
  }
}

// ---- CSV -----------------------------------------------------------------------------------

// Splits one line into fields: RFC 4180 quoting with "" for a quote, on one line only.
std::optional<std::vector<std::string>> split_csv(std::string_view line, char delim) {
  std::vector<std::string> cells;
  std::string cell;
  std::size_t i = 0;
  while (true) {
    cell.clear();
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t') && line[i] != delim) ++i;
    if (i < line.size() && line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            cell += '"';
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        cell += line[i++];
      }
      if (!closed) return std::nullopt;
      while (i < line.size() && line[i] != delim) {
        if (!is_space(line[i])) return std::nullopt;
        ++i;
      }
    } else {
      while (i < line.size() && line[i] != delim) cell += line[i++];
    }
    cells.push_back(std::string(trim(cell)));
    if (i >= line.size()) break;
    ++i;  // the delimiter
  }
  return cells;
}

enum class Column { none, time, ip, port, account };

struct HeaderCell {
  Column column = Column::none;
  std::optional<LoginTimeZone> zone;  // from "日時(JST)", "time (UTC)", "time_jst"
};

HeaderCell classify_header(std::string_view cell) {
  std::string name(trim(cell));
  HeaderCell h;
  // A zone in brackets after the name: "ログイン日時(JST)", "time [UTC]".
  for (const char open : {'(', '['}) {
    const auto b = name.find(open);
    if (b == std::string::npos) continue;
    const auto e = name.find(open == '(' ? ')' : ']', b);
    if (e == std::string::npos) continue;
    if (const auto z = find_login_time_zone(std::string_view(name).substr(b + 1, e - b - 1))) h.zone = z;
    name.erase(b, e - b + 1);
  }
  std::string key;
  for (char c : lower_ascii(name))
    if (c != ' ' && c != '_' && c != '-' && c != '.' && c != '\t') key += c;
  for (const char* suffix : {"utc", "jst"}) {
    if (key.size() > 3 && key.ends_with(suffix) && !h.zone) {
      h.zone = find_login_time_zone(suffix);
      key.resize(key.size() - 3);
    }
  }
  static const std::set<std::string> time_names = {
      "time", "timestamp", "createdat", "date", "datetime", "logintime", "logindate", "logindatetime",
      "logintimestamp", "loginat", "at", "when", "日時", "ログイン日時", "ログイン時刻", "日付時刻", "年月日時刻",
      "時刻", "タイムスタンプ", "発生日時", "接続日時", "通信日時", "アクセス日時", "ログイン日時(utc)"};
  static const std::set<std::string> ip_names = {
      "ip", "loginip", "sourceip", "srcip", "source", "sourceaddress", "ipaddress", "ipaddr", "address",
      "clientip", "remoteip", "remoteaddr", "送信元ip", "送信元ipアドレス", "接続元ip", "接続元ipアドレス",
      "発信元ip", "発信元ipアドレス", "ipアドレス", "ログインip", "ログインipアドレス"};
  static const std::set<std::string> port_names = {
      "port", "loginport", "loginportnumber", "sourceport", "srcport", "clientport", "remoteport", "ポート",
      "ポート番号", "送信元ポート", "送信元ポート番号", "接続元ポート", "接続元ポート番号"};
  static const std::set<std::string> account_names = {
      "account", "accountid", "user", "userid", "username", "screenname", "handle", "アカウント",
      "アカウントid", "アカウント名", "ユーザー", "ユーザーid", "ユーザー名", "ユーザid", "ユーザ名"};
  if (time_names.count(key)) h.column = Column::time;
  else if (ip_names.count(key)) h.column = Column::ip;
  else if (port_names.count(key)) h.column = Column::port;
  else if (account_names.count(key)) h.column = Column::account;
  return h;
}

struct CsvLayout {
  char delim = ',';
  int header_line = 0;
  int time = -1, ip = -1, port = -1, account = -1;
  std::optional<LoginTimeZone> header_zone;
  std::string time_header;
};

// The CSV layout if the first line that is neither blank nor a comment ('#') is a header with a
// time column.
std::optional<CsvLayout> detect_csv(const Source& src) {
  for (int n = 1; n <= src.line_count(); ++n) {
    const std::string_view line = trim(src.line(n));
    if (line.empty() || line.front() == '#') continue;
    const auto tabs = std::count(line.begin(), line.end(), '\t');
    const auto commas = std::count(line.begin(), line.end(), ',');
    // A header of one column is allowed ("timestamp" alone); one time per line has no header.
    if (tabs == 0 && commas == 0 && classify_header(line).column != Column::time) return std::nullopt;
    CsvLayout layout;
    layout.delim = tabs > commas ? '\t' : ',';
    layout.header_line = n;
    const auto cells = split_csv(src.line(n), layout.delim);
    if (!cells) return std::nullopt;
    for (std::size_t i = 0; i < cells->size(); ++i) {
      const HeaderCell h = classify_header((*cells)[i]);
      int* slot = h.column == Column::time ? &layout.time
                  : h.column == Column::ip ? &layout.ip
                  : h.column == Column::port ? &layout.port
                  : h.column == Column::account ? &layout.account
                                                : nullptr;
      // Two time (or address) columns: which one is the login's cannot be guessed, and taking the
      // first would silently report other times (e.g. an account's creation date).
      if (slot && *slot >= 0 && (h.column == Column::time || h.column == Column::ip))
        src.fail(n, fmt::format("the header names two {} columns, '{}' (column {}) and '{}' (column {}); keep the "
                                "login's column and delete or rename the other",
                                h.column == Column::time ? "time" : "source IP",
                                (*cells)[static_cast<std::size_t>(*slot)], *slot + 1, (*cells)[i], i + 1));
      if (slot && *slot < 0) {
        *slot = static_cast<int>(i);
        if (h.column == Column::time) {
          layout.header_zone = h.zone;
          layout.time_header = (*cells)[i];
        }
      }
    }
    if (layout.time < 0) return std::nullopt;
    return layout;
  }
  return std::nullopt;
}

void read_csv(const Source& src, const CsvLayout& layout, const LoginTimeZone& zone, LoginImport& out) {
  // At most one record a line: reserved once, so a large file never holds the records twice while
  // the vector grows.
  out.records.reserve(static_cast<std::size_t>(src.line_count()));
  for (int n = layout.header_line + 1; n <= src.line_count(); ++n) {
    const std::string_view raw = src.line(n);
    const std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    const auto cells = split_csv(raw, layout.delim);
    if (!cells) src.fail(n, "a quoted field is not closed on this line; fix the quotes and run again");
    if (std::all_of(cells->begin(), cells->end(), [](const std::string& c) { return c.empty(); }))
      continue;  // Excel writes rows of bare separators at the end of a sheet
    if (cells->size() < static_cast<std::size_t>(layout.time) + 1)
      src.fail(n, fmt::format("the row has {} column(s) but the time is in column {}; fill in the row or delete it",
                              cells->size(), layout.time + 1));
    LoginRecord r;
    r.line = n;
    r.origin = "csv";
    const std::string& time_cell = (*cells)[static_cast<std::size_t>(layout.time)];
    if (time_cell.empty())
      src.fail(n, fmt::format("the {} column is empty; fill in the time or delete the row", layout.time_header));
    r.at = read_time(src, n, time_cell, zone, &r.zone_written);
    // The original characters of the time cell: find it in the line's original text.
    r.time_text = time_cell;
    {
      const std::size_t b = src.line_start(n);
      const std::size_t at = src.text().find(time_cell, b);
      if (at != std::string::npos && at + time_cell.size() <= b + raw.size())
        r.time_text = src.original(at, at + time_cell.size());
    }
    auto cell = [&](int col) -> std::string_view {
      if (col < 0 || static_cast<std::size_t>(col) >= cells->size()) return {};
      return (*cells)[static_cast<std::size_t>(col)];
    };
    r.source_ip = read_ip(src, n, cell(layout.ip), "the source IP");
    r.source_port = read_port(src, n, cell(layout.port), "the source port");
    r.account = read_account(cell(layout.account));
    out.records.push_back(std::move(r));
  }
}

// ---- one time per line ---------------------------------------------------------------------

void read_lines(const Source& src, const LoginTimeZone& zone, LoginImport& out) {
  out.records.reserve(static_cast<std::size_t>(src.line_count()));  // as in read_csv
  for (int n = 1; n <= src.line_count(); ++n) {
    const std::string_view line = trim(src.line(n));
    if (line.empty() || line.front() == '#') continue;
    std::string problem;
    bool zone_written = false;
    const auto t = parse_login_time(line, zone, &problem, &zone_written);
    if (!t) {
      if (out.records.empty() && (line.find(',') != std::string_view::npos || line.find('\t') != std::string_view::npos))
        src.fail(n, "this looks like a CSV header but no column is named as a time; name the time column 'time' "
                    "(or 日時) and run again");
      src.fail(n, problem);
    }
    LoginRecord r;
    r.at = *t;
    r.zone_written = zone_written;
    r.line = n;
    r.origin = "lines";
    const std::size_t b = src.line_start(n);
    const std::size_t off = src.text().find(line, b);
    r.time_text = src.original(off, off + line.size());
    out.records.push_back(std::move(r));
  }
}

void finish(LoginImport& out, const std::string& source_name) {
  if (out.records.empty())
    throw UsageError(fmt::format("{} contains no login times; check that it is the right file.", source_name));
  const std::size_t before = out.records.size();
  std::vector<LoginRecord> copy = out.records;
  out.duplicates = sort_and_deduplicate(out.records);
  if (out.duplicates > 0) {
    std::set<int> kept;
    for (const auto& r : out.records) kept.insert(r.line);
    std::string lines;
    std::size_t shown = 0;
    for (const auto& r : copy) {
      if (kept.count(r.line)) continue;
      if (shown++ < 10) lines += fmt::format("{}{}", lines.empty() ? "" : ", ", r.line);
    }
    if (shown > 10) lines += ", ...";
    out.warnings.push_back(fmt::format("{} of {} records repeat an earlier one (same time, source IP, port and "
                                       "account) and were kept once: line(s) {}",
                                       out.duplicates, before, lines));
  }
}

}  // namespace

LoginParseError::LoginParseError(const std::string& message, int line_number, std::string why)
    : UsageError(message), line(line_number), reason(std::move(why)) {}

std::string_view login_format_name(LoginFormat f) {
  switch (f) {
    case LoginFormat::x_paste: return "x-paste";
    case LoginFormat::csv: return "csv";
    case LoginFormat::lines: return "lines";
    case LoginFormat::command_line: return "command-line";
  }
  return "lines";
}

std::size_t sort_and_deduplicate(std::vector<LoginRecord>& records) {
  std::stable_sort(records.begin(), records.end(), [](const LoginRecord& a, const LoginRecord& b) {
    return std::tie(a.at, a.line) < std::tie(b.at, b.line);
  });
  // Duplicates share their time, so after the sort each group of equal times is compared alone, and
  // the records are compacted in place: no second copy of a large file's records.
  using Key = std::tuple<std::optional<std::string>, std::optional<int>, std::optional<std::string>>;
  std::set<Key> seen_at_this_time;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (kept > 0 && records[kept - 1].at.ns != records[i].at.ns) seen_at_this_time.clear();
    if (!seen_at_this_time.insert(Key{records[i].source_ip, records[i].source_port, records[i].account}).second)
      continue;
    if (kept != i) records[kept] = std::move(records[i]);
    ++kept;
  }
  const std::size_t removed = records.size() - kept;
  records.erase(records.begin() + static_cast<std::ptrdiff_t>(kept), records.end());
  return removed;
}

LoginImport parse_logins(std::string_view content, const LoginParseOptions& options) {
  const Source src(content, options);
  LoginImport out;
  out.zone = options.zone.value_or(LoginTimeZone{});
  const auto tokens = lex_paste(src.text());
  if (has_paste_keys(tokens)) {
    out.format = LoginFormat::x_paste;
    out.detected_because = "it contains X's \"createdAt\"/\"loginIp\" keys, so it was read as a paste of X's "
                           "disclosure";
    read_paste(src, tokens, out.zone, out);
  } else if (const auto layout = detect_csv(src)) {
    out.format = LoginFormat::csv;
    if (layout->header_zone) {
      if (options.zone && !(*options.zone == *layout->header_zone))
        src.fail(layout->header_line,
                 fmt::format("the time column '{}' says {} but --tz says {}; drop --tz or correct the header",
                             layout->time_header, layout->header_zone->name, options.zone->name));
      out.zone = *layout->header_zone;
    }
    out.detected_because = fmt::format("line {} is a header with a time column ('{}'), so it was read as CSV",
                                       layout->header_line, layout->time_header);
    read_csv(src, *layout, out.zone, out);
  } else {
    out.format = LoginFormat::lines;
    out.detected_because = "it has no X keys and no CSV header, so it was read as one time per line";
    read_lines(src, out.zone, out);
  }
  finish(out, options.source_name);
  return out;
}

std::string read_logins_text(const std::filesystem::path& path) {
  std::string bytes = read_input_file(path, "login records file", kMaxLoginFileBytes);
  if (!looks_like_zip(bytes)) return bytes;
  // X's disclosure as delivered: a Word file. Its text is read as a paste would be.
  std::string text = docx_text(bytes, path.string());
  if (text.size() > static_cast<std::size_t>(kMaxLoginFileBytes))
    throw UsageError(fmt::format("The text of {} is larger than {} MiB, more than any disclosure of logins; check "
                                 "that it is the right file.",
                                 path.string(), kMaxLoginFileBytes / (1024 * 1024)));
  return text;
}

LoginImport read_logins_file(const std::filesystem::path& path, LoginParseOptions options) {
  if (options.source_name == LoginParseOptions{}.source_name) options.source_name = path.string();
  return parse_logins(read_logins_text(path), options);
}

LoginImport logins_from_command_line(const std::vector<std::string>& times, const LoginParseOptions& options) {
  LoginImport out;
  out.format = LoginFormat::command_line;
  out.zone = options.zone.value_or(LoginTimeZone{});
  out.detected_because = "the times were given with --at";
  for (std::size_t i = 0; i < times.size(); ++i) {
    const std::string value = normalize_value(times[i]);
    std::string problem;
    bool zone_written = false;
    const auto t = parse_login_time(value, out.zone, &problem, &zone_written);
    const int position = static_cast<int>(i) + 1;
    if (!t) throw LoginParseError(fmt::format("--at '{}': {}.", times[i], problem), position, problem);
    LoginRecord r;
    r.at = *t;
    r.zone_written = zone_written;
    r.time_text = std::string(trim(times[i]));
    r.line = position;
    r.origin = "command-line";
    out.records.push_back(std::move(r));
  }
  finish(out, "--at");
  return out;
}

nlohmann::json login_record_json(const LoginRecord& r) {
  nlohmann::json j = {{"time", format_rfc3339_ns(r.at)},
                      {"time_utc", format_utc_display(r.at)},
                      {"time_jst", format_jst_display(r.at)},
                      {"time_text", r.time_text},
                      {"line", r.line},
                      {"origin", r.origin},
                      {"source_ip", r.source_ip ? nlohmann::json(*r.source_ip) : nlohmann::json()},
                      {"source_port", r.source_port ? nlohmann::json(*r.source_port) : nlohmann::json()},
                      {"account", r.account ? nlohmann::json(*r.account) : nlohmann::json()}};
  if (r.source_ip) {
    const SourceIpCheck c = classify_source_ip(*r.source_ip);
    j["source_ip_class"] = source_ip_class_name(c.cls);
    j["usable_for_carrier_request"] = c.usable_for_carrier_request;
    j["source_ip_reason"] = c.reason;
  }
  return j;
}

}  // namespace dnswitness
