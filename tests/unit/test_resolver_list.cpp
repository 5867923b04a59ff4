// --resolvers-file (config/resolver_list.h): specs one a line, comments and blank lines skipped,
// each spec checked, errors naming the file and the line.
#include <doctest/doctest.h>

#include "config/resolver_list.h"
#include "model/errors.h"

using namespace dnswitness;

TEST_CASE("resolver list: specs in order, comments, blank lines and surrounding spaces skipped") {
  const auto specs = parse_resolver_list(
      "# lab\n\nknot=127.0.0.1:5300\n  \t unbound=tcp://[::1]:5301 \r\n#doh\nhttps://127.0.0.1:8443/dns-query", "f");
  CHECK(specs == std::vector<std::string>{"knot=127.0.0.1:5300", "unbound=tcp://[::1]:5301",
                                          "https://127.0.0.1:8443/dns-query"});
}

TEST_CASE("resolver list: a bad line and an empty list are refused, naming the file and the line") {
  try {
    parse_resolver_list("knot=127.0.0.1:5300\n\nnot a resolver\n", "/etc/r.txt");
    FAIL("a bad spec was taken");
  } catch (const UsageError& e) {
    CHECK(std::string(e.what()).starts_with("/etc/r.txt line 3: "));
  }
  for (const char* text : {"", "\n\n", "# only\n  # comments\n"}) {
    CAPTURE(text);
    try {
      parse_resolver_list(text, "/etc/r.txt");
      FAIL("an empty list was taken");
    } catch (const UsageError& e) {
      CHECK(std::string(e.what()).find("/etc/r.txt names no resolver") == 0);
    }
  }
}
