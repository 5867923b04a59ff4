#include "model/run_record.h"

#include <openssl/rand.h>

#include <array>
#include <stdexcept>

#include "crypto/encoding.h"

namespace dnswitness {

std::string new_run_id() {
  std::array<std::uint8_t, 16> raw{};
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1)
    throw std::runtime_error("the system random generator failed");
  return hex_encode(raw);
}

}  // namespace dnswitness
