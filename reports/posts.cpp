#include "reports/posts.h"

#include <fmt/format.h>

#include <algorithm>

#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "model/errors.h"

namespace dnswitness {
namespace {

bool post_url_start(std::string_view token) { return token.starts_with("https://") || token.starts_with("http://"); }

// The line without its URL (one token starting with http:// or https://), and the URL.
std::pair<std::string, std::optional<std::string>> split_post_url(const std::string& line) {
  std::size_t at = std::string::npos;
  for (std::size_t i = 0; i < line.size(); ++i)
    if ((i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t' || line[i - 1] == ',') &&
        post_url_start(std::string_view(line).substr(i))) {
      at = i;
      break;
    }
  if (at == std::string::npos) return {line, std::nullopt};
  std::size_t end = at;
  while (end < line.size() && line[end] != ' ' && line[end] != '\t' && line[end] != ',') ++end;
  std::string rest = line.substr(0, at) + " " + line.substr(end);
  return {rest, line.substr(at, end - at)};
}

std::string post_trimmed(std::string s) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == ','; };
  while (!s.empty() && blank(s.back())) s.pop_back();
  std::size_t b = 0;
  while (b < s.size() && blank(s[b])) ++b;
  return s.substr(b);
}

}  // namespace

std::vector<PostRecord> parse_posts(std::string_view content, const LoginTimeZone& zone,
                                    const std::string& source_name) {
  const NormalizedText norm = normalize_text(content);
  if (norm.invalid_utf8_at)
    throw UsageError(fmt::format("{} is not UTF-8 text (byte {}); save it as UTF-8 and try again.", source_name,
                                 *norm.invalid_utf8_at));
  std::vector<PostRecord> out;
  std::size_t begin = 0;
  int line_no = 0;
  while (begin <= norm.text.size()) {
    const std::size_t end = std::min(norm.text.find('\n', begin), norm.text.size());
    ++line_no;
    const std::string line = post_trimmed(norm.text.substr(begin, end - begin));
    begin = end + 1;
    if (line.empty() || line.front() == '#') {
      if (end == norm.text.size()) break;
      continue;
    }
    auto [rest, url] = split_post_url(line);
    const std::string time_text = post_trimmed(rest);
    std::string problem;
    const auto at = parse_login_time(time_text, zone, &problem);
    if (!at) {
      const std::string why = time_text.empty() ? std::string("the line has a URL but no time") : problem;
      throw LoginParseError(fmt::format("{} line {}: {}.", source_name, line_no, why), line_no, why);
    }
    out.push_back({line_no, *at, time_text, url});
    if (end == norm.text.size()) break;
  }
  if (out.empty())
    throw UsageError(fmt::format("{} holds no post time; write one time (with the post's URL if you like) a line.",
                                 source_name));
  return out;
}

std::vector<PostSelection> select_logins_for_posts(const std::vector<PostRecord>& posts,
                                                   const std::vector<LoginRecord>& logins, bool first_after) {
  std::vector<PostSelection> out;
  for (const auto& p : posts) {
    PostSelection s;
    // logins are sorted by time: the last at or before the post, then the first after it.
    const auto after = std::upper_bound(logins.begin(), logins.end(), p.at,
                                        [](const UtcTime& t, const LoginRecord& l) { return t < l.at; });
    if (after != logins.begin()) s.last_before = static_cast<std::size_t>(after - logins.begin() - 1);
    if (first_after && after != logins.end()) s.first_after = static_cast<std::size_t>(after - logins.begin());
    out.push_back(s);
  }
  return out;
}

nlohmann::json posts_json(const std::string& name, const std::string& content, const std::string& tz,
                          bool first_after, const std::vector<PostRecord>& posts,
                          const std::vector<PostSelection>& selection) {
  using nlohmann::json;
  const ByteView bytes(reinterpret_cast<const std::uint8_t*>(content.data()), content.size());
  json records = json::array();
  for (std::size_t i = 0; i < posts.size(); ++i) {
    const auto& p = posts[i];
    const auto& s = selection.at(i);
    records.push_back({{"line", p.line},
                       {"time", format_rfc3339_ns(p.at)},
                       {"time_text", p.time_text},
                       {"url", p.url ? json(*p.url) : json()},
                       {"last_login_before", s.last_before ? json(*s.last_before) : json()},
                       {"first_login_after", s.first_after ? json(*s.first_after) : json()}});
  }
  return {{"input",
           {{"name", name},
            {"sha256", hex_encode(sha256(bytes))},
            {"content_base64", base64_encode(bytes)}}},
          {"tz", tz},
          {"first_after", first_after},
          {"records", std::move(records)}};
}

nlohmann::json posts_member(const std::string& name, const std::string& content, const std::string& tz,
                            bool first_after, const std::vector<LoginRecord>& logins) {
  const LoginTimeZone zone = tz.empty() ? LoginTimeZone{} : parse_login_time_zone(tz);
  const std::vector<PostRecord> posts = parse_posts(content, zone, name);
  return posts_json(name, content, tz, first_after, posts, select_logins_for_posts(posts, logins, first_after));
}

}  // namespace dnswitness
