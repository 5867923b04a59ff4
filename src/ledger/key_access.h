#pragma once
// Who else may use the ledger's signing key: checked by every command that signs with it
// (resolve-snapshot, watch, keygen, schedule install), through LedgerStore::load_or_create_key.
//
// A private key or key folder that other users can read or enter is a warning (one line naming the
// file, its mode and the chmod that fixes it): the ledger stays usable, but the operator must
// know the key may have been copied. A key file or key folder that other users can WRITE is
// refused (LedgerError usage, exit 2): anyone could then replace the key and sign in the
// operator's name, so nothing is signed until the mode is fixed.
#include <string>
#include <vector>

#include "ledger/store.h"

namespace dnswitness {

// The warnings for `paths` (empty when keys/ and keys/ledger.key are private or absent). Throws
// LedgerError(usage) when other users may write either.
std::vector<std::string> check_key_access(const LedgerPaths& paths);

// check_key_access(), printing each warning once per process on stderr as "dnswitness: warning: ...".
void warn_about_key_access(const LedgerPaths& paths);

}  // namespace dnswitness
