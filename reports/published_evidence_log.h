#pragma once
// PublishedEvidenceLog: a report's log read from where `dnswitness publish` put it (an http(s) URL
// prefix or a folder), through RemoteLog, which checks every tile and entry bundle against the
// checkpoint signed by the key the user gave before any byte is used.
//
// Role: give the report what the ledger's index gives, without an index. Leaves are appended in
// time order, so the leaves of a time range are found by binary search over entry bundles
// (RemoteLog::first_at_or_after) and read bundle by bundle; each bundle read is parsed once into
// index rows (observations) and run records. The run a leaf belongs to, and where a run ends, come
// from the run leaves: a run is its run leaf and every leaf up to the next run leaf (or the end of
// the tree), which is where the ledger signed its tree head. Those tree heads, and their RFC 3161
// tokens, come from the published dnswitness/ folder (tlog/run_heads.h); each head must be signed by
// the same key and its root must be the log's own root at that size.
//
// Run summaries (tlog/run_summary.h): where the log publishes them, the leaves around a time are
// read from the summary of each run instead of from its entry bundles: the run index (tlog/run_index.h)
// names the last run that started before the range, and each summary names where the next run
// starts (where the log has no run index, the search by time over the bundles finds the run). The
// run index is only a hint: the run it names is taken only when its summary's run leaf (checked
// against the tiles) started when the index says, and the walk forward from it over the summaries
// finds any run it left out. The run leaf in a
// summary is checked against the level-0 tile; every observation leaf read later (the ones the report
// carries) is compared with its summary row, and a difference stops the report (exit 4) naming the
// summary. A run without a summary (a log published before they existed, or by a publisher without
// the key) is read from its bundles as before.
//
// Windows are widened by kTimeSearchSlackNs on each side before searching (tlog/remote_log.h says
// why); a run that lasted longer than that could hide leaves from the search, so such a run near a
// window stops the report with a sentence saying to make it from the ledger itself.
//
// One difference from the ledger, on purpose: the ledger's index finds the nearest observation of a
// name beyond the 24-hour horizon (reports/candidates.h) wherever it is, a published log would have
// to read every bundle up to it, the whole log for a name it never holds. So the nearest observation
// is looked for only within about kNearestReachNs beyond the point the search starts (the horizon's
// edge: the runs that reach into that hour, or the bundles that hold it where the log has no
// summaries); beyond that the table says "none in this report", as it does for a name the ledger
// never holds.
//
// Errors: RemoteLogError (fetch: exit 1; tampered: exit 4; usage: exit 2). Ownership: borrows the
// RemoteLog. Thread-safety: none.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ledger/signed_note.h"
#include "reports/evidence_log.h"
#include "tlog/remote_log.h"
#include "tlog/run_index.h"
#include "tlog/run_summary.h"

namespace boost::asio {
class thread_pool;
}

namespace dnswitness {

class PublishedEvidenceLog final : public EvidenceLog {
 public:
  // How far beyond its starting point nearest_row looks (see the header comment).
  static constexpr std::int64_t kNearestReachNs = kTimeSearchSlackNs;

  // `log` has been opened with `verifier` (RemoteLog::open). Run summaries are accepted when signed by
  // `verifier` or by `summary_signer` (the collector's key, for a probe's log read from a collector).
  PublishedEvidenceLog(RemoteLog& log, NoteVerifier verifier, std::optional<NoteVerifier> summary_signer = {});
  ~PublishedEvidenceLog() override;

