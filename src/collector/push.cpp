#include "collector/push.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <csignal>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "collector/schema.h"
#include "crypto/encoding.h"
#include "ledger/checkpoint.h"
#include "ledger/leaves.h"
#include "ledger/merkle.h"
#include "ledger/signed_note.h"
#include "model/printable.h"
#include "timeutil/timestamp.h"
#include "tlog/cosignature.h"
#include "tlog/tiles.h"

namespace dnswitness {
namespace {

// Tests only: DNSWITNESS_TEST_COLLECTOR_KILL=before-commit|after-commit kills the collector at that
// moment of an accepted push, so the crash test stops it exactly there.
void kill_point(const char* name) {
  if (const char* v = std::getenv("DNSWITNESS_TEST_COLLECTOR_KILL"); v && std::string_view(v) == name)
    ::raise(SIGKILL);
}

PushAnswer answer(int status, std::string text) {
  PushAnswer a;
  a.status = status;
  a.body = std::move(text) + "\n";
  return a;
}

// What the collector holds for a probe: its newest accepted tree (size 0: none yet).
struct HeldTree {
  std::uint64_t size = 0;
  Hash root = empty_root();
  std::string note;
  std::vector<std::vector<Hash>> open;
};

HeldTree held_tree(PgSession& db, const std::string& probe) {
  HeldTree t;
  const PgRows rows = db.exec("SELECT size, root_hash, note, open_tiles FROM probe_trees WHERE probe = $1", {probe});
  if (rows.empty()) return t;
  t.size = std::stoull(rows[0][0].value_or("0"));
  t.root = pg_hash(rows[0][1]);
  t.note = rows[0][2].value_or("");
  const Bytes open = pg_bytes(rows[0][3]);
  auto split = split_open_tiles(t.size, open);
  if (!split) throw std::runtime_error(fmt::format("the open tiles stored for the probe {} do not fit its size", probe));
  t.open = std::move(*split);
  return t;
}

// The probe's root at `size` (< the held size): a checkpoint it accepted at that size, else
// recomputed from the stored leaf hashes (a rare path: a probe offering a size it never pushed).
Hash root_at(PgSession& db, const std::string& probe, std::uint64_t size) {
  if (size == 0) return empty_root();
  const PgRows cp = db.exec("SELECT root_hash FROM checkpoints WHERE probe = $1 AND size = $2",
                            {probe, std::to_string(size)});
  if (!cp.empty()) return pg_hash(cp[0][0]);
  const PgRows rows = db.exec("SELECT leaf_hash FROM entries WHERE probe = $1 AND leaf_index < $2 ORDER BY leaf_index",
                              {probe, std::to_string(size)});
  std::vector<Hash> hashes;
  hashes.reserve(rows.size());
  for (const auto& r : rows) hashes.push_back(pg_hash(r[0]));
  if (hashes.size() != size) throw std::runtime_error(fmt::format("the probe {} lacks stored entries below {}", probe, size));
  return root_of(hashes);
}

PushAnswer refuse(PgSession& db, const std::string& probe, const std::string& reason, const std::string& held_note,
                  const std::string& offered_note) {
  db.exec("INSERT INTO refusals (probe, reason, held_note, offered_note) VALUES ($1, $2, $3, $4)",
          {probe, reason, held_note.empty() ? std::nullopt : std::optional<std::string>(held_note), offered_note});
  return answer(422, reason + "; both checkpoints are kept as evidence");
}

bool is_ip_address(const std::string& a) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, a.c_str(), buf) == 1 || ::inet_pton(AF_INET6, a.c_str(), buf) == 1;
}

