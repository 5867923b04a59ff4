#include "reports/rdap_lookup.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "config/input_file.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "model/safe_file.h"
#include "reports/source_ip.h"
#include "tlog/tile_cache.h"

namespace dnswitness {
namespace {

constexpr const char* kRdapCacheFormat = "dnswitness rdap cache 1";

// ---- HTTP: one curl multi handle, every handle owned by RAII ----

struct RdapEasyDeleter {
  void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
struct RdapMultiDeleter {
  void operator()(CURLM* m) const noexcept { curl_multi_cleanup(m); }
};
struct RdapSlistDeleter {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};

struct RdapTransfer {
  std::size_t index = 0;
  std::unique_ptr<CURL, RdapEasyDeleter> easy;
  RdapHttpResult result;
  std::size_t limit = 0;
  bool too_large = false;
  char error[CURL_ERROR_SIZE] = {};
};

extern "C" std::size_t rdap_on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<RdapTransfer*>(user);
  const std::size_t len = size * n;
  if (t->result.body.size() + len > t->limit) {
    t->too_large = true;
    return 0;  // aborts the transfer
  }
  t->result.body.append(data, len);
  return len;
}

void rdap_configure(RdapTransfer& t, const std::string& url, const RdapLookupOptions& options,
                    const curl_slist* headers) {
  CURL* e = t.easy.get();
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  // A look-up begun over https stays on https through its redirects.
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, url.rfind("https://", 0) == 0 ? "https" : "http,https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, options.max_redirects > 0 ? 1L : 0L);
  curl_easy_setopt(e, CURLOPT_MAXREDIRS, options.max_redirects);
  curl_easy_setopt(e, CURLOPT_PROXY, "");  // never a proxy, whatever the environment says
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, options.timeout_ms);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, std::min(options.timeout_ms, 10000L));
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(e, CURLOPT_USERAGENT, "dnswitness (RDAP client)");
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, rdap_on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.error);
}

void rdap_finish(RdapTransfer& t, CURLcode rc) {
  RdapHttpResult& r = t.result;
  r.fetched_at = utc_now();
  CURL* e = t.easy.get();
  const char* effective = nullptr;
  if (curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK && effective) r.final_url = effective;
  const std::string why = t.error[0] ? std::string(t.error) : std::string(curl_easy_strerror(rc));
  if (t.too_large) {
    r.transport = RdapOutcome::too_large;
    r.error = fmt::format("the answer was larger than {} bytes", t.limit);
  } else if (rc == CURLE_OPERATION_TIMEDOUT) {
    r.transport = RdapOutcome::timeout;
    r.error = why;
  } else if (rc != CURLE_OK) {
    r.transport = RdapOutcome::network_error;
    r.error = why;
  } else {
    r.transport = RdapOutcome::answer;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r.status);
    const char* ct = nullptr;
    if (curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct) r.content_type = ct;
  }
  if (r.transport != RdapOutcome::answer) r.body.clear();
}

// ---- cache ----

std::filesystem::path rdap_cache_file(const std::filesystem::path& dir, const std::string& url) {
  return dir / (hex_encode(sha256(as_bytes(url))) + ".json");
}

std::optional<RdapHttpResult> rdap_cache_read(const RdapLookupOptions& options, const std::string& url) {
  if (!options.cache_dir) return std::nullopt;
  std::string text;
  try {
    text = read_input_file(rdap_cache_file(*options.cache_dir, url), "RDAP cache file",
                           static_cast<long long>(options.max_body_bytes) * 2 + 64 * 1024);
  } catch (const std::exception&) {
    return std::nullopt;  // absent or unreadable: fetched again
  }
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("format", "") != kRdapCacheFormat || j.value("url", "") != url)
    return std::nullopt;
  const auto fetched = parse_rfc3339(j.value("fetched_at", ""));
  const auto body = base64_decode(j.value("body_base64", ""));
  if (!fetched || !body) return std::nullopt;
  const auto age = std::chrono::nanoseconds(utc_now().ns - fetched->ns);
  // A time in the future (the clock was wrong then or is now) cannot be trusted to be recent.
  if (age.count() < 0 || age > options.max_age) return std::nullopt;
  RdapHttpResult r;
  r.transport = RdapOutcome::answer;
  r.status = 200;
  r.content_type = j.value("content_type", "");
  r.final_url = j.value("final_url", url);
  r.body.assign(body->begin(), body->end());
  r.fetched_at = *fetched;
  return r;
}

