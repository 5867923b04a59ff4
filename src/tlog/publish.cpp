#include "tlog/publish.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "crypto/encoding.h"
#include "ledger/checkpoint.h"
#include "ledger/cosignatures.h"
#include "ledger/key_access.h"
#include "ledger/queries.h"
#include "ledger/signed_note.h"
#include "ledger/timestamps.h"
#include "model/printable.h"
#include "tlog/run_heads.h"
#include "tlog/run_index.h"
#include "tlog/run_summary.h"
#include "tlog/tile_folder.h"
#include "tlog/tiles.h"
#include "tlog/witnessing.h"
#include "tsa/bundle_tokens.h"
#include "dnswitness/version.h"

namespace dnswitness {

namespace {

// A published checkpoint note is a few hundred bytes; anything larger is not ours.
constexpr std::uintmax_t kMaxPublishedNoteBytes = 64 * 1024;
// The highest timestamps.id whose token the folder's lists hold (docs/public-log.md).
constexpr const char* kPublishedThrough = "dnswitness/timestamps/published-through";
// The highest cosignatures.id (a cosigned row) the folder's cosignature lists hold.
constexpr const char* kCosignaturesThrough = "dnswitness/cosignatures/published-through";

// The checkpoint already published in `dir` (nullopt: none), after checking that this ledger
// signed it or extends it: its root is the ledger's root at its size.
std::optional<Checkpoint> published_checkpoint(const std::filesystem::path& dir, const std::string& origin,
                                               const NoteVerifier& verifier, LedgerReader& reader) {
  const auto file = dir / "checkpoint";
  const auto note = read_small_file(file, kMaxPublishedNoteBytes);
  if (!note) return std::nullopt;
  if (const auto nl = note->find('\n'); nl != std::string::npos && note->substr(0, nl) != origin)
    throw PublishError(PublishError::Kind::usage,
                       fmt::format("{} holds the log '{}', not this ledger's '{}'; publish each ledger to a folder "
                                   "of its own.",
                                   dir.string(), printable(note->substr(0, std::min<std::size_t>(nl, 300))), origin));
  std::string why;
  const auto cp = open_signed_checkpoint(*note, verifier, &why);
  if (!cp)
    throw PublishError(PublishError::Kind::fork,
                       fmt::format("{} is not a checkpoint signed by this ledger's key ({}): the folder was edited or "
                                   "holds another log under this origin. Keep it as evidence and publish to a new "
                                   "folder.",
                                   file.string(), why));
  const std::uint64_t size = reader.newest().size;
  if (cp->size > size)
    throw PublishError(PublishError::Kind::fork,
                       fmt::format("{} is of size {}, but the ledger has only {} leaves: the ledger was rolled back or "
                                   "replaced after it was published. Restore it from its backup instead of publishing "
                                   "a shorter tree.",
                                   file.string(), cp->size, size));
  const auto row = reader.checkpoint(cp->size);
  const Hash expected = row ? row->root : reader.subtree_root(0, cp->size);
  if (expected != cp->root)
    throw PublishError(PublishError::Kind::fork,
                       fmt::format("{} (size {}) has another root than this ledger at that size: what was published "
                                   "and the ledger have forked. Keep the folder as evidence and publish to a new "
                                   "one.",
                                   file.string(), cp->size));
  return cp;
}


// Which run heads a publish writes: those of sizes in (after, n], all but `deferred` (0: none) at
// once. A folder whose published size has its run head holds the run heads of every smaller size
// too (each publish makes them durable before its checkpoint), so only newer ones are written. A
// folder published before run heads were lacks it and gets all of them; its own size's file is then
// the last one made durable (deferred_note), so a publish cut short by a power loss is completed
// next time.
struct RunHeadPlan {
  std::uint64_t after = 0;
  std::uint64_t deferred = 0;
  std::string deferred_note;
};

// The plan for a folder of `published_size`, whose run head, if there, is compared with the ledger's
// (an edited one is a fork, found before anything is written).
RunHeadPlan plan_run_heads(TileFolder& folder, LedgerReader& reader, std::uint64_t published_size) {
  if (published_size == 0) return {};
  const auto row = reader.checkpoint(published_size);
  if (!row) return {};  // not one of the ledger's run heads, so none marks what was written: all of them
  const std::string rel = run_head_path(published_size);
  if (!std::filesystem::exists(folder.dir() / rel)) return {0, published_size, row->note};
  folder.put_immutable(rel, as_bytes(row->note));  // compares, as the file is there
  return {published_size, 0, {}};
}

// The run-head files of the ledger's checkpoints of sizes in (plan.after, upto] but plan.deferred.
void write_run_heads(LedgerStore& store, TileFolder& folder, const RunHeadPlan& plan, std::uint64_t upto) {
  Stmt heads(store.db(), "SELECT size, note FROM checkpoints WHERE size > ?1 AND size <= ?2 ORDER BY size");
  heads.bind(1, static_cast<std::int64_t>(plan.after)).bind(2, static_cast<std::int64_t>(upto));
  while (heads.step("reading the tree heads to publish")) {
    const auto size = static_cast<std::uint64_t>(heads.i64(0));
    if (size != plan.deferred) folder.put_immutable(run_head_path(size), as_bytes(heads.text(1)));
  }
}

// The folder's published-through mark at `rel` (kPublishedThrough, kCosignaturesThrough); 0 when it
// has none (a new folder, or one published before time-stamps or cosignatures were).
std::int64_t read_published_through(const std::filesystem::path& dir, const char* rel = kPublishedThrough) {
  const auto file = dir / rel;
  const auto text = read_small_file(file, 32);
  if (!text) return 0;
  std::int64_t id = 0;
  const auto parsed = std::from_chars(text->data(), text->data() + text->size(), id);
  if (parsed.ec != std::errc() || id < 0 || fmt::format("{}\n", id) != *text)
    throw PublishError(PublishError::Kind::fork,
                       fmt::format("{} is not a file this ledger published (not a row number and a newline); "
                                   "the folder was changed by hand: keep it as it is and publish to a new folder.",
                                   file.string()));
  return id;
}

// The ledger's list of granted tokens of one tree head, as its time-stamp file holds it.
nlohmann::json granted_token_list(LedgerStore& store, std::uint64_t size) {
  auto list = nlohmann::json::array();
  for (const auto& r : read_granted_timestamps_of_size(store.db(), size)) list.push_back(timestamp_token_json(r));
  return list;
}

// Whether `held` (a time-stamp file's bytes) is the file of the first tokens of `list`.
bool is_token_list_prefix(const std::string& held, const nlohmann::json& list) {
  const auto j = nlohmann::json::parse(held, nullptr, false);
  if (!j.is_array() || j.size() > list.size()) return false;
  const nlohmann::json prefix(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(j.size()));
  return prefix.dump() + "\n" == held;
}

// The time-stamp file of one tree size. Tokens only ever arrive (a TSA may grant one after the run),
// so the file may lack the newest ones and is then replaced, but it never holds one the ledger lacks.
void write_token_list(TileFolder& folder, std::uint64_t size, const nlohmann::json& list) {
  const std::string rel = run_timestamps_path(size);
  const std::string text = list.dump() + "\n";
  // A file longer than the ledger's list cannot be a prefix of it: read_small_file calls it a fork.
  const auto held = read_small_file(folder.dir() / rel, text.size());
  if (held == text) return folder.count_present();
  if (held && !is_token_list_prefix(*held, list))
    throw PublishError(PublishError::Kind::fork,
                       fmt::format("{} lists time-stamp tokens this ledger does not hold for its tree head of size "
                                   "{}: the folder was edited or holds another log's tokens. Nothing was replaced; "
                                   "keep the folder as evidence and publish to a new one.",
                                   (folder.dir() / rel).string(), size));
  folder.put_growing(rel, text);
}

// Brings the time-stamp files of tree sizes up to `upto` level with the ledger, reading only the
// tokens granted since the folder's published-through. Returns the new published-through, to be
// written once these files are durable (nullopt: unchanged).
std::optional<std::int64_t> write_run_timestamps(LedgerStore& store, TileFolder& folder, std::uint64_t upto) {
  const std::int64_t through = read_published_through(folder.dir());
  // Read from the published-through token itself: it must still be a granted token of the ledger,
  // else the ledger was rolled back after it was published and new tokens would reuse its ids.
  auto rows = read_granted_timestamps_since(store.db(), through > 0 ? through - 1 : 0);
  if (through > 0) {
    if (rows.empty() || rows.front().id != through)
      throw PublishError(PublishError::Kind::fork,
                         fmt::format("{} says time-stamp {} was published, but the ledger holds no granted time-stamp "
                                     "{}: the ledger was rolled back or replaced after it was published. Restore it "
                                     "from its backup instead of publishing.",
                                     (folder.dir() / kPublishedThrough).string(), through, through));
    rows.erase(rows.begin());
  }
  // Tokens of a tree head newer than the one published now wait for their own publish, so
  // published-through stops before the first of them.
  std::int64_t next = through;
  bool waiting = false;
  std::map<std::uint64_t, nlohmann::json> lists;
  for (const auto& r : rows) {
    if (r.size > upto) {
      waiting = true;
      continue;
    }
    if (!waiting) next = r.id;
    auto& list = lists[r.size];
    if (list.is_null()) list = nlohmann::json::array();
    list.push_back(timestamp_token_json(r));
  }
  // From 0 the rows read are every token of their sizes; otherwise a size may have older ones.
  for (auto& [size, list] : lists) write_token_list(folder, size, through > 0 ? granted_token_list(store, size) : list);
  if (next == through) return std::nullopt;
  return next;
}

// Brings the cosignature lists of tree sizes up to `upto` level with the ledger, for the cosigned
// rows stored since the folder's mark (tlog/witnessing.h). A list only grows as witnesses cosign
// (a witness that was down cosigns later); one holding a cosignature the ledger lacks was edited.
// Returns the new mark, to be written once the lists are durable (nullopt: unchanged).
std::optional<std::int64_t> write_run_cosignatures(LedgerStore& store, TileFolder& folder, std::uint64_t upto) {
  const std::int64_t through = read_published_through(folder.dir(), kCosignaturesThrough);
  if (through > 0 && !has_cosignature_row(store.db(), through))
    throw PublishError(PublishError::Kind::fork,
                       fmt::format("{} says cosignature {} was published, but the ledger holds no cosignature {}: the "
                                   "ledger was rolled back or replaced after it was published. Restore it from its "
                                   "backup instead of publishing.",
                                   (folder.dir() / kCosignaturesThrough).string(), through, through));
  std::int64_t next = through;
  bool waiting = false;
  std::set<std::uint64_t> sizes;
  for (const auto& r : read_cosigned_since(store.db(), through)) {
    if (r.size > upto) {
      waiting = true;  // a tree head newer than the one published now: its own publish lists it
      continue;
    }
    if (!waiting) next = r.id;
    sizes.insert(r.size);
  }
  for (const auto size : sizes) {
    const nlohmann::json list = cosignature_list(store.db(), size);
    const std::string rel = run_cosignatures_path(size);
    const std::string text = list.dump() + "\n";
    const auto held = read_small_file(folder.dir() / rel, kMaxPublishedNoteBytes);
    if (held == text) {
      folder.count_present();
      continue;
    }
    if (held) {
      const auto j = nlohmann::json::parse(*held, nullptr, false);
      const bool subset = j.is_array() && std::all_of(j.begin(), j.end(), [&](const nlohmann::json& item) {
                            return std::find(list.begin(), list.end(), item) != list.end();
                          });
      if (!subset)
        throw PublishError(PublishError::Kind::fork,
                           fmt::format("{} lists cosignatures this ledger does not hold for its tree head of size {}: "
                                       "the folder was edited or holds another log's. Nothing was replaced; keep the "
                                       "folder as evidence and publish to a new one.",
                                       (folder.dir() / rel).string(), size));
    }
    folder.put_growing(rel, text);
  }
  if (next == through) return std::nullopt;
  return next;
}


// The ledger's leaves for write_tiles, each checked against its stored hash.
LeafStream ledger_leaf_stream(LedgerStore& store) {
  return [&store](std::uint64_t from, std::uint64_t to, const LeafVisitor& visit) {
    Stmt leaves(store.db(), "SELECT idx, hash, data FROM leaves WHERE idx >= ?1 AND idx < ?2 ORDER BY idx");
    leaves.bind(1, static_cast<std::int64_t>(from)).bind(2, static_cast<std::int64_t>(to));
    std::uint64_t i = from;
    for (; leaves.step("reading the leaves to publish"); ++i) {
      if (static_cast<std::uint64_t>(leaves.i64(0)) != i)
        throw LedgerError(LedgerError::Kind::integrity,
                          fmt::format("leaf {} is missing from the ledger; run verify-ledger", i));
      const ByteView data = leaves.blob(2);
      const Hash lh = leaf_hash(data);
      const ByteView stored = leaves.blob(1);
      if (stored.size() != lh.size() || !std::equal(lh.begin(), lh.end(), stored.begin()))
        throw LedgerError(LedgerError::Kind::integrity,
                          fmt::format("leaf {}'s stored hash differs from the hash of its bytes; run verify-ledger", i));
      visit(i, data, lh);
    }
    if (i != to)
      throw LedgerError(LedgerError::Kind::integrity, fmt::format("leaf {} is missing from the ledger; run verify-ledger", i));
  };
}

// The ledger's private key to sign run summaries with; nullopt when there is none this process may
// read, or it is not the ledger's (the summaries are then left out: reports read bundles instead).
std::optional<Ed25519PrivateKey> summary_key(LedgerStore& store, const Ed25519PublicKey& bound) {
  std::error_code ec;
  if (!std::filesystem::exists(store.paths().private_key(), ec)) return std::nullopt;
  warn_about_key_access(store.paths());
  try {
    auto k = Ed25519PrivateKey::load_pem_file(store.paths().private_key());
    if (k.public_key() == bound) return k;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

}  // namespace

std::string published_log_json(const std::string& origin, const Ed25519PublicKey& key) {
  const nlohmann::json j = {
      {"format", "c2sp.org/tlog-tiles"},
      {"origin", origin},
      {"verifier_key", format_verifier_key(origin, key)},
      {"key_fingerprint_sha256", key.fingerprint()},
      {"entries", "dnswitness ledger leaves: canonical JSON, one run record then its observations (docs/ledger.md)"},
      {"tool", {{"name", "dnswitness"}, {"version", kToolVersion}}},
  };
  return j.dump(2) + "\n";
}

PublishResult publish_ledger(LedgerStore& store, const PublishOptions& options) {
  const auto key = store.bound_public_key();
  if (!key)
    throw LedgerError(LedgerError::Kind::usage,
                      fmt::format("The ledger {} has no signing key yet; run resolve-snapshot first.",
                                  store.paths().dir.string()));
  const NoteVerifier verifier = make_note_verifier(store.origin(), *key);
  LedgerReader reader(store);
  const CheckpointRow newest = reader.newest();
  {
    std::string why;
    const auto cp = open_signed_checkpoint(newest.note, verifier, &why);
    if (!cp || cp->size != newest.size || cp->root != newest.root)
      throw LedgerError(LedgerError::Kind::integrity,
                        fmt::format("the ledger's newest tree head (size {}) does not verify ({}); run verify-ledger",
                                    newest.size, why.empty() ? "it disagrees with its stored size or root" : why));
  }

  const std::filesystem::path& dir = options.dir;
  {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
      throw PublishError(PublishError::Kind::io, fmt::format("Cannot create the folder {} ({}).", dir.string(), ec.message()));
  }
  TileFolderLock lock(dir);
  PublishResult result;
  TileFolder folder(dir, result);
  const std::optional<Checkpoint> held_checkpoint = published_checkpoint(dir, store.origin(), verifier, reader);
  const std::uint64_t s0 = held_checkpoint ? held_checkpoint->size : 0;
  const std::uint64_t n = newest.size;
  result.published_size = s0;
  result.size = n;
  {
    const std::string log_json = published_log_json(store.origin(), *key);
    if (read_small_file(dir / "log.json", kMaxPublishedNoteBytes) != log_json) folder.put_replacing("log.json", log_json);
  }
  // Everything this publish writes is made durable at once before the checkpoint names it (and
  // before published-through, which says which tokens the files hold).
  const std::uint64_t written_before = result.files_written;
  const RunHeadPlan heads = plan_run_heads(folder, reader, s0);
  if (s0 != n) {
    const TreeHead held{s0, held_checkpoint ? held_checkpoint->root : Hash{}};
    // Each new run's summary, signed with the ledger's key when this process can read it.
    const std::optional<Ed25519PrivateKey> signer = summary_key(store, *key);
    LeafStream stream = ledger_leaf_stream(store);
    // Where each run starts (tlog/run_index.h): needs no key.
    RunIndexWriter run_index(folder, s0);
    stream = indexing(std::move(stream), run_index);
    std::optional<RunSummaryWriter> summaries;
    if (signer) {
      summaries.emplace(folder, store.origin(), store.origin(), *signer, s0);
      stream = summarizing(std::move(stream), *summaries);
    }
    write_tiles(folder, held, TreeHead{n, newest.root}, stream, options.progress);
    run_index.finish(n);
    if (summaries) {
      summaries->finish(n);
      result.summaries_written = summaries->written();
    } else {
      result.summaries_skipped = true;
    }
  }
  write_run_heads(store, folder, heads, n);
  const std::optional<std::int64_t> through = write_run_timestamps(store, folder, n);
  const std::optional<std::int64_t> cosigned_through = write_run_cosignatures(store, folder, n);
  if (s0 != n || result.files_written > written_before) folder.sync();
  if (heads.deferred != 0) folder.put_immutable(run_head_path(heads.deferred), as_bytes(heads.deferred_note), true);
  if (through) folder.put_replacing(kPublishedThrough, fmt::format("{}\n", *through));
  if (cosigned_through) folder.put_replacing(kCosignaturesThrough, fmt::format("{}\n", *cosigned_through));
  // The newest tree head with the witnesses' cosignatures the ledger holds for it: replaced when the
  // tree grew, or when a witness cosigned the same tree head since.
  const std::string checkpoint = cosigned_checkpoint_text(store.db(), newest.note, n);
  if (s0 != n || read_small_file(dir / "checkpoint", kMaxPublishedNoteBytes) != checkpoint)
    folder.put_replacing("checkpoint", checkpoint);
  return result;
}

}  // namespace dnswitness
