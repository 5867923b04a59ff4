#pragma once
// Network namespaces a test creates for fleet probes: a bridge on the host with two addresses (one
// for the test's DNS server, one for the collector) and, per probe, a namespace joined to the
// bridge by a veth pair, with an address of its own. Everything is named after the test's process
// id and removed when the object goes out of scope; traffic stays between the host and these
// namespaces. The addresses are private (10.201.0.0/16), chosen so that no real host is shadowed.
#include <unistd.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "support/lab.h"

namespace dnswitness::test {

class ProbeNetwork {
 public:
  static constexpr const char* kDnsAddress = "10.201.0.1";
  static constexpr const char* kCollectorAddress = "10.201.0.2";

  explicit ProbeNetwork(int probes) : tag_(std::to_string(::getpid() % 100000)) {
    // What a killed earlier run left (names only these tests use): its addresses would shadow ours.
    (void)run_command("for n in $(ip netns list | awk '/^dwp[0-9]+_[0-9]+/ {print $1}'); do ip netns del $n; done; "
                      "for b in $(ip -o link show type bridge | awk -F': ' '$2 ~ /^dwbr[0-9]+$/ {print $2}'); do "
                      "ip link del $b; done");
    must("ip link add " + bridge() + " type bridge");
    must("ip addr add " + std::string(kDnsAddress) + "/16 dev " + bridge());
    must("ip addr add " + std::string(kCollectorAddress) + "/16 dev " + bridge());
    must("ip link set " + bridge() + " up");
    for (int k = 1; k <= probes; ++k) {
      const std::string ns = name(k), host = "dwh" + tag_ + "_" + std::to_string(k), inner = "dwn" + std::to_string(k);
      must("ip netns add " + ns);
      namespaces_.push_back(ns);
      must("ip link add " + host + " type veth peer name " + inner + " netns " + ns);
      must("ip link set " + host + " master " + bridge() + " up");
      must(exec(k, "ip addr add " + address(k) + "/16 dev " + inner));
      must(exec(k, "ip link set " + inner + " up"));
      must(exec(k, "ip link set lo up"));
    }
  }
  ~ProbeNetwork() {
    for (const auto& ns : namespaces_) (void)run_command("ip netns del " + ns + " 2>/dev/null");
    (void)run_command("ip link del " + bridge() + " 2>/dev/null");
  }
  ProbeNetwork(const ProbeNetwork&) = delete;
  ProbeNetwork& operator=(const ProbeNetwork&) = delete;

  // Probe k's namespace and address (10.201.k.2).
  std::string name(int k) const { return "dwp" + tag_ + "_" + std::to_string(k); }
  static std::string address(int k) { return "10.201." + std::to_string(k) + ".2"; }
  // `command` run inside probe k's namespace.
  std::string exec(int k, const std::string& command) const { return "ip netns exec " + name(k) + " " + command; }
  // Cuts (or restores) probe k's way to the collector, leaving its DNS server reachable: the probe
  // is offline for its collector only, as a box whose uplink to the collector fails.
  void cut_collector(int k, bool cut) const {
    must(exec(k, std::string("ip route ") + (cut ? "add" : "del") + " blackhole " + kCollectorAddress + "/32"));
  }

 private:
  std::string bridge() const { return "dwbr" + tag_; }
  static void must(const std::string& command) {
    const auto r = run_command(command);
    if (r.exit_code != 0) throw std::runtime_error("network namespace set-up: '" + command + "' failed: " + r.err);
  }

  std::string tag_;
  std::vector<std::string> namespaces_;
};

}  // namespace dnswitness::test
