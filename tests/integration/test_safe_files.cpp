// Files the tool writes and reads, under hostile or unusual conditions (issue 15, items 3 and 4):
// links planted where outputs go are never written through; a signing key others may read gives
// a warning, one others may replace is refused; a ledger on read-only media or owned by another
// user can be read by every command that only reads.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "support/lab.h"

using namespace dnswitness::test;
namespace fs = std::filesystem;

namespace {

std::string snapshot(const Lab& lab, const std::string& ledger) {
  return "resolve-snapshot -q --ledger " + ledger + " --resolver knot=" + lab.knot() + " --domains x.com,t.co";
}

// Entries of `dir` whose names hold ".tmp" (a temporary file left behind).
std::vector<std::string> temporaries_in(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(".tmp") != std::string::npos) out.push_back(e.path().string());
  return out;
}

// The number of signed tree heads, read without SQLite writing anything.
std::string checkpoints_of(const std::string& ledger) {
  return run_command("sqlite3 -readonly " + ledger + "/ledger.sqlite 'SELECT count(*) FROM checkpoints'").out;
}

// Now, as an RFC 3339 UTC time (a login time the runs just made cover).
std::string now_rfc3339() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// The commands that only read, each given the ledger folder; `out` is a writable folder for report.
std::vector<std::string> read_only_commands(const std::string& out) {
  return {"verify-ledger", "history x.com", "status", "events", "keygen --show",
          "report --domains x.com --at " + now_rfc3339() + " --format json --out " + out};
}

}  // namespace

TEST_CASE("--json --out FILE: a symbolic link at the file's name is replaced, the file it points to is untouched") {
  const Lab lab;
  TempDir dir;
  const std::string victim = dir / "victim.txt";
  write_file(victim, "precious");
  const std::string out = dir / "out.json";
  fs::create_symlink(victim, out);
  const auto r = run_dnswitness(snapshot(lab, dir / "ledger") + " --json --out " + out);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(read_file(victim) == "precious");
  CHECK(!fs::is_symlink(out));
  CHECK(read_file(out).find("\"observations\"") != std::string::npos);
  CHECK(temporaries_in(dir.path()).empty());

  // A folder in the way: a clear sentence and exit 2 before any query, nothing left behind.
  fs::create_directory(dir / "taken");
  const auto bad = run_dnswitness(snapshot(lab, dir / "ledger") + " --json --out " + (dir / "taken"));
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("it is a folder") != std::string::npos);
  CHECK(bad.err.find("internal error") == std::string::npos);
  CHECK_MESSAGE(bad.err.find(dir / "taken") != std::string::npos, bad.err);
  CHECK(temporaries_in(dir.path()).empty());
}

TEST_CASE("report: links planted at every output name are replaced, never written through") {
  const Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger";
  REQUIRE(run_dnswitness(snapshot(lab, ledger)).exit_code == 0);
  const fs::path out = dir.path() / "report";
  fs::create_directories(out);
  const std::vector<std::string> names = {"report.json", "report.sha256", "evidence-description.txt", "exhibit.pdf"};
  for (const auto& name : names) {
    write_file(dir / ("victim-" + name), "precious");
    fs::create_symlink(dir / ("victim-" + name), out / name);
  }
  const auto r = run_dnswitness("report --ledger " + ledger + " --domains x.com --at " + now_rfc3339() + " --force" +
                                " --name exhibit.pdf --out " + out.string());
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  for (const auto& name : names) {
    INFO(name);
    CHECK(read_file(dir / ("victim-" + name)) == "precious");
    CHECK(!fs::is_symlink(out / name));
    CHECK(fs::file_size(out / name) > 0);
    struct stat st {};
    REQUIRE(::stat((out / name).c_str(), &st) == 0);
    CHECK((st.st_mode & 0077) == (0644 & ~[] {
            const mode_t m = ::umask(0);
            ::umask(m);
            return m;
          }() & 0077));
  }
  CHECK(temporaries_in(out).empty());
  CHECK(run_dnswitness("verify " + (out / "report.json").string()).exit_code == 0);
}

