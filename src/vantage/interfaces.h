#pragma once
// The local interface addresses of the host a run came from (getifaddrs), for the run's vantage
// facts: together with the egress address the whoami services saw, they place the run on a network.
#include <vector>

#include "model/vantage.h"

namespace dnswitness {

// Every IPv4 and IPv6 address of every interface, loopback included (it shows the list is
// complete), sorted by interface name and then numerically. Empty if the system call fails.
std::vector<InterfaceAddress> local_interface_addresses();

}  // namespace dnswitness
