#pragma once
// A consistent copy of a ledger folder, taken while other processes (a running `watch`) keep
// appending to it.
//
// Role: copy the database with SQLite's online backup API in a single step, which reads one
// snapshot under one read transaction: the copy holds exactly the runs committed when the step
// began, never half a run, and writers are not blocked meanwhile (WAL). The copy is written under
// a temporary name, switched to the rollback journal (so it is one self-contained file that opens
// even from read-only media), synced and only then given its name. The key files are copied with
// mode 0600 into a 0700 keys folder. Nothing else of the folder is copied (see LedgerCopy).
//
// It does not look at what the database holds (no schema version check, no verification): callers
// decide that, so `migrate` can copy a ledger of an older schema before upgrading it.
// Ownership: opens and closes its own connections. Thread-safety: none needed (no shared state).
#include <filesystem>
#include <string>
#include <vector>

#include "ledger/store.h"

namespace dnswitness {

struct LedgerCopy {
  std::filesystem::path dir;           // the new ledger folder
  std::vector<std::string> key_files;  // names copied into keys/
  std::vector<std::string> left_out;   // other entries of the ledger folder, not copied
  std::vector<std::string> warnings;   // things the user should know, one sentence each (no full stop)
};

// Copies the ledger in `from` into the folder `to`, which must not exist or be an empty folder
// outside the ledger folder (else LedgerError usage: nothing is ever overwritten). Missing parent
// folders are created. busy_timeout_ms bounds the wait for a lock on the source. On failure every
// file and folder this call created is removed again, and LedgerError is thrown.
LedgerCopy copy_ledger(const LedgerPaths& from, const std::filesystem::path& to, int busy_timeout_ms);

}  // namespace dnswitness
