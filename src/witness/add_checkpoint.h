#pragma once
// The witness's one decision (c2sp.org/tlog-witness v1.0.0, add-checkpoint): read the request body
//
//   old <size the log believes this witness holds>
//   <0 to 63 consistency proof hashes, base64, one per line>
//   <empty line>
//   <the checkpoint, signed by the log>
//
// and answer with the spec's status: 200 and a cosignature line; 400 a malformed body or old
// greater than the new size; 403 no valid signature by the log's key; 404 an origin this witness
// does not follow; 409 `old` is not the size held (body: that size, text/x.tlog.size); 422 the
// proof does not verify, a proof with old 0, or the same size with another root. The check and the
// store of the new size and root are one transaction.
//
// Thread-safety: as WitnessState (one per thread).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "witness/witness_state.h"

namespace dnswitness {

inline constexpr std::size_t kMaxProofLines = 63;
inline constexpr std::size_t kMaxAddCheckpointBody = 16 * 1024;

struct WitnessResponse {
  int status = 500;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  bool commit = false;  // the new size was stored (for WitnessState::in_transaction)
};

// `now_seconds`: the POSIX time the cosignature states.
WitnessResponse add_checkpoint(WitnessState& state, std::string_view body, std::uint64_t now_seconds);

}  // namespace dnswitness
