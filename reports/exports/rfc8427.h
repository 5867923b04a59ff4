#pragma once
// A DNS message as an RFC 8427 JSON object ("Representing DNS Messages in JSON"), with the members
// and values that `kdig +json` (Knot DNS 3.2) prints for the same bytes, so that an expert's own
// kdig output and our export compare member for member.
//
// Members (kdig's names and JSON types; docs/export.md has the table):
//   msgLength                                    number, the message's size in bytes
//   ID QR Opcode AA TC RD RA AD CD RCODE         numbers (flags 0/1; RCODE the header's 4 bits)
//   QDCOUNT ANCOUNT NSCOUNT ARCOUNT              numbers, as on the wire
//   QNAME QTYPE QTYPEname QCLASS QCLASSname      when QDCOUNT is 1 and the question decodes
//   answerRRs authorityRRs additionalRRs         arrays, each present only when not empty; each
//       record: NAME TYPE TYPEname CLASS CLASSname TTL rdata<TYPE> RDLENGTH RDATAHEX
//       - names in Knot's presentation (trailing dot; punctuation other than - _ * / escaped).
//       - TYPEname, CLASSname: Knot 3.2's mnemonics, else TYPEnnn / CLASSnnn (so the 23 obsolete
//         types ldns names but Knot does not, and class HS, are written as numbers, as kdig does).
//       - rdata<TYPE> (rdataA, rdataAAAA, rdataCNAME, rdataSOA, ...): the record data in zone-file
//         text (ldns's, with Knot's conventions where they differ: upper-case hex, numeric CERT
//         type); only for types with a mnemonic and non-empty data.
//       - RDLENGTH / RDATAHEX: the record data with names uncompressed (as kdig prints them), so
//         RDLENGTH can exceed the on-wire length; RDATAHEX absent when RDLENGTH is 0.
//       - TTL: unsigned 32 bits (kdig prints a TTL of 2^31 or more as a negative number).
//       - OPT: CLASS is the UDP payload size, TTL the extended RCODE/version/flags word; neither
//         CLASSname nor rdataOPT (kdig prints the options only as RDATAHEX).
//   messageOctetsHEX                             the whole message, upper-case hex; present exactly
//       when the bytes do not decode to their end (malformed, cut short, trailing bytes). Whatever
//       decoded before the fault is still given (header, question, records), as kdig does. (kdig
//       omits it when the faulty part is the last one and was read in full, e.g. an OPT record in
//       the answer section; we give it whenever rfc8427_decode_problem() is not empty.)
// Left out: dateString and dateSeconds (kdig prints when it ran; the time belongs to the recorded
// exchange, so the caller adds it: rfc8427_add_date). No member of ours is added here.
//
// Decoding follows Knot's rules (libknot knot_pkt_parse) where they are stricter than ldns's: more
// than one question, a compressed QNAME, a forward compression pointer, record data that ldns does
// not consume exactly to RDLENGTH or that lacks a field, an empty RDATA for a known type of class
// IN, an OPT or TSIG out of place, or bytes after the last record all count as not decoding to
// the end. ldns decodes the record data; it is stricter than Knot inside some (a TXT string
// longer than its RDATA), and such a record then ends the decoding where kdig would show it.
// Role: pure functions over bytes (ldns decodes the records). Thread-safety: reentrant.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "model/bytes.h"

namespace dnswitness {

// The DNS message as an RFC 8427 object, with the members and values kdig +json (Knot 3.2) prints
// for the same bytes (without kdig's dateString/dateSeconds). Never throws on bad input; never
// reads outside `message`.
nlohmann::json rfc8427_message(ByteView message);

// Why `message` does not decode to its end under the rules above ("answer record 2 runs past the
// end of the message", ...), or empty when it does, i.e. when rfc8427_message() has no
// messageOctetsHEX.
std::string rfc8427_decode_problem(ByteView message);

// Adds RFC 8427's time members for an instant in UTC nanoseconds since 1970: dateString in RFC 3339
// with nine fraction digits and 'Z' (kdig prints local time to the second, "+0000"), dateSeconds
// the whole seconds (a number, as kdig prints it; the fraction is in dateString).
void rfc8427_add_date(nlohmann::json& message_object, std::int64_t utc_ns);

}  // namespace dnswitness
