#pragma once
// verify-ledger's check of the stored RFC 3161 tokens, offline.
//
// Every row of the timestamps table with status "granted" must hold a token whose message imprint
// is the SHA-256 of the text of a tree head the ledger signed, whose CMS signature and
// signing-certificate binding verify, and whose signer chains, at the token's own genTime, to a
// trust anchor: the --tsa-ca files when given, else the root stored with the token (then the
// printed root fingerprint is what to compare with the TSA's published one). The genTime must be
// the one recorded beside it. A token dated before its run started is reported as a warning (the
// machine's clock was ahead), not as tampering. Rows recording failed attempts are counted only.
// Role: pure reading. Ownership: borrows the store. Thread-safety: none.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ledger/store.h"

namespace dnswitness {

struct TimestampVerification {
  bool ok = true;
  std::string failure;               // the first token that fails, named, one sentence without a full stop
  std::size_t tokens = 0;            // granted rows verified
  std::size_t failed_attempts = 0;   // rows that record a failed attempt (no evidence, not checked)
  std::size_t tree_heads = 0;        // distinct tree heads with at least one verified token
  std::set<std::string> tsas;        // TSA URLs with verified tokens
  std::set<std::string> roots;       // SHA-256 fingerprints of the anchors the tokens chained to
  std::optional<std::uint64_t> newest_size;  // the largest tree head with a verified token
  std::string newest_gen_time, newest_tsa;
  std::vector<std::string> warnings;
};

// `tsa_ca`: anchor files to trust instead of the stored roots (empty: the stored roots).
// Call after verify_ledger succeeded (it trusts the stored checkpoints' roots). Throws LedgerError
// for an unreadable database.
TimestampVerification verify_ledger_timestamps(LedgerStore& store, const std::vector<std::string>& tsa_ca);

}  // namespace dnswitness
