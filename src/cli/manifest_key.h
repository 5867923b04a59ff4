#pragma once
// The key `report` signs a bundle's manifest with (reports/manifest.h): the ledger's own private key,
// read without ever creating or changing anything, because report only reads the ledger.
//
// A report made by someone who cannot read keys/ledger.key (another user given a readable copy of
// the ledger, docs/ledger.md "Reading a ledger you cannot write") is still made, unsigned, with a
// warning; report.json then says so ("manifest_signature": null) and verify warns about it. A key
// others could replace is refused (exit 2) as for every command that signs, and a key that is not
// the one the ledger was signed with is refused (exit 2) instead of signing a manifest that can
// never verify.
#include <optional>
#include <string>

#include "crypto/ed25519.h"
#include "ledger/store.h"

namespace dnswitness::cli {

struct ManifestKey {
  std::optional<Ed25519PrivateKey> key;  // nullopt: the manifest is not signed
  std::string unsigned_because;          // why not, one clause for the warning
};

// Throws LedgerError(usage) for a key others may write or a key not bound to the ledger, and
// CryptoError for a key file that is readable but damaged.
ManifestKey load_manifest_key(const LedgerStore& store);

}  // namespace dnswitness::cli
