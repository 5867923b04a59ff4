#include "model/vantage.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <array>
#include <cstdlib>
#include <cstring>

#include "crypto/encoding.h"
#include "model/address.h"
#include "model/observation.h"
#include "model/target.h"

namespace dnswitness {
namespace {

// The 16-byte form of a numeric address (IPv4 mapped into ::ffff:0:0/96), to compare spellings.
std::optional<std::array<unsigned char, 16>> address_key(const std::string& text) {
  std::array<unsigned char, 16> out{};
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    out[10] = out[11] = 0xff;
    std::memcpy(out.data() + 12, &v4, 4);
    return out;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    std::memcpy(out.data(), &v6, 16);
    return out;
  }
  return std::nullopt;
}

// Held as views: GCC 12 misreports building strings straight from long literals here (-Wstringop-overread).
constexpr std::string_view kNoAnswer =
    "No NTP server answered, so the system clock was not checked in this run; see clock.results for why.";
constexpr std::string_view kAllSkipped =
    "The clock was not checked in this run: every NTP server address was asked less than 3 minutes ago (by an "
    "earlier run; see last_query_at), and servers ask clients not to poll more often.";

}  // namespace

const std::vector<WhoamiService>& whoami_services() {
  // Sources: the services' own documentation of their anycast addresses and whoami names
  // (developers.google.com/speed/public-dns, 1.1.1.1 docs, OpenDNS "myip" support article).
  static const std::vector<WhoamiService> services = {
      {"google", "o-o.myaddr.l.google.com", 16, 1,
       {"8.8.8.8", "8.8.4.4", "2001:4860:4860::8888", "2001:4860:4860::8844"}},
      {"cloudflare", "whoami.cloudflare", 16, 3,
       {"1.1.1.1", "1.0.0.1", "2606:4700:4700::1111", "2606:4700:4700::1001"}},
      {"opendns", "myip.opendns.com", 1, 1,
       {"208.67.222.222", "208.67.220.220", "2620:119:35::35", "2620:119:53::53"}},
  };
  return services;
}

std::vector<WhoamiQuery> plan_whoami(const std::vector<ResolverSpec>& resolvers) {
  std::vector<WhoamiQuery> out;
  for (const auto& r : resolvers) {
    if (r.protocol != Protocol::udp && r.protocol != Protocol::tcp) continue;
    const auto key = address_key(r.address);
    if (!key) continue;
    for (const auto& s : whoami_services()) {
      bool match = false;
      for (const auto& a : s.addresses) match = match || address_key(a) == key;
      if (!match) continue;
      WhoamiQuery q;
      q.service = s.service;
      q.resolver = r;
      q.qname = s.qname;
      q.qtype = s.qtype;
      q.qclass = s.qclass;
      // OpenDNS answers myip.opendns.com with the address family the question arrived over.
      if (q.service == "opendns" && is_ipv6(r.address)) q.qtype = 28;
      out.push_back(std::move(q));
    }
  }
  return out;
}

void finish_clock_facts(ClockFacts& facts) {
  const SntpResult* best = nullptr;
  bool asked = false;
  for (const auto& r : facts.results) {
    if (r.outcome != "skipped") asked = true;
    if (r.outcome == "answer" && r.offset_ns && r.delay_ns && (!best || *r.delay_ns < *best->delay_ns)) best = &r;
  }
  if (best) {
    facts.offset_ns = best->offset_ns;
    facts.offset_server = best->address;
    if (std::llabs(*best->offset_ns) > kClockWarnOffsetNs)
      facts.warnings.push_back(fmt::format(
          "The system clock was {:.3f} s {} NTP time (server {}), more than the 0.5 s allowed; the times this run "
          "recorded are off by about that much.",
          static_cast<double>(std::llabs(*best->offset_ns)) / 1e9, *best->offset_ns > 0 ? "behind" : "ahead of",
          best->address));
  } else if (asked) {
    facts.warnings.emplace_back(kNoAnswer);
  } else if (!facts.results.empty() && facts.note.empty()) {
    facts.note = std::string(kAllSkipped);
  }
}

nlohmann::json vantage_json(const VantageFacts& v) {
  nlohmann::json interfaces = nlohmann::json::array();
  for (const auto& i : v.interfaces) {
    nlohmann::json j = {{"interface", i.interface}, {"family", i.family}, {"address", i.address}};
    if (i.prefix_length >= 0) j["prefix_length"] = i.prefix_length;
    interfaces.push_back(std::move(j));
  }
  nlohmann::json whoami = nlohmann::json::array();
  for (const auto& w : v.whoami) {
    nlohmann::json j = {
        {"service", w.query.service},
        {"resolver", {{"name", w.query.resolver.name},
                      {"protocol", "udp"},
                      {"address", w.query.resolver.address},
                      {"port", w.query.resolver.port}}},
        {"qname", w.query.qname},
        {"qtype", qtype_name(w.query.qtype)},
        {"qclass", w.query.qclass == 3 ? "CH" : w.query.qclass == 1 ? "IN" : std::to_string(w.query.qclass)},
        {"sent_at", format_rfc3339_ns(w.sent_at)},
        {"outcome", w.outcome},
        {"answers", w.answers},
        {"egress", w.egress},
        {"query_wire", base64_encode(w.query_wire)},
    };
    if (w.rtt_us >= 0) j["rtt_us"] = w.rtt_us;
    if (w.rcode) j["rcode"] = rcode_name(*w.rcode);
    if (!w.response_wire.empty()) j["response_wire"] = base64_encode(w.response_wire);
    if (!w.error.empty()) j["error"] = w.error;
    whoami.push_back(std::move(j));
  }
  return {{"interfaces", interfaces}, {"whoami", whoami}};
}

nlohmann::json clock_json(const ClockFacts& c) {
  nlohmann::json results = nlohmann::json::array();
  for (const auto& r : c.results) {
    nlohmann::json j = {{"server", r.server}, {"port", r.port}, {"outcome", r.outcome}};
    if (!r.address.empty()) j["address"] = r.address;
    if (!r.request.empty()) {
      j["sent_at"] = format_rfc3339_ns(r.sent_at);
      j["request"] = base64_encode(r.request);
    }
    if (!r.response.empty()) j["response"] = base64_encode(r.response);
    if (r.rtt_us >= 0) j["rtt_us"] = r.rtt_us;
    if (r.offset_ns) j["offset_ns"] = *r.offset_ns;
    if (r.delay_ns) j["delay_ns"] = *r.delay_ns;
    if (r.stratum >= 0) j["stratum"] = r.stratum;
    if (r.leap >= 0) j["leap"] = r.leap;
    if (r.version >= 0) j["version"] = r.version;
    if (!r.reference_id.empty()) j["reference_id"] = r.reference_id;
    if (r.last_query_at) j["last_query_at"] = format_rfc3339_ns(*r.last_query_at);
    if (!r.error.empty()) j["error"] = r.error;
    results.push_back(std::move(j));
  }
  nlohmann::json j = {{"servers", c.servers}, {"results", results}, {"warnings", c.warnings}};
  if (c.offset_ns) {
    j["offset_ns"] = *c.offset_ns;
    j["offset_server"] = c.offset_server;
  }
  if (!c.note.empty()) j["note"] = c.note;
  return j;
}

}  // namespace dnswitness
