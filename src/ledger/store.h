#pragma once
// The ledger store: one SQLite database (WAL, synchronous=FULL) holding the leaves of the log, the
// signed checkpoint of every run, and the derived observation index.
//
// Role: the only code that writes the ledger. A run is appended in one BEGIN IMMEDIATE
// transaction (leaves + index rows + signed checkpoint), so it is in the ledger whole or not at
// all, whatever happens to the process. Appending never reads earlier leaves: the Merkle frontier
// (CompactRange) of each checkpoint is stored beside it, and before signing the store checks that
// the frontier still yields the previous signed root, so every checkpoint it signs extends the
// previous one (no fork). Because the database cannot vouch for itself (emptied, replaced, deleted
// or rolled back, it would start a new tree under the same key), the last signed checkpoint is also
// kept outside it, in keys/checkpoint (ledger/guard.h): nothing is signed unless the tree extends
// that guard, and a read-write open refuses to create a new tree while the guard exists.
//
// Schema (version 3, frozen by tests/unit/test_ledger_store.cpp; see docs/ledger.md):
//   meta(key TEXT PRIMARY KEY, value TEXT)            schema_version, origin, created_at, public_key,
//                                                     key_fingerprint, guard_issued (ledger/guard.h)
//   leaves(idx INTEGER PRIMARY KEY, hash BLOB, data BLOB)   data exactly as hashed
//   checkpoints(size INTEGER PRIMARY KEY, root BLOB, note TEXT, compact_range BLOB, run_id TEXT)
//   observation_index(qname, time_ns, leaf_index, qtype, resolver, outcome, addresses)
//                     WITHOUT ROWID, PRIMARY KEY (qname, time_ns, leaf_index)
//   timestamps(...)   RFC 3161 attempts, see ledger/timestamps.h
//   migrations(...)   schema upgrades of this ledger, see ledger/migrate.h
//   cosignatures(...) witness cosignature attempts, see ledger/cosignatures.h
// Triggers refuse UPDATE and DELETE on leaves and checkpoints (a guard against accidents; integrity
// rests on hashes and signatures, which verify-ledger checks).
//
// A ledger of another schema version is refused before anything is written to it, whatever the
// mode: an older one must be upgraded with `dnswitness migrate` (ledger/migrate.h), which backs it
// up first; a newer one needs a newer dnswitness.
//
// Ownership: a LedgerStore owns its connection. Thread-safety: none; one object per thread. Several
// processes may use one ledger at once: writers queue on SQLite's lock for at most the busy timeout.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "crypto/ed25519.h"
#include "ledger/leaves.h"
#include "ledger/merkle.h"
#include "ledger/sqlite.h"

namespace dnswitness {

inline constexpr int kLedgerSchemaVersion = 3;

// The files of one ledger folder.
struct LedgerPaths {
  std::filesystem::path dir;
  [[nodiscard]] std::filesystem::path database() const { return dir / "ledger.sqlite"; }
  [[nodiscard]] std::filesystem::path keys_dir() const { return dir / "keys"; }
  [[nodiscard]] std::filesystem::path private_key() const { return dir / "keys" / "ledger.key"; }
  [[nodiscard]] std::filesystem::path public_key() const { return dir / "keys" / "ledger.pub"; }
  // The tree-head guard (ledger/guard.h): the last signed checkpoint, kept outside the database.
  [[nodiscard]] std::filesystem::path checkpoint_guard() const { return dir / "keys" / "checkpoint"; }
};

// --ledger PATH, else $DNSWITNESS_HOME, else $XDG_DATA_HOME/dnswitness, else
// ~/.local/share/dnswitness. Throws LedgerError(usage) when none can be determined.
LedgerPaths ledger_paths(const std::string& flag);

// For --new-ledger: moves the ledger's database (with its -wal and -shm) and key folder, whatever
// state they are in, into a new folder <dir>/retired-<UTC time>/ (never deleting anything) and
// returns that folder; nullopt when there was nothing to move. Throws LedgerError(io) on failure.
std::optional<std::filesystem::path> retire_ledger_files(const LedgerPaths& paths);

// The schema_version recorded in the meta table of `db`; nullopt when it has no meta table (a new,
// empty database, or not a ledger at all). Throws LedgerError(unreadable) when the value is
// missing or not a number.
std::optional<int> stored_schema_version(Db& db);

// Throws LedgerError(usage) for a ledger (in `ledger_dir`) of schema `version` other than
// kLedgerSchemaVersion, saying what to do: run migrate (older) or use a newer dnswitness (newer).
void require_current_schema(int version, const std::filesystem::path& ledger_dir);

// "dnswitness/<host name>/<8 random hex digits>", with any character a key name may not hold
// replaced by '-'.
std::string default_origin();

struct CheckpointRow {
  std::uint64_t size = 0;
  Hash root{};
  std::string note;
  Bytes compact_range;
  std::string run_id;
};

struct AppendResult {
  std::uint64_t first_index = 0;  // index of the run leaf
  std::uint64_t size = 0;         // tree size after the run
  std::string note;               // the signed checkpoint
};

class LedgerStore {
 public:
  enum class Mode { read_only, read_write };
  // Opens the ledger in `paths.dir`. In read_write mode a missing folder or database is created
  // (folder 0700) with `origin` (default_origin() when empty); an existing ledger keeps its origin
  // and a different non-empty `origin` is a usage error. In read_only mode a missing database is an
  // io error. busy_timeout_ms bounds every wait for another process's lock.
  LedgerStore(const LedgerPaths& paths, Mode mode, const std::string& origin = {}, int busy_timeout_ms = 10000);

