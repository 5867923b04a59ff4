#include "vantage/interfaces.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "model/address.h"

namespace dnswitness {
namespace {

int prefix_length(const sockaddr* mask) {
  if (!mask) return -1;
  const unsigned char* bytes = nullptr;
  std::size_t size = 0;
  if (mask->sa_family == AF_INET) {
    bytes = reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in*>(mask)->sin_addr);
    size = 4;
  } else if (mask->sa_family == AF_INET6) {
    bytes = reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in6*>(mask)->sin6_addr);
    size = 16;
  } else {
    return -1;
  }
  int bits = 0;
  for (std::size_t i = 0; i < size; ++i) bits += std::popcount(static_cast<unsigned>(bytes[i]));
  return bits;
}

}  // namespace

std::vector<InterfaceAddress> local_interface_addresses() {
  std::vector<InterfaceAddress> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (const ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || !i->ifa_name) continue;
    char text[INET6_ADDRSTRLEN] = {};
    InterfaceAddress a;
    a.interface = i->ifa_name;
    if (i->ifa_addr->sa_family == AF_INET) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
      if (!inet_ntop(AF_INET, &sin->sin_addr, text, sizeof text)) continue;
      a.family = "ipv4";
      a.address = text;
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(i->ifa_addr);
      if (!inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof text)) continue;
      a.family = "ipv6";
      a.address = text;
      if (sin6->sin6_scope_id != 0) a.address += "%" + a.interface;  // link-local: only meaningful with its link
    } else {
      continue;
    }
    a.prefix_length = prefix_length(i->ifa_netmask);
    out.push_back(std::move(a));
  }
  freeifaddrs(list);
  std::sort(out.begin(), out.end(), [](const InterfaceAddress& x, const InterfaceAddress& y) {
    if (x.interface != y.interface) return x.interface < y.interface;
    return address_less(x.address, y.address);
  });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const InterfaceAddress& x, const InterfaceAddress& y) {
                          return x.interface == y.interface && x.address == y.address;
                        }),
            out.end());
  return out;
}

}  // namespace dnswitness
