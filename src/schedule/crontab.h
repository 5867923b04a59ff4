#pragma once
// The crontab entry `dnswitness schedule` installs where systemd does not run.
//
// Role: write, find and remove the one managed entry in a crontab's text, and read or write the
// user's crontab. The entry is a marker comment line followed by the job line; everything else in
// the crontab is kept byte for byte, so install is idempotent and remove leaves other jobs alone.
// Tests (and anyone who wants to review the entry before installing it) set
// DNSWITNESS_CRONTAB_FILE to a file, which is then read and written instead of the user's crontab.
// Ownership: plain values. Thread-safety: the text functions are thread-safe; the I/O ones run
// `crontab`, one call at a time.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dnswitness {

inline constexpr std::string_view kCrontabMarker = "# dnswitness-schedule:";

// One word for /bin/sh: single-quoted, with ' written as '\''. Throws UsageError on a newline,
// which no crontab line can hold.
std::string shell_quote(std::string_view word);

struct CronEntry {
  std::string time_fields;  // "*/10 * * * *"
  std::string command;      // as written in the crontab (quoted, % escaped)
};

// The marker line and the job line (each ending in '\n') running `argv` at `time_fields`.
// '%' is escaped as cron requires.
std::string cron_entry_lines(const std::string& time_fields, const std::vector<std::string>& argv,
                             const std::string& description);

// The managed entry in `text`, if any.
std::optional<CronEntry> find_cron_entry(std::string_view text);
// `text` without the managed entry (marker and job line); *removed says whether there was one.
std::string remove_cron_entry(std::string_view text, bool* removed);

// Where the crontab is read and written: "the user's crontab", or the DNSWITNESS_CRONTAB_FILE path.
std::string crontab_location();
// The current crontab ("" when there is none). Throws std::runtime_error with a plain sentence
// when `crontab` cannot be run.
std::string read_crontab();
// Replaces the crontab with `text`. Throws std::runtime_error when that fails.
void write_crontab(const std::string& text);

}  // namespace dnswitness
