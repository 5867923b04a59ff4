#include "model/observation_writer.h"

#include <openssl/evp.h>

#include <charconv>

#include "model/target.h"

namespace dnswitness {
namespace {

// Thrown inside the writer when a string needs nlohmann's UTF-8 handling; never leaves this file.
struct NotAscii {};

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  void raw(std::string_view s) { out_.append(s); }
  void raw(char c) { out_.push_back(c); }

  // `"key":` — keys are fixed ASCII identifiers, so no escaping is needed.
  void key(std::string_view k, bool first = false) {
    if (!first) out_.push_back(',');
    out_.push_back('"');
    out_.append(k);
    out_.append("\":", 2);
  }

  // nlohmann serializer::dump_escaped with ensure_ascii=false, for ASCII input.
  void string(std::string_view s) {
    out_.push_back('"');
    std::size_t run = 0;  // start of the pending run of bytes that need no escape
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c >= 0x80) throw NotAscii{};
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      out_.append(s.data() + run, i - run);
      run = i + 1;
      switch (c) {
        case '"': out_.append("\\\"", 2); break;
        case '\\': out_.append("\\\\", 2); break;
        case '\b': out_.append("\\b", 2); break;
        case '\f': out_.append("\\f", 2); break;
        case '\n': out_.append("\\n", 2); break;
        case '\r': out_.append("\\r", 2); break;
        case '\t': out_.append("\\t", 2); break;
        default: {
          static constexpr char kHex[] = "0123456789abcdef";
          const char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
          out_.append(u, 6);
        }
      }
    }
    out_.append(s.data() + run, s.size() - run);
    out_.push_back('"');
  }

  template <typename Int>
  void integer(Int v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, static_cast<std::size_t>(r.ptr - buf));
  }

  // Standard padded base64 (RFC 4648 §4), written in place: the same encoder base64_encode uses.
  void base64(ByteView data) {
    out_.push_back('"');
    const std::size_t at = out_.size();
    out_.resize(at + 4 * ((data.size() + 2) / 3) + 1);  // EVP_EncodeBlock writes a trailing NUL
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out_.data() + at), data.data(),
                                  static_cast<int>(data.size()));
    out_.resize(at + static_cast<std::size_t>(n));
    out_.push_back('"');
  }

  void string_array(const std::vector<std::string>& items) {
    out_.push_back('[');
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i) out_.push_back(',');
      string(items[i]);
    }
    out_.push_back(']');
  }

  void time(UtcTime t) { string(format_rfc3339_ns(t)); }

 private:
  std::string& out_;
};

// https_json and tls_json in record_json.cpp; keys in byte order: certificate_check, certificates
// (issuer, not_after, not_before, sha256, subject), then for https only content_type, http_status,
// http_version; then peer_address, tls_cipher, tls_version.
void write_tls_facts(Writer& w, const TlsFacts& h, const HttpsFacts* http) {
  w.raw('{');
  bool first = true;
  const auto text = [&](std::string_view key, const std::string& value) {
    if (value.empty()) return;
    w.key(key, first), w.string(value);
    first = false;
  };
  text("certificate_check", h.certificate_check);
  if (!h.certificates.empty()) {
    w.key("certificates", first), w.raw('[');
    first = false;
    for (std::size_t i = 0; i < h.certificates.size(); ++i) {
      const CertificateFacts& c = h.certificates[i];
      if (i) w.raw(',');
      w.raw('{');
      w.key("issuer", true), w.string(c.issuer);
      w.key("not_after"), w.string(c.not_after);
      w.key("not_before"), w.string(c.not_before);
      w.key("sha256"), w.string(c.sha256);
      w.key("subject"), w.string(c.subject);
      w.raw('}');
    }
    w.raw(']');
  }
  if (http != nullptr) {
    text("content_type", http->content_type);
    if (http->http_status != 0) {
      w.key("http_status", first), w.integer(http->http_status);
      first = false;
    }
    text("http_version", http->http_version);
  }
  text("peer_address", h.peer_address);
  text("tls_cipher", h.tls_cipher);
  text("tls_version", h.tls_version);
  w.raw('}');
}

void write_https(Writer& w, const HttpsFacts& h) { write_tls_facts(w, h, &h); }

// exchange_json in record_json.cpp; keys in byte order: https, local_address, query_id, query_wire,
// response_wire, result, rtt_us, sent_at, tls, transport.
void write_exchange(Writer& w, const Exchange& e) {
  w.raw('{');
  bool first = true;
  if (e.https) {
    w.key("https", true), write_https(w, *e.https);
    first = false;
  }
  if (!e.local_address.empty()) {
    w.key("local_address", first), w.string(e.local_address);
    first = false;
  }
  w.key("query_id", first), w.integer(e.query_id);
  w.key("query_wire"), w.base64(e.query_wire);
  if (!e.response_wire.empty()) w.key("response_wire"), w.base64(e.response_wire);
  w.key("result"), w.string(e.result);
  if (e.rtt_us >= 0) w.key("rtt_us"), w.integer(e.rtt_us);
  w.key("sent_at"), w.time(e.sent_at);
  if (e.tls) w.key("tls"), write_tls_facts(w, *e.tls, nullptr);
  w.key("transport"), w.string(transport_name(e.transport));
  w.raw('}');
}

}  // namespace

