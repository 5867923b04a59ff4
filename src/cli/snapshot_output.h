#pragma once
// What resolve-snapshot shows a person: the table of observations on stdout and, when stderr is a
// terminal, a progress line. (The JSON document and the ledger are sinks in src/scheduler.)
#include <cstdio>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "scheduler/observation_sink.h"
#include "scheduler/snapshot.h"

namespace dnswitness::cli {

// The table. Runs up to kTableBufferLimit observations are printed at the end in plan order with
// columns fitted to their content (the fanout reorders them); larger runs stream row by row with
// columns sized from the plan. Thread-safety: none (called from the fanout's thread).
class TableSink : public ObservationSink {
 public:
  static constexpr std::uint64_t kTableBufferLimit = 10000;
  TableSink(const SnapshotPlan& plan, std::ostream& out);
  void add(const Observation& o, std::string_view canonical) override;
  void end(const RunRecord& run) override;
  [[nodiscard]] bool wants_text() const override { return false; }

 private:
  struct Row {
    std::string qname, type, resolver, outcome, rtt, addresses;
  };
  void print_header();
  void print(const Row& row);
  void append_row(std::string& line, std::string_view qname, std::string_view type, std::string_view resolver,
                  std::string_view outcome, std::string_view rtt, std::string_view addresses) const;
  std::string pending_;  // streamed rows not yet written
  std::ostream& out_;
  bool buffer_;
  std::size_t wd_ = 6, wr_ = 8;
  std::vector<Row> rows_;
};

// --jsonl: one JSON object per line as each observation completes (its canonical form, the
// ledger leaf's bytes, docs/json-schema.md), then the run record ("kind": "run") as the last line.
// Each line is handed on at once (flushed), for a consumer reading the stream as it grows.
class JsonLinesSink : public ObservationSink {
 public:
  using Writer = std::function<void(std::string_view)>;
  explicit JsonLinesSink(Writer write) : write_(std::move(write)) {}
  void add(const Observation& o, std::string_view canonical) override;
  void end(const RunRecord& run) override;

 private:
  Writer write_;
  std::string line_;
};

// "names 61,200 of 200,000 · 95,100 queries/s · 3 failures · ETA 4 s" on one line of stderr,
// rewritten in place; erased by finish(). Only when stderr is a terminal (active() says).
class ProgressLine {
 public:
  ProgressLine(const SnapshotPlan& plan, bool wanted);
  [[nodiscard]] bool active() const { return active_; }
  void update(const RunProgress& p);
  void finish();

 private:
  bool active_;
  std::uint64_t per_name_;
  bool shown_ = false;
};

}  // namespace dnswitness::cli
