#pragma once
// Run summaries: one signed file per run of a published log, so that a report drawn from the log
// reads the 24 hours around a login time from a few small files instead of every entry bundle
// (docs/public-log.md, "Run summaries").
//
//   dnswitness/runs/<R>   the summary of the run whose run leaf is leaf R (<R> as tile indexes are
//                         written: 1234567 -> x001/x234/567), immutable once written
//
// A summary is a signed note (c2sp.org/signed-note) whose text is
//
//   dnswitness-run-summary/1
//   <origin of the log>
//   <R, decimal>
//   <end: the size of the tree head signed at the end of the run, decimal>
//   <one line of canonical JSON: run_leaf (base64 of the run leaf's exact bytes), time_base_ns, keys
//    [[qname, qtype, resolver]...], outcomes [...], address_sets [...], rows [[key, outcome,
//    time - time_base_ns, address set]...] with one row per observation leaf R+1, R+2, ... in order>
//
// What is checked and what is taken on the signer's word: the run leaf's bytes are checked against
// the log's level-0 tile like any leaf, so its times and observation count are the log's own; the
// rows (and `end`) are the signer's word, checked against each observation leaf a report does read.
// The signer is the log's own key (`publish`) or the collector's (`collector serve`), the key a
// reader already trusts for that log.
//
// Role: the format, its writer (RunSummaryWriter, fed the leaves write_tiles publishes) and its
// reader (open_run_summary). Ownership: plain values; the writer borrows its folder and key.
// Thread-safety: none for the writer; the free functions are thread-safe.
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/ed25519.h"
#include "ledger/leaves.h"
#include "ledger/signed_note.h"
#include "tlog/tile_folder.h"
#include "tlog/tiles.h"

namespace dnswitness {

inline constexpr std::string_view kRunSummaryFormat = "dnswitness-run-summary/1";
// A row takes about 20 bytes; a run with more rows than this gets no summary (readers read its
// entry bundles instead).
inline constexpr std::size_t kMaxRunSummaryBytes = 4 << 20;
inline constexpr std::size_t kMaxRunSummaryRows = 100000;

inline std::string run_summary_path(std::uint64_t run_leaf) { return "dnswitness/runs/" + tile_index_path(run_leaf); }

struct PublishedRunSummary {
  std::uint64_t run_leaf = 0;  // R
  std::uint64_t end = 0;       // the run's last leaf + 1
  std::string run_leaf_bytes;  // leaf R exactly
  // The rows as the JSON line holds them: indexes into the lists, so that a reader keeps a run of a
  // thousand observations in a few allocations and builds IndexRows only for the names it asks for.
  struct Row {
    std::uint32_t key = 0, outcome = 0, set = 0;
    std::int64_t time_ns = 0;
  };
  std::vector<std::array<std::string, 3>> keys;  // qname, qtype, resolver
  std::vector<std::string> outcomes, address_sets;
  std::vector<Row> rows;  // leaves R+1, R+2, ...

  // The index row of rows[i] (leaf R+1+i).
  [[nodiscard]] IndexRow row(std::size_t i) const;
};

// The text a summary signs (above), with a final '\n'.
std::string run_summary_text(const std::string& origin, const PublishedRunSummary& summary);

// What a summary's note says of its run before anything is checked: `end` and the run leaf's
// started_at. Only for guessing which summaries to read ahead; nullopt when it cannot be read.
struct RunSummaryPeek {
  std::uint64_t end = 0;
  std::int64_t started_ns = 0;
};
std::optional<RunSummaryPeek> peek_run_summary(std::string_view note);

// A summary note, checked: signed by one of `signers`, of `origin`, well-formed, rows numbered from
// R+1. Sets *why (one phrase) and returns nullopt otherwise. The run leaf's hash and the rows against
// the leaves are the caller's to check.
std::optional<PublishedRunSummary> open_run_summary(std::string_view note, const std::string& origin,
                                           std::span<const NoteVerifier> signers, std::string* why);

// Builds the summary of every run that starts at or after `from` among the leaves it is fed (in
// order), and hands each to `done` when the run ends. A run is its run leaf and every leaf up to the
// next run leaf (or `finish(end)`); a run whose observations do not follow its run leaf contiguously,
// or with more than kMaxRunSummaryRows rows, gets none.
class RunSummaryBuilder {
 public:
  using Done = std::function<void(PublishedRunSummary&&)>;
  RunSummaryBuilder(std::uint64_t from, Done done) : from_(from), done_(std::move(done)) {}
  void leaf(std::uint64_t index, ByteView data);
  void finish(std::uint64_t end) { flush(end); }

 private:
  void flush(std::uint64_t end);

  std::uint64_t from_;
  Done done_;
  std::optional<PublishedRunSummary> open_;  // the run being read
  // Where each key, outcome and address set is in open_'s lists.
  std::map<std::array<std::string, 3>, std::uint32_t> key_ids_;
  std::map<std::string, std::uint32_t> outcome_ids_, set_ids_;
  bool usable_ = false;             // its observations so far follow the run leaf contiguously
  bool past_observations_ = false;  // a leaf other than an observation came after them
};

// Writes each summary a RunSummaryBuilder makes, signed by `key` under `signer_name`, into `folder`
// (immutable files: one already there with other bytes is a fork, as any tile).
class RunSummaryWriter {
 public:
  RunSummaryWriter(TileFolder& folder, std::string origin, std::string signer_name, const Ed25519PrivateKey& key,
                   std::uint64_t from);
  [[nodiscard]] RunSummaryBuilder& builder() noexcept { return builder_; }
  void finish(std::uint64_t end) { builder_.finish(end); }
  [[nodiscard]] std::uint64_t written() const noexcept { return written_; }

 private:
  TileFolder& folder_;
  std::string origin_, signer_name_;
  const Ed25519PrivateKey& key_;
  std::uint64_t written_ = 0;
  RunSummaryBuilder builder_;
};

// `inner` with every leaf also fed to `builder` (before the visitor sees it).
LeafStream summarizing(LeafStream inner, RunSummaryBuilder& builder);
inline LeafStream summarizing(LeafStream inner, RunSummaryWriter& writer) {
  return summarizing(std::move(inner), writer.builder());
}

}  // namespace dnswitness
