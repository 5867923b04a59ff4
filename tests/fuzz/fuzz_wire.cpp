// Fuzz target for the wire reader and response decoding: any bytes, never a crash or an
// out-of-bounds read, and a decoded response is internally consistent.
#include <cstdint>
#include <cstdlib>

#include "resolvers/wire.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const dnswitness::ByteView bytes(data, size);
  dnswitness::WireReader reader(bytes);
  while (reader.u16()) {
  }
  // Decode against the message's own question, so real responses reach the answer parsing.
  const auto question = dnswitness::read_question(bytes);
  const std::string qname = question ? question->qname : "twitter.com";
  const std::uint16_t qtype = question ? question->qtype : 1;
  const auto decoded = dnswitness::decode_response(bytes, qname, qtype);
  if (decoded.ok && decoded.addresses.size() > decoded.answers.size()) std::abort();
  if (decoded.ok && decoded.header.ancount != decoded.answers.size()) std::abort();
  // The direct reader, when it takes a message, must say exactly what ldns says.
  if (const auto direct = dnswitness::decode_response_direct(bytes, qname, qtype)) {
    const auto reference = dnswitness::decode_response_ldns(bytes, qname, qtype);
    if (direct->ok != reference.ok || direct->problem != reference.problem || direct->rcode != reference.rcode ||
        direct->addresses != reference.addresses || direct->answers.size() != reference.answers.size())
      std::abort();
    for (std::size_t i = 0; i < direct->answers.size(); ++i) {
      const auto &a = direct->answers[i], &b = reference.answers[i];
      if (a.name != b.name || a.type != b.type || a.ttl != b.ttl || a.data != b.data) std::abort();
    }
  }
  return 0;
}
