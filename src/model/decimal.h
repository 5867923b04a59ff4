#pragma once
// Canonical unsigned decimals, as the signed formats write sizes and indexes (checkpoints, run
// summaries, tile names, witness requests): one spelling per number, so a signed text cannot be
// varied without changing its bytes. Pure: thread-safe.
#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace dnswitness {

// ASCII digits only (no sign, no space), no leading zero except "0" itself, fits 64 bits.
inline std::optional<std::uint64_t> parse_canonical_decimal(std::string_view s) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);  // takes no sign for unsigned
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace dnswitness