  [[nodiscard]] const LedgerPaths& paths() const noexcept { return paths_; }
  [[nodiscard]] const std::string& origin() const noexcept { return origin_; }
  // The signing key's public key recorded when the first key was bound to this ledger.
  [[nodiscard]] std::optional<Ed25519PublicKey> bound_public_key() const { return bound_key_; }

  // Loads keys/ledger.key, or creates a new key pair there when there is none (under the ledger's
  // write lock, so two first runs agree on one key), and binds its public key to the ledger. Sets
  // *created when it made a new key. Throws LedgerError(usage) if the key on disk is not the one
  // the ledger was signed with.
  Ed25519PrivateKey load_or_create_key(bool* created);

  // Appends a run (its leaves, index rows and a checkpoint signed with `key`) in one transaction.
  // The same as a LedgerRunAppender fed every leaf of `run`.
  AppendResult append_run(const RunLeaves& run, const Ed25519PrivateKey& key);

  // Size of the last checkpoint (0 for a new ledger).
  std::uint64_t size();
  std::vector<CheckpointRow> checkpoints();
  // MTH(D[begin:end]) from the stored leaf hashes (reads end - begin hashes).
  Hash subtree_root(std::uint64_t begin, std::uint64_t end);
  // The stored bytes of one leaf; throws LedgerError(integrity) if it is missing.
  std::string leaf(std::uint64_t index);

  // Rebuilds observation_index from the leaves in one transaction; returns the number of rows.
  // `progress(done, total)` is called now and then.
  std::uint64_t reindex(const std::function<void(std::uint64_t, std::uint64_t)>& progress = {});

  Db& db() noexcept { return db_; }

 private:
  friend class LedgerRunAppender;
  // Inside a write transaction: the Merkle frontier of the last signed tree head after checking it
  // against its root, its signature under `key` and the number of stored leaves.
  CompactRange checked_frontier(const Ed25519PrivateKey& key);
  // Inside a write transaction, with the last signed tree head (`range`, `last_note`) already
  // checked: refuses (LedgerError integrity) unless it extends keys/checkpoint (ledger/guard.h);
  // creates the guard once for a ledger made before guards, and brings an older guard forward.
  // Returns true when a valid guard is on disk.
  bool check_tree_head_guard(const CompactRange& range, const std::string& last_note, const Ed25519PrivateKey& key);
  // After a commit: the guard now holds `note` (a failure is a warning; the next run catches up).
  void advance_tree_head_guard(const std::string& note);
  void create_schema(const std::string& origin);
  void load_meta();
  void bind_public_key(const Ed25519PublicKey& key);

  LedgerPaths paths_;
  Db db_;
  std::string origin_;
  std::optional<Ed25519PublicKey> bound_key_;
  bool guard_on_disk_ = false;  // set by check_tree_head_guard for the appender's commit
};

// Streams one run into the ledger while it happens, keeping the promise of append_run: the run is in
// the ledger whole or not at all.
//
// The constructor takes the write lock (BEGIN IMMEDIATE, waiting at most the busy timeout) and
// checks the last tree head, so a locked or damaged ledger stops the run before any query is sent.
// The run leaf's index (the first) is reserved, because the run record is complete only at the
// end; each add() inserts one observation leaf and its index row at the next index; finish() writes
// the run leaf into the reserved index, hashes the tree in leaf order, signs the new tree head and
// commits. Destroyed without a successful finish(), the transaction rolls back and the ledger is
// as it was. The write lock is held from construction to finish(): other writers wait for it (at
// most their --lock-timeout), readers are not blocked (WAL).
//
// Memory: the leaf hashes of the run (32 bytes per observation) are kept until finish(), because
// the run leaf's hash, which comes first in the tree, is known only then.
// Ownership: borrows the store and key, which must outlive it. Thread-safety: none; it may be
// created on one thread and used on another, as long as the store is not used meanwhile.
class LedgerRunAppender {
 public:
  LedgerRunAppender(LedgerStore& store, const Ed25519PrivateKey& key);
  LedgerRunAppender(const LedgerRunAppender&) = delete;
  LedgerRunAppender& operator=(const LedgerRunAppender&) = delete;
  ~LedgerRunAppender();

  // `leaf` exactly as hashed (at most kMaxLeafBytes) and its index row, if any (null for a leaf
  // that is not an observation); `row->leaf_index` is ignored (the appender assigns the index).
  void add(std::string_view leaf, const IndexRow* row);
  void add(std::string_view leaf, const IndexRow& row);
  AppendResult finish(std::string_view run_leaf, const std::string& run_id);

  [[nodiscard]] std::uint64_t first_index() const noexcept { return first_index_; }
  [[nodiscard]] std::uint64_t added() const noexcept { return hashes_.size(); }

 private:
  LedgerStore& store_;
  const Ed25519PrivateKey& key_;
  WriteTransaction tx_;
  CompactRange range_;
  std::uint64_t first_index_ = 0;
  std::vector<Hash> hashes_;
  Stmt put_leaf_;
  Stmt put_row_;
  bool finished_ = false;
};

}  // namespace dnswitness
