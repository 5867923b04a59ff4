#pragma once
// Each probe's log as static tiles under the collector's tiles folder, for nginx or a CDN to serve
// and for anyone to mirror or report from with the probe's own key (docs/fleet.md, "Tiles"):
//
//   <tiles>/<hex SHA-256(origin)>/checkpoint     the probe's newest accepted checkpoint, followed by
//                                                the collector's cosignature line
//   <tiles>/<hex SHA-256(origin)>/tile/...       hash tiles and entry bundles (c2sp.org/tlog-tiles)
//   <tiles>/<hex SHA-256(origin)>/log.json       the origin and the probe's verifier key
//   <tiles>/<hex SHA-256(origin)>/dnswitness/checkpoints/<N>   every checkpoint the probe pushed,
//                                                as signed by the probe (the run heads a report needs)
//   <tiles>/<hex SHA-256(origin)>/dnswitness/runs/<R>   each run's summary (tlog/run_summary.h), signed
//                                                by the collector's key
//   <tiles>/<hex SHA-256(origin)>/dnswitness/runs/index/<N>   where each run starts (tlog/run_index.h)
//
// Role: the database is the source of truth; the folder is derived from it after each accepted
// push, and caught up at start (a collector killed between its commit and its tiles). It writes
// the way `publish` does (tlog/tile_folder.h): immutable files compared, never replaced; the
// checkpoint last, after one sync.
// Thread-safety: as PgSession; a folder is locked while it is written.
#include <cstdint>
#include <filesystem>
#include <string>

#include "collector/pg_session.h"
#include "collector/push.h"
#include "tlog/tile_folder.h"

namespace dnswitness {

// The folder name of a log: lower-case hex of SHA-256(origin).
std::string origin_folder_name(const std::string& origin);

struct ProbeTilesResult {
  std::uint64_t from = 0;  // the size the folder held before
  std::uint64_t to = 0;    // the size it holds now
  TileFolderCounts counts;
};

// Brings <tiles_root>/<hex SHA-256(origin)>/ level with what the database holds for `probe`.
// Throws PublishError (the folder was changed by hand, or cannot be written) or PgError.
// `signer`: the collector's key, to sign each new run's summary with (none: no summaries).
ProbeTilesResult write_probe_tiles(PgSession& db, const std::filesystem::path& tiles_root, const std::string& probe,
                                   const CollectorSigner* signer = nullptr);

}  // namespace dnswitness
