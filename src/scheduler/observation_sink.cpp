#include "scheduler/observation_sink.h"

#include <algorithm>
#include <utility>

namespace dnswitness {

SinkFanout::SinkFanout(std::vector<ObservationSink*> sinks, Options options)
    : sinks_(std::move(sinks)), errors_(sinks_.size()), options_(options) {
  if (options_.batch < 1) options_.batch = 1;
  reorder_ = options_.planned <= options_.reorder_limit;
  encode_ = std::any_of(sinks_.begin(), sinks_.end(), [](const ObservationSink* s) { return s->wants_text(); });
  if (options_.background) {
    encoding_thread_ = std::thread([this] { encoder_loop(); });
    sink_thread_ = std::thread([this] { sink_loop(); });
  }
}

SinkFanout::~SinkFanout() { stop_workers(); }

void SinkFanout::stop_workers() {
  if (!encoding_thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  has_work_.notify_all();
  encoding_thread_.join();
  sink_thread_.join();
}

std::exception_ptr SinkFanout::error(const ObservationSink* sink) const {
  for (std::size_t i = 0; i < sinks_.size(); ++i)
    if (sinks_[i] == sink) return errors_[i];
  return nullptr;
}

void SinkFanout::begin(const RunRecord& run) {
  Item item;
  item.kind = Item::Kind::begin;
  item.run = std::make_shared<const RunRecord>(run);
  deliver(std::move(item));
  flush_batch();
}

void SinkFanout::add(std::uint64_t planned_index, Observation&& o) {
  if (!reorder_) {
    Item item;
    item.obs = std::move(o);
    deliver(std::move(item));
    return;
  }
  // Small runs reach the sinks in plan order (domain, type, resolver), as a reader expects; the
  // buffer holds at most reorder_limit observations.
  waiting_.emplace(planned_index, std::move(o));
  for (auto it = waiting_.begin(); it != waiting_.end() && it->first == next_in_order_; it = waiting_.erase(it)) {
    Item item;
    item.obs = std::move(it->second);
    deliver(std::move(item));
    ++next_in_order_;
  }
}

void SinkFanout::end(const RunRecord& run) {
  // Whatever is still waiting (only if the caller skipped an index) goes out in index order.
  for (auto& [index, obs] : waiting_) {
    Item item;
    item.obs = std::move(obs);
    deliver(std::move(item));
  }
  waiting_.clear();
  Item item;
  item.kind = Item::Kind::end;
  item.run = std::make_shared<const RunRecord>(run);
  deliver(std::move(item));
  flush_batch();
  stop_workers();
}

void SinkFanout::deliver(Item&& item) {
  batch_.push_back(std::move(item));
  if (batch_.size() >= options_.batch) flush_batch();
}

void SinkFanout::flush_batch() {
  if (batch_.empty()) return;
  if (!options_.background) {
    encode(batch_);
    consume(batch_);
    batch_.clear();
    return;
  }
  const std::size_t n = batch_.size();
  {
    std::unique_lock lock(mutex_);
    // Bounded memory: wait while the worker is far behind. The wait is short in practice (the
    // worker writes far faster than DNS answers arrive); sockets buffer the answers meanwhile.
    has_room_.wait(lock, [this] { return pending_ < options_.max_pending; });
    queue_.push_back(std::move(batch_));
    pending_ += n;
  }
  batch_ = {};
  batch_.reserve(options_.batch);
  has_work_.notify_one();
}

void SinkFanout::encoder_loop() {
  for (;;) {
    std::vector<std::vector<Item>> work;
    {
      std::unique_lock lock(mutex_);
      has_work_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (queue_.empty() && stop_) {
        encoder_done_ = true;
        has_encoded_.notify_one();
        return;
      }
      work.swap(queue_);
    }
    for (auto& batch : work) encode(batch);
    {
      std::lock_guard lock(mutex_);
      for (auto& batch : work) encoded_.push_back(std::move(batch));
    }
    has_encoded_.notify_one();
  }
}

void SinkFanout::sink_loop() {
  for (;;) {
    std::vector<std::vector<Item>> work;
    {
      std::unique_lock lock(mutex_);
      has_encoded_.wait(lock, [this] { return encoder_done_ || !encoded_.empty(); });
      if (encoded_.empty() && encoder_done_) return;
      work.swap(encoded_);
    }
    std::size_t n = 0;
    for (auto& batch : work) {
      consume(batch);
      n += batch.size();
    }
    work.clear();  // the observations are freed here, outside the lock
    {
      std::lock_guard lock(mutex_);
      pending_ -= n;
    }
    has_room_.notify_one();
  }
}

void SinkFanout::encode(std::vector<Item>& batch) {
  for (auto& item : batch) {
    switch (item.kind) {
      case Item::Kind::begin: encoder_ = std::make_unique<ObservationLeafEncoder>(item.run->run_id); break;
      case Item::Kind::observation:
        if (!encode_) break;
        if (!encoder_) encoder_ = std::make_unique<ObservationLeafEncoder>(std::string());
        item.text = encoder_->encode(item.obs);  // once, for every sink
        break;
      case Item::Kind::end:
        if (encoder_) {
          encoded_fast_ = encoder_->written_fast();
          writer_mismatch_ = encoder_->writer_mismatch();
        }
        break;
    }
  }
}

void SinkFanout::consume(std::vector<Item>& batch) {
  const auto each_sink = [this](auto&& call) {
    for (std::size_t i = 0; i < sinks_.size(); ++i) {
      if (errors_[i]) continue;
      try {
        call(*sinks_[i]);
      } catch (...) {
        errors_[i] = std::current_exception();
      }
    }
  };
  for (auto& item : batch) {
    switch (item.kind) {
      case Item::Kind::begin: each_sink([&](ObservationSink& s) { s.begin(*item.run); }); break;
      case Item::Kind::observation: each_sink([&](ObservationSink& s) { s.add(item.obs, item.text); }); break;
      case Item::Kind::end: each_sink([&](ObservationSink& s) { s.end(*item.run); }); break;
    }
  }
}

}  // namespace dnswitness
