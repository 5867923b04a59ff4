#include "reports/exports/recorded_exchange.h"

#include <fmt/format.h>

#include <charconv>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "crypto/encoding.h"
#include "timeutil/timestamp.h"

namespace dnswitness {
namespace {

using nlohmann::json;

[[noreturn]] void exchange_bad_leaf(std::uint64_t leaf_index, std::string_view what) {
  throw std::runtime_error(
      fmt::format("The observation at leaf {} has {}; it cannot be exported this way.", leaf_index, what));
}

std::string exchange_text(const json& o, const char* key) {
  const auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::int64_t exchange_time_ns(const json& o, const char* key, std::uint64_t leaf_index) {
  const auto t = parse_rfc3339(exchange_text(o, key));
  if (!t) exchange_bad_leaf(leaf_index, fmt::format("no valid '{}'", key));
  return t->ns;
}

Bytes exchange_wire(const json& o, const char* key, std::uint64_t leaf_index) {
  auto bytes = base64_decode(exchange_text(o, key));
  if (!bytes) exchange_bad_leaf(leaf_index, fmt::format("a '{}' that is not base64", key));
  return std::move(*bytes);
}

ExchangeTransport exchange_transport(const std::string& name, std::uint64_t leaf_index) {
  if (name == "udp") return ExchangeTransport::udp;
  if (name == "tcp") return ExchangeTransport::tcp;
  if (name == "https") return ExchangeTransport::https;
  if (name == "tls") return ExchangeTransport::tls;
  exchange_bad_leaf(leaf_index, fmt::format("an unknown transport '{}'", name));
}

// One exchange object: a prior exchange, or the observation itself for its final exchange (the
// members have the same names; the final exchange's https object and local address are the
// observation's own).
RecordedExchange exchange_from(const json& o, const json& observation, std::uint64_t leaf_index) {
  RecordedExchange e;
  e.leaf_index = leaf_index;
  e.qname = exchange_text(observation, "qname");
  e.qtype = exchange_text(observation, "qtype");
  const json& resolver = observation.value("resolver", json::object());
  e.resolver_name = exchange_text(resolver, "name");
  e.transport = exchange_transport(exchange_text(o, "transport"), leaf_index);
  if (e.transport == ExchangeTransport::https || e.transport == ExchangeTransport::tls) {
    const json& session = o.value(e.transport == ExchangeTransport::https ? "https" : "tls", json::object());
    if (const auto peer = split_host_port(exchange_text(session, "peer_address"))) {
      e.server_address = peer->first;
      e.server_port = peer->second;
    }
  } else {
    e.server_address = exchange_text(resolver, "address");
    const auto port = resolver.value("port", 0);
    if (port < 0 || port > 65535) exchange_bad_leaf(leaf_index, "a resolver port out of range");
    e.server_port = static_cast<std::uint16_t>(port);
  }
  if (const auto local = split_host_port(exchange_text(o, "local_address"))) {
    e.local_address = local->first;
    e.local_port = local->second;
  }
  e.sent_at_ns = exchange_time_ns(o, "sent_at", leaf_index);
  e.query = exchange_wire(o, "query_wire", leaf_index);
  if (o.contains("response_wire")) e.response = exchange_wire(o, "response_wire", leaf_index);
  if (const auto rtt = o.find("rtt_us"); rtt != o.end() && rtt->is_number_integer() && e.response)
    e.received_at_ns = e.sent_at_ns + rtt->get<std::int64_t>() * 1000;
  e.result = exchange_text(o, "result");
  return e;
}

}  // namespace

const char* exchange_transport_name(ExchangeTransport t) {
  switch (t) {
    case ExchangeTransport::udp: return "udp";
    case ExchangeTransport::tcp: return "tcp";
    case ExchangeTransport::https: return "https";
    case ExchangeTransport::tls: return "tls";
  }
  return "udp";
}

std::string exchange_endpoint(const std::string& address, std::uint16_t port) {
  if (address.empty()) return {};
  return address.find(':') != std::string::npos ? fmt::format("[{}]:{}", address, port)
                                                 : fmt::format("{}:{}", address, port);
}

std::optional<std::pair<std::string, std::uint16_t>> split_host_port(std::string_view text) {
  std::string_view host, port;
  if (text.starts_with('[')) {
    const auto close = text.find("]:");
    if (close == std::string_view::npos) return std::nullopt;
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (host.empty() || port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535)
    return std::nullopt;
  return std::make_pair(std::string(host), static_cast<std::uint16_t>(value));
}

std::vector<RecordedExchange> exchanges_of(const json& observation, std::uint64_t leaf_index) {
  std::vector<RecordedExchange> out;
  if (const auto prior = observation.find("prior_exchanges"); prior != observation.end() && prior->is_array())
    for (const json& p : *prior) out.push_back(exchange_from(p, observation, leaf_index));
  // The final exchange: the observation's own members, except its sent_at, which is the first
  // attempt's. With earlier exchanges its send time is estimated (see the header).
  RecordedExchange last = exchange_from(observation, observation, leaf_index);
  // The observation's outcome names the final exchange's result when nothing usable came back.
  const std::string outcome = exchange_text(observation, "outcome");
  for (const char* failure : {"timeout", "network_error", "malformed", "tls_error"})
    if (outcome == failure) last.result = outcome;
  if (last.result.empty()) last.result = "response";
  if (!out.empty()) {
    const RecordedExchange& before = out.back();
    const std::int64_t rtt_ns = last.received_at_ns ? *last.received_at_ns - last.sent_at_ns : -1;
    last.sent_at_ns = before.received_at_ns.value_or(before.sent_at_ns);
    last.sent_at_estimated = true;
    if (rtt_ns >= 0) last.received_at_ns = last.sent_at_ns + rtt_ns;
  }
  out.push_back(std::move(last));
  return out;
}

}  // namespace dnswitness
