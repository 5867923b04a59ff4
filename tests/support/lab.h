#pragma once
// Test support: the running test lab (tests/lab/lab.sh writes lab.env) and running the dnswitness
// binary as a user would. Header-only so every test binary can include it.
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <stdexcept>
#include <string>

namespace dnswitness::test {

// Safety net for test binaries run by hand (CTest sets it too): a resolve-snapshot a test starts
// without --ntp must never ask the default public NTP servers. Tests that want NTP name a lab server.
inline const bool kNtpOffInTests = (::setenv("DNSWITNESS_NTP", "none", 0), true);

// KEY=VALUE pairs of the lab's lab.env. Throws if the lab is not running (start it with the
// CTest fixture lab_start, or by hand with tests/lab/lab.sh start build/lab).
class Lab {
 public:
  Lab() {
    const char* override_path = std::getenv("DNSWITNESS_LAB_ENV");
    const std::string path = override_path ? override_path : DNSWITNESS_LAB_ENV;
    std::ifstream in(path);
    if (!in) throw std::runtime_error("the test lab is not running: no " + path);
    std::string line;
    while (std::getline(in, line)) {
      const auto eq = line.find('=');
      if (eq != std::string::npos) values_[line.substr(0, eq)] = line.substr(eq + 1);
    }
  }
  std::string get(const std::string& key) const {
    const auto it = values_.find(key);
    if (it == values_.end()) throw std::runtime_error("lab.env has no " + key);
    return it->second;
  }
  int port(const std::string& key) const { return std::stoi(get(key)); }
  std::string knot() const { return "127.0.0.1:" + get("KNOT_PORT"); }
  std::string unbound() const { return "127.0.0.1:" + get("UNBOUND_PORT"); }
  std::string odd(const std::string& mode_port_key) const { return "127.0.0.1:" + get(mode_port_key); }

 private:
  std::map<std::string, std::string> values_;
};

// Whole files as bytes, for tests that read what the tool wrote or damage it on purpose.
inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}
inline void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs a shell command line, capturing stdout and stderr separately.
inline CommandResult run_command(const std::string& command_line) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("dnsw-cmd-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand()));
  std::filesystem::create_directories(dir);
  const auto out_path = dir / "out", err_path = dir / "err";
  const std::string full = "(" + command_line + ") >" + out_path.string() + " 2>" + err_path.string();
  const int status = std::system(full.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(out_path);
  r.err = read_file(err_path);
  std::filesystem::remove_all(dir);
  return r;
}

// Runs `dnswitness ARGS` (the binary built beside the tests).
inline CommandResult run_dnswitness(const std::string& args) {
  return run_command(std::string(DNSWITNESS_BINARY) + " " + args);
}

// A fresh temporary folder, removed when the object goes.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "dnsw-test-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace dnswitness::test
