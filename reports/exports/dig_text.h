#pragma once
// A DNS message as the text `dig` prints, for `show`: experts read it as they read dig.
//
//   ;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 8965
//   ;; flags: qr aa rd; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1
//
//   ;; OPT PSEUDOSECTION:
//   ; EDNS: version: 0, flags:; udp: 1232
//   ; NSID: 76 6d ("vm")
//   ; CLIENT-SUBNET: 49.96.1.0/24/12
//
//   ;; QUESTION SECTION:
//   ;www.geo.test.		IN	A
//
//   ;; ANSWER SECTION:
//   www.geo.test.		60	IN	A	198.51.100.10
//
//   ;; MSG SIZE: 74
//
// The layout is BIND dig's (tabs to column 24, the OPT record as a pseudo-section, the counts as on
// the wire, status the extended RCODE when there is an OPT). The records are the ones
// rfc8427_message() decodes (ldns underneath), in the same text, so each record line equals kdig's
// for the same bytes, whitespace aside (docs/export.md lists the few exceptions). EDNS options
// are named and decoded: NSID, CLIENT-SUBNET, COOKIE, EXPIRE, TCP-KEEPALIVE, PADDING, EDE, KEY-TAG,
// DAU/DHU/N3U; any other as OPT=<code> with its hex.
// Bytes that do not decode to their end (rfc8427_decode_problem) give exactly two lines: one saying
// so and why, one with the message's hex.
// Role: a pure function over bytes. Thread-safety: reentrant.
#include <string>

#include "model/bytes.h"

namespace dnswitness {

// The message as dig-style text, every line ending in '\n'. Never throws on bad input; never reads
// outside `message`.
std::string dig_text(ByteView message);

}  // namespace dnswitness