void rdap_cache_write(const RdapLookupOptions& options, const std::string& url, const RdapHttpResult& r) {
  if (!options.cache_dir) return;
  const nlohmann::json j = {{"format", kRdapCacheFormat},
                            {"url", url},
                            {"final_url", r.final_url},
                            {"fetched_at", format_rfc3339_ns(r.fetched_at)},
                            {"http_status", r.status},
                            {"content_type", r.content_type},
                            {"body_base64", base64_encode(as_bytes(r.body))}};
  try {
    std::error_code ec;
    std::filesystem::create_directories(*options.cache_dir, ec);
    SafeFileOptions o;
    o.durable = false;  // a cache file torn by a crash fails to parse and is fetched again
    write_file_safely(rdap_cache_file(*options.cache_dir, url), j.dump(), o);
  } catch (const std::exception&) {
    // Not cached: the next report asks the server again.
  }
}

bool rdap_is_json(const std::string& body) { return nlohmann::json::accept(body); }

// The record's outcome and reason from what came back for it.
void rdap_judge(RdapRecord& rec, const RdapHttpResult& r) {
  rec.final_url = r.final_url.empty() ? rec.url : r.final_url;
  rec.fetched_at = r.fetched_at;
  rec.http_status = r.status;
  rec.content_type = r.content_type;
  rec.body = r.body;
  switch (r.transport) {
    case RdapOutcome::timeout:
      rec.outcome = RdapOutcome::timeout;
      rec.reason = fmt::format("{} did not answer in time ({}).", rec.url, r.error);
      return;
    case RdapOutcome::too_large:
      rec.outcome = RdapOutcome::too_large;
      rec.reason = fmt::format("The answer from {} was too large to be an RDAP answer ({}).", rec.url, r.error);
      return;
    case RdapOutcome::answer:
      break;
    default:
      rec.outcome = RdapOutcome::network_error;
      rec.reason = fmt::format("{} could not be reached ({}).", rec.url, r.error);
      return;
  }
  if (r.status != 200) {
    rec.outcome = RdapOutcome::http_error;
    rec.reason = r.status == 404
                     ? fmt::format("The registry has no record of {}: {} answered HTTP 404.", rec.query_address,
                                   rec.final_url)
                     : fmt::format("{} answered HTTP {} instead of an RDAP record.", rec.final_url, r.status);
    return;
  }
  if (!rdap_is_json(r.body)) {
    rec.outcome = RdapOutcome::not_json;
    rec.reason = fmt::format("{} answered HTTP 200, but not with JSON, so not with an RDAP record.", rec.final_url);
    return;
  }
  rec.outcome = RdapOutcome::answer;
  rec.reason.clear();
}

}  // namespace

std::string_view rdap_outcome_name(RdapOutcome outcome) {
  switch (outcome) {
    case RdapOutcome::answer: return "answer";
    case RdapOutcome::http_error: return "http_error";
    case RdapOutcome::not_json: return "not_json";
    case RdapOutcome::timeout: return "timeout";
    case RdapOutcome::network_error: return "network_error";
    case RdapOutcome::too_large: return "too_large";
    case RdapOutcome::not_looked_up: return "not_looked_up";
  }
  return "not_looked_up";
}

std::optional<RdapOutcome> rdap_outcome_from_name(std::string_view name) {
  for (const RdapOutcome o : {RdapOutcome::answer, RdapOutcome::http_error, RdapOutcome::not_json, RdapOutcome::timeout,
                              RdapOutcome::network_error, RdapOutcome::too_large, RdapOutcome::not_looked_up})
    if (rdap_outcome_name(o) == name) return o;
  return std::nullopt;
}

std::optional<std::filesystem::path> default_rdap_cache_dir() {
  // Beside the remote logs' tile cache: the same XDG rules, one folder per kind of thing cached.
  const auto logs = default_log_cache_root();
  if (!logs) return std::nullopt;
  return logs->parent_path() / "rdap";
}

