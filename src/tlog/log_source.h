#pragma once
// LogSource: reads the files of a log published as static tiles (c2sp.org/tlog-tiles) from where it
// lives: an http:// or https:// URL prefix, or a local directory.
//
// Role: the storage side of reading a remote log (mirror now, remote reports later). It only moves
// bytes; checking them against a signed checkpoint is the caller's job (tlog/tiles.h).
//
// HTTP is one blocking libcurl easy handle, reused so connections are kept alive, for single files;
// fetch_many runs several requests at once on a curl multi handle (a report needs dozens of entry
// bundles, each a round trip away). Neither runs an event loop of its own beyond the call: both
// return when their transfers have ended, so callers stay sequential.
//
// Every fetch has a size limit, applied to the bytes after any Content-Encoding is undone (gzip is
// accepted, since entry bundles are served compressed), and the transfer is aborted as soon as it is
// exceeded. No proxy is ever used (the *_proxy environment variables are ignored), redirects are not
// followed and only http and https are spoken: the mirror must say which server gave it the bytes.
//
// Outcomes: bytes; nullopt for absent (HTTP 404, or no such file); LogFetchError for everything
// else (server down, another HTTP status, too slow, too large), whose message is one plain sentence
// naming the URL.
// Ownership: owns its curl handle (RAII). Thread-safety: none; one LogSource per thread.
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "model/bytes.h"

namespace dnswitness {

class LogFetchError : public std::runtime_error {
 public:
  enum class Kind { unreachable, http_status, timeout, too_large, other };
  LogFetchError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  [[nodiscard]] Kind kind() const noexcept { return kind_; }

 private:
  Kind kind_;
};

// Largest accepted size of each kind of file (c2sp.org/tlog-tiles gives tiles and bundles; the
// checkpoint and log.json are small text).
inline constexpr std::size_t kMaxCheckpointBytes = 64 * 1024;
inline constexpr std::size_t kMaxLogJsonBytes = 64 * 1024;
inline constexpr std::size_t kMaxHashTileBytes = 256 * 32;
// The limit for a path relative to the log's prefix: "checkpoint", "log.json", a hash tile or an
// entry bundle (kMaxBundleBytes), a run's time-stamps or cosignatures (16 x kMaxCheckpointBytes);
// kMaxCheckpointBytes for anything else.
std::size_t fetch_limit_for(std::string_view path);

struct LogSourceOptions {
  int timeout_ms = 30000;  // one whole request, connecting included
  std::string timeout_option = "--timeout";  // the option that sets it, for the message
};

class LogSource {
 public:
  // `location`: "http://..." or "https://..." (a URL prefix), or a local directory. Throws
  // UsageError for another scheme (file://, ftp://...).
  static std::unique_ptr<LogSource> open(const std::string& location, LogSourceOptions options = {});
  virtual ~LogSource() = default;

  // The bytes at `path` (relative to the prefix, e.g. "tile/0/x001/234"), at most `max_bytes`;
  // nullopt when absent. Throws LogFetchError.
  virtual std::optional<Bytes> fetch(std::string_view path, std::size_t max_bytes) = 0;
  std::optional<Bytes> fetch(std::string_view path) { return fetch(path, fetch_limit_for(path)); }
  // fetch(path) for each of `paths`, in that order, each with its fetch_limit_for. Over HTTP up to
  // kParallelFetches requests are in flight at once (one curl multi handle; a report needs many
  // bundles that each cost a round trip); a folder is read one file after the other. Throws the
  // LogFetchError of the first path that failed, after the transfers in flight have ended.
  virtual std::vector<std::optional<Bytes>> fetch_many(const std::vector<std::string>& paths);
  static constexpr std::size_t kParallelFetches = 8;
  // Where `path` is read from, for messages: the full URL or file path.
  [[nodiscard]] virtual std::string url_of(std::string_view path) const = 0;
  // The location as given, without a trailing slash.
  [[nodiscard]] virtual const std::string& location() const = 0;
  // Requests made and body bytes received so far (decoded), for progress and tests.
  [[nodiscard]] std::uint64_t requests() const noexcept { return requests_; }
  [[nodiscard]] std::uint64_t bytes_received() const noexcept { return bytes_; }

 protected:
  std::uint64_t requests_ = 0;
  std::uint64_t bytes_ = 0;
};

// The verifier key the log's log.json advertises, for the message that asks the user to check it
// with the log's operator; empty when there is none or it cannot be read. Never trusted: a hint.
std::string advertised_verifier_key(LogSource& source);
// The clause of that message: "<location>/log.json advertises <key>" (escaped for printing), or
// "<location>/log.json may advertise one" when it advertises none.
std::string advertised_key_clause(LogSource& source);

}  // namespace dnswitness
