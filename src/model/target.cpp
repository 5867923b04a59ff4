#include "model/target.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace dnswitness {
namespace {

constexpr std::array<std::pair<std::string_view, std::uint16_t>, 12> kTypes{{
    {"A", 1}, {"NS", 2}, {"CNAME", 5}, {"SOA", 6}, {"PTR", 12}, {"MX", 15},
    {"TXT", 16}, {"AAAA", 28}, {"SRV", 33}, {"DNAME", 39}, {"SVCB", 64}, {"HTTPS", 65},
}};

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

NameCheck check_domain_name(std::string_view text) {
  std::string name(text);
  if (!name.empty() && name.back() == '.') name.pop_back();
  if (name.empty()) return {std::nullopt, "the name is empty"};
  if (name.size() > 253) return {std::nullopt, "the name is longer than 253 characters"};
  std::size_t label_start = 0;
  for (std::size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '.') {
      const std::size_t len = i - label_start;
      if (len == 0) return {std::nullopt, "the name has an empty label (two dots in a row)"};
      if (len > 63) return {std::nullopt, "a label of the name is longer than 63 characters"};
      if (name[label_start] == '-' || name[i - 1] == '-')
        return {std::nullopt, "a label of the name starts or ends with '-'"};
      label_start = i + 1;
      continue;
    }
    const unsigned char c = static_cast<unsigned char>(name[i]);
    if (c >= 0x80)
      return {std::nullopt, "the name has non-ASCII characters; give it in its xn-- (punycode) form"};
    if (!(std::isalnum(c) || c == '-' || c == '_'))
      return {std::nullopt, std::string("the name contains the character '") + name[i] + "'"};
    name[i] = lower(name[i]);
  }
  return {name, {}};
}

std::optional<std::uint16_t> parse_qtype(std::string_view text) {
  std::string upper(text);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; });
  for (const auto& [name, code] : kTypes)
    if (name == upper) return code;
  return std::nullopt;
}

std::string qtype_name(std::uint16_t qtype) {
  for (const auto& [name, code] : kTypes)
    if (code == qtype) return std::string(name);
  return "TYPE" + std::to_string(qtype);
}

}  // namespace dnswitness
