#pragma once
// JsonSink: streams the snapshot document of `resolve-snapshot --json` (docs/json-schema.md) as
// the observations arrive, instead of building it in memory.
//
// The bytes are those nlohmann's dump(2) gives for {"observations": [...], "run": {...}} (keys
// sorted, so the observations come first and the run, complete only at the end, last): each
// observation's canonical text is re-indented by pretty_json, which inserts exactly the line
// breaks and spaces dump(2) would. tests/unit/test_json_sink.cpp compares the two.
//
// Ownership: owns its 1 MiB buffer; `write` is called with full buffers and at end().
// Thread-safety: none (a sink is called from one thread).
#include <functional>
#include <string>
#include <string_view>

#include "scheduler/observation_sink.h"

namespace dnswitness {

// Appends `compact` (canonical JSON: no whitespace outside strings) to `out` as nlohmann's
// dump(2) would print it with its first line at `indent` spaces.
void pretty_json(std::string_view compact, int indent, std::string& out);

class JsonSink : public ObservationSink {
 public:
  using Writer = std::function<void(std::string_view)>;
  explicit JsonSink(Writer write) : write_(std::move(write)) {}
  void begin(const RunRecord& run) override;
  void add(const Observation& o, std::string_view canonical) override;
  void end(const RunRecord& run) override;

 private:
  void flush_if_full();
  Writer write_;
  std::string buf_;
  bool first_ = true;
};

}  // namespace dnswitness