  [[nodiscard]] std::string origin() const override { return verifier_.name; }
  [[nodiscard]] const Ed25519PublicKey& key() const override { return verifier_.key; }
  const CheckpointRow& newest() override { return newest_; }
  void expect_run_heads(const std::set<std::uint64_t>& sizes) override;
  void expect_leaves(const std::vector<std::uint64_t>& leaves) override;
  std::optional<CheckpointRow> checkpoint(std::uint64_t size) override;
  std::optional<nlohmann::json> timestamps(std::uint64_t size) override;
  std::optional<nlohmann::json> cosignatures(std::uint64_t size) override;
  std::vector<RunTime> runs_around(const std::vector<ReportWindow>& spans) override;
  LedgerReader::RunSpan run_of(std::uint64_t leaf) override;
  std::string leaf(std::uint64_t index) override;
  std::vector<Hash> inclusion_proof(std::uint64_t index) override { return log_.inclusion_proof(index); }
  std::vector<Hash> consistency_proof(std::uint64_t m) override;
  std::vector<IndexRow> index_rows(const std::string& qname, std::int64_t lo, std::int64_t hi) override;
  std::optional<IndexRow> nearest_row(const std::string& qname, const std::string& qtype, std::int64_t t, bool before,
                                      const std::vector<std::string>& resolvers, bool with_address) override;

  // Every resolver name in the observations read so far, sorted (to check `report --resolver`).
  [[nodiscard]] std::vector<std::string> resolvers_seen() const;
  // Run summaries read and used so far.
  [[nodiscard]] std::uint64_t summaries_read() const noexcept { return summaries_.size(); }
  // Run index files read (present in the log) so far.
  [[nodiscard]] std::uint64_t run_index_files_read() const noexcept;

 private:
  // A file of the dnswitness/ folder: from what expect_run_heads fetched ahead, else fetched now.
  std::optional<Bytes> fetch_run_file(const std::string& path, std::size_t limit);

  struct RunRecord {
    std::int64_t started_ns = 0, finished_ns = 0;
  };
  static constexpr std::uint64_t kBundle = 256;
  [[nodiscard]] std::uint64_t bundles() const { return (log_.size() + kBundle - 1) / kBundle; }
  // Reads and parses entry bundle k, once.
  void load(std::uint64_t k);
  // Loads every bundle holding a leaf whose time may lie in [lo, hi] (widened by the slack), and
  // returns the leaf range [first, last) searched.
  std::pair<std::uint64_t, std::uint64_t> load_time(std::int64_t lo, std::int64_t hi);
  // As load_time, through the run summaries while the log has them (falling back to load_time, and
  // then setting *from_bundles).
  std::pair<std::uint64_t, std::uint64_t> cover_time(std::int64_t lo, std::int64_t hi, bool* from_bundles = nullptr);
  // The rows of `qname` among leaves [from, to) with a time in [lo, hi]: from the summaries of the
  // runs that have one, from the bundles read for the others. In no particular order.
  std::vector<IndexRow> rows_between(const std::string& qname, std::uint64_t from, std::uint64_t to, std::int64_t lo,
                                     std::int64_t hi) const;
  // Reads, checks and takes in the summary of the run whose run leaf is `run_leaf`; false when the
  // log publishes none. Throws RemoteLogError (tampered) for one that does not check out.
  bool summary(std::uint64_t run_leaf);
  // A summary's file opened without the log: its signature and rows checked (open_run_summary), its
  // run leaf hashed and parsed. Thread-safe: it reads nothing but `bytes` and the keys.
  struct OpenedSummary {
    std::optional<PublishedRunSummary> summary;
    std::string problem;  // why it did not open, when it did not
    Hash run_leaf_hash{};
    nlohmann::json run_record;
  };
  [[nodiscard]] OpenedSummary open_summary(const Bytes& bytes) const;
  // An opened summary checked against the log (run leaf, end, the run leaf's hash in the tiles, its
  // observation count); nullopt with the reason in `problem` otherwise. The parsed run leaf goes to
  // `run_record`.
  std::optional<PublishedRunSummary> checked_summary(std::uint64_t run_leaf, OpenedSummary&& opened,
                                                     std::string& problem, nlohmann::json& run_record);
  // File n of the run index (tlog/run_index.h) for the log's size, from the cache or fetched; nullptr
  // when the log has none (published before run indexes). Throws RemoteLogError (tampered) for one
  // that does not parse.
  const std::vector<RunIndexLine>* run_index_file(std::uint64_t n);
  // The run leaf where a span starting at `t` begins (that of the run holding the first leaf at or
  // after t; size() when there is none), found through the run index and checked through the
  // summaries: no entry bundle is read. nullopt when the log lacks either; then cover_time searches
  // the bundles by time. `until_ns`: where the span ends, for precheck_summaries.
  std::optional<std::uint64_t> indexed_start(std::int64_t t, std::int64_t until_ns);
  // Opens, on two threads, the cached summaries of the chain of runs from run leaf r that cover_time
  // is about to walk (until a run starting after until_ns), for summary() to take.
  void precheck_summaries(std::uint64_t r, std::int64_t until_ns);
  // The summaries of the runs that the run index files read so far list from run leaf r up to the
  // first one that started after until_ns, from the cache or fetched all at once (fetch_many);
  // those already taken in, or absent, are not in the map.
  struct ListedSummary {
    Bytes bytes;
    bool fetched = false;  // not from the cache
  };
  std::map<std::uint64_t, ListedSummary> listed_summaries(std::uint64_t r, std::int64_t until_ns);
  // The summary of the run that holds leaf `index` (nullptr when that run's was not read), and
  // whether `index` is one of the observations such a summary has a row for.
  [[nodiscard]] const PublishedRunSummary* summary_holding(std::uint64_t index) const;
  [[nodiscard]] bool summarized_observation(std::uint64_t index) const;
  // Compares the row of observation leaf `index` read from its bundle with its summary's row.
  void check_against_summary(std::uint64_t index, const std::optional<IndexRow>& row);
  // Records a run leaf (its times), refusing one that lasted longer than the search slack.
  void take_run_leaf(std::uint64_t index, const nlohmann::json& j);
  std::uint64_t run_end(std::uint64_t run_leaf);
  std::uint64_t run_leaf_before(std::uint64_t leaf);
  std::string where() const;

