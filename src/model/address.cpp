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
  if (addresses.size() < 2) return;
  // Each text parsed once (address_less parses both sides on every comparison); a list already in
  // order and without repeats, as the ledger keeps them, is left as it is.
  std::vector<std::pair<AddressKey, std::string*>> keyed;
  keyed.reserve(addresses.size());
  for (auto& a : addresses) keyed.emplace_back(key_of(a), &a);
  const auto less = [](const std::pair<AddressKey, std::string*>& x, const std::pair<AddressKey, std::string*>& y) {
    return std::tie(x.first.family_rank, x.first.bytes, *x.second) <
           std::tie(y.first.family_rank, y.first.bytes, *y.second);
  };
  bool ordered = true;
  for (std::size_t i = 1; i < keyed.size() && ordered; ++i) ordered = less(keyed[i - 1], keyed[i]);
  if (ordered) return;
  std::stable_sort(keyed.begin(), keyed.end(), less);
  std::vector<std::string> sorted;
  sorted.reserve(keyed.size());
  for (auto& [key, text] : keyed)
    if (sorted.empty() || sorted.back() != *text) sorted.push_back(std::move(*text));
  addresses = std::move(sorted);
}

}  // namespace dnswitness
