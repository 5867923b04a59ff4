#pragma once
// POSTs RFC 3161 time-stamp queries to their TSAs, and add-checkpoint requests to witnesses
// (tlog/witness_client.h), with libcurl, all at once (curl's multi interface), and brings back what
// each answered.
//
// Role: the TSA network path, nothing else: http and https only, no redirects (a run contacts
// only the hosts the user named), at most 1 MiB per answer, a fixed overall timeout. Transport
// failures are results, never exceptions.
// Ownership: plain values. Thread-safety: post_all may run on several threads at once.
#include <string>
#include <vector>

#include "model/bytes.h"

namespace dnswitness {

struct HttpPost {
  std::string url;
  Bytes body;
  std::string user;           // HTTP Basic, when not empty
  std::string password;
  std::string client_cert;    // PEM files for a TLS client certificate, when not empty
  std::string client_key;
  std::vector<std::string> ca_files;  // extra anchors for an https TSA's server certificate
  std::string content_type = "application/timestamp-query";
};

struct HttpReply {
  bool transport_ok = false;  // false: no HTTP answer at all (see error)
  long status = 0;            // HTTP status
  std::string content_type;
  Bytes body;
  std::string error;          // transport failure, in words
};

// One reply per post, in order. `timeout_ms` bounds the whole exchange of each.
std::vector<HttpReply> post_all(const std::vector<HttpPost>& posts, long timeout_ms);

}  // namespace dnswitness
