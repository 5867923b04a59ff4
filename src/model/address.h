#pragma once
// Ordering of IP addresses as people read them: IPv4 numerically, then IPv6 numerically, then any
// other text. Used wherever address sets are shown or stored (observations, history, reports).
#include <string>
#include <vector>

namespace dnswitness {

bool address_less(const std::string& a, const std::string& b);

// Whether text is an IPv4 (dotted quad) or an IPv6 address in inet_pton's sense.
bool is_ipv4(const std::string& text);
bool is_ipv6(const std::string& text);

// Sorts with address_less and removes duplicates.
void sort_addresses(std::vector<std::string>& addresses);

}  // namespace dnswitness
