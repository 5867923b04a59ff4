#pragma once
// The RFC 3161 tokens a report bundle carries with its tree heads: each checkpoint entry of
// report.json may hold "timestamps": [{tsa_url, accredited, gen_time, token_base64, chain_pem}],
// the ledger's granted tokens for that tree head, so `dnswitness verify` can date the tree head
// offline without the ledger (docs/report.md).
// Role: build those entries from the ledger, and check them in a bundle: the imprint is SHA-256 of
// the tree head's text (recomputed from the verified note), the signature and the chain verify (at
// the token's time, to the root carried in chain_pem, whose fingerprint is reported for comparison
// with the TSA's published one), and gen_time is the token's. Ownership: plain values.
// Thread-safety: verify_bundle_timestamps is thread-safe; bundle_timestamps reads the store.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "crypto/sha256.h"
#include "ledger/store.h"

namespace dnswitness {

// Tree size -> the JSON list of its granted tokens (sizes without a token are absent).
std::map<std::uint64_t, nlohmann::json> bundle_timestamps(LedgerStore& store);

struct BundleTokens {
  std::size_t tokens = 0;
  std::set<std::string> roots;  // SHA-256 fingerprints of the TSA roots the tokens chain to
  std::set<std::string> tsas;
};

// Checks a checkpoint entry's "timestamps" list for the tree head (origin, size, root). Returns
// an empty string when every token verifies, else what failed (one sentence, no full stop).
std::string verify_bundle_timestamps(const nlohmann::json& list, const std::string& origin, std::uint64_t size,
                                     const Hash& root, BundleTokens& summary);

}  // namespace dnswitness
