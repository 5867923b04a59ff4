#pragma once
// Mirroring a log published as static tiles (c2sp.org/tlog-tiles) into a local directory, which is
// then itself a valid log to serve and to mirror again.
//
// Role: the core of `dnswitness mirror`. One run: fetch the log's checkpoint and verify it with the
// trusted key; compare it with the checkpoint the mirror holds (a smaller tree is a rewind, the same
// size with another root or a larger tree that does not contain the held one is a fork: both refused,
// both signed checkpoints kept as evidence); fetch only the tiles and entry bundles added since the
// held size; check every new hash tile against its parent and the new root, the held root against
// the new tiles (consistency), and every entry against its leaf hash; only then write.
//
// The trusted key is the one the user gave on the first run (--log-key), kept in the mirror's state
// file DIR/.mirror.json; the log's own log.json is copied for readers but never trusted.
//
// Crash safety: nothing is written until every fetched byte has been checked. Entry bundles wait in
// DIR/.mirror-incoming/ while they are checked; then every tile and bundle is renamed into place
// (each file whole, folders synced), log.json and the state file follow, and the checkpoint is
// written last, so a mirror killed at any moment holds a checkpoint whose tiles are all present.
// Files a killed run left are cleaned up at the next run.
//
// Ownership: plain values in, plain values out. Thread-safety: one run per directory at a time (two
// concurrent runs on one directory may interleave their renames; each file is still whole).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "tlog/log_source.h"

namespace dnswitness {

inline constexpr const char* kMirrorStateFile = ".mirror.json";
inline constexpr const char* kMirrorStateFormat = "dnswitness-mirror/1";
inline constexpr const char* kForkEvidenceDir = "fork-evidence";

struct MirrorOptions {
  std::string source;                   // URL prefix (http://, https://) or a local directory
  std::filesystem::path dir;            // the mirror
  std::optional<std::string> log_key;   // "name+hex+base64" verifier key; required on a first mirror
  LogSourceOptions fetch;
  // Called after each tile or entry bundle is fetched: (done, total).
  std::function<void(std::uint64_t, std::uint64_t)> progress;
};

struct MirrorResult {
  std::string origin;
  std::uint64_t held_size = 0;  // before this run (0 on a first mirror)
  std::uint64_t size = 0;       // the checkpoint's size now held
  std::size_t files_written = 0;  // tiles and entry bundles
  std::uint64_t requests = 0;
  std::uint64_t bytes_fetched = 0;
  std::vector<std::string> warnings;  // one sentence each
};

// The log served something that does not check out (a checkpoint not signed by the trusted key, a
// tile or bundle whose hashes do not match) or showed another history (rewind, fork): exit 4. The
// mirror is left as it was; for a rewind or fork, evidence_dir holds both signed checkpoints.
class MirrorRefused : public std::runtime_error {
 public:
  enum class Kind { bad_checkpoint, bad_tile, rewind, fork, damaged_mirror };
  MirrorRefused(Kind kind, const std::string& what, std::filesystem::path evidence_dir = {})
      : std::runtime_error(what), kind_(kind), evidence_dir_(std::move(evidence_dir)) {}
  [[nodiscard]] Kind kind() const noexcept { return kind_; }
  [[nodiscard]] const std::filesystem::path& evidence_dir() const noexcept { return evidence_dir_; }

 private:
  Kind kind_;
  std::filesystem::path evidence_dir_;
};

// Runs one mirror pass. Throws UsageError (no key, another key than the state file's, a folder that
// holds something else), LogFetchError (server down, HTTP status, too slow, too large: exit 1),
// MirrorRefused (exit 4) or FileWriteError.
MirrorResult mirror_log(const MirrorOptions& options);

}  // namespace dnswitness
