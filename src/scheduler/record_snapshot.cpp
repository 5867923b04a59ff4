#include "scheduler/record_snapshot.h"

#include <boost/asio/post.hpp>

#include "ledger/leaves.h"

namespace dnswitness {

LedgerSink::LedgerSink(LedgerStore& store, const Ed25519PrivateKey& key)
    : appender_(std::make_unique<LedgerRunAppender>(store, key)) {}

void LedgerSink::begin(const RunRecord& run) { run_id_ = run.run_id; }

void LedgerSink::add(const Observation& o, std::string_view canonical) {
  bool shrunk = false;
  if (canonical.size() <= kMaxLeafBytes) {
    appender_->add(canonical, index_row_of(o, 0));
  } else {
    const std::string leaf = ledger_leaf(o, run_id_, std::string(canonical), &shrunk);
    appender_->add(leaf, index_row_of(o, 0));
  }
  if (shrunk) ++shrunk_;
}

void LedgerSink::end(const RunRecord& run) {
  appended_ = appender_->finish(run_leaf(run), run.run_id);
  appender_.reset();
}

namespace {

// Everything one recorded run owns while it goes on; freed from the loop when it has ended.
struct RecordedRun {
  RecordOptions options;
  std::unique_ptr<LedgerSink> ledger;
  std::unique_ptr<SinkFanout> fanout;
  std::unique_ptr<SnapshotRun> run;
};

}  // namespace

void start_recorded_snapshot(boost::asio::io_context& io, const SnapshotPlan& plan, RecordOptions options,
                             std::function<void(RunSummary)> done) {
  auto state = std::make_shared<RecordedRun>();
  state->options = std::move(options);
  RecordOptions& opt = state->options;
  std::vector<ObservationSink*> sinks;
  if (opt.ledger) {
    if (!opt.key) throw std::invalid_argument("recording a snapshot in a ledger needs its signing key");
    state->ledger = std::make_unique<LedgerSink>(*opt.ledger, *opt.key);
    sinks.push_back(state->ledger.get());
  }
  sinks.insert(sinks.end(), opt.sinks.begin(), opt.sinks.end());
  SinkFanout::Options fo;
  fo.planned = plan.planned();
  fo.background = opt.background;
  state->fanout = std::make_unique<SinkFanout>(std::move(sinks), fo);
  state->run = std::make_unique<SnapshotRun>(io, plan, *state->fanout);
  if (opt.before_start) opt.before_start(state->run->record());
  if (opt.on_progress) state->run->on_progress(opt.progress_interval, opt.on_progress);
  if (opt.before_finish) state->run->before_finish(opt.before_finish);
  state->run->start([&io, state, done = std::move(done)](const RunRecord& record) {
    RunSummary summary;
    summary.run = record;
    summary.progress = state->run->progress();
    summary.engine = state->run->engine_stats();
    summary.writer_mismatch = state->fanout->writer_mismatch();
    if (state->ledger) {
      summary.ledger_error = state->fanout->error(state->ledger.get());
      summary.appended = state->ledger->appended();
      summary.shrunk = state->ledger->shrunk();
    }
    for (auto* s : state->options.sinks) summary.sink_errors.push_back(state->fanout->error(s));
    // Free the run from the loop, after this handler (which the run itself is calling) returns.
    boost::asio::post(io, [state] {
      state->run.reset();
      state->fanout.reset();
      state->ledger.reset();
    });
    if (done) done(std::move(summary));
  });
}

RunSummary record_snapshot(boost::asio::io_context& io, const SnapshotPlan& plan, RecordOptions options) {
  std::optional<RunSummary> out;
  start_recorded_snapshot(io, plan, std::move(options), [&out](RunSummary s) { out = std::move(s); });
  io.restart();
  io.run();
  if (!out) throw std::logic_error("the snapshot's loop ended before the run did");
  return std::move(*out);
}

}  // namespace dnswitness
