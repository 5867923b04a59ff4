#include "tlog/log_source.h"

#include <nlohmann/json.hpp>

#include <curl/curl.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "model/errors.h"
#include "model/printable.h"
#include "tlog/tiles.h"

namespace dnswitness {
namespace {

std::string without_trailing_slash(std::string s) {
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

std::string what_kind(std::string_view path) {
  if (path == "checkpoint") return "checkpoint";
  if (path == "log.json") return "log.json";
  if (path.starts_with("tile/entries/")) return "entry bundle";
  if (path.starts_with("tile/")) return "hash tile";
  return "file";
}

std::string too_large_message(const std::string& url, std::string_view path, std::size_t limit) {
  return fmt::format("{} is larger than {} bytes, more than a {} may be; it is not part of a valid log, so nothing "
                     "was copied from it.",
                     url, limit, what_kind(path));
}

// ---- a local directory ----

class DirectorySource final : public LogSource {
 public:
  explicit DirectorySource(std::string dir) : dir_(without_trailing_slash(std::move(dir))) {}

  std::optional<Bytes> fetch(std::string_view path, std::size_t max_bytes) override {
    ++requests_;
    const std::filesystem::path file = std::filesystem::path(dir_) / std::string(path);
    std::error_code ec;
    const auto status = std::filesystem::status(file, ec);
    if (!std::filesystem::exists(status)) return std::nullopt;
    if (!std::filesystem::is_regular_file(status))
      throw LogFetchError(LogFetchError::Kind::other,
                          fmt::format("{} is not a regular file; the log directory is damaged.", file.string()));
    std::ifstream in(file, std::ios::binary);
    if (!in)
      throw LogFetchError(LogFetchError::Kind::other,
                          fmt::format("Cannot read {}: {}; check its permissions.", file.string(), std::strerror(errno)));
    Bytes out;
    char buf[65536];
    while (in) {
      in.read(buf, sizeof buf);
      const auto n = static_cast<std::size_t>(in.gcount());
      if (out.size() + n > max_bytes)
        throw LogFetchError(LogFetchError::Kind::too_large, too_large_message(file.string(), path, max_bytes));
      out.insert(out.end(), buf, buf + n);
    }
    if (in.bad())
      throw LogFetchError(LogFetchError::Kind::other, fmt::format("Cannot read {}; check the disk.", file.string()));
    bytes_ += out.size();
    return out;
  }
  [[nodiscard]] std::string url_of(std::string_view path) const override {
    return (std::filesystem::path(dir_) / std::string(path)).string();
  }
  [[nodiscard]] const std::string& location() const override { return dir_; }

 private:
  std::string dir_;
};

// ---- HTTP(S) through one curl easy handle ----

struct CurlEasyDeleter {
  void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};

struct BodySink {
  CURL* curl = nullptr;
  Bytes body;
  std::size_t limit = 0;
  bool too_large = false;
};

std::size_t write_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  const std::size_t len = size * n;
  long code = 0;
  curl_easy_getinfo(sink->curl, CURLINFO_RESPONSE_CODE, &code);
  if (code != 200) return len;  // an error page: its status decides, its body is dropped
  if (sink->body.size() + len > sink->limit) {
    sink->too_large = true;
    return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
  }
  sink->body.insert(sink->body.end(), data, data + len);
  return len;
}

class HttpSource final : public LogSource {
 public:
  HttpSource(std::string prefix, LogSourceOptions options)
      : prefix_(without_trailing_slash(std::move(prefix))), options_(options), curl_(curl_easy_init()) {
    if (!curl_) throw std::runtime_error("libcurl could not create a handle");
  }

  std::optional<Bytes> fetch(std::string_view path, std::size_t max_bytes) override {
    ++requests_;
    const std::string url = url_of(path);
    CURL* c = curl_.get();
    curl_easy_reset(c);  // keeps the connection cache
    BodySink sink{c, {}, max_bytes, false};
    char error[CURL_ERROR_SIZE] = {0};
    configure(c, url, sink, error);
    const CURLcode rc = curl_easy_perform(c);
    return finish(c, rc, sink, error, url, path);
  }

  std::vector<std::optional<Bytes>> fetch_many(const std::vector<std::string>& paths) override {
    struct Transfer {
      std::size_t index = 0;
      std::string url;
      BodySink sink;
      char error[CURL_ERROR_SIZE] = {0};
    };
    struct MultiDeleter {
      void operator()(CURLM* m) const noexcept { curl_multi_cleanup(m); }
    };
    std::vector<std::optional<Bytes>> out(paths.size());
    if (paths.empty()) return out;
    std::unique_ptr<CURLM, MultiDeleter> multi(curl_multi_init());
    if (!multi) throw std::runtime_error("libcurl could not create a multi handle");
    std::vector<std::unique_ptr<CURL, CurlEasyDeleter>> handles;  // owned here, reused
    std::vector<CURL*> idle;
    std::map<CURL*, std::unique_ptr<Transfer>> active;
    std::optional<std::pair<std::size_t, std::exception_ptr>> failed;  // the first path that failed
    std::size_t next = 0;
    const auto start = [&] {
      if (idle.empty()) {
        handles.emplace_back(curl_easy_init());
        if (!handles.back()) throw std::runtime_error("libcurl could not create a handle");
        idle.push_back(handles.back().get());
      }
      CURL* c = idle.back();
      idle.pop_back();
      curl_easy_reset(c);
      auto t = std::make_unique<Transfer>();
      t->index = next;
      t->url = url_of(paths[next]);
      t->sink = BodySink{c, {}, fetch_limit_for(paths[next]), false};
      configure(c, t->url, t->sink, t->error);
      ++requests_;
      ++next;
      curl_multi_add_handle(multi.get(), c);
      active.emplace(c, std::move(t));
    };
    try {
      while (next < paths.size() && active.size() < kParallelFetches) start();
      while (!active.empty()) {
        int running = 0;
        curl_multi_perform(multi.get(), &running);
        int left = 0;
        while (CURLMsg* msg = curl_multi_info_read(multi.get(), &left)) {
          if (msg->msg != CURLMSG_DONE) continue;
          CURL* c = msg->easy_handle;
          const CURLcode rc = msg->data.result;
          curl_multi_remove_handle(multi.get(), c);
          const auto node = active.extract(c);
          Transfer& t = *node.mapped();
          try {
            out[t.index] = finish(c, rc, t.sink, t.error, t.url, paths[t.index]);
          } catch (const LogFetchError&) {
            if (!failed || t.index < failed->first) failed.emplace(t.index, std::current_exception());
          }
          idle.push_back(c);
          if (!failed && next < paths.size()) start();
        }
        if (!active.empty()) curl_multi_poll(multi.get(), nullptr, 0, 1000, nullptr);
      }
    } catch (...) {
      for (const auto& [c, t] : active) curl_multi_remove_handle(multi.get(), c);
      throw;
    }
    if (failed) std::rethrow_exception(failed->second);
    return out;
  }
  [[nodiscard]] std::string url_of(std::string_view path) const override { return prefix_ + "/" + std::string(path); }
  [[nodiscard]] const std::string& location() const override { return prefix_; }

