#include "tsa/bundle_tokens.h"

#include <fmt/format.h>

#include "crypto/encoding.h"
#include "ledger/timestamps.h"
#include "tsa/rfc3161.h"
#include "tsa/stamp_tree_head.h"

namespace dnswitness {

std::map<std::uint64_t, nlohmann::json> bundle_timestamps(LedgerStore& store) {
  std::map<std::uint64_t, nlohmann::json> out;
  for (const auto& r : read_timestamps(store.db())) {
    if (r.status != "granted") continue;
    auto& list = out[r.size];
    if (list.is_null()) list = nlohmann::json::array();
    list.push_back({{"tsa_url", r.tsa_url},
                    {"accredited", r.accredited},
                    {"gen_time", r.gen_time},
                    {"token_base64", base64_encode(r.response)},
                    {"chain_pem", r.chain_pem}});
  }
  return out;
}

std::string verify_bundle_timestamps(const nlohmann::json& list, const std::string& origin, std::uint64_t size,
                                     const Hash& root, BundleTokens& summary) {
  if (!list.is_array()) return fmt::format("the time-stamps of tree head {} are not a list", size);
  const Hash imprint = tree_head_imprint(origin, size, root);
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& t = list[i];
    const std::string name = fmt::format("time-stamp token {} of the tree head at size {}", i, size);
    if (!t.is_object() || !t.contains("token_base64") || !t["token_base64"].is_string() || !t.contains("chain_pem") ||
        !t["chain_pem"].is_string() || !t.contains("gen_time") || !t["gen_time"].is_string() ||
        !t.contains("tsa_url") || !t["tsa_url"].is_string())
      return fmt::format("{} lacks tsa_url, gen_time, token_base64 or chain_pem", name);
    const auto der = base64_decode(t["token_base64"].get<std::string>());
    if (!der) return fmt::format("{}: token_base64 is not base64", name);
    const std::string chain = t["chain_pem"].get<std::string>();
    TsaTrust trust;
    trust.pem_text = chain_roots_pem(chain);
    if (trust.pem_text.empty()) return fmt::format("{}: its chain_pem has no root certificate", name);
    const TokenCheck c = verify_stored_token(*der, imprint, trust, chain);
    if (c.status != "granted") return fmt::format("{} (from {}) does not verify: {}", name, t["tsa_url"].get<std::string>(), c.error);
    if (c.gen_time != t["gen_time"].get<std::string>())
      return fmt::format("{}: its gen_time is not the token's own time ({})", name, c.gen_time);
    const auto fps = pem_fingerprints(c.chain_pem);
    if (!fps.empty()) summary.roots.insert(fps.back());
    summary.tsas.insert(t["tsa_url"].get<std::string>());
    ++summary.tokens;
  }
  return {};
}

}  // namespace dnswitness
