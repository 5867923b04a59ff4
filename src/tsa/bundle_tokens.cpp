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
    list.push_back(timestamp_token_json(r));
  }
  return out;
}

nlohmann::json timestamp_token_json(const TimestampRow& row) {
  return {{"tsa_url", row.tsa_url},
          {"accredited", row.accredited},
          {"gen_time", row.gen_time},
          {"token_base64", base64_encode(row.response)},
          {"chain_pem", row.chain_pem}};
}

std::string verify_bundle_timestamps(const nlohmann::json& list, const std::string& origin, std::uint64_t size,
                                     const Hash& root, BundleTokens& summary, const TsaAnchors& anchors) {
  if (!list.is_array()) return fmt::format("the time-stamps of tree head {} are not a list", size);
  const Hash imprint = tree_head_imprint(origin, size, root);
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& t = list[i];
    const std::string name = fmt::format("time-stamp token {} of the tree head at size {}", i, size);
    if (!t.is_object() || !t.contains("token_base64") || !t["token_base64"].is_string() || !t.contains("chain_pem") ||
        !t["chain_pem"].is_string() || !t.contains("gen_time") || !t["gen_time"].is_string() ||
        !t.contains("tsa_url") || !t["tsa_url"].is_string())
      return fmt::format("{} lacks tsa_url, gen_time, token_base64 or chain_pem", name);
    if (t.contains("accredited") && !t["accredited"].is_boolean())
      return fmt::format("{}: accredited is neither true nor false", name);
    const auto der = base64_decode(t["token_base64"].get<std::string>());
    if (!der) return fmt::format("{}: token_base64 is not base64", name);
    const std::string chain = t["chain_pem"].get<std::string>();
    const std::string url = t["tsa_url"].get<std::string>();
    // Intact: the token verifies on its own, to the root its chain carries.
    TsaTrust trust;
    trust.pem_text = chain_roots_pem(chain);
    if (trust.pem_text.empty()) return fmt::format("{}: its chain_pem has no root certificate", name);
    const TokenCheck c = verify_stored_token(*der, imprint, trust, chain);
    if (c.status != "granted") return fmt::format("{} (from {}) does not verify: {}", name, url, c.error);
    if (c.gen_time != t["gen_time"].get<std::string>())
      return fmt::format("{}: its gen_time is not the token's own time ({})", name, c.gen_time);
    // Trusted: the same check with the reader's roots as the only anchors (as verify-ledger --tsa-ca).
    const AccreditedService* service = nullptr;
    if (!anchors.ca_files.empty()) {
      TsaTrust own;
      own.pem_files = anchors.ca_files;
      const TokenCheck a = verify_stored_token(*der, imprint, own, chain);
      if (a.status != "granted")
        return fmt::format("{} (from {}) does not chain to a root given with --tsa-ca: {}", name, url, a.error);
      summary.signers.insert(a.signer_name);
      if (anchors.accredited) service = accredited_service(*anchors.accredited, a.signer_name);
      // "Accredited" is this decision; the bundle's label is a claim checked against it. With the
      // reader's roots a label verify refutes is a false statement in the evidence: it fails.
      if (t.value("accredited", false) && !service)
        return fmt::format("{} (from {}) is labelled accredited (総務大臣認定), but its signer \"{}\" is not a signer "
                           "of any service in the list of accredited TSAs {} (taken {})",
                           name, url, a.signer_name, anchors.accredited ? anchors.accredited->path : "(none read)",
                           anchors.accredited ? anchors.accredited->taken : "-");
    } else if (t.value("accredited", false)) {
      // Without roots nothing can be decided: a genuine accredited token must not make a genuine
      // bundle invalid, so the label is reported as unconfirmed.
      summary.unconfirmed.push_back(fmt::format(
          "{} (from {}) is labelled accredited (総務大臣認定) by the report, which verify decides itself and only "
          "with the TSA's root certificate given with --tsa-ca; it is not counted as accredited",
          name, url));
    }
    if (service) {
      const std::string line = fmt::format("{}: {} ({})", name, service->service, service->operator_name);
      summary.accredited.push_back(line);
      if (!t.value("accredited", false)) summary.unlabelled.push_back(line);
    }
    const auto fps = pem_fingerprints(c.chain_pem);
    if (!fps.empty()) summary.roots.insert(fps.back());
    summary.tsas.insert(url);
    ++summary.tokens;
  }
  summary.signers_checked = !anchors.ca_files.empty();
  return {};
}

}  // namespace dnswitness
