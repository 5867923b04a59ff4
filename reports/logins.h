#pragma once
// Login records in: X's disclosure pasted into Word/text, CSV with a header row, one time per line,
// or --at times on the command line. The format is detected from the content (docs/logins.md).
// Reading is all or nothing: the first line that cannot be read throws LoginParseError and no
// record is returned. Pure functions over their inputs (apart from reading the named file): safe
// to call from any thread.
#include <cstddef>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/errors.h"
#include "reports/login_time.h"
#include "reports/source_ip.h"
#include "timeutil/timestamp.h"

namespace dnswitness {

struct LoginRecord {
  UtcTime at;
  std::string time_text;  // as written in the input (original characters, without quotes)
  std::optional<std::string> source_ip;  // canonical form (see classify_source_ip)
  std::optional<int> source_port;
  std::optional<std::string> account;
  int line = 0;        // line in the file, from 1; for --at, the position among the --at options
  std::string origin;  // "x-paste" | "csv" | "lines" | "command-line"
  bool zone_written = false;  // the time carried its own zone (otherwise it was read in the import's zone)
};

enum class LoginFormat { x_paste, csv, lines, command_line };
std::string_view login_format_name(LoginFormat f);  // "x-paste", "csv", "lines", "command-line"

struct LoginImport {
  LoginFormat format = LoginFormat::lines;
  std::string detected_because;  // one sentence: why this format was chosen
  LoginTimeZone zone;            // the zone for times written without one
  std::vector<LoginRecord> records;  // sorted by time (ties by line), duplicates removed
  std::size_t duplicates = 0;        // records dropped as duplicates of an earlier line
  std::vector<std::string> warnings;  // things read past that the user should know about
};

struct LoginParseOptions {
  // The zone for times without one; nullopt means UTC unless a CSV header names a zone, e.g.
  // "ログイン日時(JST)". An explicit zone that contradicts the header is an error.
  std::optional<LoginTimeZone> zone;
  // How the input is named in messages: "logins.txt" gives "logins.txt line 7: ...".
  std::string source_name = "input";
};

// The first unreadable line. what() is the full sentence: "<source> line <N>: <reason>."
struct LoginParseError : UsageError {
  LoginParseError(const std::string& message, int line_number, std::string why);
  int line;
  std::string reason;
};

// Detects the format of `content` and reads every record.
LoginImport parse_logins(std::string_view content, const LoginParseOptions& options);

// The largest login records file read. X's disclosure of a year of logins is well under 1 MiB, while
// reading holds the records (about 160 bytes each, sorted before they are shown) and the text three
// times over (as read, normalised, and the way back): about 15 times a file of bare times, 8 times
// an X paste. 8 MiB keeps a hostile file under about 250 MB of memory.
inline constexpr long long kMaxLoginFileBytes = 8LL * 1024 * 1024;
// The bytes of a login records file: only a regular file (not a FIFO or /dev/zero) of at most
// kMaxLoginFileBytes; throws UsageError naming the file otherwise.
std::string read_logins_text(const std::filesystem::path& path);
// Reads a file (read_logins_text) and parses it; source_name defaults to the path as given.
// Throws UsageError when the file cannot be read.
LoginImport read_logins_file(const std::filesystem::path& path, LoginParseOptions options);

// Login times given as --at options, one time each (no source IP). Positions count from 1 and
// become LoginRecord::line; a bad one throws LoginParseError naming "--at" and the value.
LoginImport logins_from_command_line(const std::vector<std::string>& times, const LoginParseOptions& options);

// Sorts by time (ties by line) and removes records with the same time, source IP, source port and
// account as an earlier one; returns how many were removed. For merging several imports.
std::size_t sort_and_deduplicate(std::vector<LoginRecord>& records);

// One record as JSON: time (RFC 3339, ns), time_utc / time_jst (display), time_text, line, origin,
// source_ip, source_port, account (null when absent), and for a source IP: source_ip_class,
// usable_for_carrier_request, source_ip_reason.
nlohmann::json login_record_json(const LoginRecord& r);

}  // namespace dnswitness
