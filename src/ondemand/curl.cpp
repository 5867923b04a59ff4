// libcurl, opened on first use: timestamps (RFC 3161 over HTTP), DNS over HTTPS, published logs,
// witnesses, RDAP and collector pushes. See shared_library.h.
#define CURL_DISABLE_TYPECHECK  // the type-checking macros would hide the functions defined here
#include <curl/curl.h>

#include <cstdarg>

#include "ondemand/shared_library.h"

namespace {
constexpr dnswitness::ondemand::SharedLibrary kCurl{"libcurl.so.4", "libcurl4",
                                                    "HTTP (timestamps, DNS over HTTPS, published logs, witnesses)"};

using SetOption = CURLcode (*)(CURL*, CURLoption, ...);
using SetMultiOption = CURLMcode (*)(CURLM*, CURLMoption, ...);

// curl_easy_setopt and curl_multi_setopt take one argument whose type the option's number range
// says (curl.h, CURLOPTTYPE_*): long, a data pointer, a function pointer or curl_off_t. It is read
// here as that type and passed on as that type, as libcurl itself reads it.
template <typename Real, typename Handle, typename Option>
auto forward_option(Real real, Handle* handle, Option option, va_list args) {
  const long number = option;
  if (number < CURLOPTTYPE_OBJECTPOINT) return real(handle, option, va_arg(args, long));
  if (number < CURLOPTTYPE_FUNCTIONPOINT) return real(handle, option, va_arg(args, void*));
  if (number < CURLOPTTYPE_OFF_T) return real(handle, option, va_arg(args, void (*)()));
  if (number < CURLOPTTYPE_BLOB) return real(handle, option, va_arg(args, curl_off_t));
  return real(handle, option, va_arg(args, void*));
}
}  // namespace

extern "C" {

DNSWITNESS_ON_DEMAND(kCurl, CURLcode, curl_global_init, (long flags), (flags))
DNSWITNESS_ON_DEMAND(kCurl, CURL*, curl_easy_init, (void), ())
DNSWITNESS_ON_DEMAND(kCurl, void, curl_easy_cleanup, (CURL * curl), (curl))
DNSWITNESS_ON_DEMAND(kCurl, void, curl_easy_reset, (CURL * curl), (curl))
DNSWITNESS_ON_DEMAND(kCurl, CURLcode, curl_easy_perform, (CURL * curl), (curl))
DNSWITNESS_ON_DEMAND(kCurl, const char*, curl_easy_strerror, (CURLcode code), (code))
DNSWITNESS_ON_DEMAND(kCurl, struct curl_slist*, curl_slist_append, (struct curl_slist * list, const char* text),
                     (list, text))
DNSWITNESS_ON_DEMAND(kCurl, void, curl_slist_free_all, (struct curl_slist * list), (list))
DNSWITNESS_ON_DEMAND(kCurl, CURLM*, curl_multi_init, (void), ())
DNSWITNESS_ON_DEMAND(kCurl, CURLMcode, curl_multi_cleanup, (CURLM * multi), (multi))
DNSWITNESS_ON_DEMAND(kCurl, CURLMcode, curl_multi_add_handle, (CURLM * multi, CURL* easy), (multi, easy))
DNSWITNESS_ON_DEMAND(kCurl, CURLMcode, curl_multi_remove_handle, (CURLM * multi, CURL* easy), (multi, easy))
DNSWITNESS_ON_DEMAND(kCurl, CURLMcode, curl_multi_perform, (CURLM * multi, int* running), (multi, running))
DNSWITNESS_ON_DEMAND(kCurl, CURLMcode, curl_multi_poll,
                     (CURLM * multi, struct curl_waitfd extra_fds[], unsigned int extra_nfds, int timeout_ms,
                      int* ret),
                     (multi, extra_fds, extra_nfds, timeout_ms, ret))
DNSWITNESS_ON_DEMAND(kCurl, CURLMcode, curl_multi_socket_action,
                     (CURLM * multi, curl_socket_t s, int ev_bitmask, int* running_handles),
                     (multi, s, ev_bitmask, running_handles))
DNSWITNESS_ON_DEMAND(kCurl, CURLMsg*, curl_multi_info_read, (CURLM * multi, int* msgs_in_queue),
                     (multi, msgs_in_queue))
DNSWITNESS_ON_DEMAND(kCurl, const char*, curl_multi_strerror, (CURLMcode code), (code))

CURLcode(curl_easy_setopt)(CURL* curl, CURLoption option, ...) {
  static const auto real = reinterpret_cast<SetOption>(kCurl.symbol("curl_easy_setopt"));
  va_list args;
  va_start(args, option);
  const CURLcode result = forward_option(real, curl, option, args);
  va_end(args);
  return result;
}

CURLMcode(curl_multi_setopt)(CURLM* multi, CURLMoption option, ...) {
  static const auto real = reinterpret_cast<SetMultiOption>(kCurl.symbol("curl_multi_setopt"));
  va_list args;
  va_start(args, option);
  const CURLMcode result = forward_option(real, multi, option, args);
  va_end(args);
  return result;
}

// Every CURLINFO_* fills the one pointer that follows it.
CURLcode(curl_easy_getinfo)(CURL* curl, CURLINFO info, ...) {
  static const auto real = reinterpret_cast<CURLcode (*)(CURL*, CURLINFO, ...)>(kCurl.symbol("curl_easy_getinfo"));
  va_list args;
  va_start(args, info);
  void* out = va_arg(args, void*);
  va_end(args);
  return real(curl, info, out);
}

}  // extern "C"
