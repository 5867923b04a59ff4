#pragma once
// verify-ledger: everything a ledger's integrity rests on, recomputed from the stored bytes.
//
// Role: stream through the leaves once, recomputing each leaf hash (RFC 9162 §2.1.1) and the tree
// head at every checkpoint size with a CompactRange; check each checkpoint's signature with a
// trusted public key; build and verify a consistency proof (RFC 9162 §2.1.4) between every two
// consecutive checkpoints; and check the derived observation index against the leaves. Stops at
// the first failure and says where it is. Needs no trust in anything the database says about
// itself, only in the public key.
// Ownership: borrows the store for the call. Thread-safety: one call per store at a time.
#include <cstdint>
#include <functional>
#include <string>

#include "crypto/ed25519.h"
#include "ledger/store.h"

namespace dnswitness {

struct LedgerVerification {
  bool ok = false;
  std::string failure;  // the first thing found wrong, one sentence naming the leaf or tree head
  std::uint64_t leaves = 0;             // leaf hashes recomputed and compared
  std::uint64_t tree_heads = 0;         // roots recomputed at checkpoint sizes
  std::uint64_t signatures = 0;         // checkpoint signatures verified
  std::uint64_t consistency_proofs = 0; // proofs built and verified between consecutive checkpoints
  std::uint64_t index_rows = 0;         // derived index rows checked against the leaves
};

// progress(leaves done, total leaves) is called every few tens of thousands of leaves.
// Throws LedgerError for an unreadable database (not for tampering, which is reported).
LedgerVerification verify_ledger(LedgerStore& store, const Ed25519PublicKey& trusted_key,
                                 const std::function<void(std::uint64_t, std::uint64_t)>& progress = {});

}  // namespace dnswitness
