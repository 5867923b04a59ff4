#include "reports/exports/show_text.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "reports/exports/dig_text.h"
#include "reports/exports/recorded_exchange.h"
#include "timeutil/timestamp.h"

namespace dnswitness {
namespace {

std::string show_member(const nlohmann::json& o, const char* key) {
  const auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// "?" for an end the leaf does not name.
std::string show_endpoint(const std::string& address, std::uint16_t port) {
  const std::string text = exchange_endpoint(address, port);
  return text.empty() ? "?" : text;
}

std::string show_time(std::int64_t ns) {
  return fmt::format("{} ({})", format_rfc3339_ns(UtcTime{ns}), format_jst_display(UtcTime{ns}));
}

std::string show_heading(std::uint64_t leaf_index, const nlohmann::json& o) {
  const nlohmann::json resolver = o.value("resolver", nlohmann::json::object());
  std::string via = show_member(resolver, "url");
  if (via.empty()) {
    const auto port = resolver.value("port", 0);
    via = show_endpoint(show_member(resolver, "address"), static_cast<std::uint16_t>(port));
  }
  return fmt::format(";; leaf {}: {} {} via {} ({} {}), outcome {}, run {}\n", leaf_index, show_member(o, "qname"),
                     show_member(o, "qtype"), show_member(resolver, "name"), show_member(resolver, "protocol"), via,
                     show_member(o, "outcome"), show_member(o, "run_id"));
}

std::string show_exchange(const RecordedExchange& e, std::size_t k, std::size_t count, bool with_query) {
  std::string text = fmt::format(";; exchange {} of {}: {} {} -> {}, {}\n", k + 1, count, exchange_transport_name(e.transport),
                                 show_endpoint(e.local_address, e.local_port),
                                 show_endpoint(e.server_address, e.server_port), e.result);
  text += fmt::format(";; sent {}{}", show_time(e.sent_at_ns),
                      e.sent_at_estimated ? " (estimated: the end of the exchange before)" : "");
  if (e.received_at_ns)
    text += fmt::format(", rtt {:.3f} ms", static_cast<double>(*e.received_at_ns - e.sent_at_ns) / 1e6);
  text += "\n";
  if (with_query) text += "\n;; QUERY:\n" + dig_text(e.query);
  if (e.response)
    text += "\n" + dig_text(*e.response);
  else
    text += ";; no response\n";
  return text;
}

}  // namespace

std::string show_observation_text(std::uint64_t leaf_index, const nlohmann::json& observation, bool with_query) {
  std::string text = show_heading(leaf_index, observation);
  if (const std::string error = show_member(observation, "error"); !error.empty()) text += ";; error: " + error + "\n";
  const auto exchanges = exchanges_of(observation, leaf_index);
  for (std::size_t k = 0; k < exchanges.size(); ++k) text += show_exchange(exchanges[k], k, exchanges.size(), with_query);
  return text;
}

}  // namespace dnswitness
