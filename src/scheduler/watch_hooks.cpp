#include "scheduler/watch_hooks.h"

#include <pthread.h>
#include <signal.h>

#include <algorithm>

namespace dnswitness {

OnChangeQueue::OnChangeQueue(std::string command, std::chrono::milliseconds timeout, std::size_t concurrency,
                             std::size_t queue_limit, std::function<void()> on_finished)
    : command_(std::move(command)),
      timeout_(timeout),
      concurrency_(std::max<std::size_t>(concurrency, 1)),
      queue_limit_(queue_limit),
      on_finished_(std::move(on_finished)) {
  // The signals watch handles go to its loop thread, never to a worker (whose waits they would
  // only interrupt): the workers start with them blocked (a new thread inherits the mask).
  // SIGPIPE too: a hook that closes its stdin early makes the worker's write fail with EPIPE
  // instead of killing the whole process, whatever the process's own SIGPIPE setting is.
  sigset_t block, previous;
  sigemptyset(&block);
  for (const int s : {SIGTERM, SIGINT, SIGHUP, SIGPIPE}) sigaddset(&block, s);
  ::pthread_sigmask(SIG_BLOCK, &block, &previous);
  try {
    for (std::size_t i = 0; i < concurrency_; ++i) workers_.emplace_back([this] { work(); });
  } catch (...) {
    ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    finish(std::chrono::milliseconds(0));
    throw;
  }
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

OnChangeQueue::~OnChangeQueue() { finish(std::chrono::milliseconds(0)); }

bool OnChangeQueue::submit(std::string stdin_text, std::string description) {
  {
    std::lock_guard lock(mu_);
    if (closing_ || queue_.size() >= queue_limit_) {
      ++counts_.dropped;
      return false;
    }
    queue_.push_back(Call{std::move(stdin_text), std::move(description)});
  }
  wake_.notify_one();
  return true;
}

std::vector<OnChangeQueue::Finished> OnChangeQueue::take_finished() {
  std::lock_guard lock(mu_);
  std::vector<Finished> out;
  out.swap(finished_);
  return out;
}

OnChangeQueue::Counts OnChangeQueue::take_counts() {
  std::lock_guard lock(mu_);
  const Counts out = counts_;
  counts_ = {};
  return out;
}

void OnChangeQueue::work() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return closing_ || !queue_.empty(); });
    if (queue_.empty() || abandon_) return;  // closing, and nothing (more) to run
    Call call = std::move(queue_.front());
    queue_.pop_front();
    ++running_;
    lock.unlock();
    HookResult r = run_on_change(command_, call.stdin_text, timeout_, &abandon_);
    lock.lock();
    --running_;
    if (r.timed_out) ++counts_.timed_out;
    else if (!r.ok && !r.abandoned) ++counts_.failed;
    if (!r.abandoned) finished_.push_back(Finished{std::move(call.description), std::move(r)});
    idle_.notify_all();
    if (on_finished_) {
      lock.unlock();
      on_finished_();
      lock.lock();
    }
  }
}

OnChangeQueue::Stopped OnChangeQueue::finish(std::chrono::milliseconds grace) {
  Stopped stopped;
  {
    std::unique_lock lock(mu_);
    if (closing_ && workers_.empty()) return stopped;
    closing_ = true;
    wake_.notify_all();
    idle_.wait_for(lock, grace, [this] { return queue_.empty() && running_ == 0; });
    stopped.not_started = queue_.size();
    stopped.killed = running_;
    queue_.clear();
    abandon_ = true;
    wake_.notify_all();
  }
  for (auto& t : workers_)
    if (t.joinable()) t.join();
  workers_.clear();
  return stopped;
}

}  // namespace dnswitness
