// LogSource on a local folder and the size limits per kind of file (the HTTP side runs against a
// real nginx in tests/integration/test_mirror.cpp).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "model/errors.h"
#include "support/lab.h"
#include "tlog/log_source.h"
#include "tlog/tiles.h"

using namespace dnswitness;

TEST_CASE("each kind of file has its size limit") {
  CHECK(fetch_limit_for("checkpoint") == 64 * 1024);
  CHECK(fetch_limit_for("log.json") == 64 * 1024);
  CHECK(fetch_limit_for("tile/0/000") == 8192);
  CHECK(fetch_limit_for("tile/3/x001/234.p/7") == 8192);
  CHECK(fetch_limit_for("tile/entries/000") == kMaxBundleBytes);
  CHECK(fetch_limit_for("something-else") == 64 * 1024);
}

TEST_CASE("a folder source: bytes, absent files, too large, and schemes it refuses") {
  test::TempDir dir;
  std::filesystem::create_directories(dir.path() / "tile/0");
  test::write_file(dir.path() / "checkpoint", "abc");
  test::write_file(dir.path() / "tile/0/000", std::string(8193, 'h'));
  auto source = LogSource::open(dir.path().string() + "/");
  CHECK(source->location() == dir.path().string());
  const auto cp = source->fetch("checkpoint");
  REQUIRE(cp);
  CHECK(std::string(cp->begin(), cp->end()) == "abc");
  CHECK_FALSE(source->fetch("tile/0/001").has_value());
  try {
    (void)source->fetch("tile/0/000");
    FAIL("an oversize tile was accepted");
  } catch (const LogFetchError& e) {
    CHECK(e.kind() == LogFetchError::Kind::too_large);
    CHECK(std::string(e.what()).find(source->url_of("tile/0/000")) != std::string::npos);
  }
  CHECK_THROWS_AS(LogSource::open("ftp://example.org/log"), UsageError);
  CHECK_THROWS_AS(LogSource::open("file:///srv/log"), UsageError);
  CHECK(LogSource::open("https://example.org/log/")->url_of("checkpoint") == "https://example.org/log/checkpoint");
}
