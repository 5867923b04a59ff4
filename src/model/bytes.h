#pragma once
// Raw bytes as they crossed the wire or as they are hashed.
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace dnswitness {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace dnswitness
