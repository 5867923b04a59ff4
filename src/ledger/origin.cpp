#include "ledger/origin.h"

#include <fmt/format.h>

#include "ledger/signed_note.h"

namespace dnswitness {

std::string origin_problem(std::string_view origin) {
  if (origin.size() > kMaxOriginBytes)
    return fmt::format("The origin is {} bytes long; a ledger's name may have at most {} bytes, "
                       "e.g. example-law.jp/ledger-1.",
                       origin.size(), kMaxOriginBytes);
  if (!is_valid_key_name(origin))
    return "The origin cannot name a ledger: it must be non-empty UTF-8 without spaces, '+' or control "
           "characters, e.g. example-law.jp/ledger-1.";
  return {};
}

}  // namespace dnswitness
