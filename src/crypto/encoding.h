#pragma once
// Base64 (RFC 4648 standard alphabet, padded) and lower-case hex, as used in every stored format.
#include <optional>
#include <string>
#include <string_view>

#include "model/bytes.h"

namespace dnswitness {

std::string base64_encode(ByteView data);
// The same, appended to `out` (no string of its own: for text made of many hashes).
void base64_append(std::string& out, ByteView data);
// Strict: rejects characters outside the alphabet, bad padding and embedded whitespace.
std::optional<Bytes> base64_decode(std::string_view text);

std::string hex_encode(ByteView data);
std::optional<Bytes> hex_decode(std::string_view text);

}  // namespace dnswitness
