#include "model/observation.h"

namespace dnswitness {

std::string_view outcome_name(Outcome o) {
  switch (o) {
    case Outcome::answer: return "answer";
    case Outcome::nodata: return "nodata";
    case Outcome::nxdomain: return "nxdomain";
    case Outcome::servfail: return "servfail";
    case Outcome::refused: return "refused";
    case Outcome::rcode_error: return "rcode_error";
    case Outcome::timeout: return "timeout";
    case Outcome::network_error: return "network_error";
    case Outcome::malformed: return "malformed";
    case Outcome::tls_error: return "tls_error";
  }
  return "malformed";
}

bool outcome_has_response(Outcome o) {
  return o != Outcome::timeout && o != Outcome::network_error && o != Outcome::malformed && o != Outcome::tls_error;
}

Outcome final_failure_outcome(const Observation& o, Outcome last) {
  for (const auto& e : o.exchanges)
    if (e.result == "malformed") return Outcome::malformed;
  return last;
}

void take_final_exchange(Observation& o) {
  if (o.exchanges.empty()) return;
  const Exchange& last = o.exchanges.back();
  o.transport = last.transport;
  o.rtt_us = last.rtt_us;
  o.query_wire = last.query_wire;
  o.response_wire = last.response_wire;
}

std::string_view transport_name(Transport t) {
  switch (t) {
    case Transport::udp: return "udp";
    case Transport::tcp: return "tcp";
    case Transport::https: return "https";
    case Transport::tls: return "tls";
  }
  return "udp";
}

std::string rcode_name(int rcode) {
  switch (rcode) {
    case 0: return "NOERROR";
    case 1: return "FORMERR";
    case 2: return "SERVFAIL";
    case 3: return "NXDOMAIN";
    case 4: return "NOTIMP";
    case 5: return "REFUSED";
    case 6: return "YXDOMAIN";
    case 7: return "YXRRSET";
    case 8: return "NXRRSET";
    case 9: return "NOTAUTH";
    case 10: return "NOTZONE";
    default: return "RCODE" + std::to_string(rcode);
  }
}

}  // namespace dnswitness
