#pragma once
// Where the observations of a run go as they complete: the ledger, the --json file, the table,
// a watch loop's comparison. A run streams; nothing holds the whole run in memory.
//
// ObservationSink is what a consumer implements. SinkFanout is what a running snapshot feeds: it
// puts small runs back in plan order, moves the observations in batches off the DNS loop, encodes
// each one once into its canonical text (the ledger leaf bytes, see ledger/leaves.h), and hands it
// to every sink in turn. In the background, encoding and the sinks are two stages on two threads,
// so a bulk run's leaf encoding overlaps its SQLite inserts and JSON writing.
//
// Error policy: a sink that throws is dropped for the rest of the run and its exception kept
// (SinkFanout::error); the other sinks and the run go on. The caller decides what the failure
// means (the ledger's is an exit code, see cli/resolve_snapshot.cpp).
//
// Thread-safety: a SinkFanout is fed from one thread (the io_context's); with `background` its
// sinks are called from its sink thread only, otherwise from the feeding thread. Sinks see
// begin, then add for each observation, then end, always from one thread.
// Ownership: the fanout borrows its sinks; they must outlive it.
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include "ledger/leaves.h"
#include "model/observation.h"
#include "model/run_record.h"

namespace dnswitness {

class ObservationSink {
 public:
  virtual ~ObservationSink() = default;
  // Before the first observation: run_id, started_at and the plan's facts are set; finished_at,
  // observation_count and outcomes are not yet.
  virtual void begin(const RunRecord& run) { (void)run; }
  // One observation and its canonical text, canonical_dump(observation_json(o, run_id)) (it may
  // exceed the ledger's entry limit; see ledger_leaf).
  virtual void add(const Observation& o, std::string_view canonical) = 0;
  // False for a sink that never reads `canonical`: when no sink of a run wants it, the fanout
  // skips encoding (a table-only or summary-only run pays nothing for the leaf text).
  [[nodiscard]] virtual bool wants_text() const { return true; }
  // After the last observation, with the complete run record.
  virtual void end(const RunRecord& run) { (void)run; }
};

class SinkFanout {
 public:
  struct Options {
    std::uint64_t planned = 0;          // observations the run will produce
    std::uint64_t reorder_limit = 10000;  // runs up to this size reach the sinks in plan order
    bool background = true;             // sinks run on a worker thread
    std::size_t batch = 256;            // observations handed over at once
    std::size_t max_pending = 65536;    // the feeder waits when this many are not yet written
  };
  SinkFanout(std::vector<ObservationSink*> sinks, Options options);
  ~SinkFanout();
  SinkFanout(const SinkFanout&) = delete;
  SinkFanout& operator=(const SinkFanout&) = delete;

  void begin(const RunRecord& run);
  // `planned_index` is the observation's place in the plan (0 ≤ index < planned).
  void add(std::uint64_t planned_index, Observation&& o);
  // Flushes, waits for the worker to finish every sink's end(), and stops it.
  void end(const RunRecord& run);

  // The exception that dropped `sink` from the run, or null.
  [[nodiscard]] std::exception_ptr error(const ObservationSink* sink) const;
  [[nodiscard]] std::size_t encoded_fast() const noexcept { return encoded_fast_; }
  [[nodiscard]] bool writer_mismatch() const noexcept { return writer_mismatch_; }

 private:
  struct Item {
    enum class Kind { begin, observation, end } kind = Kind::observation;
    Observation obs;
    std::shared_ptr<const RunRecord> run;  // begin and end only
    std::string text;                      // canonical text, set by encode()
  };
  void deliver(Item&& item);   // to the workers, or straight to the sinks
  void flush_batch();
  void encode(std::vector<Item>& batch);   // stage 1: canonical texts
  void consume(std::vector<Item>& batch);  // stage 2: runs the sinks
  void encoder_loop();
  void sink_loop();
  void stop_workers();  // lets both stages drain, then joins them

  std::vector<ObservationSink*> sinks_;
  std::vector<std::exception_ptr> errors_;
  bool encode_ = true;  // some sink wants the canonical text
  Options options_;
  bool reorder_ = false;
  std::uint64_t next_in_order_ = 0;
  std::map<std::uint64_t, Observation> waiting_;  // reorder buffer (small runs only)

  // Worker side.
  std::string run_id_;
  std::unique_ptr<ObservationLeafEncoder> encoder_;
  std::size_t encoded_fast_ = 0;
  bool writer_mismatch_ = false;

  // Hand-over: feeder -> queue_ -> encoder thread -> encoded_ -> sink thread.
  std::vector<Item> batch_;
  std::mutex mutex_;
  std::condition_variable has_work_, has_encoded_, has_room_;
  std::vector<std::vector<Item>> queue_, encoded_;
  std::size_t pending_ = 0;  // observations queued, not yet consumed by the sinks
  bool stop_ = false;          // no more batches for the encoder
  bool encoder_done_ = false;  // the encoder has handed over its last batch
  std::thread encoding_thread_, sink_thread_;
};

}  // namespace dnswitness
