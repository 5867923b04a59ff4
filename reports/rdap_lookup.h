#pragma once
// RDAP look-ups of IP addresses (RFC 9082 §3.1.1 "ip/<address>", answers per RFC 9083) for
// `report --rdap`: who holds each source IP and destination candidate, with the raw answer and its
// fetch time kept as evidence.
//
// Role: the network and cache side only. Which service to ask comes from the IANA bootstrap
// (reports/rdap_bootstrap.h); what an answer says is reports/rdap_summary.h, derived from the
// stored bytes. Addresses that no registry holds (private, CGNAT, documentation... see
// reports/source_ip.h) or that no bootstrap entry covers are not looked up: their record says why.
//
// HTTP: GET with "Accept: application/rdap+json", no proxy (the *_proxy variables are ignored: the
// record must name the server that answered), no compression asked for (the body is stored as the
// server sent it), at most `max_redirects` redirects (RIRs send an address held by another registry
// or an NIR there; an https look-up is never redirected to http), a size limit and a timeout per
// request; up to `max_parallel` requests at once on one curl multi handle. A base URL that cannot be
// reached is retried on the next base URL the bootstrap lists for it.
//
// Cache: a 200 answer that is JSON is kept in <cache_dir>/<hex SHA-256 of the URL>.json with its
// original fetch time; an answer younger than max_age is reused (from_cache says so, fetched_at
// stays the original). Failures are never cached. The cache is an optimisation: a file that cannot
// be read, written or parsed is ignored.
//
// Failures are values in each record, never exceptions: one bad address never stops the others.
// Ownership: plain values. Thread-safety: lookup_rdap may run on several threads at once (each call
// has its own curl handles); a shared cache folder is safe (each file appears whole by rename).
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "reports/rdap_bootstrap.h"
#include "timeutil/timestamp.h"

namespace dnswitness {

enum class RdapOutcome {
  answer,         // HTTP 200 with a JSON body (what it says: rdap_summary.h)
  http_error,     // another HTTP status (404: the registry has no such network)
  not_json,       // HTTP 200 whose body is not JSON
  timeout,        // no complete answer within timeout_ms
  network_error,  // no HTTP answer at all (refused, reset, TLS failure, name not resolved)
  too_large,      // the body exceeded max_body_bytes
  not_looked_up,  // not asked at all: see reason
};

// Stable lower-case names for JSON: "answer", "http_error", "not_json", ...
std::string_view rdap_outcome_name(RdapOutcome outcome);
std::optional<RdapOutcome> rdap_outcome_from_name(std::string_view name);

struct RdapRecord {
  std::string address;        // as checked (canonical text: lower case, shortest IPv6)
  std::string query_address;  // what was asked: the address, or the IPv4 inside an IPv4-mapped one
  RdapOutcome outcome = RdapOutcome::not_looked_up;
  std::string reason;  // one plain sentence for anything but an answer; empty for an answer

  std::string bootstrap_prefix;              // the IANA entry used, e.g. "126.0.0.0/8"
  std::string bootstrap_publication;         // of the bootstrap file, e.g. "2019-06-07T19:00:02Z"
  std::vector<std::string> bootstrap_urls;   // the entry's base URLs, https first

  std::string url;        // what was requested: <base URL>ip/<query_address>
  std::string final_url;  // the URL that answered, after redirects
  UtcTime fetched_at{};   // when the answer arrived (UTC); kept from the original fetch for a cached one
  bool from_cache = false;
  long http_status = 0;   // 0 when there was no HTTP answer
  std::string content_type;
  std::string body;       // exact bytes as received (empty when none)
};

struct RdapLookupOptions {
  // Where answers are cached; nullopt: no cache. default_rdap_cache_dir() is the usual one.
  std::optional<std::filesystem::path> cache_dir;
  std::chrono::seconds max_age{std::chrono::hours(24 * 30)};
  long timeout_ms = 20000;
  long max_redirects = 3;
  std::size_t max_parallel = 4;
  std::size_t max_body_bytes = 1024 * 1024;
};

// $XDG_CACHE_HOME/dnswitness/rdap, else $HOME/.cache/dnswitness/rdap; nullopt when neither variable
// gives an absolute path.
std::optional<std::filesystem::path> default_rdap_cache_dir();

// What one GET brought back; the seam a unit test can replace (RdapFetcher).
struct RdapHttpResult {
  RdapOutcome transport = RdapOutcome::answer;  // answer (an HTTP answer came), timeout, network_error, too_large
  std::string error;      // the transport failure, in words
  long status = 0;
  std::string content_type;
  std::string final_url;
  std::string body;
  UtcTime fetched_at{};
};
using RdapFetcher =
    std::function<std::vector<RdapHttpResult>(const std::vector<std::string>& urls, const RdapLookupOptions& options)>;

// The real fetcher: libcurl, as described above. One result per URL, in order.
std::vector<RdapHttpResult> fetch_rdap_urls(const std::vector<std::string>& urls, const RdapLookupOptions& options);

// Looks up every address once (repeats removed, the first occurrence's position kept; text that is
// not an address gets a not_looked_up record of its own). One record per distinct address, in order.
std::vector<RdapRecord> lookup_rdap(const std::vector<std::string>& addresses, const RdapBootstrap& bootstrap,
                                    const RdapLookupOptions& options, const RdapFetcher& fetcher = fetch_rdap_urls);

// The record as stored in a bundle (docs/rdap.md): the body as base64 with its SHA-256, the time as
// RFC 3339 with nine fraction digits. rdap_record_from_json reads it back (nullopt when malformed).
nlohmann::json rdap_record_json(const RdapRecord& record);
std::optional<RdapRecord> rdap_record_from_json(const nlohmann::json& j);

}  // namespace dnswitness
