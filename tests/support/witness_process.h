#pragma once
// A real `dnswitness witness serve` process on a loopback port for tests, and the commands that set
// up its state (keygen, add-log). Stopped with SIGTERM when it goes out of scope.
#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "support/child_process.h"
#include "support/lab.h"

namespace dnswitness::test {

struct WitnessAnswer {
  int status = 0;
  std::string content_type, body;
};

struct WitnessProcess : ServerProcess {
  WitnessProcess(const std::filesystem::path& state, const std::filesystem::path& log_file)
      : ServerProcess("witness serve --state " + state.string() + " --listen 127.0.0.1:0", log_file) {}

  WitnessAnswer post(const std::filesystem::path& dir, const std::string& body,
                     const std::string& path = "/add-checkpoint") const {
    const std::filesystem::path in = dir / ("req-" + std::to_string(std::rand()));
    write_file(in, body);
    return ask("--data-binary @" + in.string() + " " + url + path, dir);
  }
  WitnessAnswer get(const std::filesystem::path& dir, const std::string& path) const { return ask(url + path, dir); }

 private:
  static WitnessAnswer ask(const std::string& args, const std::filesystem::path& dir) {
    const std::filesystem::path out = dir / ("resp-" + std::to_string(std::rand()));
    const auto r = run_command("curl -s -o " + out.string() + " -w '%{http_code} %{content_type}' " + args);
    WitnessAnswer a;
    a.status = std::atoi(r.out.c_str());
    if (const auto sp = r.out.find(' '); sp != std::string::npos) a.content_type = r.out.substr(sp + 1);
    a.body = std::filesystem::exists(out) ? read_file(out) : "";
    return a;
  }
};

// `witness keygen` named `name` in `state`, following the log (`origin`, its verifier key `log_vkey`);
// returns the witness's cosignature verifier key.
inline std::string make_witness_state(const std::filesystem::path& state, const std::string& name,
                                      const std::string& origin, const std::string& log_vkey) {
  const auto made = run_dnswitness("witness keygen --state " + state.string() + " --name " + name);
  if (made.exit_code != 0) return {};
  if (run_dnswitness("witness add-log --state " + state.string() + " --origin " + origin + " --key '" + log_vkey +
                     "'")
          .exit_code != 0)
    return {};
  const auto shown = run_dnswitness("witness show --state " + state.string());
  const auto at = shown.out.find("verifier key: ");
  if (at == std::string::npos) return {};
  return shown.out.substr(at + 14, shown.out.find('\n', at) - at - 14);
}

}  // namespace dnswitness::test
