#pragma once
// The plain log of watch: one timestamped line per run, per event, per problem.
//
// Role: "2026-11-28T14:05:00Z run 1f3a... recorded: ..." lines appended to --log FILE (opened and
// closed for each line, so log rotation needs no signal) or written to stderr. Problems also go to
// stderr, so cron mails them and nothing else. Lines hold no secrets: no key material and never
// the --on-change command text (it may carry a webhook token).
// Ownership: holds the path only. Thread-safety: none.
#include <string>

namespace dnswitness {

class WatchLog {
 public:
  WatchLog(std::string path, bool quiet) : path_(std::move(path)), quiet_(quiet) {}
  void info(const std::string& text);
  void problem(const std::string& text);

 private:
  void append(const std::string& line);
  std::string path_;
  bool quiet_;
  bool file_failed_ = false;
};

}  // namespace dnswitness