// Stores the accepted entries, their observation index rows, the checkpoint and the probe's tree.
void store_push(PgSession& db, const std::string& probe, const HeldTree& held, const Checkpoint& cp,
                const PushRequest& req, const std::vector<Hash>& hashes, const std::string& cosignature,
                const Bytes& open_tiles) {
  nlohmann::json entries = nlohmann::json::array();
  nlohmann::json observations = nlohmann::json::array();
  std::set<std::string> months;
  for (std::size_t k = 0; k < req.entries.size(); ++k) {
    const std::uint64_t index = held.size + k;
    const std::string& e = req.entries[k];
    entries.push_back({{"i", index},
                       {"h", hex_encode(ByteView(hashes[k].data(), hashes[k].size()))},
                       {"d", hex_encode(as_bytes(e))}});
    std::optional<IndexRow> row;
    try {
      row = index_row_of_leaf(index, e);
    } catch (const std::invalid_argument&) {
      continue;  // stored and served like any entry, but not an observation this tool can index
    }
    if (!row) continue;
    const std::string time = format_rfc3339_ns(UtcTime{row->time_ns});
    months.insert(time.substr(0, 7));
    nlohmann::json addresses = nlohmann::json::array();
    std::size_t from = 0;
    while (from < row->addresses.size()) {
      const auto sp = row->addresses.find(' ', from);
      const std::string a = row->addresses.substr(from, sp == std::string::npos ? std::string::npos : sp - from);
      if (is_ip_address(a)) addresses.push_back(a);
      if (sp == std::string::npos) break;
      from = sp + 1;
    }
    observations.push_back({{"t", time},
                            {"q", row->qname},
                            {"y", row->qtype},
                            {"r", row->resolver},
                            {"o", row->outcome},
                            {"a", std::move(addresses)},
                            {"i", index}});
  }
  db.exec(
      "INSERT INTO entries (probe, leaf_index, leaf_hash, data) "
      "SELECT $1, (e->>'i')::bigint, decode(e->>'h', 'hex'), decode(e->>'d', 'hex') "
      "FROM jsonb_array_elements($2::jsonb) AS e",
      {probe, entries.dump()});
  for (const auto& m : months) ensure_observation_partition(db, m);
  if (!observations.empty())
    db.exec(
        "INSERT INTO observations (probe, time, qname, qtype, resolver, outcome, addresses, leaf_index) "
        "SELECT $1, (o->>'t')::timestamptz, o->>'q', o->>'y', o->>'r', o->>'o', "
        "ARRAY(SELECT jsonb_array_elements_text(o->'a'))::inet[], (o->>'i')::bigint "
        "FROM jsonb_array_elements($2::jsonb) AS o",
        {probe, observations.dump()});
  db.exec("INSERT INTO checkpoints (probe, size, root_hash, note, cosignature) VALUES ($1, $2, $3, $4, $5)",
          {probe, std::to_string(cp.size), pg_bytea(cp.root.data(), cp.root.size()), req.checkpoint,
           cosignature});
  db.exec(
      "INSERT INTO probe_trees (probe, size, root_hash, note, open_tiles) VALUES ($1, $2, $3, $4, $5) "
      "ON CONFLICT (probe) DO UPDATE SET size = EXCLUDED.size, root_hash = EXCLUDED.root_hash, "
      "note = EXCLUDED.note, open_tiles = EXCLUDED.open_tiles, updated_at = now()",
      {probe, std::to_string(cp.size), pg_bytea(cp.root.data(), cp.root.size()), req.checkpoint,
       pg_bytea(open_tiles.data(), open_tiles.size())});
}

}  // namespace

Bytes join_open_tiles(const std::vector<std::vector<Hash>>& open) {
  Bytes out;
  for (const auto& level : open)
    for (const auto& h : level) out.insert(out.end(), h.begin(), h.end());
  return out;
}

std::optional<std::vector<std::vector<Hash>>> split_open_tiles(std::uint64_t size, ByteView bytes) {
  std::vector<std::vector<Hash>> open(std::max(1u, tile_levels(size)));
  std::size_t at = 0;
  for (unsigned level = 0; level < open.size(); ++level) {
    const std::uint64_t count = (size >> (kTileHeight * level)) % kTileWidth;
    for (std::uint64_t k = 0; k < count; ++k) {
      if (at + 32 > bytes.size()) return std::nullopt;
      Hash h{};
      std::copy(bytes.begin() + static_cast<std::ptrdiff_t>(at), bytes.begin() + static_cast<std::ptrdiff_t>(at + 32),
                h.begin());
      open[level].push_back(h);
      at += 32;
    }
  }
  if (at != bytes.size()) return std::nullopt;
  return open;
}

