// report --posts (reports/posts.h): post times with or without URLs, read in a zone, bad lines
// refused with their line number, and the logins picked for each post: the last at or before it
// and, when asked, the first after it.
#include <doctest/doctest.h>

#include "reports/posts.h"

using namespace dnswitness;

namespace {

constexpr std::int64_t kS = 1'000'000'000;
// 2026-11-20T00:00:00Z
constexpr std::int64_t kDay = 1'795'132'800 * kS;

std::vector<LoginRecord> posts_logins() {
  const LoginImport in = logins_from_command_line(
      {"2026-11-20T01:00:00Z", "2026-11-20T03:00:00Z", "2026-11-20T05:00:00Z"}, {});
  return in.records;
}

}  // namespace

TEST_CASE("post times, with URLs anywhere on the line, comments and blank lines skipped") {
  const std::string text =
      "# posts in the petition\n"
      "https://x.com/someone/status/1861234567890123456 2026-11-20T02:00:00Z\n"
      "\n"
      "2026/11/20 14:00:00, https://twitter.com/someone/status/1861234567890123457\n"
      "2026年11月20日 15時00分00秒\n";
  const LoginTimeZone jst{9 * 3600, "JST"};
  const auto posts = parse_posts(text, jst, "posts.txt");
  REQUIRE(posts.size() == 3);
  CHECK(posts[0].line == 2);
  CHECK(posts[0].at.ns == kDay + 2 * 3600 * kS);  // its own zone (Z) wins over JST
  CHECK(posts[0].url == "https://x.com/someone/status/1861234567890123456");
  CHECK(posts[0].time_text == "2026-11-20T02:00:00Z");
  CHECK(posts[1].line == 4);
  CHECK(posts[1].at.ns == kDay + 5 * 3600 * kS);  // 14:00 JST
  CHECK(posts[1].url == "https://twitter.com/someone/status/1861234567890123457");
  CHECK(posts[2].at.ns == kDay + 6 * 3600 * kS);
  CHECK_FALSE(posts[2].url.has_value());
}

TEST_CASE("a line without a readable time stops the reading with its line number") {
  const auto error_of = [](const std::string& text) {
    try {
      parse_posts(text, {}, "posts.txt");
    } catch (const LoginParseError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(error_of("2026-11-20T02:00:00Z\nhttps://x.com/a/status/1\n") ==
        "posts.txt line 2: the line has a URL but no time.");
  CHECK(error_of("2026-11-20T02:00:00Z\n2026-11-20 02:00\n").rfind("posts.txt line 2: ", 0) == 0);
  CHECK_THROWS_AS(parse_posts("# nothing\n\n", {}, "posts.txt"), UsageError);
  CHECK_THROWS_AS(parse_posts("", {}, "posts.txt"), UsageError);
}

TEST_CASE("the logins picked for each post: the last at or before it, and the first after it") {
  const auto logins = posts_logins();
  const auto posts = parse_posts(
      "2026-11-20T00:30:00Z\n"   // before every login
      "2026-11-20T03:00:00Z\n"   // at a login's second: that login is before it
      "2026-11-20T04:59:59Z\n"
      "2026-11-20T09:00:00Z\n",  // after every login
      {}, "posts.txt");
  const auto only_before = select_logins_for_posts(posts, logins, false);
  REQUIRE(only_before.size() == 4);
  CHECK_FALSE(only_before[0].last_before.has_value());
  CHECK(only_before[1].last_before == 1u);
  CHECK(only_before[2].last_before == 1u);
  CHECK(only_before[3].last_before == 2u);
  for (const auto& s : only_before) CHECK_FALSE(s.first_after.has_value());
  const auto both = select_logins_for_posts(posts, logins, true);
  CHECK(both[0].first_after == 0u);
  CHECK(both[1].first_after == 2u);
  CHECK(both[2].first_after == 2u);
  CHECK_FALSE(both[3].first_after.has_value());

  // The bundle's member: the file as stored, the picks as indexes into logins.records.
  const auto j = posts_member("posts.txt", "2026-11-20T04:00:00Z https://x.com/a/status/9\n", "", true, logins);
  CHECK(j["first_after"] == true);
  CHECK(j["tz"] == "");
  CHECK(j["input"]["name"] == "posts.txt");
  CHECK(j["input"]["sha256"].get<std::string>().size() == 64);
  REQUIRE(j["records"].size() == 1);
  CHECK(j["records"][0]["time"] == "2026-11-20T04:00:00.000000000Z");
  CHECK(j["records"][0]["url"] == "https://x.com/a/status/9");
  CHECK(j["records"][0]["last_login_before"] == 1);
  CHECK(j["records"][0]["first_login_after"] == 2);
  CHECK(j["records"][0]["line"] == 1);
}
