#include "tsa/verify_timestamps.h"

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

#include "ledger/timestamps.h"
#include "tsa/rfc3161.h"
#include "tsa/stamp_tree_head.h"

namespace dnswitness {
namespace {

// How far a token may predate its run's start before the clock is called into question: TSAs
// state an accuracy of about a second, and this machine's clock may be off by a few more.
constexpr std::int64_t kClockSlackNs = 300'000'000'000;

}  // namespace

TimestampVerification verify_ledger_timestamps(LedgerStore& store, const std::vector<std::string>& tsa_ca) {
  TimestampVerification v;
  const std::vector<TimestampRow> rows = read_timestamps(store.db());
  if (rows.empty()) return v;
  std::map<std::uint64_t, Hash> roots;
  std::map<std::uint64_t, std::uint64_t> run_leaf;  // checkpoint size -> index of its run's leaf
  std::uint64_t previous = 0;
  for (const auto& cp : store.checkpoints()) {
    roots[cp.size] = cp.root;
    run_leaf[cp.size] = previous;
    previous = cp.size;
  }
  std::set<std::uint64_t> stamped;
  for (const auto& r : rows) {
    if (r.status != "granted") {
      ++v.failed_attempts;
      continue;
    }
    const std::string name = fmt::format("the time-stamp token {} (from {}) for the tree head at size {}", r.id,
                                         r.tsa_url, r.size);
    const auto root = roots.find(r.size);
    if (root == roots.end()) {
      v.ok = false;
      v.failure = fmt::format("{}: the ledger has no signed tree head of that size", name);
      return v;
    }
    TsaTrust trust;
    if (!tsa_ca.empty()) {
      trust.pem_files = tsa_ca;
    } else {
      trust.pem_text = chain_roots_pem(r.chain_pem);
      if (trust.pem_text.empty()) {
        v.ok = false;
        v.failure = fmt::format("{}: its stored certificate chain has no root certificate", name);
        return v;
      }
    }
    const TokenCheck c =
        verify_stored_token(r.response, tree_head_imprint(store.origin(), r.size, root->second), trust, r.chain_pem);
    if (c.status != "granted") {
      v.ok = false;
      v.failure = fmt::format("{} does not verify: {}", name, c.error);
      return v;
    }
    if (c.gen_time != r.gen_time) {
      v.ok = false;
      v.failure = fmt::format("{}: the time recorded beside it ({}) is not the token's own time ({})", name,
                              r.gen_time, c.gen_time);
      return v;
    }
    const auto fps = pem_fingerprints(c.chain_pem);
    if (!fps.empty()) v.roots.insert(fps.back());
    // Plausibility: the tree head did not exist before its run started.
    try {
      const auto run = nlohmann::json::parse(store.leaf(run_leaf[r.size]));
      const auto started = parse_rfc3339(run.value("started_at", ""));
      if (started && c.gen && c.gen->ns + kClockSlackNs < started->ns)
        v.warnings.push_back(fmt::format("{} is dated {}, before its run started ({}): this machine's clock was "
                                         "probably ahead when the run was made",
                                         name, c.gen_time, format_rfc3339_ns(*started)));
    } catch (const nlohmann::json::exception&) {
      // verify_ledger already named any leaf that is not a record of this tool.
    }
    ++v.tokens;
    v.tsas.insert(r.tsa_url);
    stamped.insert(r.size);
    if (!v.newest_size || r.size >= *v.newest_size) {
      v.newest_size = r.size;
      v.newest_gen_time = c.gen_time;
      v.newest_tsa = r.tsa_url;
    }
  }
  v.tree_heads = stamped.size();
  return v;
}

}  // namespace dnswitness
