#pragma once
// Posts to logins (report --posts FILE; issue 19, part 7). Under the amended Provider Liability
// Act a carrier is asked about the 侵害関連通信: the login just before each infringing post (and,
// by choice, the first login after it). The lawyer lists the posts' times, or post URLs with their
// times, one a line; this module reads them and picks, for each post, those logins from the
// disclosure's login records. The bundle keeps the file's bytes and the selection ("posts",
// docs/report.md), and `verify` reads the bytes again and re-derives the selection, so the marks in
// the PDF are checkable. Pure functions over their arguments: thread-safe.
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reports/login_time.h"
#include "reports/logins.h"
#include "timeutil/timestamp.h"

namespace dnswitness {

struct PostRecord {
  int line = 0;                    // in the file, from 1
  UtcTime at;                      // the post's time
  std::string time_text;           // the time as written
  std::optional<std::string> url;  // the post's URL when the line gives one
};

// Reads a posts file: each line holds one time (any form a login time may take, read in `zone`
// when it carries none) and, anywhere on the line, optionally the post's http(s) URL. Empty lines
// and lines starting with '#' are skipped. All or nothing: the first line that cannot be read
// throws LoginParseError ("<source_name> line N: <reason>."); a file without any post throws
// UsageError. The records keep the file's order.
std::vector<PostRecord> parse_posts(std::string_view content, const LoginTimeZone& zone,
                                    const std::string& source_name);

// The selection for each post: the index (in `logins`, sorted by time as read_login_inputs gives
// them) of the last login at or before the post, and with `first_after` the first login after
// it; nullopt where there is none.
struct PostSelection {
  std::optional<std::size_t> last_before;
  std::optional<std::size_t> first_after;
};
std::vector<PostSelection> select_logins_for_posts(const std::vector<PostRecord>& posts,
                                                   const std::vector<LoginRecord>& logins, bool first_after);

// The bundle's "posts" member: {input {name, sha256, content_base64}, tz, first_after, records
// [{line, time, time_text, url, last_login_before, first_login_after}]} (docs/report.md). The
// records' login indexes count in logins.records.
nlohmann::json posts_json(const std::string& name, const std::string& content, const std::string& tz,
                          bool first_after, const std::vector<PostRecord>& posts,
                          const std::vector<PostSelection>& selection);

// posts_json of a posts file read in the zone of `tz` (the --tz text; "" for UTC) against `logins`:
// what `report` stores and `verify` derives again. Throws as parse_posts does.
nlohmann::json posts_member(const std::string& name, const std::string& content, const std::string& tz,
                            bool first_after, const std::vector<LoginRecord>& logins);

}  // namespace dnswitness
