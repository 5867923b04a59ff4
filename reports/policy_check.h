#pragma once
// `verify --policy FILE`: does a verified report meet a reader's trust policy (c2sp.org/tlog-policy,
// tlog/policy.h)? Each log of the report must be one the policy lists (when it lists any), and its
// newest tree head must carry cosignatures, verifying with the policy's own witness keys (not the
// keys the report names), from witnesses that meet the policy's quorum.
//
// Role: the reader's decision, after verify_bundle proved the report consistent with itself.
// Ownership: plain values. Thread-safety: thread-safe.
#include <cstdint>
#include <string>
#include <vector>

#include "reports/verify.h"
#include "tlog/policy.h"

namespace dnswitness {

struct PolicyOutcome {
  bool ok = false;
  std::string failure;  // one sentence naming the log and what is missing, when not ok
  struct Log {
    std::string origin;
    std::uint64_t newest_size = 0;
    std::vector<std::string> witnesses;  // policy names whose cosignature on the newest tree head verified
    bool listed = false;                 // the policy accepts the log's key
    bool quorum_met = false;
  };
  std::vector<Log> logs;  // in report order (one for a single-log report)
};

// `v` must be a verification that succeeded (v.ok).
PolicyOutcome check_policy(const BundleVerification& v, const TrustPolicy& policy);

}  // namespace dnswitness