bool write_observation_leaf(const Observation& o, std::string_view run_id, std::string& out) {
  const std::size_t start = out.size();
  try {
    Writer w(out);
    // observation_json's keys in byte order: addresses, answers, attempts, authoritative,
    // client_subnet, error, flags, https, kind, local_address, outcome, prior_exchanges, purpose,
    // qname, qtype, query_id, query_wire, rcode, resolver, response_wire, rtt_us, run_id, sent_at,
    // tls, transport.
    const Exchange* last = o.exchanges.empty() ? nullptr : &o.exchanges.back();
    w.raw('{');
    w.key("addresses", true), w.string_array(o.addresses);
    w.key("answers"), w.raw('[');
    for (std::size_t i = 0; i < o.answers.size(); ++i) {
      const ResourceRecord& rr = o.answers[i];
      if (i) w.raw(',');
      w.raw('{');
      w.key("data", true), w.string(rr.data);
      w.key("name"), w.string(rr.name);
      w.key("ttl"), w.integer(rr.ttl);
      w.key("type"), w.string(rr.type);
      w.raw('}');
    }
    w.raw(']');
    w.key("attempts"), w.integer(o.exchanges.size());
    if (o.authoritative) {
      w.key("authoritative"), w.raw('{');
      w.key("server", true), w.string(o.authoritative->server);
      w.key("zone"), w.string(o.authoritative->zone);
      w.raw('}');
    }
    if (o.client_subnet) {
      // Keys in byte order: preset, problem, returned, scope_prefix, sent (always present, last).
      const ClientSubnetFacts& c = *o.client_subnet;
      w.key("client_subnet"), w.raw('{');
      bool first = true;
      auto field = [&](std::string_view k) {
        w.key(k, first);
        first = false;
      };
      if (!c.preset.empty()) field("preset"), w.string(c.preset);
      if (!c.problem.empty()) field("problem"), w.string(c.problem);
      if (!c.returned.empty()) field("returned"), w.string(c.returned);
      if (c.scope_prefix) field("scope_prefix"), w.integer(*c.scope_prefix);
      field("sent"), w.string(c.sent);
      w.raw('}');
    }
    if (!o.error.empty()) w.key("error"), w.string(o.error);
    w.key("flags"), w.string_array(o.flags);
    if (last && last->https) w.key("https"), write_https(w, *last->https);
    w.key("kind"), w.raw("\"observation\"");
    if (last && !last->local_address.empty()) w.key("local_address"), w.string(last->local_address);
    w.key("outcome"), w.string(outcome_name(o.outcome));
    if (o.exchanges.size() > 1) {
      w.key("prior_exchanges"), w.raw('[');
      for (std::size_t i = 0; i + 1 < o.exchanges.size(); ++i) {
        if (i) w.raw(',');
        write_exchange(w, o.exchanges[i]);
      }
      w.raw(']');
    }
    if (!o.purpose.empty()) w.key("purpose"), w.string(o.purpose);
    w.key("qname"), w.string(o.qname);
    w.key("qtype"), w.string(qtype_name(o.qtype));
    if (last) w.key("query_id"), w.integer(last->query_id);
    w.key("query_wire"), w.base64(o.query_wire);
    if (o.rcode) w.key("rcode"), w.string(rcode_name(*o.rcode));
    // resolver_json: address, name, port, protocol, url (https only).
    w.key("resolver"), w.raw('{');
    w.key("address", true), w.string(o.resolver.address);
    w.key("name"), w.string(o.resolver.name);
    w.key("port"), w.integer(o.resolver.port);
    w.key("protocol"), w.string(protocol_name(o.resolver.protocol));
    if (!o.resolver.url.empty()) w.key("url"), w.string(o.resolver.url);
    w.raw('}');
    if (!o.response_wire.empty()) w.key("response_wire"), w.base64(o.response_wire);
    if (o.rtt_us >= 0) w.key("rtt_us"), w.integer(o.rtt_us);
    w.key("run_id"), w.string(run_id);
    w.key("sent_at"), w.time(o.sent_at);
    if (last && last->tls) w.key("tls"), write_tls_facts(w, *last->tls, nullptr);
    w.key("transport"), w.string(transport_name(o.transport));
    w.raw('}');
    return true;
  } catch (const NotAscii&) {
    out.resize(start);
    return false;
  }
}

}  // namespace dnswitness
