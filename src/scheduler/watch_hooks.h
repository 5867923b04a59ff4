#pragma once
// The --on-change calls of watch, run off its run loop: a bounded queue served by a few worker
// threads, so a slow or hanging command never holds up the next run.
//
// Role: submit() never blocks. At most `concurrency` commands run at once (each killed after its
// timeout by run_on_change); at most `queue_limit` calls wait. A call submitted to a full queue is
// dropped and counted, never run: the binding change is in the ledger anyway, and the watch logs
// and records the count (an on_change_problems event). finish() stops taking calls, lets the
// queued and running ones go on for a bounded grace time, then kills what still runs and drops
// what still waits, so stopping a watch never hangs on a hook.
// Ownership: owns its worker threads (joined by finish() or the destructor) and the queued texts.
// Thread-safety: every member function may be called from any thread; `on_finished` is called on
// a worker thread after each call ends (watch posts to its loop from there).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "scheduler/watch_on_change.h"

namespace dnswitness {

inline constexpr std::size_t kOnChangeConcurrency = 4;
inline constexpr std::size_t kOnChangeQueueLimit = 256;

class OnChangeQueue {
 public:
  struct Finished {
    std::string description;  // what the call was for, as given to submit()
    HookResult result;
  };
  struct Counts {
    std::uint64_t dropped = 0;    // never run: the queue was full
    std::uint64_t timed_out = 0;  // killed after the timeout
    std::uint64_t failed = 0;     // ended with an error (exit status, signal, could not start)
  };
  struct Stopped {
    std::uint64_t not_started = 0;  // still waiting when the grace time ran out
    std::uint64_t killed = 0;       // still running when the grace time ran out
  };

  OnChangeQueue(std::string command, std::chrono::milliseconds timeout, std::size_t concurrency,
                std::size_t queue_limit, std::function<void()> on_finished);
  ~OnChangeQueue();
  OnChangeQueue(const OnChangeQueue&) = delete;
  OnChangeQueue& operator=(const OnChangeQueue&) = delete;

  // Queues one call with `stdin_text` on its stdin; false when it was dropped (queue full, or
  // finish() was called).
  bool submit(std::string stdin_text, std::string description);
  // The calls that ended since the last call of this, in the order they ended.
  std::vector<Finished> take_finished();
  // The counts since the last call of this.
  Counts take_counts();
  // Stops taking calls; waits at most `grace` for the queued and running ones; then kills those
  // still running, drops those still waiting, and joins the workers. Later calls return {}.
  Stopped finish(std::chrono::milliseconds grace);

  std::size_t concurrency() const { return concurrency_; }
  std::size_t queue_limit() const { return queue_limit_; }

 private:
  struct Call {
    std::string stdin_text;
    std::string description;
  };
  void work();

  const std::string command_;
  const std::chrono::milliseconds timeout_;
  const std::size_t concurrency_;
  const std::size_t queue_limit_;
  const std::function<void()> on_finished_;
  std::mutex mu_;
  std::condition_variable wake_;  // workers: a call was queued, or closing
  std::condition_variable idle_;  // finish(): a call ended
  std::deque<Call> queue_;
  std::vector<Finished> finished_;
  Counts counts_;
  std::size_t running_ = 0;
  bool closing_ = false;
  std::atomic<bool> abandon_{false};
  std::vector<std::thread> workers_;
};

}  // namespace dnswitness