  RemoteLog& log_;
  NoteVerifier verifier_;
  CheckpointRow newest_;
  std::set<std::uint64_t> loaded_;                 // bundle numbers read and parsed
  // Observation leaves read, by name, then index (a report asks for one name at a time).
  std::map<std::string, std::map<std::uint64_t, IndexRow>> rows_;
  std::map<std::uint64_t, RunRecord> run_leaves_;  // run leaves read, by index
  std::map<std::uint64_t, std::uint64_t> ends_;    // run leaf -> end, once known
  std::vector<NoteVerifier> summary_signers_;
  // Runs taken from their summaries (checked), by run leaf. Their rows are not copied into rows_,
  // which holds the rows of the bundles read.
  std::map<std::uint64_t, PublishedRunSummary> summaries_;
  std::map<std::string, std::optional<Bytes>> fetched_ahead_;  // by expect_run_heads, until taken
  struct OpenedAhead {
    Bytes bytes;
    OpenedSummary opened;
    bool fetched = false;  // fetched now (not from the cache): cached once summary() checked it
  };
  std::map<std::uint64_t, OpenedAhead> opened_ahead_;  // by precheck_summaries, until summary() takes one
  std::set<std::uint64_t> no_summary_;             // run leaves whose summary the log lacks
  std::map<std::uint64_t, std::optional<std::vector<RunIndexLine>>> run_index_;  // by file number, once read
  // The entry bundles leaf() will read (expect_leaves), in order; those before ahead_until_ were
  // fetched ahead already.
  std::vector<std::uint64_t> ahead_bundles_;
  std::size_t ahead_until_ = 0;
  struct Covered {
    std::uint64_t from = 0, to = 0;
    bool from_bundles = false;
  };
  std::map<std::pair<std::int64_t, std::int64_t>, Covered> covered_;  // cover_time's answers, by span
  std::unique_ptr<boost::asio::thread_pool> helper_;  // the second thread of precheck_summaries
};

}  // namespace dnswitness
