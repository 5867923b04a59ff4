#pragma once
// Time-stamping a signed tree head: after a run's checkpoint is committed, each configured TSA is
// asked once, all at the same time, for a token over the tree head, and every attempt (token or
// failure) becomes a row of the ledger's timestamps table.
//
// The message imprint is SHA-256 of the checkpoint text: exactly the bytes the ledger's Ed25519
// signature covers ("<origin>\n<size>\n<base64 root>\n"), so `openssl ts -verify -data` can check
// a token against the first three lines of the stored note (docs/ledger.md).
// Role: never fatal: a TSA that is down, answers an HTTP error or garbage, or whose token does not
// verify is recorded with its status and error, and the next run asks again (for its own, newer
// tree head, which extends this one). Ownership: borrows the store. Thread-safety: none.
#include <cstdint>
#include <string>
#include <vector>

#include "crypto/sha256.h"
#include "ledger/store.h"
#include "ledger/timestamps.h"
#include "tsa/tsa_settings.h"

namespace dnswitness {

// SHA-256 of "<origin>\n<size>\n<base64 root>\n".
Hash tree_head_imprint(const std::string& origin, std::uint64_t size, const Hash& root);

struct StampResult {
  TimestampRow row;
  std::string signer;  // granted: the TSA signer certificate's subject
};

// Asks every target for a token over the tree head (size, root) of `store`, records every
// attempt, and returns them in the order of `targets`. Throws LedgerError only when the rows
// cannot be written.
std::vector<StampResult> stamp_tree_head(LedgerStore& store, std::uint64_t size, const Hash& root,
                                         const std::vector<TsaTarget>& targets, long timeout_ms = 15000);

}  // namespace dnswitness
