#pragma once
// The tree-head guard: a copy of the ledger's last signed checkpoint kept outside the database, in
// keys/checkpoint beside the signing key (format and rules: docs/ledger.md, "The tree-head guard").
//
// Role: the database cannot vouch for itself. Emptied, replaced, deleted or rolled back (a lost
// WAL), it would let the next run start a new tree under the same key and origin and sign other
// roots at sizes already signed: a fork. The guard remembers the last (size, root) that was signed,
// where losing the database does not lose it; the store refuses to sign any tree that does not
// extend it (same size and root, or an RFC 9162 §2.1.4 consistency proof from it).
//
// Order: the guard is written after the SQLite commit of each new checkpoint, so a kill between
// the two leaves the database AHEAD of the guard by a consistent extension, which the next run
// accepts and brings the guard forward from. A database BEHIND the guard, or different from it, is
// a fork risk and is refused.
//
// Ownership: plain values and files. Thread-safety: functions are thread-safe; several processes
// write the guard only under the ledger's write lock (the store does so).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/ed25519.h"
#include "ledger/checkpoint.h"

namespace dnswitness {

// The meta key the store sets (value "1") in the transaction of a checkpoint signed while a valid
// guard was on disk: from then on a missing guard is an alarm, not an old ledger to upgrade.
inline constexpr const char* kGuardIssuedMetaKey = "guard_issued";
// A guard file larger than this is not ours (a checkpoint note is a few hundred bytes).
inline constexpr std::uintmax_t kMaxGuardBytes = 64 * 1024;

struct GuardFile {
  enum class State { absent, valid, damaged };
  State state = State::absent;
  std::string note;                 // the file's bytes (valid or damaged)
  std::optional<Checkpoint> head;   // when valid: the verified checkpoint
  std::string why;                  // when damaged: what is wrong, a phrase
  std::string written_at;           // the file's modification time (RFC 3339, UTC), when readable
};

// Reads and checks the guard at `file` against the ledger's origin and key. Never throws for a
// bad file (that is State::damaged); throws LedgerError(io) only when the file exists but cannot
// be read.
GuardFile read_guard_file(const std::filesystem::path& file, const std::string& origin, const Ed25519PublicKey& key);

// The checkpoint in a guard file without checking its signature, for messages only (nullopt when
// absent or unparseable), with the file's modification time in *written_at.
std::optional<Checkpoint> peek_guard_file(const std::filesystem::path& file, std::string* written_at = nullptr);

// Writes `note` to `file` atomically: a temporary file in the same folder created with
// O_CREAT|O_EXCL|O_NOFOLLOW (mode 0600), written, fsynced, renamed over `file`, then the folder
// fsynced. Throws LedgerError(io) on failure (the old guard is then unchanged).
void write_guard_file(const std::filesystem::path& file, std::string_view note);

// The same, unless the guard on disk already holds a larger tree head (another process committed
// and wrote after us: a late writer must not move the guard back). The check and the write hold an
// flock on the guard's folder, so two writers never interleave them. Returns false when skipped.
bool advance_guard_file(const std::filesystem::path& file, std::string_view note, std::uint64_t size);

// "tree head 8 (root abc...=, guard written 2026-12-05T06:00:00Z)": how messages name a guard.
std::string describe_guarded_head(const Checkpoint& head, const std::string& written_at);

}  // namespace dnswitness
