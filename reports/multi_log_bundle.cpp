#include "reports/multi_log_bundle.h"

#include <fmt/format.h>

#include <stdexcept>

#include "crypto/sha256.h"
#include "dnswitness/version.h"
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
  // dump(1) indents one space per level; a log's bundle is the value of logs[i].bundle, three
  // levels down, so every line of it after the first moves right by three spaces. JSON text holds
  // no newline inside a string, so each '\n' of the inner text is a line break of the layout; the
  // inner bundle's own final newline is dropped.
  const std::string text = outer_document(logs, req, [](std::size_t i) { return json(placeholder(i)); }).dump(1);
  std::size_t from = 0;
  for (std::size_t i = 0; i < logs.size(); ++i) {
    const std::string quoted = json(placeholder(i)).dump();
    const auto at = text.find(quoted, from);
    if (at == std::string::npos) throw std::logic_error("write_multi_log_bundle: a log's place was not found");
    out(std::string_view(text).substr(from, at - from));
    bool pending_newline = false;
    std::string piece;
    w.parts.push_back(write_bundle(*logs[i].log, req, [&](std::string_view inner) {
      piece.clear();
      piece.reserve(inner.size() + inner.size() / 8);
      for (const char c : inner) {
        if (pending_newline) {
          piece += "\n   ";
          pending_newline = false;
        }
        if (c == '\n') pending_newline = true;
        else piece += c;
      }
      out(piece);
    }));
    from = at + quoted.size();
  }
  out(std::string_view(text).substr(from));
  out("\n");
  w.sha256 = hasher.finish();
  return w;
}

}  // namespace dnswitness
