#pragma once
// The --on-change hook of watch: run the operator's command with one event's JSON on its stdin.
//
// Role: the data never reaches a command line. The command is the operator's own text, run by
// /bin/sh -c exactly as given; the event (which holds what DNS servers said, i.e. data from the
// network) goes only to its stdin, so nothing in an answer can be executed. The command runs in
// its own process group with stdout discarded and stderr inherited; after `timeout` the whole
// group is killed. A failure is reported to the caller, who logs it: it never stops a watch.
// Ownership: none kept. Thread-safety: calls on different threads are independent (each waits only
// for its own child, by pid); watch runs them on the workers of OnChangeQueue (watch_hooks.h).
#include <atomic>
#include <chrono>
#include <string>

namespace dnswitness {

struct HookResult {
  bool ok = false;
  bool timed_out = false;  // killed after `timeout`
  bool abandoned = false;  // killed because `abandon` was set (the watch stopped)
  std::string problem;  // plain text when !ok: "exited with status 3", "timed out after 30 s", ...
};

// Runs `command` and waits for it, at most `timeout`; when `abandon` is given and becomes true,
// the command is killed at once (within a few milliseconds).
HookResult run_on_change(const std::string& command, const std::string& stdin_text, std::chrono::milliseconds timeout,
                         const std::atomic<bool>* abandon = nullptr);

}  // namespace dnswitness
