#pragma once
// Error kinds that decide the exit code. A UsageError is the user's to fix (exit 2): its message is
// one plain sentence saying what was wrong and what to do.
#include <stdexcept>
#include <string>

namespace dnswitness {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace dnswitness
