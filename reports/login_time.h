#pragma once
// Login times as lawyers and X write them, and the text clean-up that comes first (Word's quotes,
// full-width characters). Used by the login import (reports/logins.h) and by `--at`/`--tz` options.
// Pure functions over their arguments: safe to call from any thread.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "timeutil/timestamp.h"

namespace dnswitness {

// The zone in which a time written without one is read. Only fixed offsets: Japan has had no
// daylight saving since 1951, and a zone with daylight saving would make some wall times
// ambiguous, which evidence cannot afford.
struct LoginTimeZone {
  std::int64_t offset_seconds = 0;
  std::string name = "UTC";  // as shown to the user: "UTC", "JST", "+05:30"
  friend bool operator==(const LoginTimeZone&, const LoginTimeZone&) = default;
};

// Reads a --tz value: UTC, Z, GMT, Etc/UTC, Asia/Tokyo, JST, Japan (any case), or a fixed offset
// +09:00, +0900, -05:00. Throws UsageError for anything else.
LoginTimeZone parse_login_time_zone(std::string_view text);

// The same without throwing, also for zones named in text: "(JST)", "日本時間", "UTC+9".
std::optional<LoginTimeZone> find_login_time_zone(std::string_view text);

// Reads one login time (already normalised with normalize_text):
//   2023-11-21T02:10:15.000Z, 2023-11-21T11:10:15+09:00 (RFC 3339 / ISO 8601, +0900 also)
//   2023-11-21 02:10:15, 2023/11/21 02:10:15.123, 2023-11-21T02:10:15   (read in `zone`)
//   2023/11/21 02:10:15(UTC), 2023/11/21 11:10:15(JST), ... 02:10:15 UTC, (日本時間)
//   2023年11月21日 11時10分15秒 (read in `zone` unless a zone follows)
// Month, day and hour may have one digit (as Excel writes them); minutes and seconds need two.
// Seconds are required: carriers match a login to the second.
// Returns the instant, or nullopt with a plain reason in *problem (a phrase without a full stop,
// e.g. "the time has no seconds").
// *zone_written (when given) says whether the text carried its own zone.
std::optional<UtcTime> parse_login_time(std::string_view text, const LoginTimeZone& zone,
                                        std::string* problem = nullptr, bool* zone_written = nullptr);

// Text after the clean-up that every login input goes through, with a map back to the original.
struct NormalizedText {
  std::string text;
  // origin[i]: offset in the original of the character that produced text[i]; origin has
  // text.size() + 1 entries, the last being the original's size. 32 bits: inputs are far below
  // 4 GiB (login files are capped at 16 MiB), and this map is the largest part of a parse.
  std::vector<std::uint32_t> origin;
  // Offset in the original of the first byte that is not UTF-8, if any (then text is partial).
  std::optional<std::size_t> invalid_utf8_at;
};

// Maps, as NFKC would for these characters: the full-width ASCII block U+FF01–U+FF5E to ASCII and
// U+3000 to a space; also Word's typographic quotes (“ ” „ ‟ ″ to ", ‘ ’ ‚ ‛ ′ to '), no-break and
// other Unicode spaces to a space, Unicode hyphens and minus to '-', and drops zero-width
// characters and byte-order marks. Everything else (Japanese text included) is kept as is.
NormalizedText normalize_text(std::string_view utf8);

// normalize_text(...).text, for a single value such as a command-line argument.
std::string normalize_value(std::string_view utf8);

}  // namespace dnswitness