std::vector<RdapHttpResult> fetch_rdap_urls(const std::vector<std::string>& urls, const RdapLookupOptions& options) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::vector<RdapHttpResult> out(urls.size());
  if (urls.empty()) return out;
  std::unique_ptr<CURLM, RdapMultiDeleter> multi(curl_multi_init());
  if (!multi) throw std::bad_alloc();
  // RFC 7480 §4.2: the RDAP media type, with JSON as a fallback servers commonly honour.
  curl_slist* raw = curl_slist_append(nullptr, "Accept: application/rdap+json, application/json;q=0.9");
  if (!raw) throw std::bad_alloc();
  std::unique_ptr<curl_slist, RdapSlistDeleter> headers(raw);
  std::map<CURL*, std::unique_ptr<RdapTransfer>> active;
  std::size_t next = 0;
  const std::size_t parallel = std::max<std::size_t>(1, options.max_parallel);
  const auto start = [&] {
    auto t = std::make_unique<RdapTransfer>();
    t->index = next;
    t->limit = options.max_body_bytes;
    t->easy.reset(curl_easy_init());
    if (!t->easy) throw std::bad_alloc();
    rdap_configure(*t, urls[next], options, headers.get());
    ++next;
    CURL* e = t->easy.get();
    active.emplace(e, std::move(t));
    curl_multi_add_handle(multi.get(), e);
  };
  try {
    while (next < urls.size() && active.size() < parallel) start();
    while (!active.empty()) {
      int running = 0;
      if (curl_multi_perform(multi.get(), &running) != CURLM_OK) break;
      int left = 0;
      while (CURLMsg* m = curl_multi_info_read(multi.get(), &left)) {
        if (m->msg != CURLMSG_DONE) continue;
        CURL* e = m->easy_handle;
        const CURLcode rc = m->data.result;
        curl_multi_remove_handle(multi.get(), e);
        auto node = active.extract(e);
        rdap_finish(*node.mapped(), rc);
        out[node.mapped()->index] = std::move(node.mapped()->result);
        if (next < urls.size()) start();
      }
      if (!active.empty()) curl_multi_poll(multi.get(), nullptr, 0, 200, nullptr);
    }
  } catch (...) {
    for (const auto& [e, t] : active) curl_multi_remove_handle(multi.get(), e);
    throw;
  }
  for (const auto& [e, t] : active) {  // only after a multi-handle failure
    curl_multi_remove_handle(multi.get(), e);
    out[t->index].transport = RdapOutcome::network_error;
    out[t->index].error = "the transfer did not finish";
    out[t->index].fetched_at = utc_now();
  }
  return out;
}

std::vector<RdapRecord> lookup_rdap(const std::vector<std::string>& addresses, const RdapBootstrap& bootstrap,
                                    const RdapLookupOptions& options, const RdapFetcher& fetcher) {
  std::vector<RdapRecord> records;
  std::set<std::string> seen;
  for (const auto& text : addresses) {
    const SourceIpCheck check = classify_source_ip(text);
    if (!seen.insert(check.address).second) continue;
    RdapRecord rec;
    rec.address = check.address;
    rec.query_address = check.cls == SourceIpClass::ipv4_mapped && check.embedded_ipv4 ? *check.embedded_ipv4
                                                                                        : check.address;
    if (!check.usable_for_carrier_request) {
      rec.reason = check.cls == SourceIpClass::invalid
                       ? check.reason
                       : fmt::format("{} is not looked up in RDAP: no registry holds it. {}", check.address,
                                     check.reason);
    } else if (const auto m = bootstrap.match(rec.query_address)) {
      rec.bootstrap_prefix = m->prefix;
      rec.bootstrap_publication = m->publication;
      rec.bootstrap_urls = m->urls;
      rec.url = m->urls.front() + "ip/" + rec.query_address;
    } else {
      const std::string publication = bootstrap.files().empty() ? "" : bootstrap.files().front().publication;
      rec.reason = fmt::format("{} is not looked up in RDAP: IANA's bootstrap registry{} lists no registry for it, so "
                               "it is not allocated to any.",
                               rec.query_address, publication.empty() ? "" : " (published " + publication + ")");
    }
    records.push_back(std::move(rec));
  }

  // Cached answers first; the rest are fetched in rounds, each round trying the next base URL of
  // the look-ups whose previous one could not be reached.
  std::vector<std::size_t> pending;
  for (std::size_t i = 0; i < records.size(); ++i) {
    RdapRecord& rec = records[i];
    if (rec.url.empty()) continue;
    if (const auto cached = rdap_cache_read(options, rec.url)) {
      rdap_judge(rec, *cached);
      rec.from_cache = true;
    } else {
      pending.push_back(i);
    }
  }
  for (std::size_t round = 0; !pending.empty(); ++round) {
    // An address and its IPv4-mapped form ask the same URL: once.
    std::vector<std::string> urls;
    std::map<std::string, std::size_t> url_index;
    for (const std::size_t i : pending)
      if (url_index.emplace(records[i].url, urls.size()).second) urls.push_back(records[i].url);
    const std::vector<RdapHttpResult> results = fetcher(urls, options);
    const RdapHttpResult missing{RdapOutcome::network_error, "no result", 0, "", "", "", utc_now()};
    std::set<std::string> written;
    std::vector<std::size_t> retry;
    for (std::size_t k = 0; k < pending.size(); ++k) {
      RdapRecord& rec = records[pending[k]];
      const std::size_t at = url_index.at(rec.url);
      const RdapHttpResult& r = at < results.size() ? results[at] : missing;
      rdap_judge(rec, r);
      if (rec.outcome == RdapOutcome::answer && written.insert(rec.url).second) rdap_cache_write(options, rec.url, r);
      const bool unreachable = rec.outcome == RdapOutcome::network_error || rec.outcome == RdapOutcome::timeout;
      if (unreachable && round + 1 < rec.bootstrap_urls.size()) {
        rec.url = rec.bootstrap_urls[round + 1] + "ip/" + rec.query_address;
        if (const auto cached = rdap_cache_read(options, rec.url)) {
          rdap_judge(rec, *cached);
          rec.from_cache = true;
        } else {
          retry.push_back(pending[k]);
        }
      }
    }
    pending = std::move(retry);
  }
  return records;
}