 private:
  void configure(CURL* c, const std::string& url, BodySink& sink, char* error) const {
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_PROXY, "");  // never a proxy, whatever the environment says
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");  // every encoding libcurl can undo (gzip ...)
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout_ms));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "dnswitness");
  }

  // The outcome of one finished transfer: its body, nullopt for 404, or LogFetchError.
  std::optional<Bytes> finish(CURL* c, CURLcode rc, BodySink& sink, const char* error, const std::string& url,
                              std::string_view path) {
    const std::string why = error[0] != 0 ? std::string(error) : std::string(curl_easy_strerror(rc));
    if (sink.too_large) throw LogFetchError(LogFetchError::Kind::too_large, too_large_message(url, path, sink.limit));
    switch (rc) {
      case CURLE_OK:
        break;
      case CURLE_OPERATION_TIMEDOUT:
        throw LogFetchError(LogFetchError::Kind::timeout,
                            fmt::format("{} did not answer completely within the {} s allowed; the server is too slow "
                                        "or stalled, so try again later or allow more time with {}.",
                                        url, options_.timeout_ms / 1000.0, options_.timeout_option));
      case CURLE_COULDNT_CONNECT:
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_SEND_ERROR:
      case CURLE_RECV_ERROR:
      case CURLE_GOT_NOTHING:
      case CURLE_PARTIAL_FILE:
        throw LogFetchError(LogFetchError::Kind::unreachable,
                            fmt::format("Could not fetch {} ({}); check that the server is up and the URL is right, "
                                        "then try again.",
                                        url, why));
      default:
        throw LogFetchError(LogFetchError::Kind::other, fmt::format("Could not fetch {} ({}).", url, why));
    }
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    if (code == 404) return std::nullopt;
    if (code != 200)
      throw LogFetchError(LogFetchError::Kind::http_status,
                          fmt::format("{} answered HTTP {} instead of the file; the server has a fault, so try again "
                                      "later or tell its operator.",
                                      url, code));
    bytes_ += sink.body.size();
    return std::move(sink.body);
  }

  std::string prefix_;
  LogSourceOptions options_;
  std::unique_ptr<CURL, CurlEasyDeleter> curl_;
};

}  // namespace

std::size_t fetch_limit_for(std::string_view path) {
  if (path == "checkpoint") return kMaxCheckpointBytes;
  if (path == "log.json") return kMaxLogJsonBytes;
  if (path.starts_with("tile/entries/")) return kMaxBundleBytes;
  if (path.starts_with("tile/")) return kMaxHashTileBytes;
  // A run's time-stamps and cosignatures: lists of tokens or lines that grow as they arrive.
  if (path.starts_with("dnswitness/timestamps/") || path.starts_with("dnswitness/cosignatures/"))
    return kMaxCheckpointBytes * 16;
  return kMaxCheckpointBytes;
}

std::unique_ptr<LogSource> LogSource::open(const std::string& location, LogSourceOptions options) {
  if (location.starts_with("http://") || location.starts_with("https://"))
    return std::make_unique<HttpSource>(location, options);
  if (location.find("://") != std::string::npos)
    throw UsageError(fmt::format("'{}' is not an http:// or https:// URL, nor a local folder; give the log's URL prefix "
                                 "(the part before /checkpoint) or its folder.",
                                 location));
  return std::make_unique<DirectorySource>(location);
}

std::vector<std::optional<Bytes>> LogSource::fetch_many(const std::vector<std::string>& paths) {
  std::vector<std::optional<Bytes>> out;
  out.reserve(paths.size());
  for (const auto& p : paths) out.push_back(fetch(p));
  return out;
}

std::string advertised_verifier_key(LogSource& source) {
  try {
    const auto bytes = source.fetch("log.json", kMaxLogJsonBytes);
    if (!bytes) return {};
    const auto j = nlohmann::json::parse(bytes->begin(), bytes->end(), nullptr, false);
    if (j.is_object() && j.contains("verifier_key") && j["verifier_key"].is_string())
      return j["verifier_key"].get<std::string>();
  } catch (const std::exception&) {
  }
  return {};
}

std::string advertised_key_clause(LogSource& source) {
  const std::string key = advertised_verifier_key(source);
  return fmt::format("{}/log.json {}", source.location(),
                     key.empty() ? std::string("may advertise one") : "advertises " + printable(key));
}

}  // namespace dnswitness
