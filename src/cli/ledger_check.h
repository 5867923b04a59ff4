#pragma once
// Checking a ledger folder that a command has just written (a backup, an upgraded ledger) with
// the checks of verify-ledger, and showing its tree head, so the user learns at once whether the
// result can be relied on and what state it holds.
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "ledger/store.h"
#include "ledger/verify.h"

namespace dnswitness::cli {

struct FolderCheck {
  bool ok = false;
  std::string failure;                // the first thing found wrong (no full stop)
  std::string origin;
  std::string key_source;             // which public key the signatures were checked with
  LedgerVerification ledger;
  std::size_t tokens = 0;             // RFC 3161 tokens verified
  std::vector<std::string> warnings;  // from the token checks
  std::uint64_t size = 0;             // the last tree head (0: an empty ledger)
  std::string root;                   // its root hash, base64
};

// Opens `paths` read-only and runs verify-ledger's checks (signatures with keys/ledger.pub, or
// the key recorded in the ledger when that file is missing; RFC 3161 tokens to their stored
// roots). Throws LedgerError or CryptoError when the folder cannot be read at all.
FolderCheck check_ledger_folder(const LedgerPaths& paths, int busy_timeout_ms);

// What was checked, then the tree head: "  origin: …\n  size:   …\n  root:   …\n".
void print_check(std::ostream& out, const FolderCheck& check);

}  // namespace dnswitness::cli
