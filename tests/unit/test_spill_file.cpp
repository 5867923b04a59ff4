// SpillFile (reports/spill_file.h): what is appended comes back in order, in pieces of at most
// 1 MiB, from a file nobody else can see; a folder it cannot write in is one plain sentence.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "model/safe_file.h"
#include "reports/spill_file.h"
#include "support/lab.h"

using namespace dnswitness;
namespace fs = std::filesystem;

namespace {

// Sets TMPDIR for the scope, and puts back what was there.
struct TmpdirAs {
  std::optional<std::string> old;
  explicit TmpdirAs(const std::string& value) {
    if (const char* v = std::getenv("TMPDIR")) old = v;
    ::setenv("TMPDIR", value.c_str(), 1);
  }
  ~TmpdirAs() {
    if (old) ::setenv("TMPDIR", old->c_str(), 1);
    else ::unsetenv("TMPDIR");
  }
};

}  // namespace

TEST_CASE("a spill file gives back what was appended, in order, and leaves no file behind") {
  dnswitness::test::TempDir dir;
  const TmpdirAs tmp(dir.path().string());
  std::string expected;
  SpillFile spill;
  CHECK(fs::is_empty(dir.path()));  // unlinked as soon as it is made
  for (int k = 0; k < 300; ++k) {
    const std::string piece = std::to_string(k) + std::string(static_cast<std::size_t>(k) * 97, 'a' + k % 26) + "\n";
    spill.append(piece);
    expected += piece;
  }
  spill.append("");
  REQUIRE(expected.size() > (4u << 20));  // several replay pieces
  std::string back;
  std::size_t pieces = 0, largest = 0;
  spill.replay([&](std::string_view s) {
    back += s;
    ++pieces;
    largest = std::max(largest, s.size());
  });
  CHECK(back == expected);
  CHECK(pieces >= 4);
  CHECK(largest <= (1u << 20));
  // Replayed twice, the same.
  std::string again;
  spill.replay([&](std::string_view s) { again += s; });
  CHECK(again == expected);
  CHECK(fs::is_empty(dir.path()));
}

TEST_CASE("a spill file in a folder that does not exist is a sentence naming the folder and TMPDIR") {
  dnswitness::test::TempDir dir;
  const std::string missing = (dir.path() / "not-there").string();
  const TmpdirAs tmp(missing);
  try {
    SpillFile spill;
    FAIL("made a temporary file in a folder that does not exist");
  } catch (const FileWriteError& e) {
    CHECK(e.stage() == FileWriteError::Stage::write);
    CHECK(std::string(e.what()) == "Cannot make a temporary file in " + missing +
                                       " for a part of the report (No such file or directory); free some space "
                                       "there, or set TMPDIR to a folder with room for it.");
  }
}
