// SafeFile: output files are written whole or not at all, never through a planted symbolic link.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "model/safe_file.h"
#include "support/lab.h"

using namespace dnswitness;
using dnswitness::test::read_file;
using dnswitness::test::TempDir;
using dnswitness::test::write_file;
namespace fs = std::filesystem;

namespace {

int entries_in(const fs::path& dir) {
  int n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::lstat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("a SafeFile replaces its target only on commit and leaves no temporary file") {
  TempDir dir;
  const fs::path target = dir / "out.json";
  write_file(target, "old");
  {
    SafeFile f(target);
    f.write("new ");
    CHECK(read_file(target) == "old");
    CHECK(f.temp().parent_path() == target.parent_path());
    CHECK(f.temp().filename().string().rfind(".out.json.tmp-", 0) == 0);
    CHECK(f.temp().filename().string().size() == std::string(".out.json.tmp-").size() + 16);
    f.write("content");
    CHECK(read_file(f.flushed_temp()) == "new content");
    f.commit();
  }
  CHECK(read_file(target) == "new content");
  CHECK(entries_in(dir.path()) == 1);
  {
    SafeFile f(target);
    f.write("abandoned");
  }
  CHECK(read_file(target) == "new content");
  CHECK(entries_in(dir.path()) == 1);
}

TEST_CASE("temporary names are random, so two writers of one target never share one") {
  TempDir dir;
  SafeFile a(dir / "r.json"), b(dir / "r.json");
  CHECK(a.temp() != b.temp());
}

TEST_CASE("a symbolic link planted at the temporary name is refused and its target stays untouched") {
  TempDir dir;
  const fs::path victim = dir / "victim.txt";
  write_file(victim, "precious");
  const fs::path target = dir / "out.json";
  const fs::path temp = safe_file_temp_path(target, "0123456789abcdef");
  fs::create_symlink(victim, temp);
  try {
    SafeFileOptions o;
    o.temp_path_for_tests = temp;
    SafeFile f(target, o);
    FAIL("a planted link was opened");
  } catch (const FileWriteError& e) {
    CHECK(e.stage() == FileWriteError::Stage::create);
    CHECK(std::string(e.what()).find("planted symbolic link") != std::string::npos);
    CHECK(std::string(e.what()).find(target.string()) != std::string::npos);
  }
  CHECK(read_file(victim) == "precious");
  CHECK(fs::is_symlink(temp));  // not removed: it is evidence of the attempt
  CHECK(!fs::exists(target));

  // A dangling link (it would create the file it names) is refused the same way.
  const fs::path dangling_target = dir / "created-by-attacker";
  const fs::path temp2 = safe_file_temp_path(target, "fedcba9876543210");
  fs::create_symlink(dangling_target, temp2);
  SafeFileOptions o2;
  o2.temp_path_for_tests = temp2;
  CHECK_THROWS_AS(SafeFile(target, o2), FileWriteError);
  CHECK(!fs::exists(dangling_target));
}

TEST_CASE("a symbolic link at the final name is replaced, never written through") {
  TempDir dir;
  const fs::path victim = dir / "victim.txt";
  write_file(victim, "precious");
  const fs::path target = dir / "out.json";
  fs::create_symlink(victim, target);
  write_file_safely(target, "report");
  CHECK(!fs::is_symlink(target));
  CHECK(read_file(target) == "report");
  CHECK(read_file(victim) == "precious");
}

TEST_CASE("modes: 0644 for reports, exactly 0600 for keys whatever the umask") {
  TempDir dir;
  const mode_t old = ::umask(022);
  write_file_safely(dir / "report.json", "{}");
  CHECK(mode_of(dir / "report.json") == 0644);
  ::umask(0177);
  write_file_safely(dir / "k", "secret", SafeFileOptions::owner_only());
  ::umask(old);
  CHECK(mode_of(dir / "k") == 0600);
}

TEST_CASE("replace = false never replaces an existing file or link, and leaves nothing behind") {
  TempDir dir;
  const fs::path key = dir / "ledger.key";
  write_file(key, "first");
  try {
    write_file_safely(key, "second", SafeFileOptions::owner_only().no_replace());
    FAIL("an existing key was replaced");
  } catch (const FileWriteError& e) {
    CHECK(e.error() == EEXIST);
  }
  CHECK(read_file(key) == "first");
  const fs::path link = dir / "link.key";
  fs::create_symlink(dir / "elsewhere", link);
  CHECK_THROWS_AS(write_file_safely(link, "x", SafeFileOptions::shared().no_replace()), FileWriteError);
  CHECK(!fs::exists(dir / "elsewhere"));
  CHECK(entries_in(dir.path()) == 2);
  write_file_safely(dir / "new.key", "fresh", SafeFileOptions::owner_only().no_replace());
  CHECK(read_file(dir / "new.key") == "fresh");
}

TEST_CASE("a missing folder or a folder as target gives a sentence naming the path") {
  TempDir dir;
  try {
    SafeFile f(dir.path() / "no-such-folder" / "out.json");
    FAIL("created in a missing folder");
  } catch (const FileWriteError& e) {
    CHECK(e.stage() == FileWriteError::Stage::create);
    CHECK(std::string(e.what()).find("no-such-folder") != std::string::npos);
  }
  fs::create_directory(dir / "sub");
  CHECK_THROWS_AS(write_file_safely(dir / "sub", "x"), FileWriteError);
  CHECK(fs::is_directory(dir / "sub"));
  CHECK(entries_in(dir.path()) == 1);
  // Large writes go around the buffer and still arrive in order.
  std::string big(200000, 'a');
  big += "end";
  write_file_safely(dir / "big", "x" + big);
  CHECK(read_file(dir / "big") == "x" + big);
}
