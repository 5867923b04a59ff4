#pragma once
// What resolve-snapshot shows a person: the table of observations on stdout and, when stderr is a
// terminal, a progress line. (The JSON document and the ledger are sinks in src/scheduler.)
#include <cstdio>
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
