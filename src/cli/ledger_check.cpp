#include "cli/ledger_check.h"

#include <fmt/format.h>

#include <ostream>

#include "crypto/encoding.h"
#include "tsa/verify_timestamps.h"

namespace dnswitness::cli {

FolderCheck check_ledger_folder(const LedgerPaths& paths, int busy_timeout_ms) {
  LedgerStore store(paths, LedgerStore::Mode::read_only, {}, busy_timeout_ms);
  FolderCheck c;
  c.origin = store.origin();
  std::optional<Ed25519PublicKey> key;
  std::error_code ec;
  if (std::filesystem::exists(paths.public_key(), ec)) {
    key = Ed25519PublicKey::load_pem_file(paths.public_key());
    c.key_source = paths.public_key().string();
  } else if (store.bound_public_key()) {
    key = store.bound_public_key();
    c.key_source = "the key recorded in the ledger (keys/ledger.pub is missing)";
  }
  const auto checkpoints = store.checkpoints();
  if (!checkpoints.empty()) {
    c.size = checkpoints.back().size;
    c.root = base64_encode(checkpoints.back().root);
  }
  if (!key) {
    // No key was ever bound, so nothing was ever signed: an empty ledger.
    c.ok = checkpoints.empty();
    if (!c.ok) c.failure = "it has signed tree heads but no public key to check them with";
    return c;
  }
  c.ledger = verify_ledger(store, *key);
  if (!c.ledger.ok) {
    c.failure = c.ledger.failure;
    return c;
  }
  const TimestampVerification t = verify_ledger_timestamps(store, {});
  c.tokens = t.tokens;
  c.warnings = t.warnings;
  c.ok = t.ok;
  c.failure = t.failure;
  return c;
}

void print_check(std::ostream& out, const FolderCheck& c) {
  out << fmt::format("  checked with {}: {} signed tree heads, {} leaves, {} consistency proofs, {} index rows",
                     c.key_source.empty() ? "no key (an empty ledger)" : c.key_source, c.ledger.signatures,
                     c.ledger.leaves, c.ledger.consistency_proofs, c.ledger.index_rows);
  if (c.tokens > 0) out << fmt::format(", {} time-stamp tokens", c.tokens);
  out << '\n'
      << fmt::format("  origin: {}\n", c.origin) << fmt::format("  size:   {}\n", c.size)
      << fmt::format("  root:   {}\n", c.size == 0 ? "(empty tree)" : c.root);
}

}  // namespace dnswitness::cli
