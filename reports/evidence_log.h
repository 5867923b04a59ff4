#pragma once
// EvidenceLog: the log a report draws its leaves, proofs and tree heads from. Two kinds:
//   - LedgerEvidenceLog: this machine's ledger (SQLite), with its index of observations;
//   - PublishedEvidenceLog (reports/published_evidence_log.h): a log published as static tiles
//     (dnswitness publish), read over http(s) or from a folder, every byte checked against its
//     signed checkpoint before use, found by time instead of by an index.
// report.json is the same whichever kind it was made from: the same leaves, proofs, tree heads and
// tables, so `verify` needs nothing but the file.
//
// Ownership: an EvidenceLog borrows what it reads (the store, or the remote reader). Thread-safety:
// none; one per thread.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "crypto/ed25519.h"
#include "ledger/coverage.h"
#include "ledger/leaves.h"
#include "ledger/queries.h"
#include "ledger/store.h"
#include "reports/coverage_gaps.h"

namespace dnswitness {

class EvidenceLog {
 public:
  virtual ~EvidenceLog() = default;

  [[nodiscard]] virtual std::string origin() const = 0;
  // The key the log's tree heads are signed with (already checked against the newest one).
  [[nodiscard]] virtual const Ed25519PublicKey& key() const = 0;
  // The newest signed tree head: every proof of the report leads to it.
  virtual const CheckpointRow& newest() = 0;
  // Says which sizes checkpoint(), timestamps() and cosignatures() will be asked for, so that a
  // remote log can fetch them all at once; a local one has nothing to do.
  virtual void expect_run_heads(const std::set<std::uint64_t>& /*sizes*/) {}
  // Says which leaves leaf() will be asked for, in this order, so that a remote log can fetch their
  // entry bundles ahead, several at once; a local one has nothing to do.
  virtual void expect_leaves(const std::vector<std::uint64_t>& /*leaves*/) {}
  // The signed tree head of exactly this size (the end of a run), or nullopt.
  virtual std::optional<CheckpointRow> checkpoint(std::uint64_t size) = 0;
  // The granted RFC 3161 tokens of the tree head of this size, as report.json carries them, or
  // nullopt when it has none.
  virtual std::optional<nlohmann::json> timestamps(std::uint64_t size) = 0;
  // The witnesses' cosignatures of the tree head of this size, as report.json carries them
  // ([{line, verifier_key}], docs/report.md), or nullopt when it has none.
  virtual std::optional<nlohmann::json> cosignatures(std::uint64_t size) = 0;
  // The runs, in log order, that started within any of `spans`, with at least the nearest run
  // before and after each span when the log has them (a ledger gives all its runs).
  virtual std::vector<RunTime> runs_around(const std::vector<ReportWindow>& spans) = 0;
  // The run `leaf` belongs to: [its run leaf, the size of the tree head signed with it).
  virtual LedgerReader::RunSpan run_of(std::uint64_t leaf) = 0;
  virtual std::string leaf(std::uint64_t index) = 0;
  // RFC 9162 proofs to newest(): inclusion of a leaf, consistency of the tree of size m.
  virtual std::vector<Hash> inclusion_proof(std::uint64_t index) = 0;
  virtual std::vector<Hash> consistency_proof(std::uint64_t m) = 0;
  // As LedgerReader::index_rows and nearest_row (ledger/queries.h).
  virtual std::vector<IndexRow> index_rows(const std::string& qname, std::int64_t lo, std::int64_t hi) = 0;
  virtual std::optional<IndexRow> nearest_row(const std::string& qname, const std::string& qtype, std::int64_t t,
                                              bool before, const std::vector<std::string>& resolvers,
                                              bool with_address) = 0;
};

// The local ledger. Throws LedgerError(usage) for a ledger without a key or a tree head.
class LedgerEvidenceLog final : public EvidenceLog {
 public:
  explicit LedgerEvidenceLog(LedgerStore& store);

  [[nodiscard]] std::string origin() const override { return store_.origin(); }
  [[nodiscard]] const Ed25519PublicKey& key() const override { return key_; }
  const CheckpointRow& newest() override { return reader_.newest(); }
  std::optional<CheckpointRow> checkpoint(std::uint64_t size) override { return reader_.checkpoint(size); }
  std::optional<nlohmann::json> timestamps(std::uint64_t size) override;
  std::optional<nlohmann::json> cosignatures(std::uint64_t size) override;
  std::vector<RunTime> runs_around(const std::vector<ReportWindow>&) override { return run_times(store_); }
  LedgerReader::RunSpan run_of(std::uint64_t leaf) override { return reader_.run_of(leaf); }
  std::string leaf(std::uint64_t index) override { return reader_.leaf(index); }
  std::vector<Hash> inclusion_proof(std::uint64_t index) override {
    return reader_.inclusion_proof(index, reader_.newest().size);
  }
  std::vector<Hash> consistency_proof(std::uint64_t m) override {
    return reader_.consistency_proof(m, reader_.newest().size);
  }
  std::vector<IndexRow> index_rows(const std::string& qname, std::int64_t lo, std::int64_t hi) override {
    return reader_.index_rows(qname, lo, hi);
  }
  std::optional<IndexRow> nearest_row(const std::string& qname, const std::string& qtype, std::int64_t t, bool before,
                                      const std::vector<std::string>& resolvers, bool with_address) override {
    return reader_.nearest_row(qname, qtype, t, before, resolvers, with_address);
  }

 private:
  static Ed25519PublicKey bound_key(LedgerStore& store);
  LedgerStore& store_;
  Ed25519PublicKey key_;
  LedgerReader reader_;
  std::optional<std::map<std::uint64_t, nlohmann::json>> tokens_;  // read on first use
};

}  // namespace dnswitness
