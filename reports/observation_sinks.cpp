// The formats of `dnswitness export`: one ExportSink each (reports/observation_export.h).
#include <fmt/format.h>

#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "reports/exports/dnstap_export.h"
#include "reports/exports/pcap_export.h"
#include "reports/exports/recorded_exchange.h"
#include "reports/exports/rfc8427.h"
#include "reports/observation_export.h"
#include "dnswitness/version.h"

namespace dnswitness {
namespace {

using Write = std::function<void(std::string_view)>;

std::string sink_leaf_hash_hex(std::string_view leaf) {
  std::string prefixed(1, '\0');
  prefixed += leaf;
  return hex_encode(sha256(as_bytes(prefixed)));
}

// The leaf's own members plus leaf_index and leaf_hash.
class JsonlSink final : public ExportSink {
 public:
  explicit JsonlSink(Write write) : write_(std::move(write)) {}
  void add(std::uint64_t leaf_index, std::string_view leaf, const nlohmann::json& observation) override {
    nlohmann::json o = observation;
    o["leaf_index"] = leaf_index;
    o["leaf_hash"] = sink_leaf_hash_hex(leaf);
    write_(o.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  }
  void finish() override {}

 private:
  Write write_;
};

class CsvSink final : public ExportSink {
 public:
  explicit CsvSink(Write write) : write_(std::move(write)) {
    write_(std::string("\xEF\xBB\xBF") + kCsvColumns + "\r\n");  // the BOM tells Excel it is UTF-8
  }
  void add(std::uint64_t leaf_index, std::string_view, const nlohmann::json& observation) override {
    write_(observation_csv_row(observation, leaf_index));
  }
  void finish() override {}

 private:
  Write write_;
};

// The wire formats: every exchange of an observation, earliest first. `Writer` is PcapExport or
// DnstapExport (add() says whether the exchange could be expressed).
template <class Writer>
class ExchangeSink final : public ExportSink {
 public:
  template <class... Args>
  explicit ExchangeSink(Args&&... args) : writer_(std::forward<Args>(args)...) {}
  void add(std::uint64_t leaf_index, std::string_view, const nlohmann::json& observation) override {
    for (const RecordedExchange& e : exchanges_of(observation, leaf_index)) {
      if (writer_.add(e))
        ++written_;
      else
        ++left_out_;
    }
  }
  void finish() override { writer_.finish(); }
  std::uint64_t exchanges() const override { return written_; }
  std::uint64_t exchanges_left_out() const override { return left_out_; }

 private:
  Writer writer_;
  std::uint64_t written_ = 0, left_out_ = 0;
};

// JSON Lines of RFC 8427 objects, one per message (a query, then its response when one came back),
// each with the message's own time (dateString, dateSeconds) and where it belongs under the member
// "dnswitness", a name RFC 8427 does not define.
class Rfc8427Sink final : public ExportSink {
 public:
  explicit Rfc8427Sink(Write write) : write_(std::move(write)) {}
  void add(std::uint64_t leaf_index, std::string_view, const nlohmann::json& observation) override {
    const auto exchanges = exchanges_of(observation, leaf_index);
    for (std::size_t k = 0; k < exchanges.size(); ++k) {
      const RecordedExchange& e = exchanges[k];
      message(e, k, e.query, "query", e.sent_at_ns);
      if (e.response && e.received_at_ns) message(e, k, *e.response, "response", *e.received_at_ns);
      ++written_;
    }
  }
  void finish() override {}
  std::uint64_t exchanges() const override { return written_; }

 private:
  void message(const RecordedExchange& e, std::size_t k, const Bytes& bytes, const char* which, std::int64_t at_ns) {
    nlohmann::json m = rfc8427_message(bytes);
    rfc8427_add_date(m, at_ns);
    nlohmann::json ours = {{"leaf_index", e.leaf_index},
                           {"exchange", k},
                           {"message", which},
                           {"qname", e.qname},
                           {"qtype", e.qtype},
                           {"resolver", e.resolver_name},
                           {"transport", exchange_transport_name(e.transport)},
                           {"result", e.result}};
    if (const std::string server = exchange_endpoint(e.server_address, e.server_port); !server.empty())
      ours["server"] = server;
    if (const std::string local = exchange_endpoint(e.local_address, e.local_port); !local.empty()) ours["local"] = local;
    if (e.sent_at_estimated) ours["time_estimated"] = true;
    m["dnswitness"] = std::move(ours);
    write_(m.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  }

  Write write_;
  std::uint64_t written_ = 0;
};

}  // namespace

std::unique_ptr<ExportSink> make_export_sink(ExportFormat format, Write write) {
  switch (format) {
    case ExportFormat::jsonl: return std::make_unique<JsonlSink>(std::move(write));
    case ExportFormat::csv: return std::make_unique<CsvSink>(std::move(write));
    case ExportFormat::pcap: return std::make_unique<ExchangeSink<PcapExport>>(std::move(write));
    case ExportFormat::dnstap:
      // No identity: the same ledger gives the same file on any machine; each leaf names its host.
      return std::make_unique<ExchangeSink<DnstapExport>>(std::move(write), std::string(),
                                                          std::string(kToolName) + " " + kToolVersion);
    case ExportFormat::rfc8427: return std::make_unique<Rfc8427Sink>(std::move(write));
  }
  return nullptr;
}

}  // namespace dnswitness
