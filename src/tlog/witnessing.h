#pragma once
// Witnessing a ledger's newest tree head (`publish --witness`, `watch --publish --witness`): ask
// every witness that has not cosigned it yet, all at once, store every answer in the ledger's
// cosignatures table (ledger/cosignatures.h), and give the checkpoint text with the cosignatures
// the ledger holds, which is what `publish` puts in the folder's checkpoint file.
//
// Each witness is asked from the largest size it cosigned before (0 for a new one; a 409 tells the
// size it really holds and the request is sent once more from there; tlog/witness_client.h). A
// witness that is down, slow or refuses never stops anything: its attempt is stored with what went
// wrong, and the next call asks it again (for the then newest tree head, which extends this one).
//
// Ownership: borrows the store. Thread-safety: none for the store; the requests run on threads of
// their own, which share one LedgerReader under a mutex for the consistency proofs.
#include <string>
#include <vector>

#include "ledger/cosignatures.h"
#include "ledger/store.h"
#include "tlog/witness_client.h"

namespace dnswitness {

struct WitnessingResult {
  std::uint64_t size = 0;                 // the tree head the witnesses were asked to cosign
  std::vector<CosignatureRow> attempts;   // the requests made now, as stored (ids set)
  std::vector<std::string> already;       // witnesses that had cosigned that tree head before
};

// Asks, stores, returns. The whole call takes at most about timeout_ms (twice after a 409). Throws
// LedgerError when the ledger cannot be read or written; never for what a witness does.
WitnessingResult witness_newest_tree_head(LedgerStore& store, const std::vector<WitnessEndpoint>& witnesses,
                                          long timeout_ms);

// The note of the tree head of `size` (as stored) followed by the cosignature lines the ledger holds
// for it, one per witness key, ordered by witness name then key: a cosigned checkpoint
// (c2sp.org/tlog-cosignature), byte for byte what `publish` writes.
std::string cosigned_checkpoint_text(Db& db, const std::string& note, std::uint64_t size);

// Whether the witness refused the tree head because it holds a tree this one does not extend (422,
// or a 409 naming a larger size): the alarm of a fork or a rollback.
bool is_inconsistent_refusal(const CosignatureRow& attempt);

// One line for each attempt: "the witness W cosigned size N." or a WARNING naming what went wrong
// and, for a refusal of a tree it finds inconsistent (422, or a 409 with a larger size), saying
// loudly that this can be a fork.
std::vector<std::string> witnessing_messages(const WitnessingResult& r);

}  // namespace dnswitness
