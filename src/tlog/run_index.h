#pragma once
// The run index of a published log: where each run starts and when, so that a report finds the run
// around a login time from a few small files instead of reading entry bundles for their times
// (docs/public-log.md, "The run index").
//
//   dnswitness/runs/index/<N>         the run leaves among leaves [65536 N, 65536 N + 65536)
//   dnswitness/runs/index/<N>.p/<W>   the same while the tree has only W (1..255) full entry bundles
//                                     of those 256, i.e. the run leaves among [65536 N, 65536 N + 256 W)
//
// <N> is written as tile indexes are (tile_index_path). The text is the line "dnswitness-run-index/1"
// then one line "<R> <started_ns>" per run leaf R in the range, in order: R its leaf index and
// started_ns its run record's started_at in nanoseconds since the Unix epoch, both decimal without
// sign or leading zero. Only full entry bundles are covered, so a file never changes once named.
//
// Trust: none needed. A reader takes a line only as a hint of where to look, then reads that run's
// summary, whose run leaf is checked against the log's tiles, and compares its started_at; a run the
// file leaves out is found by walking the summaries forward. A lying file can cost a reader time or
// make it refuse (exit 4), never make it miss a run.
//
// Role: the format, its reader (parse_run_index) and its builder (RunIndexBuilder, fed the leaves a
// writer publishes, as RunSummaryBuilder is). Ownership: plain values. Thread-safety: the free
// functions are thread-safe; a builder is not.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/bytes.h"
#include "tlog/tile_folder.h"

namespace dnswitness {

inline constexpr std::string_view kRunIndexFormat = "dnswitness-run-index/1";
inline constexpr std::uint64_t kRunIndexBundles = 256;                     // entry bundles per file
inline constexpr std::uint64_t kRunIndexLeaves = kRunIndexBundles * 256;  // leaves per file
// A file lists at most one run per leaf: 65,536 lines of at most 41 bytes.
inline constexpr std::size_t kMaxRunIndexBytes = 3 << 20;

struct RunIndexLine {
  std::uint64_t run_leaf = 0;
  std::int64_t started_ns = 0;
  bool operator==(const RunIndexLine&) const = default;
};

// The path of file n with `width` full bundles (kRunIndexBundles: the full file's name).
std::string run_index_path(std::uint64_t n, std::uint64_t width);
// How many full bundles file n covers in a tree of `size` leaves (0: the file does not exist yet).
std::uint64_t run_index_width(std::uint64_t n, std::uint64_t size);
// How many files a tree of `size` leaves has.
inline std::uint64_t run_index_files(std::uint64_t size) {
  return (size / 256 + kRunIndexBundles - 1) / kRunIndexBundles;
}

// The text of a file (header line and one line per run).
std::string run_index_text(std::span<const RunIndexLine> lines);
// A file's lines, checked: the header, the layout above, leaves ascending and within the range of
// file n of `width` bundles. Sets *why (one phrase) and returns nullopt otherwise.
std::optional<std::vector<RunIndexLine>> parse_run_index(std::string_view text, std::uint64_t n, std::uint64_t width,
                                                         std::string* why);

// The started_at of a run leaf (a leaf whose "kind" is "run"), nullopt for any other leaf or one
// whose started_at does not parse: the leaves a run index lists.
std::optional<std::int64_t> run_leaf_started_ns(std::string_view leaf);

// Makes the run index files that a tree grown from `held` leaves adds. Fed every leaf from the start
// of the entry bundle holding leaf `held` (where write_tiles starts), in order.
class RunIndexBuilder {
 public:
  // The file a folder of `held` leaves holds that a builder continues (nullopt: none is needed).
  static std::optional<std::string> base_path(std::uint64_t held);
  // `base`: the text of base_path(held) as the folder holds it (nullopt when it has none, e.g. a
  // folder written before run indexes existed: that file is then not written, the next ones are).
  RunIndexBuilder(std::uint64_t held, const std::optional<std::string>& base);
  void leaf(std::uint64_t index, ByteView data);
  // The files that a tree of `size` leaves adds or widens: (path, text), in order.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> files(std::uint64_t size) const;

 private:
  std::uint64_t first_file_ = 0;   // the file holding the first leaf fed
  std::uint64_t held_width_ = 0;   // its width in the held tree
  bool first_file_known_ = false;  // its runs before the first leaf fed are known
  std::vector<RunIndexLine> runs_;
};

// `inner` with every leaf also fed to `builder` (before the visitor sees it).
LeafStream indexing(LeafStream inner, RunIndexBuilder& builder);

// Reads base_path(held) from `folder`, builds alongside `leaves`, and hands back the files to write:
// the shared step of publish and the collector.
class RunIndexWriter {
 public:
  RunIndexWriter(TileFolder& folder, std::uint64_t held);
  [[nodiscard]] RunIndexBuilder& builder() noexcept { return builder_; }
  // Writes the files a tree of `size` adds (immutable: one there with other bytes is a fork).
  void finish(std::uint64_t size);

 private:
  TileFolder& folder_;
  RunIndexBuilder builder_;
};
inline LeafStream indexing(LeafStream inner, RunIndexWriter& writer) {
  return indexing(std::move(inner), writer.builder());
}

}  // namespace dnswitness
