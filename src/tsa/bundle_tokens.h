#pragma once
// The RFC 3161 tokens a report bundle carries with its tree heads: each checkpoint entry of
// report.json may hold "timestamps": [{tsa_url, accredited, gen_time, token_base64, chain_pem}],
// the ledger's granted tokens for that tree head, so `dnswitness verify` can date the tree head
// offline without the ledger (docs/report.md).
// Role: build those entries from the ledger, and check them in a bundle: the imprint is SHA-256 of
// the tree head's text (recomputed from the verified note), the signature and the chain verify (at
// the token's time, to the root carried in chain_pem, whose fingerprint is reported for comparison
// with the TSA's published one), and gen_time is the token's. With the reader's own roots
// (--tsa-ca) each chain must also verify to one of them, and "accredited" is decided here (a root
// of the reader's AND a signer of the list of accredited TSAs, tsa/accredited_tsas.h): a token the
// bundle labels accredited that is not fails; without roots such a label is listed in `unconfirmed`
// (a warning: nothing can be decided, and the token itself is intact). Ownership: plain values.
// Thread-safety: verify_bundle_timestamps is thread-safe; bundle_timestamps reads the store.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include <optional>
#include <vector>

#include "crypto/sha256.h"
#include "ledger/store.h"
#include "ledger/timestamps.h"
#include "tsa/accredited_tsas.h"

namespace dnswitness {

// Tree size -> the JSON list of its granted tokens (sizes without a token are absent).
std::map<std::uint64_t, nlohmann::json> bundle_timestamps(LedgerStore& store);
// One granted token as those lists (and a published log's dnswitness/timestamps/ files) carry it:
// {tsa_url, accredited, gen_time, token_base64, chain_pem}.
nlohmann::json timestamp_token_json(const TimestampRow& row);

// What the reader trusts: roots (--tsa-ca files; none: the signers stay unchecked) and the list
// that names the accredited services (needed when there are roots).
struct TsaAnchors {
  std::vector<std::string> ca_files;
  std::optional<AccreditedTsaList> accredited;
};

struct BundleTokens {
  std::size_t tokens = 0;
  std::set<std::string> roots;  // SHA-256 fingerprints of the TSA roots the tokens chain to
  std::set<std::string> tsas;
  bool signers_checked = false;  // the chains were verified to the reader's roots
  std::set<std::string> signers;  // their signers (RFC 4514), when checked
  // "token I of the tree head at size N: SERVICE (OPERATOR)" for every token verify found
  // accredited, and the same for those among them the bundle did not label accredited.
  std::vector<std::string> accredited, unlabelled;
  // Tokens the bundle labels accredited, when no roots were given to decide it (one sentence each).
  std::vector<std::string> unconfirmed;
};

// Checks a checkpoint entry's "timestamps" list for the tree head (origin, size, root). Returns
// an empty string when every token verifies, else what failed (one sentence, no full stop).
std::string verify_bundle_timestamps(const nlohmann::json& list, const std::string& origin, std::uint64_t size,
                                     const Hash& root, BundleTokens& summary, const TsaAnchors& anchors = {});

}  // namespace dnswitness