PushAnswer accept_push(PgSession& db, const CollectorSigner& signer, std::string_view body, std::uint64_t now_seconds) {
  std::string why;
  const auto req = parse_push(body, why);
  if (!req) return answer(400, why);
  const auto nl = req->checkpoint.find('\n');
  const std::string origin = req->checkpoint.substr(0, nl == std::string::npos ? 0 : nl);
  const PgRows found = db.exec("SELECT name, verifier_key FROM probes WHERE origin = $1", {origin});
  if (found.empty())
    return answer(403, fmt::format("no probe is registered with the origin '{}'", printable(origin.substr(0, 200))));
  const std::string probe = found[0][0].value_or("");
  std::optional<Checkpoint> cp;
  try {
    cp = open_signed_checkpoint(req->checkpoint, parse_verifier_key(found[0][1].value_or("")), &why);
  } catch (const std::exception& e) {
    why = e.what();
  }
  if (!cp) return answer(403, fmt::format("the checkpoint is not signed by the probe {}'s registered key ({})", probe, why));

  PushAnswer result = in_transaction(db, [&]() -> PushAnswer {
    db.exec("SELECT name FROM probes WHERE name = $1 FOR UPDATE", {probe});
    const HeldTree held = held_tree(db, probe);
    if (req->old_size != held.size) {
      PushAnswer a = answer(409, std::to_string(held.size));
      a.content_type = "text/x.tlog.size";
      return a;
    }
    if (cp->size <= held.size) {
      if (!req->entries.empty())
        return answer(400, fmt::format("entries were sent with a checkpoint of size {}, not larger than the {} held",
                                       cp->size, held.size));
      if (root_at(db, probe, cp->size) != cp->root)
        return refuse(db, probe,
                      cp->size == held.size
                          ? fmt::format("fork: the probe {} offered another root for size {}, the size held", probe,
                                        cp->size)
                          : fmt::format("rewind: the probe {} offered a tree of size {} that is not the one held at "
                                        "that size (held: {})",
                                        probe, cp->size, held.size),
                      held.note, req->checkpoint);
      PushAnswer a;
      a.status = 200;
      a.probe = probe;
      a.accepted_size = held.size;
      const PgRows stored = db.exec("SELECT cosignature FROM checkpoints WHERE probe = $1 AND size = $2",
                                    {probe, std::to_string(cp->size)});
      if (!stored.empty() && stored[0][0]) a.body = *stored[0][0];
      return a;
    }
    if (req->entries.size() != cp->size - held.size)
      return answer(400, fmt::format("{} entries were sent, but the checkpoint adds {} to the {} held",
                                     req->entries.size(), cp->size - held.size, held.size));
    std::vector<Hash> hashes;
    hashes.reserve(req->entries.size());
    TileBuilder builder(held.size, held.open);
    for (const auto& e : req->entries) {
      hashes.push_back(leaf_hash(as_bytes(e)));
      builder.append(hashes.back(), [](const TileId&, const std::vector<Hash>&) {});
    }
    std::map<TileId, Bytes> partial;
    std::vector<std::vector<Hash>> open(std::max(1u, tile_levels(cp->size)));
    for (const auto& [id, tile] : builder.partial_tiles()) {
      partial[id] = tile_bytes(tile);
      open[static_cast<std::size_t>(id.level)] = tile;
    }
    TileHashReader reader(cp->size, [&](const TileId& id) -> std::optional<Bytes> {
      const auto it = partial.find(id);
      if (it == partial.end()) return std::nullopt;
      return it->second;
    });
    const bool proof_ok = held.size == 0 ? req->proof.empty()
                                         : verify_consistency(held.size, cp->size, held.root, cp->root, req->proof);
    if (reader.root() != cp->root) {
      if (held.size == 0 || proof_ok)
        return answer(422, fmt::format("the {} entries sent do not lead to the checkpoint's root at size {}",
                                       req->entries.size(), cp->size));
      return refuse(db, probe,
                    fmt::format("fork: the probe {} offered a tree of size {} that neither its entries nor its proof "
                                "show to extend the tree of size {} held",
                                probe, cp->size, held.size),
                    held.note, req->checkpoint);
    }
    if (!proof_ok)
      return answer(422, fmt::format("the consistency proof from {} to {} does not verify", held.size, cp->size));
    const Checkpoint text{cp->origin, cp->size, cp->root};
    const std::string line = cosign_checkpoint(text.to_text(), signer.identity.name, *signer.key, now_seconds);
    store_push(db, probe, held, *cp, *req, hashes, line, join_open_tiles(open));
    kill_point("before-commit");
    PushAnswer a;
    a.status = 200;
    a.body = line;
    a.probe = probe;
    a.accepted_size = cp->size;
    a.grew = true;
    return a;
  });
  if (result.grew) kill_point("after-commit");
  return result;
}

}  // namespace dnswitness
