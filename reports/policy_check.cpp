#include "reports/policy_check.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <set>

#include "ledger/signed_note.h"

namespace dnswitness {
namespace {

PolicyOutcome::Log check_one_log(const BundleVerification& v, const TrustPolicy& policy) {
  PolicyOutcome::Log out;
  out.origin = v.origin;
  out.newest_size = v.newest_size;
  try {
    const NoteVerifier log_key = parse_verifier_key(v.verifier_key);
    out.listed = policy.accepts_log(v.origin, log_key.key);
  } catch (const NoteError&) {
    out.listed = false;
  }
  // The newest tree head with every line the report carries for it, checked with the policy's keys:
  // lines of witnesses the policy does not know are ignored, a known witness's bad line fails.
  std::string note = v.newest_note;
  for (const auto& c : v.cosignatures)
    if (c.size == v.newest_size) note += c.line;
  std::vector<CosignatureVerifier> verifiers;
  for (const auto& w : policy.witnesses) verifiers.push_back(w.verifier);
  const CosignatureCheck check = verify_cosignatures(note, verifiers);
  std::set<std::string> names;
  if (check)
    for (const auto& got : check.verified)
      for (const auto& w : policy.witnesses)
        if (w.verifier.name == got.name && w.verifier.key_id == got.key_id) names.insert(w.name);
  out.witnesses.assign(names.begin(), names.end());
  out.quorum_met = policy.quorum_met(names);
  return out;
}

}  // namespace

PolicyOutcome check_policy(const BundleVerification& v, const TrustPolicy& policy) {
  PolicyOutcome outcome;
  if (v.logs.empty()) outcome.logs.push_back(check_one_log(v, policy));
  for (const auto& part : v.logs) outcome.logs.push_back(check_one_log(part, policy));
  for (const auto& log : outcome.logs) {
    if (!log.listed) {
      outcome.failure = fmt::format("the log {} is not one the policy lists (no 'log' line has its key)", log.origin);
      return outcome;
    }
    if (!log.quorum_met) {
      outcome.failure = fmt::format(
          "the newest tree head of {} (size {}) is cosigned by {} of the policy's witnesses, and the policy needs {}",
          log.origin, log.newest_size,
          log.witnesses.empty() ? std::string("none") : fmt::format("{}", fmt::join(log.witnesses, ", ")),
          policy.describe_quorum());
      return outcome;
    }
  }
  outcome.ok = true;
  return outcome;
}

}  // namespace dnswitness
