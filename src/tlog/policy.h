#pragma once
// Transparency log trust policies (c2sp.org/tlog-policy): which logs a reader accepts, which witnesses
// it knows, and the quorum of cosignatures a checkpoint needs before the reader believes it.
//
//   log <vkey> [<url>]                      an Ed25519 signed-note key (type 0x01); its key name is the origin
//   witness <name> <vkey> [<url>]           a cosignature/v1 key (type 0x04)
//   group <name> <k|all|any> <name>...      witnessed when at least k of its n members are
//   quorum <name>                           a witness, a group, or the predefined `none`
//
// Role: parse an operator's policy file strictly (a policy is a security decision, so anything the
// spec does not allow is refused with the line and the reason, never guessed at), and answer the two
// questions a verifier asks: is this log one of ours, and did enough witnesses cosign. Checking the
// signatures themselves is ledger/checkpoint.h's and tlog/cosignature.h's job.
// Ownership: plain values. Thread-safety: parse_trust_policy is thread-safe; a TrustPolicy's const
// members may be called concurrently.
#include <cstddef>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/ed25519.h"
#include "tlog/cosignature.h"

namespace dnswitness {

// A policy file that does not follow the spec; the message is one sentence naming the line.
class PolicyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Implementation limits (the spec recommends supporting at least 32 of each); beyond them the file
// is refused rather than truncated, so what is enforced is always the whole file.
inline constexpr std::size_t kPolicyMaxLogs = 32;
inline constexpr std::size_t kPolicyMaxWitnesses = 32;
inline constexpr std::size_t kPolicyMaxGroups = 32;
inline constexpr std::size_t kPolicyMaxBytes = 64 * 1024;

struct PolicyLog {
  std::string vkey_text;  // as written in the file
  std::string name;       // the vkey's key name: the log's origin line
  Ed25519PublicKey key;
  std::string url;  // empty when the line has none
};

struct PolicyWitness {
  std::string name;  // the policy's name for it (first token), used by groups and the quorum only
  CosignatureVerifier verifier;  // carries the vkey's own key name, which cosignature lines use
  std::string vkey_text;
  std::string url;
};

struct PolicyGroup {
  std::string name;
  std::size_t threshold = 0;         // k, with `any` and `all` already resolved; 1 <= k <= members.size()
  std::vector<std::string> members;  // names of witnesses or earlier groups, in file order
};

inline constexpr std::string_view kPolicyQuorumNone = "none";

struct TrustPolicy {
  std::vector<PolicyLog> logs;
  std::vector<PolicyWitness> witnesses;
  std::vector<PolicyGroup> groups;  // file order: each refers only to witnesses and groups before it
  std::string quorum;               // the name of a witness or group, or kPolicyQuorumNone

  // True when the quorum is `none`: no cosignature is needed.
  [[nodiscard]] bool quorum_none() const noexcept { return quorum == kPolicyQuorumNone; }
  // Whether the witnesses (by policy name) whose cosignatures verified satisfy the quorum. A witness
  // witnesses iff its name is in the set; a group iff at least k of its members witness. Names in
  // the set that are not witnesses of this policy count for nothing.
  [[nodiscard]] bool quorum_met(const std::set<std::string>& cosigned_policy_names) const;
  // One plain English phrase for messages, e.g. "2 of the group 'bar' (w1, w2, w3)", "the witness
  // 'w1'" or "none"; member groups are spelled out in brackets.
  [[nodiscard]] std::string describe_quorum() const;
  // Whether a log with this origin (the key name of its vkey) and this public key is listed; true
  // when the policy lists no logs (the caller knows the log from other context).
  [[nodiscard]] bool accepts_log(std::string_view origin, const Ed25519PublicKey& key) const;
};

// Parses a policy file's text. Throws PolicyError with one sentence naming the line number and what
// is wrong, e.g. "line 4: the group 'g' names 'w9', which no earlier line defines."
TrustPolicy parse_trust_policy(std::string_view text);

}  // namespace dnswitness
