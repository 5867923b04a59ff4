#include "model/record_json.h"

#include "crypto/encoding.h"
#include "model/target.h"

namespace dnswitness {
namespace {

// Keys appear only when the fact was reached (no TCP connection: no peer; no handshake: no TLS).
// The `tls` object of DNS over TLS; the `https` object of DNS over HTTPS is it plus the HTTP facts.
nlohmann::json tls_json(const TlsFacts& h) {
  nlohmann::json j = nlohmann::json::object();
  if (!h.peer_address.empty()) j["peer_address"] = h.peer_address;
  if (!h.tls_version.empty()) j["tls_version"] = h.tls_version;
  if (!h.tls_cipher.empty()) j["tls_cipher"] = h.tls_cipher;
  if (!h.certificate_check.empty()) j["certificate_check"] = h.certificate_check;
  if (!h.certificates.empty()) {
    j["certificates"] = nlohmann::json::array();
    for (const auto& c : h.certificates)
      j["certificates"].push_back({{"sha256", c.sha256},
                                   {"subject", c.subject},
                                   {"issuer", c.issuer},
                                   {"not_before", c.not_before},
                                   {"not_after", c.not_after}});
  }
  return j;
}

nlohmann::json https_json(const HttpsFacts& h) {
  nlohmann::json j = tls_json(h);
  if (!h.http_version.empty()) j["http_version"] = h.http_version;
  if (h.http_status != 0) j["http_status"] = h.http_status;
  if (!h.content_type.empty()) j["content_type"] = h.content_type;
  return j;
}

nlohmann::json exchange_json(const Exchange& e) {
  nlohmann::json j = {
      {"transport", std::string(transport_name(e.transport))},
      {"query_id", e.query_id},
      {"sent_at", format_rfc3339_ns(e.sent_at)},
      {"result", e.result},
      {"query_wire", base64_encode(e.query_wire)},
  };
  if (e.rtt_us >= 0) j["rtt_us"] = e.rtt_us;
  if (!e.response_wire.empty()) j["response_wire"] = base64_encode(e.response_wire);
  if (!e.local_address.empty()) j["local_address"] = e.local_address;
  if (e.https) j["https"] = https_json(*e.https);
  if (e.tls) j["tls"] = tls_json(*e.tls);
  return j;
}

}  // namespace

nlohmann::json resolver_json(const ResolverSpec& r) {
  nlohmann::json j = {{"name", r.name},
                      {"protocol", std::string(protocol_name(r.protocol))},
                      {"address", r.address},
                      {"port", r.port}};
  if (!r.url.empty()) j["url"] = r.url;
  return j;
}

nlohmann::json observation_json(const Observation& o, const std::string& run_id) {
  nlohmann::json j = {
      {"kind", "observation"},
      {"run_id", run_id},
      {"qname", o.qname},
      {"qtype", qtype_name(o.qtype)},
      {"resolver", resolver_json(o.resolver)},
      {"sent_at", format_rfc3339_ns(o.sent_at)},
      {"transport", std::string(transport_name(o.transport))},
      {"outcome", std::string(outcome_name(o.outcome))},
      {"flags", o.flags},
      {"addresses", o.addresses},
      {"answers", nlohmann::json::array()},
      {"attempts", o.exchanges.size()},
  };
  for (const auto& rr : o.answers)
    j["answers"].push_back({{"name", rr.name}, {"type", rr.type}, {"ttl", rr.ttl}, {"data", rr.data}});
  if (o.rtt_us >= 0) j["rtt_us"] = o.rtt_us;
  if (o.rcode) j["rcode"] = rcode_name(*o.rcode);
  if (!o.exchanges.empty()) {
    const Exchange& last = o.exchanges.back();
    j["query_id"] = last.query_id;
    if (!last.local_address.empty()) j["local_address"] = last.local_address;
    if (last.https) j["https"] = https_json(*last.https);
    if (last.tls) j["tls"] = tls_json(*last.tls);
    // The final exchange's bytes are the top-level wires; earlier exchanges (a truncated UDP
    // answer before its TCP retry, timed-out attempts) are kept whole beside them.
    if (o.exchanges.size() > 1) {
      j["prior_exchanges"] = nlohmann::json::array();
      for (std::size_t i = 0; i + 1 < o.exchanges.size(); ++i)
        j["prior_exchanges"].push_back(exchange_json(o.exchanges[i]));
    }
  }
  j["query_wire"] = base64_encode(o.query_wire);
  if (!o.response_wire.empty()) j["response_wire"] = base64_encode(o.response_wire);
  if (!o.error.empty()) j["error"] = o.error;
  if (!o.purpose.empty()) j["purpose"] = o.purpose;
  if (o.authoritative) j["authoritative"] = {{"zone", o.authoritative->zone}, {"server", o.authoritative->server}};
  if (o.client_subnet) {
    const ClientSubnetFacts& c = *o.client_subnet;
    nlohmann::json cs = {{"sent", c.sent}};
    if (!c.preset.empty()) cs["preset"] = c.preset;
    if (c.scope_prefix) cs["scope_prefix"] = *c.scope_prefix;
    if (!c.returned.empty()) cs["returned"] = c.returned;
    if (!c.problem.empty()) cs["problem"] = c.problem;
    j["client_subnet"] = cs;
  }
  return j;
}

nlohmann::json run_json(const RunRecord& r) {
  nlohmann::json resolvers = nlohmann::json::array();
  for (const auto& spec : r.resolvers) resolvers.push_back(resolver_json(spec));
  nlohmann::json outcomes = nlohmann::json::object();
  for (const auto& [name, count] : r.outcomes) outcomes[name] = count;
  nlohmann::json j = {
      {"kind", "run"},
      {"run_id", r.run_id},
      {"started_at", format_rfc3339_ns(r.started_at)},
      {"finished_at", format_rfc3339_ns(r.finished_at)},
      {"tool", {{"name", "dnswitness"}, {"version", r.tool_version}, {"commit", r.tool_commit}}},
      {"config_hash", r.config_hash},
      {"host", {{"hostname", r.hostname}, {"os", r.os}}},
      {"resolvers", resolvers},
      {"domains", r.domains},
      {"types", r.types},
      {"timeout_ms", r.timeout_ms},
      {"retries", r.retries},
      {"edns_size", r.edns_size},
      {"observation_count", r.observation_count},
      {"outcomes", outcomes},
  };
  if (r.authoritative) {
    nlohmann::json subnets = nlohmann::json::array();
    for (const auto& c : r.authoritative->client_subnets) {
      nlohmann::json one = {{"prefix", c.prefix}};
      if (!c.preset.empty()) one["preset"] = c.preset;
      subnets.push_back(one);
    }
    j["authoritative"] = {{"port", r.authoritative->port}, {"client_subnets", subnets}};
    if (!r.authoritative->problems.empty()) j["authoritative"]["problems"] = r.authoritative->problems;
  }
  if (!r.udp_receive_times.empty()) j["udp_receive_times"] = r.udp_receive_times;
  if (!r.udp_send_times.empty()) j["udp_send_times"] = r.udp_send_times;
  if (r.https || r.insecure) j["certificate_verification"] = r.insecure ? "not enforced (--insecure)" : "enforced";
  if (!r.ca_file.empty()) j["ca_file"] = {{"path", r.ca_file}, {"sha256", r.ca_file_sha256}};
  // Only when a file was read, so runs configured on the command line keep the form they had.
  if (!r.config_files.empty()) {
    nlohmann::json files = nlohmann::json::array();
    for (const auto& f : r.config_files) files.push_back({{"path", f.path}, {"sha256", f.sha256}});
    j["config_files"] = std::move(files);
  }
  if (r.vantage) j["vantage"] = vantage_json(*r.vantage);
  if (r.clock) j["clock"] = clock_json(*r.clock);
  return j;
}

std::string canonical_dump(const nlohmann::json& j) {
  // Replace invalid UTF-8 rather than throw: names and strings from the wire are ASCII
  // presentation text, but a hostile server must not be able to abort a run.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace dnswitness
