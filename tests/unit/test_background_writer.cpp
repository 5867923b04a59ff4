// The report's writer thread: chunks arrive whole and in order, the caller's buffer comes back
// empty, and a failing write reaches the caller instead of being lost.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "reports/background_writer.h"

using dnswitness::BackgroundWriter;

TEST_CASE("chunks are consumed whole, once and in the order they were handed over") {
  std::string written;
  std::vector<std::size_t> sizes;
  {
    BackgroundWriter writer([&](const std::string& chunk) {
      written += chunk;
      sizes.push_back(chunk.size());
    });
    std::string expected;
    for (int i = 0; i < 500; ++i) {
      std::string chunk(static_cast<std::size_t>(i % 7 + 1), static_cast<char>('a' + i % 26));
      expected += chunk;
      writer.hand_over(chunk);
      CHECK(chunk.empty());
    }
    writer.finish();
    CHECK(written == expected);
    CHECK(sizes.size() == 500);
  }
}

TEST_CASE("a consumer's error reaches the caller and the chunks after it are not written") {
  std::vector<std::string> written;
  BackgroundWriter writer([&](const std::string& chunk) {
    if (chunk == "bad") throw std::runtime_error("the disk is full");
    written.push_back(chunk);
  });
  std::string a = "first", b = "bad", c = "third";
  writer.hand_over(a);
  writer.hand_over(b);
  bool thrown = false;
  try {
    writer.hand_over(c);
    writer.finish();
  } catch (const std::runtime_error& e) {
    thrown = true;
    CHECK(std::string(e.what()) == "the disk is full");
  }
  CHECK(thrown);
  CHECK_THROWS_AS(writer.finish(), std::runtime_error);
  CHECK(written == std::vector<std::string>{"first"});
}

TEST_CASE("a writer left without finish (the report failed) still writes what it took and stops") {
  std::string written;
  {
    BackgroundWriter writer([&](const std::string& chunk) { written += chunk; });
    std::string a = "taken";
    writer.hand_over(a);
  }
  CHECK(written == "taken");
}
