#include "tsa/http_post.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <memory>
#include <mutex>

namespace dnswitness {
namespace {

constexpr std::size_t kMaxReply = 1 << 20;

struct Transfer {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  HttpReply reply;
  bool too_big = false;
  char errbuf[CURL_ERROR_SIZE] = {};
  ~Transfer() {
    if (easy) curl_easy_cleanup(easy);
    curl_slist_free_all(headers);
  }
};

extern "C" std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t len = size * n;
  if (t->reply.body.size() + len > kMaxReply) {
    t->too_big = true;
    return 0;  // aborts the transfer
  }
  t->reply.body.insert(t->reply.body.end(), reinterpret_cast<std::uint8_t*>(data),
                       reinterpret_cast<std::uint8_t*>(data) + len);
  return len;
}

void setup(Transfer& t, const HttpPost& p, long timeout_ms) {
  t.easy = curl_easy_init();
  if (!t.easy) throw std::bad_alloc();
  CURL* e = t.easy;
  curl_easy_setopt(e, CURLOPT_URL, p.url.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms, 10000L));
  curl_easy_setopt(e, CURLOPT_POST, 1L);
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, p.body.data());
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, static_cast<long>(p.body.size()));
  curl_easy_setopt(e, CURLOPT_USERAGENT, "dnswitness (RFC 3161 client)");
  t.headers = curl_slist_append(t.headers, ("Content-Type: " + p.content_type).c_str());
  // libcurl asks for "100 Continue" before a body over 1 KiB and waits up to a second for it; the
  // servers we post to (TSAs, witnesses, collectors) take the body at once.
  t.headers = curl_slist_append(t.headers, "Expect:");
  if (p.content_type == "application/timestamp-query")
    t.headers = curl_slist_append(t.headers, "Accept: application/timestamp-reply");
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.headers);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.errbuf);
  if (!p.user.empty()) {
    curl_easy_setopt(e, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    curl_easy_setopt(e, CURLOPT_USERNAME, p.user.c_str());
    curl_easy_setopt(e, CURLOPT_PASSWORD, p.password.c_str());
  }
  if (!p.client_cert.empty()) {
    curl_easy_setopt(e, CURLOPT_SSLCERT, p.client_cert.c_str());
    curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
  }
  if (!p.client_key.empty()) curl_easy_setopt(e, CURLOPT_SSLKEY, p.client_key.c_str());
  // An extra anchor file is added to the system's store rather than replacing it.
  if (!p.ca_files.empty()) {
    curl_easy_setopt(e, CURLOPT_CAINFO, p.ca_files.front().c_str());
    curl_easy_setopt(e, CURLOPT_CAPATH, "/etc/ssl/certs");
  }
}

}  // namespace

std::vector<HttpReply> post_all(const std::vector<HttpPost>& posts, long timeout_ms) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::vector<std::unique_ptr<Transfer>> transfers;
  std::unique_ptr<CURLM, decltype(&curl_multi_cleanup)> multi(curl_multi_init(), curl_multi_cleanup);
  if (!multi) throw std::bad_alloc();
  for (const auto& p : posts) {
    transfers.push_back(std::make_unique<Transfer>());
    setup(*transfers.back(), p, timeout_ms);
    curl_multi_add_handle(multi.get(), transfers.back()->easy);
  }
  int running = 0;
  do {
    if (curl_multi_perform(multi.get(), &running) != CURLM_OK) break;
    if (running > 0) curl_multi_poll(multi.get(), nullptr, 0, 200, nullptr);
  } while (running > 0);
  int left = 0;
  while (CURLMsg* m = curl_multi_info_read(multi.get(), &left)) {
    if (m->msg != CURLMSG_DONE) continue;
    for (auto& t : transfers) {
      if (t->easy != m->easy_handle) continue;
      const CURLcode rc = m->data.result;
      if (rc == CURLE_OK) {
        t->reply.transport_ok = true;
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &t->reply.status);
        const char* ct = nullptr;
        curl_easy_getinfo(t->easy, CURLINFO_CONTENT_TYPE, &ct);
        if (ct) t->reply.content_type = ct;
      } else if (t->too_big) {
        t->reply.error = fmt::format("the answer was larger than {} bytes", kMaxReply);
      } else {
        t->reply.error = t->errbuf[0] ? std::string(t->errbuf) : curl_easy_strerror(rc);
      }
    }
  }
  std::vector<HttpReply> out;
  for (auto& t : transfers) {
    curl_multi_remove_handle(multi.get(), t->easy);
    if (!t->reply.transport_ok && t->reply.error.empty()) t->reply.error = "the transfer did not finish";
    out.push_back(std::move(t->reply));
  }
  return out;
}

}  // namespace dnswitness
