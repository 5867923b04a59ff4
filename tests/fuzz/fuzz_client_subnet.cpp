// Fuzz target for the hand-written query bytes and the ECS option reader:
// 1. any bytes read as a DNS message: no crash, no out-of-bounds read, and a returned option is
//    consistent with its own lengths;
// 2. a query built from parameters taken from the input must read back as what was asked:
//    the same question, RD as asked, and the client subnet with bits after the prefix cleared.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>

#include "resolvers/client_subnet.h"
#include "resolvers/query_builder.h"
#include "resolvers/wire.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dnswitness;
  const ByteView bytes(data, size);
  const EcsScan scan = read_client_subnet_option(bytes);
  if (scan.option) {
    const auto& o = *scan.option;
    if (o.address.size() != (o.source_prefix + 7u) / 8u) std::abort();
    if (o.family != 1 && o.family != 2) std::abort();
    if (!scan.has_opt) std::abort();
    (void)o.address_text();
  }

  // Parameters: [flags][prefix][qtype hi][qtype lo][16 address bytes][name bytes...]
  if (size < 20) return 0;
  QueryBytesSpec spec;
  EcsPrefix p;
  p.family = (data[0] & 1) ? 2 : 1;
  const unsigned max_bits = p.family == 2 ? 128 : 32;
  p.source_prefix = static_cast<std::uint8_t>(data[1] % (max_bits + 1));
  for (std::size_t i = 0; i < 16; ++i) p.address[i] = data[4 + i];
  if (p.family == 1) std::fill(p.address.begin() + 4, p.address.end(), 0);
  spec.recursion_desired = (data[0] & 2) != 0;
  spec.edns_size = (data[0] & 4) ? 0 : static_cast<std::uint16_t>(512 + data[1]);
  if (!(data[0] & 4) && !(data[0] & 8)) spec.client_subnet = p;
  spec.qtype = static_cast<std::uint16_t>(data[2] << 8 | data[3]);
  spec.id = static_cast<std::uint16_t>(data[1] << 8 | data[0]);
  // The name: letters from the rest of the input, '.' where a byte says so.
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789-_";
  for (std::size_t i = 20; i < size; ++i)
    spec.qname += (data[i] % 40 == 39) ? '.' : kAlphabet[data[i] % 38];
  Bytes query;
  try {
    query = build_query_bytes(spec);
  } catch (const std::invalid_argument&) {
    return 0;  // names the builder refuses (empty labels, too long)
  }
  const auto header = read_header(query);
  const auto question = read_question(query);
  if (!header || !question) std::abort();
  if (question->qname != spec.qname || question->qtype != spec.qtype || question->qclass != 1) std::abort();
  if (((header->flags & 0x0100) != 0) != spec.recursion_desired) std::abort();
  if (header->id != spec.id || header->qr()) std::abort();
  const EcsScan back = read_client_subnet_option(query);
  if (!back.readable || back.has_opt != (spec.edns_size > 0)) std::abort();
  if (back.option.has_value() != spec.client_subnet.has_value()) std::abort();
  if (back.option) {
    if (back.option->family != p.family || back.option->source_prefix != p.source_prefix ||
        back.option->scope_prefix != 0 || back.option->address.size() != p.address_bytes())
      std::abort();
    for (std::size_t bit = 0; bit < back.option->address.size() * 8; ++bit) {
      const bool sent = back.option->address[bit / 8] & (0x80u >> (bit % 8));
      const bool given = p.address[bit / 8] & (0x80u >> (bit % 8));
      if (sent != (bit < p.source_prefix && given)) std::abort();
    }
  }
  return 0;
}
