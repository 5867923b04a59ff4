#pragma once
// The origin: the name a ledger gives itself in every checkpoint it signs (c2sp.org/tlog-checkpoint)
// and the key name of its signatures. It is chosen once, when the ledger is created.
#include <cstddef>
#include <string>
#include <string_view>

namespace dnswitness {

// An origin is printed in every report and on every checkpoint; 255 bytes is room for any URL-like
// name a firm would choose (example-law.jp/ledger-1) and keeps a pasted paragraph out.
inline constexpr std::size_t kMaxOriginBytes = 255;

// Empty when `origin` can name a new ledger; otherwise the sentence saying why not (the name is not
// quoted back in full when it is long or holds control characters).
std::string origin_problem(std::string_view origin);

}  // namespace dnswitness
