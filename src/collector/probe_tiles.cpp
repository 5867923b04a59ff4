#include "collector/probe_tiles.h"

#include <fmt/format.h>

#include <optional>

#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"
#include "ledger/signed_note.h"
#include "tlog/publish.h"
#include "tlog/run_heads.h"
#include "tlog/run_index.h"
#include "tlog/run_summary.h"

namespace dnswitness {
namespace {

constexpr std::uintmax_t kMaxNoteBytes = 64 * 1024;
constexpr std::uint64_t kLeavesPerQuery = 4096;

// The probe's stored entries [from, to), in chunks, each checked against its stored hash.
LeafStream entry_stream(PgSession& db, const std::string& probe) {
  return [&db, probe](std::uint64_t from, std::uint64_t to, const LeafVisitor& visit) {
    std::uint64_t i = from;
    while (i < to) {
      const std::uint64_t until = std::min(to, i + kLeavesPerQuery);
      const PgRows rows = db.exec(
          "SELECT leaf_index, leaf_hash, data FROM entries WHERE probe = $1 AND leaf_index >= $2 AND leaf_index < $3 "
          "ORDER BY leaf_index",
          {probe, std::to_string(i), std::to_string(until)});
      for (const auto& r : rows) {
        if (std::stoull(r[0].value_or("0")) != i)
          throw std::runtime_error(fmt::format("the collector's database lacks entry {} of the probe {}", i, probe));
        const Bytes data = pg_bytes(r[2]);
        const Hash lh = leaf_hash(data);
        if (lh != pg_hash(r[1]))
          throw std::runtime_error(fmt::format("entry {} of the probe {} does not hash to its stored hash", i, probe));
        visit(i, data, lh);
        ++i;
      }
      if (i != until)
        throw std::runtime_error(fmt::format("the collector's database lacks entry {} of the probe {}", i, probe));
    }
  };
}

}  // namespace

std::string origin_folder_name(const std::string& origin) {
  const Hash h = sha256(as_bytes(origin));
  return hex_encode(ByteView(h.data(), h.size()));
}

ProbeTilesResult write_probe_tiles(PgSession& db, const std::filesystem::path& tiles_root, const std::string& probe,
                                   const CollectorSigner* signer) {
  ProbeTilesResult result;
  const PgRows p = db.exec(
      "SELECT p.origin, p.verifier_key, t.size, t.root_hash, t.note, c.cosignature FROM probes p "
      "JOIN probe_trees t ON t.probe = p.name JOIN checkpoints c ON c.probe = p.name AND c.size = t.size "
      "WHERE p.name = $1",
      {probe});
  if (p.empty()) return result;  // nothing accepted yet
  const std::string origin = p[0][0].value_or("");
  const NoteVerifier verifier = parse_verifier_key(p[0][1].value_or(""));
  const TreeHead newest{std::stoull(p[0][2].value_or("0")), pg_hash(p[0][3])};
  const std::string checkpoint = p[0][4].value_or("") + p[0][5].value_or("");
  const std::filesystem::path dir = tiles_root / origin_folder_name(origin);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    throw PublishError(PublishError::Kind::io, fmt::format("Cannot create the folder {} ({}).", dir.string(), ec.message()));
  TileFolderLock lock(dir);
  TileFolder folder(dir, result.counts);

  // The folder's checkpoint: one the collector accepted (the probe's signature, and the root the
  // database holds at its size), else the folder was changed.
  TreeHead held;
  if (const auto note = read_small_file(dir / "checkpoint", kMaxNoteBytes)) {
    std::string why;
    const auto cp = open_signed_checkpoint(*note, verifier, &why);
    const PgRows row = cp ? db.exec("SELECT root_hash FROM checkpoints WHERE probe = $1 AND size = $2",
                                    {probe, std::to_string(cp->size)})
                          : PgRows{};
    if (!cp || row.empty() || pg_hash(row[0][0]) != cp->root)
      throw PublishError(PublishError::Kind::fork,
                         fmt::format("{} is not a checkpoint the collector accepted from the probe {}: the folder was "
                                     "changed. Move it away (keep it as evidence); the collector writes it again.",
                                     (dir / "checkpoint").string(), probe));
    held = TreeHead{cp->size, cp->root};
    if (held.size == newest.size && *note == checkpoint) {
      result.from = result.to = held.size;
      return result;
    }
  }
  result.from = held.size;
  result.to = newest.size;
  const std::string log_json = published_log_json(origin, verifier.key);
  if (read_small_file(dir / "log.json", kMaxNoteBytes) != log_json) folder.put_replacing("log.json", log_json);
  if (held.size != newest.size) {
    // Where each run starts (tlog/run_index.h), and each new run's summary, signed by the collector
    // (docs/fleet.md, "Tiles").
    RunIndexWriter run_index(folder, held.size);
    LeafStream stream = indexing(entry_stream(db, probe), run_index);
    if (signer) {
      RunSummaryWriter summaries(folder, origin, signer->identity.name, *signer->key, held.size);
      write_tiles(folder, held, newest, summarizing(std::move(stream), summaries));
      summaries.finish(newest.size);
    } else {
      write_tiles(folder, held, newest, stream);
    }
    run_index.finish(newest.size);
  }
  for (const auto& r : db.exec("SELECT size, note FROM checkpoints WHERE probe = $1 AND size > $2 AND size <= $3 "
                               "ORDER BY size",
                               {probe, std::to_string(held.size), std::to_string(newest.size)}))
    folder.put_immutable(run_head_path(std::stoull(r[0].value_or("0"))), as_bytes(r[1].value_or("")));
  folder.sync();
  folder.put_replacing("checkpoint", checkpoint);
  return result;
}

}  // namespace dnswitness
