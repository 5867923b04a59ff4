#include "model/address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <tuple>

namespace dnswitness {
namespace {

struct AddressKey {
  int family_rank = 2;  // 0 IPv4, 1 IPv6, 2 not an address
  std::array<std::uint8_t, 16> bytes{};
};

AddressKey key_of(const std::string& text) {
  AddressKey k;
  if (inet_pton(AF_INET, text.c_str(), k.bytes.data()) == 1) k.family_rank = 0;
  else if (inet_pton(AF_INET6, text.c_str(), k.bytes.data()) == 1) k.family_rank = 1;
  else k.bytes = {};
  return k;
}

}  // namespace

bool is_ipv4(const std::string& text) {
  in_addr a{};
  return inet_pton(AF_INET, text.c_str(), &a) == 1;
}

bool is_ipv6(const std::string& text) {
  in6_addr a{};
  return inet_pton(AF_INET6, text.c_str(), &a) == 1;
}

bool address_less(const std::string& a, const std::string& b) {
  const AddressKey ka = key_of(a), kb = key_of(b);
  return std::tie(ka.family_rank, ka.bytes, a) < std::tie(kb.family_rank, kb.bytes, b);
}

void sort_addresses(std::vector<std::string>& addresses) {
  std::sort(addresses.begin(), addresses.end(), address_less);
  addresses.erase(std::unique(addresses.begin(), addresses.end()), addresses.end());
}

}  // namespace dnswitness
