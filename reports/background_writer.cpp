#include "reports/background_writer.h"

#include <utility>

namespace dnswitness {

BackgroundWriter::BackgroundWriter(std::function<void(const std::string&)> consume)
    : consume_(std::move(consume)), thread_([this] { run(); }) {}

BackgroundWriter::~BackgroundWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BackgroundWriter::run() {
  std::string working;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return has_pending_ || stopping_; });
      if (!has_pending_) return;
      working.swap(pending_);
      has_pending_ = false;
      busy_ = true;
    }
    changed_.notify_all();
    std::exception_ptr failed;
    if (!error_) {  // read without the lock: only this thread writes it
      try {
        consume_(working);
      } catch (...) {
        failed = std::current_exception();
      }
    }
    working.clear();
    {
      std::lock_guard lock(mutex_);
      if (failed) error_ = failed;
      busy_ = false;
    }
    changed_.notify_all();
  }
}

void BackgroundWriter::hand_over(std::string& chunk) {
  {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !has_pending_; });
    if (error_) std::rethrow_exception(error_);
    pending_.swap(chunk);
    has_pending_ = true;
  }
  changed_.notify_all();
  chunk.clear();
}

void BackgroundWriter::finish() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return !has_pending_ && !busy_; });
  if (error_) std::rethrow_exception(error_);
}

}  // namespace dnswitness
