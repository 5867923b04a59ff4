#include "witness/witness_server.h"

#include <fmt/format.h>

#include <chrono>

#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "net/http_service.h"
#include "witness/add_checkpoint.h"

namespace dnswitness {
namespace {

std::uint64_t posix_seconds_now() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

WitnessResponse plain(int status, std::string body) {
  WitnessResponse r;
  r.status = status;
  r.body = std::move(body) + "\n";
  return r;
}

WitnessResponse route(WitnessState& state, const HttpRequestView& req) {
  const std::string& target = req.target;
  if (target == "/add-checkpoint") {
    if (req.method != "POST") return plain(405, "add-checkpoint takes POST");
    return add_checkpoint(state, req.body, posix_seconds_now());
  }
  // /<hex SHA-256(origin)>/checkpoint
  constexpr std::string_view kSuffix = "/checkpoint";
  if (target.size() == 1 + 64 + kSuffix.size() && target.ends_with(kSuffix)) {
    if (req.method != "GET" && req.method != "HEAD")
      return plain(405, "the checkpoint is read with GET");
    const std::string hex = target.substr(1, 64);
    for (const auto& l : state.logs()) {
      const Hash h = sha256(ByteView(reinterpret_cast<const std::uint8_t*>(l.origin.data()), l.origin.size()));
      if (hex_encode(h) != hex) continue;
      if (l.cosigned_note.empty()) break;
      WitnessResponse r;
      r.status = 200;
      r.body = l.cosigned_note;
      return r;
    }
    return plain(404, "no cosigned checkpoint for that log");
  }
  return plain(404, "not found");
}

}  // namespace

void serve_witness(WitnessState& state, const WitnessServerOptions& options) {
  HttpServiceOptions http;
  http.host = options.host;
  http.port = options.port;
  http.client_timeout_s = options.client_timeout_s;
  http.max_body_bytes = kMaxAddCheckpointBody;
  http.server_name = "dnswitness-witness";
  http.on_listening = options.on_listening;
  http.on_request = options.on_request;
  serve_http(http, [&](const HttpRequestView& req) {
    const WitnessResponse r = route(state, req);
    return HttpAnswer{r.status, r.content_type, r.body};
  });
}

}  // namespace dnswitness
