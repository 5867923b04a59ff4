#pragma once
// The collector's one decision (docs/fleet.md, "The push API"): a probe POSTs /push with a
// tlog/push_message.h body and gets: 200 and the collector's cosignature line of that checkpoint (empty for a checkpoint
// older than one it already cosigned); 400 a malformed body; 403 no registered probe has the
// checkpoint's origin, or its signature does not verify with the registered key; 409 `old` is not
// the size held (body: that size, text/x.tlog.size), as in c2sp.org/tlog-witness; 422 the
// checkpoint shows another history than the one held (a fork or a rewind: refused and recorded in
// `refusals` with both notes), or the entries or the proof do not lead to it.
//
// Identity is the signature: no password is involved. A checkpoint of a size the collector holds
// (or an older one), sent from the size held, is answered by comparing roots; a repeated push is
// harmless (200 or 409, nothing stored twice). An accepted
// push is stored in one transaction: the entries, the checkpoint with the collector's
// cosignature, an index row per observation leaf, and the probe's newest tree.
//
// Thread-safety: as PgSession (the probe's row is locked for the transaction, so two collectors on
// one database serialise their pushes for a probe).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "collector/identity.h"
#include "collector/pg_session.h"
#include "crypto/ed25519.h"
#include "crypto/sha256.h"
#include "model/bytes.h"
#include "tlog/push_message.h"

namespace dnswitness {

struct PushAnswer {
  int status = 500;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  // Set when the push was accepted: the probe, and the size it now has at the collector.
  std::string probe;
  std::uint64_t accepted_size = 0;
  bool grew = false;  // new entries were stored (the probe's tiles need writing)
};

// The signer of cosignatures: the collector's identity and key, and the clock it states.
struct CollectorSigner {
  CollectorIdentity identity;
  const Ed25519PrivateKey* key = nullptr;
};

// Decides and stores one push; `now_seconds` is the time the cosignature states. Throws PgError
// when the database fails (the transaction is rolled back: nothing of the push is kept).
PushAnswer accept_push(PgSession& db, const CollectorSigner& signer, std::string_view body, std::uint64_t now_seconds);

// The open tiles of a tree of `size` as stored in probe_trees.open_tiles (level 0 first, each
// level's (size >> 8L) % 256 hashes), and back. split_open_tiles returns nullopt when the length is
// not what `size` implies.
Bytes join_open_tiles(const std::vector<std::vector<Hash>>& open);
std::optional<std::vector<std::vector<Hash>>> split_open_tiles(std::uint64_t size, ByteView bytes);

}  // namespace dnswitness
