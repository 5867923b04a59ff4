#pragma once
// Publishing a ledger as a static tiled log (c2sp.org/tlog-tiles) in a folder that any web server,
// object store or mirror can serve as it is (docs/public-log.md).
//
// Role: the one writer of a published folder. What it writes:
//   <dir>/tile/entries/<N>[.p/<W>]  entry bundles: each leaf's exact bytes (the bytes that were hashed)
//   <dir>/tile/<L>/<N>[.p/<W>]      hash tiles of every level, full and partial
//   <dir>/log.json                  the origin, the verifier key and the tool (docs/public-log.md)
//   <dir>/dnswitness/checkpoints/<N> the signed tree head of every run, as stored (tlog/run_heads.h)
//   <dir>/dnswitness/timestamps/<N>  the granted RFC 3161 tokens of a tree head, a JSON list
//   <dir>/dnswitness/timestamps/published-through  the highest timestamps.id those lists hold
//   <dir>/dnswitness/cosignatures/<N> the witnesses' cosignatures of a tree head, a JSON list
//   <dir>/dnswitness/runs/<R>        the signed summary of the run at leaf R (tlog/run_summary.h)
//   <dir>/dnswitness/cosignatures/published-through  the highest cosignatures.id those lists hold
//   <dir>/checkpoint                the ledger's newest signed checkpoint, written last, followed by
//                                   the witnesses' cosignatures the ledger holds for it (tlog/witnessing.h)
//
// Incremental: only the tiles a grown tree adds are written (tiles_added of the published size and
// the ledger's size), the run heads of sizes above the published one (all of them for a folder that
// lacks the run head of its own size: one published before run heads were), and the time-stamp
// lists of the tokens granted since published-through. Every tile, bundle and run head is
// immutable once named: a file that already exists is compared, never rewritten, and one whose
// bytes differ from what the ledger implies is a fork (or a folder edited by hand); publishing
// stops with PublishError::Kind::fork naming it. A time-stamp list grows (a TSA may grant a token
// after the run) but must be a prefix of the ledger's list, else it is a fork too. The published
// checkpoint must be one the ledger itself signed or extends (same key, origin, root at its size).
//
// Crash safety: each file is written under a temporary name and renamed; the tiles, bundles, run
// heads and time-stamp lists are made durable together (one syncfs) before published-through and
// the checkpoint are replaced, so a reader, a mirror or a publish interrupted at any moment
// (kill -9, power loss) never finds a checkpoint whose tiles or run heads are missing or partly
// written. A later publish picks up where an interrupted one stopped.
//
// Trust: the ledger is the source of truth, not the folder. Leaf bytes are rehashed and must lead
// to the ledger's newest signed root; the open tiles of the published size are read back from the
// folder only after they lead to the ledger's own root at that size.
//
// Ownership: borrows the store. Thread-safety: none; two processes publishing one folder are
// serialised by an flock on <dir>/.publish-lock (the second fails at once).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>

#include "ledger/store.h"
#include "tlog/tile_folder.h"

namespace dnswitness {

// files_written: tiles, bundles, run heads, time-stamp lists, checkpoint, ...; files_present: files
// that were already there with the right bytes.
struct PublishResult : TileFolderCounts {
  std::uint64_t published_size = 0;  // the size the folder's checkpoint had before (0: none)
  std::uint64_t size = 0;            // the size published now
  std::uint64_t summaries_written = 0;  // run summaries written (dnswitness/runs/, tlog/run_summary.h)
  bool summaries_skipped = false;       // the tree grew but the ledger's private key could not be read
};

struct PublishOptions {
  std::filesystem::path dir;
  // Called now and then with (leaves done, leaves to do) on a long publish.
  std::function<void(std::uint64_t, std::uint64_t)> progress;
};

// Publishes the ledger's newest signed checkpoint to options.dir (created if missing). Throws
// PublishError, or LedgerError when the ledger itself cannot be read or is empty.
PublishResult publish_ledger(LedgerStore& store, const PublishOptions& options);

// The log.json document for a ledger (also what mirrors copy): origin, verifier key, key
// fingerprint and the tool that wrote the folder, in canonical (sorted-key) JSON with a final
// newline.
std::string published_log_json(const std::string& origin, const Ed25519PublicKey& key);

}  // namespace dnswitness
