#include "reports/evidence_log.h"

#include <fmt/format.h>

#include "ledger/cosignatures.h"
#include "model/errors.h"
#include "tsa/bundle_tokens.h"

namespace dnswitness {

Ed25519PublicKey LedgerEvidenceLog::bound_key(LedgerStore& store) {
  const auto key = store.bound_public_key();
  if (!key)
    throw LedgerError(LedgerError::Kind::usage, fmt::format("The ledger {} has no signing key yet; run "
                                                            "resolve-snapshot first.",
                                                            store.paths().dir.string()));
  return *key;
}

LedgerEvidenceLog::LedgerEvidenceLog(LedgerStore& store) : store_(store), key_(bound_key(store)), reader_(store) {}

std::optional<nlohmann::json> LedgerEvidenceLog::cosignatures(std::uint64_t size) {
  // The lines the published checkpoint carries (tlog/witnessing.h), with each witness's key.
  nlohmann::json list = cosignature_list(store_.db(), size);
  if (list.empty()) return std::nullopt;
  return list;
}

std::optional<nlohmann::json> LedgerEvidenceLog::timestamps(std::uint64_t size) {
  if (!tokens_) tokens_ = bundle_timestamps(store_);
  const auto it = tokens_->find(size);
  if (it == tokens_->end()) return std::nullopt;
  return it->second;
}

}  // namespace dnswitness