nlohmann::json rdap_record_json(const RdapRecord& r) {
  nlohmann::json j = {{"address", r.address},
                      {"query_address", r.query_address},
                      {"outcome", rdap_outcome_name(r.outcome)}};
  if (!r.reason.empty()) j["reason"] = r.reason;
  if (!r.bootstrap_prefix.empty())
    j["bootstrap"] = {{"prefix", r.bootstrap_prefix}, {"publication", r.bootstrap_publication},
                      {"urls", r.bootstrap_urls}};
  if (r.url.empty()) return j;
  j["url"] = r.url;
  j["final_url"] = r.final_url;
  j["fetched_at"] = format_rfc3339_ns(r.fetched_at);
  j["from_cache"] = r.from_cache;
  j["http_status"] = r.http_status;
  j["content_type"] = r.content_type;
  j["body_base64"] = base64_encode(as_bytes(r.body));
  j["body_sha256"] = hex_encode(sha256(as_bytes(r.body)));
  return j;
}

std::optional<RdapRecord> rdap_record_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  const auto text = [&](const char* key) -> std::optional<std::string> {
    const auto it = j.find(key);
    if (it == j.end()) return std::string();
    if (!it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  RdapRecord r;
  const auto address = text("address"), query = text("query_address"), outcome = text("outcome"),
             reason = text("reason");
  if (!address || !query || !outcome || !reason || address->empty()) return std::nullopt;
  const auto o = rdap_outcome_from_name(*outcome);
  if (!o) return std::nullopt;
  r.address = *address;
  r.query_address = *query;
  r.outcome = *o;
  r.reason = *reason;
  if (const auto b = j.find("bootstrap"); b != j.end()) {
    if (!b->is_object()) return std::nullopt;
    r.bootstrap_prefix = b->value("prefix", "");
    r.bootstrap_publication = b->value("publication", "");
    if (const auto u = b->find("urls"); u != b->end() && u->is_array())
      for (const auto& s : *u)
        if (s.is_string()) r.bootstrap_urls.push_back(s.get<std::string>());
  }
  const auto url = text("url");
  if (!url) return std::nullopt;
  r.url = *url;
  if (r.url.empty()) return r;
  const auto final_url = text("final_url"), fetched = text("fetched_at"), ct = text("content_type"),
             body = text("body_base64"), digest = text("body_sha256");
  if (!final_url || !fetched || !ct || !body || !digest) return std::nullopt;
  const auto when = parse_rfc3339(*fetched);
  const auto bytes = base64_decode(*body);
  if (!when || !bytes || hex_encode(sha256(*bytes)) != *digest) return std::nullopt;
  const auto status = j.find("http_status");
  const auto cached = j.find("from_cache");
  if (status == j.end() || !status->is_number_integer() || cached == j.end() || !cached->is_boolean())
    return std::nullopt;
  r.final_url = *final_url;
  r.fetched_at = *when;
  r.from_cache = cached->get<bool>();
  r.http_status = status->get<long>();
  r.content_type = *ct;
  r.body.assign(bytes->begin(), bytes->end());
  return r;
}

}  // namespace dnswitness
