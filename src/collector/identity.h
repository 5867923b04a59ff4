#pragma once
// The collector's own identity: the name and Ed25519 key it cosigns accepted probe checkpoints
// with (c2sp.org/tlog-cosignature, as a witness does). The private key lives in a PEM file on the
// collector's machine (mode 0600), never in the database; the database records the name and the
// cosignature verifier key, so a collector started with another key file is refused instead of
// cosigning under a second key.
// Thread-safety: as PgSession.
#include <filesystem>
#include <string>

#include "collector/pg_session.h"
#include "crypto/ed25519.h"

namespace dnswitness {

struct CollectorIdentity {
  std::string name;          // a key name, e.g. "collector.example.jp/fleet"
  std::string verifier_key;  // its cosignature verifier key "<name>+<key ID>+<base64(0x04 || key)>"
};

// Records the identity: makes `key_file` (0600) when it does not exist, else reads it. Throws
// UsageError for a bad name, an unreadable key file, or a database that already has another
// identity (naming it); returns the identity (the same one again when it was already recorded).
CollectorIdentity set_collector_identity(PgSession& db, const std::string& name, const std::filesystem::path& key_file);

// The identity recorded by `collector init --name`; an empty name when there is none.
CollectorIdentity recorded_collector_identity(PgSession& db);

// The key in `key_file`, checked against the recorded identity. Throws UsageError when there is no
// identity yet or the key is not the one recorded.
Ed25519PrivateKey load_collector_key(PgSession& db, const std::filesystem::path& key_file, CollectorIdentity& out);

}  // namespace dnswitness
