// Libraries opened on first use (src/ondemand/): a missing library or function is one sentence
// naming the Debian package; the functions defined in their place reach the real ones, arguments
// and results intact; and the dnswitness binary starts without loading any of them.
#include <curl/curl.h>
#include <doctest/doctest.h>

#include <string>

#include "ondemand/shared_library.h"
#include "support/lab.h"

using dnswitness::ondemand::MissingLibrary;
using dnswitness::ondemand::SharedLibrary;

namespace {

std::size_t discard(char*, std::size_t size, std::size_t count, void*) { return size * count; }

}  // namespace

TEST_CASE("a library that is not installed is one sentence naming its file and its package") {
  const SharedLibrary absent{"libdnswitness-absent.so.7", "libdnswitness-absent7", "the test's absent feature"};
  try {
    absent.symbol("absent_function");
    FAIL("an absent library was opened");
  } catch (const MissingLibrary& e) {
    const std::string message = e.what();
    CHECK(message.find("the test's absent feature needs the library libdnswitness-absent.so.7") == 0);
    CHECK(message.find("apt-get install libdnswitness-absent7") != std::string::npos);
  }
  // Asked again, the answer is the same (nothing half-opened is remembered).
  CHECK_THROWS_AS(absent.symbol("absent_function"), MissingLibrary);
}

TEST_CASE("a function the library lacks names the library, the function and the package") {
  const SharedLibrary curl{"libcurl.so.4", "libcurl4", "HTTP"};
  CHECK(curl.symbol("curl_version") != nullptr);
  try {
    curl.symbol("curl_no_such_function");
    FAIL("a missing function was found");
  } catch (const MissingLibrary& e) {
    const std::string message = e.what();
    CHECK(message.find("libcurl.so.4 has no function curl_no_such_function") != std::string::npos);
    CHECK(message.find("libcurl4") != std::string::npos);
  }
}

TEST_CASE("libcurl's functions reached through the on-demand definitions keep their arguments") {
  CHECK(std::string(curl_easy_strerror(CURLE_OK)) == "No error");
  CURL* easy = curl_easy_init();
  REQUIRE(easy != nullptr);
  // One option of each argument type curl_easy_setopt forwards: string, long, function, curl_off_t.
  CHECK(curl_easy_setopt(easy, CURLOPT_URL, "http://127.0.0.1:9/dnswitness-ondemand") == CURLE_OK);
  CHECK(curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 1234L) == CURLE_OK);
  CHECK(curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &discard) == CURLE_OK);
  CHECK(curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(5) << 32) == CURLE_OK);
  // Values out of range are refused by libcurl itself: the long and the curl_off_t arrived as such.
  CHECK(curl_easy_setopt(easy, CURLOPT_MAXREDIRS, -2L) == CURLE_BAD_FUNCTION_ARGUMENT);
  CHECK(curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(-1)) == CURLE_BAD_FUNCTION_ARGUMENT);
  // What was set comes back through curl_easy_getinfo's pointer, without a transfer.
  char* url = nullptr;
  CHECK(curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &url) == CURLE_OK);
  REQUIRE(url != nullptr);
  CHECK(std::string(url) == "http://127.0.0.1:9/dnswitness-ondemand");
  curl_easy_cleanup(easy);

  CURLM* multi = curl_multi_init();
  REQUIRE(multi != nullptr);
  CHECK(curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, 3L) == CURLM_OK);
  CHECK(curl_multi_cleanup(multi) == CURLM_OK);
}

TEST_CASE("dnswitness starts without loading the libraries it opens on demand") {
  // LD_TRACE_LOADED_OBJECTS makes the dynamic loader list what it loads at start and stop (ldd).
  const auto traced = dnswitness::test::run_command(std::string("LD_TRACE_LOADED_OBJECTS=1 ") + DNSWITNESS_BINARY);
  REQUIRE(traced.exit_code == 0);
  const std::string& loaded = traced.out;
  CHECK(loaded.find("libsqlite3") != std::string::npos);  // the listing is real
  for (const char* lib : {"libcurl", "libpq", "libzip", "libxml2", "libpcap", "libfstrm", "libprotobuf-c", "libpango",
                          "libcairo", "libgobject"}) {
    INFO("loaded at start: ", lib);
    CHECK(loaded.find(lib) == std::string::npos);
  }
}
