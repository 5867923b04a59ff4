#include "reports/multi_log_bundle.h"

#include <fmt/format.h>

#include <atomic>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "crypto/sha256.h"
#include "dnswitness/version.h"
#include "reports/spill_file.h"
#include "timeutil/timestamp.h"

namespace dnswitness {
namespace {

using nlohmann::json;

// The members every log's bundle shares with the report around them, and the logs' sources, with
// each log's bundle left as `bundle_i` for the caller to fill.
json outer_document(const std::vector<LogPart>& logs, const ReportRequest& req,
                    const std::function<json(std::size_t)>& bundle_i) {
  if (logs.size() < 2) throw std::logic_error("a multi-log bundle needs at least two logs");
  if (req.manifest_signed) throw std::logic_error("a multi-log bundle's manifest is not signed by any one log");
  json parts = json::array();
  for (std::size_t i = 0; i < logs.size(); ++i) {
    json part = {{"source", logs[i].source}, {"bundle", bundle_i(i)}};
    if (!logs[i].vantage.is_null()) part["vantage"] = logs[i].vantage;
    parts.push_back(std::move(part));
  }
  return {
      {"format", kReportFormatV3},
      {"created_at", format_rfc3339_ns(req.created_at)},
      {"created_at_note",
       "The time this report was made. The observations were made at the times in their own leaves, signed "
       "into their own log when they were made; each entry of logs is that log's complete report."},
      {"case", req.case_name ? json(*req.case_name) : json()},
      {"operator", req.operator_name ? json(*req.operator_name) : json()},
      {"tool", {{"name", "dnswitness"}, {"version", kToolVersion}, {"commit", kToolCommit}}},
      {"manifest_signature", json()},
      {"logs", std::move(parts)},
  };
}

// A string no bundle can hold (JSON text never carries a raw control character), standing for
// bundle i in the dumped outer document.
std::string placeholder(std::size_t i) { return fmt::format("\x01{}\x01", i); }

}  // namespace

json build_multi_log_bundle(const std::vector<LogPart>& logs, const ReportRequest& req) {
  return outer_document(logs, req, [&](std::size_t i) { return build_bundle(*logs[i].log, req); });
}

namespace {

// dump(1) indents one space per level; a log's bundle is the value of logs[i].bundle, three levels
// down, so every line of it after the first moves right by three spaces. JSON text holds no newline
// inside a string, so each '\n' of the inner text is a line break of the layout; the inner bundle's
// own final newline is dropped (a newline is put out only when more text follows it).
class Indenter {
 public:
  // `inner`, re-indented, in `piece` (cleared first).
  void operator()(std::string_view inner, std::string& piece) {
    piece.clear();
    piece.reserve(inner.size() + inner.size() / 8);
    while (!inner.empty()) {
      if (pending_newline_) {
        piece += "\n   ";
        pending_newline_ = false;
      }
      const std::size_t nl = inner.find('\n');
      piece.append(inner.substr(0, nl));
      if (nl == std::string_view::npos) break;
      pending_newline_ = true;
      inner.remove_prefix(nl + 1);
    }
  }

 private:
  bool pending_newline_ = false;
};

// How many logs' bundles are made at once. Each keeps a second thread busy (checking leaves, writing
// its text), so two fill two cores when the logs are at hand; logs read over HTTP also wait for
// files, and three at once keep the cores busier then: the fleet benchmark's cold report (three
// probes) took 4.1-4.7 s three at once against 4.5-4.9 s two at once, warm 3.6 s either way (one
// at a time took 7.2 s warm before summaries were fetched ahead). More would hold more memory (a
// part of 27,000 leaves holds about 100 MB) for little.
constexpr std::size_t kPartsAtOnce = 3;

// Thrown into a log's bundle when another log's has failed: its own work is no longer wanted.
struct PartAbandoned {};

}  // namespace

MultiLogWritten write_multi_log_bundle(const std::vector<LogPart>& logs, const ReportRequest& req,
                                       const std::function<void(std::string_view)>& sink) {
  MultiLogWritten w;
  Sha256 hasher;
  const auto out = [&](std::string_view s) {
    if (s.empty()) return;
    hasher.update(ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
    w.bytes += s.size();
    sink(s);
  };
  const std::string text = outer_document(logs, req, [](std::size_t i) { return json(placeholder(i)); }).dump(1);
  std::vector<std::size_t> at(logs.size());
  for (std::size_t i = 0, from = 0; i < logs.size(); ++i) {
    at[i] = text.find(json(placeholder(i)).dump(), from);
    if (at[i] == std::string::npos) throw std::logic_error("write_multi_log_bundle: a log's place was not found");
    from = at[i];
  }
  const auto between = [&](std::size_t i) {  // the outer text after log i - 1 (or the start) up to log i
    const std::size_t from = i == 0 ? 0 : at[i - 1] + json(placeholder(i - 1)).dump().size();
    return std::string_view(text).substr(from, (i < logs.size() ? at[i] : text.size()) - from);
  };

  // The logs' bundles are made at the same time, kPartsAtOnce at once (each also keeps a helper
  // thread busy). The first log's goes straight to the sink; the others wait
  // in spill files and follow in order. Each log is read only by the thread making its bundle.
  // The RDAP lookups (--rdap) share a cache folder: one at a time.
  std::mutex rdap_mutex;
  ReportRequest part_req = req;
  if (req.rdap)
    part_req.rdap = [&](const json& tables) {
      const std::lock_guard<std::mutex> lock(rdap_mutex);
      return req.rdap(tables);
    };
  w.parts.resize(logs.size());
  std::vector<std::unique_ptr<SpillFile>> spills(logs.size());
  std::vector<std::exception_ptr> errors(logs.size());
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  out(between(0));
  const auto make_parts = [&] {
    for (std::size_t i; (i = next++) < logs.size();) {
      if (failed) return;
      try {
        Indenter indent;
        std::string piece;
        if (i > 0) spills[i] = std::make_unique<SpillFile>();
        w.parts[i] = write_bundle(*logs[i].log, part_req, [&](std::string_view inner) {
          if (failed) throw PartAbandoned{};
          indent(inner, piece);
          if (i == 0) out(piece);
          else spills[i]->append(piece);
        }, /*hash=*/false);
      } catch (const PartAbandoned&) {
        return;
      } catch (...) {
        errors[i] = std::current_exception();
        failed = true;
        return;
      }
    }
  };
  {
    std::vector<std::thread> helpers;
    const std::size_t threads = std::min<std::size_t>(kPartsAtOnce, logs.size());
    for (std::size_t k = 1; k < threads; ++k) helpers.emplace_back(make_parts);
    make_parts();  // throws nothing: each part's error is kept in `errors`
    for (auto& t : helpers) t.join();
  }
  // The first log (in order) whose bundle failed on its own; the others were abandoned for it.
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  for (std::size_t i = 1; i < logs.size(); ++i) {
    out(between(i));
    spills[i]->replay(out);
  }
  out(between(logs.size()));
  out("\n");
  w.sha256 = hasher.finish();
  return w;
}

}  // namespace dnswitness
