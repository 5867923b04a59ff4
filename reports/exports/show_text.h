#pragma once
// `dnswitness show`: one stored observation as a DNS person reads it. A few lines of what the leaf
// says about it (leaf, name and type, resolver, outcome), then each exchange, earliest first: its
// transport, ends, times and round trip, and the response (the query too, with `with_query`) as dig
// prints it (dig_text.h):
//
//   ;; leaf 1234: x.com A via knot (udp 127.0.0.1:26390), outcome answer, run 1e4910873c5381091814770de671af8a
//   ;; exchange 1 of 1: udp 127.0.0.1:40122 -> 127.0.0.1:26390, id 8965, response
//   ;; sent 2026-12-06T00:12:01.123456789Z (2026/12/06 09:12:01(JST)), rtt 1.234 ms
//
//   ;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 8965
//   ...
// Role: formatting. Thread-safety: a pure function.
#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace dnswitness {

// Throws std::runtime_error when the observation lacks a member an exchange needs.
std::string show_observation_text(std::uint64_t leaf_index, const nlohmann::json& observation, bool with_query);

}  // namespace dnswitness