TEST_CASE("keys others may read give a warning with the fix; keys others may replace are refused") {
  const Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger";
  REQUIRE(run_dnswitness(snapshot(lab, ledger)).exit_code == 0);
  const std::string key = ledger + "/keys/ledger.key";
  const std::string keys = ledger + "/keys";
  struct stat st {};
  REQUIRE(::stat(key.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  REQUIRE(::stat(keys.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0700);
  {
    const auto quiet = run_dnswitness(snapshot(lab, ledger));
    CHECK(quiet.exit_code == 0);
    CHECK(quiet.err.find("warning") == std::string::npos);
  }

  ::chmod(key.c_str(), 0644);
  ::chmod(keys.c_str(), 0755);
  const auto r = run_dnswitness(snapshot(lab, ledger));
  CHECK(r.exit_code == 0);
  CHECK_MESSAGE(r.err.find("warning: the private key " + key + " has mode 0644") != std::string::npos, r.err);
  CHECK(r.err.find("chmod 600 " + key) != std::string::npos);
  CHECK(r.err.find("warning: the key folder " + keys + " has mode 0755") != std::string::npos);
  CHECK(r.err.find("chmod 700 " + keys) != std::string::npos);

  // keygen in a new ledger whose keys/ folder already exists open to others.
  const std::string fresh = dir / "fresh";
  fs::create_directories(fresh + "/keys");
  ::chmod((fresh + "/keys").c_str(), 0755);
  const auto g = run_dnswitness("keygen --ledger " + fresh);
  CHECK(g.exit_code == 0);
  CHECK_MESSAGE(g.err.find("the key folder " + fresh + "/keys has mode 0755") != std::string::npos, g.err);

  // Writable by others: anyone could swap the key, so nothing is signed.
  const auto before = checkpoints_of(ledger);
  ::chmod(keys.c_str(), 0700);
  ::chmod(key.c_str(), 0666);
  const auto w = run_dnswitness(snapshot(lab, ledger));
  CHECK(w.exit_code == 2);
  CHECK_MESSAGE(w.err.find("The private key " + key + " has mode 0666, so any user could replace it") !=
                    std::string::npos,
                w.err);
  ::chmod(key.c_str(), 0600);
  ::chmod(keys.c_str(), 0777);
  const auto wd = run_dnswitness(snapshot(lab, ledger));
  CHECK(wd.exit_code == 2);
  CHECK(wd.err.find("chmod 700 " + keys) != std::string::npos);
  ::chmod(keys.c_str(), 0700);
  CHECK(checkpoints_of(ledger) == before);
  CHECK(run_dnswitness("verify-ledger -q --ledger " + ledger).exit_code == 0);
}

TEST_CASE("a ledger on read-only media: every command that only reads works, a run fails with a sentence") {
  if (::geteuid() != 0) {
    MESSAGE("not root: the read-only bind mount needs a private mount namespace and was not tried");
    return;
  }
  const Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger";
  REQUIRE(run_dnswitness(snapshot(lab, ledger)).exit_code == 0);
  REQUIRE(run_dnswitness(snapshot(lab, ledger)).exit_code == 0);
  const std::string mount = "mount --bind " + ledger + " " + ledger + " && mount -o remount,ro,bind " + ledger +
                            " " + ledger + " && ";
  const std::string out = dir / "report";
  for (const auto& command : read_only_commands(out)) {
    const auto r = run_command("unshare -m sh -c '" + mount + DNSWITNESS_BINARY + " " + command + " --ledger " +
                               ledger + "'");
    INFO(command);
    CHECK_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.err.find("Cannot") == std::string::npos);
  }
  CHECK(fs::exists(out + "/report.json"));
  CHECK(!fs::exists(ledger + "/ledger.sqlite-shm"));

  const auto write = run_command("unshare -m sh -c '" + mount + DNSWITNESS_BINARY + " " + snapshot(lab, ledger) + "'");
  CHECK(write.exit_code == 1);
  CHECK_MESSAGE(write.err.find("Cannot write to the ledger " + ledger) != std::string::npos, write.err);
  CHECK(write.err.find("internal error") == std::string::npos);
  CHECK(run_dnswitness("verify-ledger -q --ledger " + ledger).exit_code == 0);
}

TEST_CASE("a ledger owned by another user, readable by all: every command that only reads works") {
  if (::geteuid() != 0) {
    MESSAGE("not root: running as another user needs root and was not tried");
    return;
  }
  const Lab lab;
  TempDir dir;
  ::chmod(dir.path().c_str(), 0755);
  const std::string ledger = dir / "ledger";
  REQUIRE(run_dnswitness(snapshot(lab, ledger)).exit_code == 0);
  ::chmod(ledger.c_str(), 0755);
  ::chmod((ledger + "/keys").c_str(), 0755);
  ::chmod((ledger + "/ledger.sqlite").c_str(), 0644);
  ::chmod((ledger + "/keys/ledger.pub").c_str(), 0644);
  // The last signed tree head kept beside the key is public, like ledger.pub.
  if (fs::exists(ledger + "/keys/checkpoint")) ::chmod((ledger + "/keys/checkpoint").c_str(), 0644);
  const std::string out = dir / "out";
  fs::create_directories(out);
  ::chmod(out.c_str(), 0777);
  const std::string as_nobody = "setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/nonexistent ";
  for (const auto& command : read_only_commands(out + "/report")) {
    const auto r = run_command(as_nobody + DNSWITNESS_BINARY + " " + command + " --ledger " + ledger);
    INFO(command);
    CHECK_MESSAGE(r.exit_code == 0, r.err);
  }
  CHECK(fs::exists(out + "/report/report.json"));
  CHECK(!fs::exists(ledger + "/ledger.sqlite-shm"));
  // The other user cannot sign: a sentence, not a crash.
  const auto write = run_command(as_nobody + DNSWITNESS_BINARY + " " + snapshot(lab, ledger));
  CHECK(write.exit_code == 1);
  CHECK(write.err.find("internal error") == std::string::npos);
  CHECK_MESSAGE(write.err.find(ledger) != std::string::npos, write.err);
}

TEST_CASE("ntp-state.json and key files: links planted at their names are never written through") {
  const Lab lab;
  TempDir dir;
  const std::string ledger = dir / "ledger";
  REQUIRE(run_dnswitness(snapshot(lab, ledger)).exit_code == 0);

  // The 3-minute rule's state file is replaced, not written in place (a closed port: nothing answers).
  write_file(dir / "victim.txt", "precious");
  fs::remove(ledger + "/ntp-state.json");
  fs::create_symlink(dir / "victim.txt", ledger + "/ntp-state.json");
  const auto r = run_dnswitness(snapshot(lab, ledger) + " --ntp " + lab.odd("CLOSED_PORT"));
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(read_file(dir / "victim.txt") == "precious");
  CHECK(!fs::is_symlink(ledger + "/ntp-state.json"));
  CHECK(read_file(ledger + "/ntp-state.json").find(lab.get("CLOSED_PORT")) != std::string::npos);
  CHECK(temporaries_in(ledger).empty());

  // A dangling link where a new key would go: the key is never written through it.
  for (const std::string name : {"ledger.key", "ledger.pub"}) {
    INFO(name);
    const std::string fresh = dir / ("fresh-" + name);
    fs::create_directories(fresh + "/keys");
    ::chmod((fresh + "/keys").c_str(), 0700);
    fs::create_symlink(dir / ("created-" + name), fresh + "/keys/" + name);
    const auto k = run_dnswitness("keygen --ledger " + fresh);
    CHECK(k.exit_code != 0);
    CHECK(k.err.find("internal error") == std::string::npos);
    CHECK_MESSAGE(k.err.find("already exists") != std::string::npos, k.err);
    CHECK(!fs::exists(dir / ("created-" + name)));
  }
}
