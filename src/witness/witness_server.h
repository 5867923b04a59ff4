#pragma once
// The witness's HTTP service (c2sp.org/tlog-witness v1.0.0), on net/http_service.h:
//   POST /add-checkpoint              witness/add_checkpoint.h
//   GET  /<hex SHA-256(origin)>/checkpoint   the newest checkpoint it cosigned for that log
// Plain HTTP on the address given (TLS belongs to a reverse proxy in front, docs/witness.md). One
// request per connection; bodies over 16 KiB and headers over 8 KiB are refused; a client has 10 s
// to send its request and read the answer. SIGTERM or SIGINT stops it at once: a request being
// answered has either stored its new size whole or not at all (one transaction).
//
// Ownership: borrows the state. Thread-safety: runs on the calling thread until stopped.
#include <cstdint>
#include <functional>
#include <string>

#include "witness/witness_state.h"

namespace dnswitness {

struct WitnessServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  int client_timeout_s = 10;
  // Called once listening, with the port bound (the one asked for, or the one the system chose for 0).
  std::function<void(std::uint16_t)> on_listening;
  // Called after each request: method, target, status.
  std::function<void(const std::string&, const std::string&, int)> on_request;
};

// Serves until SIGTERM or SIGINT. Throws std::runtime_error when the address cannot be bound.
void serve_witness(WitnessState& state, const WitnessServerOptions& options);

}  // namespace dnswitness
