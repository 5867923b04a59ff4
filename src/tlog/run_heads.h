#pragma once
// Where a published dnswitness log keeps what c2sp.org/tlog-tiles has no place for: the signed
// tree head of every run and the RFC 3161 tokens granted for it (docs/public-log.md, "The
// dnswitness/ folder"). A tiled log serves only its newest checkpoint; an evidence report needs the
// tree head signed at the end of each run it draws on (and that head's time-stamps), so a report
// made from the published log carries exactly what one made from the ledger carries.
//
//   dnswitness/checkpoints/<N>   the signed note of the ledger's tree head of size N, as stored
//                                (immutable once written, like a tile)
//   dnswitness/timestamps/<N>    the granted tokens of that tree head: a JSON array of the objects
//                                report.json carries under "timestamps" (grows as tokens arrive)
//   dnswitness/cosignatures/<N>  the witnesses' cosignatures of that tree head: a JSON array of the
//                                objects report.json carries under "cosignatures" (grows as
//                                witnesses cosign)
//
// <N> is written as tile indexes are (tile_index_path: 1234567 -> x001/x234/567), so no folder
// holds more than 1000 entries. Pure: thread-safe.
#include <cstdint>
#include <string>

#include "tlog/tiles.h"

namespace dnswitness {

inline std::string run_head_path(std::uint64_t size) { return "dnswitness/checkpoints/" + tile_index_path(size); }
inline std::string run_timestamps_path(std::uint64_t size) {
  return "dnswitness/timestamps/" + tile_index_path(size);
}

inline std::string run_cosignatures_path(std::uint64_t size) {
  return "dnswitness/cosignatures/" + tile_index_path(size);
}

}  // namespace dnswitness
