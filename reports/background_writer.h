#pragma once
// A second thread that consumes (hashes and writes) one chunk of a report while the caller builds
// the next: on 2 cores the report's output (about a tenth of a report's time, most of it the write
// system calls and SHA-256) then costs almost nothing on the thread that reads the log.
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace dnswitness {

class BackgroundWriter {
 public:
  // consume runs on the writer's own thread, one chunk at a time, in the order they were handed
  // over. After it throws, later chunks are dropped and the error is rethrown to the caller.
  explicit BackgroundWriter(std::function<void(const std::string&)> consume);
  ~BackgroundWriter();
  BackgroundWriter(const BackgroundWriter&) = delete;
  BackgroundWriter& operator=(const BackgroundWriter&) = delete;

  // Takes the text of chunk (left empty, its storage reused) once the previous chunk handed over
  // has been taken up; rethrows the consumer's error, if any.
  void hand_over(std::string& chunk);
  // Waits until every chunk handed over is consumed; rethrows the consumer's error, if any.
  void finish();

 private:
  void run();

  std::function<void(const std::string&)> consume_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::string pending_;
  bool has_pending_ = false;
  bool busy_ = false;
  bool stopping_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace dnswitness
