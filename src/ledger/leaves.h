#pragma once
// What a run becomes in the ledger: its leaves (canonical JSON bytes, exactly as hashed) and the
// derived index rows that `history` queries.
//
// Role: the one place that decides the leaf bytes of a run and the index row of an observation
// leaf, both when appending (from the in-memory records) and when rebuilding or checking the index
// (from the stored bytes). The two must agree; verify-ledger checks that they do.
// Ownership: plain values. Thread-safety: all functions are thread-safe.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/observation.h"
#include "model/run_record.h"

namespace dnswitness {

// c2sp.org/tlog-tiles limits an entry to 65,535 bytes; every leaf stays below that.
inline constexpr std::size_t kMaxLeafBytes = 65535;

// One row of the derived index: one per observation leaf.
struct IndexRow {
  std::uint64_t leaf_index = 0;
  std::string qname;      // as in the leaf: lower case, no trailing dot
  std::string qtype;      // mnemonic: "A", "AAAA"
  std::int64_t time_ns = 0;  // the observation's sent_at
  std::string resolver;   // resolver name
  std::string outcome;    // "answer", "nxdomain", "timeout", ...
  std::string addresses;  // the final A/AAAA set, sorted, joined by single spaces ("" when none)
  bool operator==(const IndexRow&) const = default;
};

// A run turned into leaves: leaves[0] is the run record, leaves[1 + i] observation i; rows[i]
// indexes observation i (its leaf_index is relative to the first leaf, filled in by the store).
struct RunLeaves {
  std::string run_id;
  std::vector<std::string> leaves;
  std::vector<IndexRow> rows;
  std::size_t shrunk = 0;  // observations whose wire bytes had to be dropped to fit kMaxLeafBytes
  // Observation leaves written by the fixed-order writer; the others took the nlohmann path.
  std::size_t written_fast = 0;
  // The writer's bytes differed from the nlohmann bytes (a bug in the writer; the run still got
  // the reference bytes). Tests and the benchmark check it stays false.
  bool writer_mismatch = false;
};

// canonical_dump of run_json(run) and of observation_json(o, run.run_id) for each observation (the
// latter mostly through write_observation_leaf, checked against them; see leaves.cpp). An
// observation whose leaf would exceed kMaxLeafBytes keeps everything but its raw wire bytes (then,
// if still too big, its answer records), and says so in a "ledger_note" field; a run record that is
// too big keeps its domain count instead of its domain list. Throws std::length_error if a leaf
// still cannot fit (not reachable with DNS messages of at most 65,535 bytes).
RunLeaves make_run_leaves(const RunRecord& run, std::span<const Observation> observations);

// The pieces make_run_leaves is built from, for a run streamed one observation at a time
// (scheduler/observation_sink.h, LedgerRunAppender in ledger/store.h).
//
// ObservationLeafEncoder: canonical_dump(observation_json(o, run_id)) for each observation, through
// the fixed-order writer with the same check as make_run_leaves (its first leaf compared with the
// nlohmann bytes, every leaf in debug builds; on a difference the rest go the nlohmann way). The
// text is the full record, possibly longer than kMaxLeafBytes (see ledger_leaf). Not thread-safe;
// one encoder per run and thread.
class ObservationLeafEncoder {
 public:
  explicit ObservationLeafEncoder(std::string run_id) : run_id_(std::move(run_id)) {}
  // The canonical text of `o`; valid until the next call.
  const std::string& encode(const Observation& o);
  [[nodiscard]] const std::string& run_id() const noexcept { return run_id_; }
  [[nodiscard]] std::size_t written_fast() const noexcept { return written_fast_; }
  [[nodiscard]] bool writer_mismatch() const noexcept { return writer_mismatch_; }

 private:
  std::string run_id_;
  std::string text_;
  bool use_writer_ = true;
  bool checked_ = false;
  std::size_t written_fast_ = 0;
  bool writer_mismatch_ = false;
};

// The ledger leaf of an observation whose canonical text is `canonical`: the text itself when it
// fits kMaxLeafBytes, else the shrunk record (wire bytes, then answers dropped, with a ledger_note)
// and *shrunk set. Throws std::length_error if even that cannot fit.
std::string ledger_leaf(const Observation& o, const std::string& run_id, std::string canonical, bool* shrunk);

// The run leaf: canonical_dump(run_json(run)), the domain list replaced by its count when too big.
std::string run_leaf(const RunRecord& run);

// The index row of an observation at `leaf_index` (relative or absolute, as the caller needs).
IndexRow index_row_of(const Observation& o, std::uint64_t leaf_index);

// The index row of an observation leaf, from its stored bytes; nullopt for a run leaf or anything
// that is not an observation. Throws std::invalid_argument when the bytes are not JSON of the shape
// this tool writes.
// Reads only the few top-level fields it needs with a small scanner (verify-ledger and reindex call
// it for every leaf); anything the scanner does not expect (an escape in a needed field, odd
// layout) falls back to index_row_of_leaf_reference, so both always give the same answer.
std::optional<IndexRow> index_row_of_leaf(std::uint64_t leaf_index, std::string_view leaf);
// The same through a full nlohmann::json parse: the reference the scanner is tested against.
std::optional<IndexRow> index_row_of_leaf_reference(std::uint64_t leaf_index, std::string_view leaf);

}  // namespace dnswitness
