#pragma once
// "Run one snapshot and record it": the unit of work of resolve-snapshot and of each watch tick.
//
// The observations stream, as they complete, to the ledger (LedgerSink: one LedgerRunAppender,
// so the run lands whole or not at all) and to any other sinks (JSON, table, a watch loop's
// comparison), on one worker thread; the DNS work runs on the caller's io_context, which may be
// shared with other work (watch keeps one loop for its whole life).
//
// Ownership: the caller owns the io_context, the plan, the store, the key and the sinks; all must
// outlive the run (until `done` has been called). Thread-safety: call from the io_context's
// thread; the sinks run on the fanout's worker thread (see observation_sink.h).
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "crypto/ed25519.h"
#include "ledger/store.h"
#include "scheduler/observation_sink.h"
#include "scheduler/snapshot.h"

namespace dnswitness {

// Writes the run into the ledger as it happens. Opening it takes the ledger's write lock and
// checks the last tree head (throws LedgerError before any query is sent); end() writes the run
// leaf, signs and commits. An error drops the sink (the fanout keeps it; the run goes on) and the
// ledger stays as it was.
class LedgerSink : public ObservationSink {
 public:
  LedgerSink(LedgerStore& store, const Ed25519PrivateKey& key);
  void begin(const RunRecord& run) override;
  void add(const Observation& o, std::string_view canonical) override;
  void end(const RunRecord& run) override;

  [[nodiscard]] const std::optional<AppendResult>& appended() const { return appended_; }
  [[nodiscard]] std::size_t shrunk() const { return shrunk_; }

 private:
  std::unique_ptr<LedgerRunAppender> appender_;
  std::string run_id_;
  std::optional<AppendResult> appended_;
  std::size_t shrunk_ = 0;
};

struct RecordOptions {
  LedgerStore* ledger = nullptr;            // null: not recorded (--no-ledger)
  const Ed25519PrivateKey* key = nullptr;   // required with a ledger
  std::vector<ObservationSink*> sinks;      // after the ledger, in this order
  // Facts added to the run record before it reaches the sinks (vantage point, clock checks):
  // before_start runs before the first query, before_finish after the last observation and
  // before the run leaf is written.
  std::function<void(RunRecord&)> before_start;
  std::function<void(RunRecord&)> before_finish;
  // Called every progress_interval from the loop while the run goes on.
  std::function<void(const RunProgress&)> on_progress;
  std::chrono::milliseconds progress_interval{250};
  bool background = true;  // sinks on a worker thread (false: on the loop's thread)
};

struct RunSummary {
  RunRecord run;                           // as recorded
  RunProgress progress;                    // final counts
  bool any_response() const { return progress.responses > 0; }
  std::optional<AppendResult> appended;    // set when the run is in the ledger
  std::exception_ptr ledger_error;         // why it is not, when a ledger was given
  std::size_t shrunk = 0;                  // observations recorded without their wire bytes
  std::vector<std::exception_ptr> sink_errors;  // per RecordOptions::sinks, null when fine
  EngineStats engine;
  bool writer_mismatch = false;            // the fixed-order writer disagreed (a bug; reference bytes used)
};

// Starts the run on `io` and returns at once; `done` runs from the loop when the run has ended,
// with the ledger committed (or rolled back). Opening the ledger happens here, synchronously:
// a locked or damaged ledger throws LedgerError and nothing is sent.
void start_recorded_snapshot(boost::asio::io_context& io, const SnapshotPlan& plan, RecordOptions options,
                             std::function<void(RunSummary)> done);

// The same, running `io` until the run has ended (the io_context must not be running elsewhere).
RunSummary record_snapshot(boost::asio::io_context& io, const SnapshotPlan& plan, RecordOptions options);

}  // namespace dnswitness
