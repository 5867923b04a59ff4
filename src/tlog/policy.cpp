#include "tlog/policy.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <map>
#include <optional>
#include <utility>

#include "crypto/sha256.h"
#include "ledger/signed_note.h"

namespace dnswitness {
namespace {

[[noreturn]] void policy_fail(std::size_t line, std::string_view what) {
  throw PolicyError(fmt::format("line {}: {}", line, what));
}

// The key parsers' messages are whole sentences; they are quoted after "line N: ... refused: ", so
// the capital goes, but only from an ordinary word ("A", "The"), not a name like "OpenSSL".
std::string policy_lower_first(std::string_view sentence) {
  std::string out(sentence);
  const std::string_view word = sentence.substr(0, sentence.find(' '));
  const bool ordinary = !word.empty() && word[0] >= 'A' && word[0] <= 'Z' &&
                        std::all_of(word.begin() + 1, word.end(), [](char c) { return c >= 'a' && c <= 'z'; });
  if (ordinary) out[0] = static_cast<char>(out[0] - 'A' + 'a');
  return out;
}

// The spec's character set: tab, newline, 0x20-0x7E and every octet with the high bit set (opaque,
// so names and comments may be UTF-8 without the parser knowing Unicode). The line has no newline.
void policy_check_octets(std::string_view line, std::size_t line_no) {
  for (std::size_t i = 0; i < line.size(); ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    if (c == 0x09 || (c >= 0x20 && c <= 0x7E) || c >= 0x80) continue;
    if (c == 0x0D)
      policy_fail(line_no, fmt::format("column {} is a carriage return (0x0d), which a policy file may not contain; "
                                       "save it with Unix (LF) line endings.",
                                       i + 1));
    policy_fail(line_no, fmt::format("column {} is the control byte 0x{:02x}, which a policy file may not contain "
                                     "(tab and newline are the only control characters allowed).",
                                     i + 1, c));
  }
}

// Whitespace is spaces and tabs only, as the spec says; any other octet is part of a token.
std::vector<std::string_view> policy_fields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

std::string policy_items(std::size_t n) { return fmt::format("{} item{}", n, n == 1 ? "" : "s"); }

// Decimal digits only: no sign, no "0x", nothing a looser reader might take differently.
std::optional<std::size_t> policy_decimal(std::string_view s) {
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  std::size_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc::result_out_of_range) return std::numeric_limits<std::size_t>::max();  // certainly larger than n
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Everything the parser remembers about earlier lines, so that a refusal can point at them.
class PolicyFileParser {
 public:
  void line(std::string_view text, std::size_t line_no) {
    line_no_ = line_no;
    policy_check_octets(text, line_no);
    const auto f = policy_fields(text);
    if (f.empty() || f[0].front() == '#') return;
    if (f[0] == "log") return log_line(f);
    if (f[0] == "witness") return witness_line(f);
    if (f[0] == "group") return group_line(f);
    if (f[0] == "quorum") return quorum_line(f);
    fail(fmt::format("'{}' is not a policy keyword; a line must start with log, witness, group or quorum, or '#' for "
                     "a comment.",
                     f[0]));
  }

  TrustPolicy finish() {
    if (quorum_line_ == 0)
      throw PolicyError("The policy has no quorum line; add one, e.g. 'quorum none' to require no cosignatures.");
    return std::move(policy_);
  }

 private:
  enum class Kind { none, witness, group };
  struct Defined {
    Kind kind;
    std::size_t line;
  };
  struct Membership {
    std::string group;
    std::size_t line;
  };

  [[noreturn]] void fail(std::string_view what) const { policy_fail(line_no_, what); }

  void log_line(const std::vector<std::string_view>& f) {
    if (f.size() < 2 || f.size() > 3)
      fail(fmt::format("the log line has {} after 'log'; it must read 'log <vkey> [<url>]' (a comment must be "
                       "on a line of its own).",
                       policy_items(f.size() - 1)));
    if (policy_.logs.size() == kPolicyMaxLogs)
      fail(fmt::format("this is log number {}; at most {} logs are supported.", kPolicyMaxLogs + 1, kPolicyMaxLogs));
    std::optional<NoteVerifier> v;
    try {
      v = parse_verifier_key(f[1]);
    } catch (const NoteError& e) {
      fail(fmt::format("the log key is refused: {}", policy_lower_first(e.what())));
    } catch (const CryptoError& e) {
      fail(fmt::format("the log key is refused: {}", policy_lower_first(e.what())));
    }
    // Duplicates are judged on the public key alone: two vkeys for one key under different names
    // would be the same log twice.
    for (std::size_t i = 0; i < policy_.logs.size(); ++i)
      if (policy_.logs[i].key == v->key)
        fail(fmt::format("the log key '{}' wraps the same public key as the log on line {}, and each log may be "
                         "listed only once.",
                         v->name, log_lines_[i]));
    policy_.logs.push_back(PolicyLog{std::string(f[1]), v->name, v->key, f.size() == 3 ? std::string(f[2]) : ""});
    log_lines_.push_back(line_no_);
  }

  void witness_line(const std::vector<std::string_view>& f) {
    if (f.size() < 3 || f.size() > 4)
      fail(fmt::format("the witness line has {} after 'witness'; it must read 'witness <name> <vkey> [<url>]' "
                       "(a comment must be on a line of its own).",
                       policy_items(f.size() - 1)));
    define(f[1], "witness");
    if (policy_.witnesses.size() == kPolicyMaxWitnesses)
      fail(fmt::format("this is witness number {}; at most {} witnesses are supported.", kPolicyMaxWitnesses + 1,
                       kPolicyMaxWitnesses));
    std::optional<CosignatureVerifier> v;
    try {
      v = parse_cosignature_verifier_key(f[2]);
    } catch (const NoteError& e) {
      fail(fmt::format("the key of the witness '{}' is refused: {}", f[1], policy_lower_first(e.what())));
    } catch (const CryptoError& e) {
      fail(fmt::format("the key of the witness '{}' is refused: {}", f[1], policy_lower_first(e.what())));
    }
    for (const auto& w : policy_.witnesses)
      if (w.verifier.key == v->key)
        fail(fmt::format("the witness '{}' has the same public key as the witness '{}' on line {}, and each witness "
                         "may be listed only once.",
                         f[1], w.name, names_.at(w.name).line));
    policy_.witnesses.push_back(
        PolicyWitness{std::string(f[1]), *v, std::string(f[2]), f.size() == 4 ? std::string(f[3]) : ""});
    names_.emplace(std::string(f[1]), Defined{Kind::witness, line_no_});
  }

  void group_line(const std::vector<std::string_view>& f) {
    if (f.size() < 3)
      fail("a group line must read 'group <name> <k|all|any> <member>...'.");
    const std::string_view name = f[1];
    if (f.size() == 3) fail(fmt::format("the group '{}' lists no members; a group needs at least one.", name));
    define(name, "group");
    if (policy_.groups.size() == kPolicyMaxGroups)
      fail(fmt::format("this is group number {}; at most {} groups are supported.", kPolicyMaxGroups + 1,
                       kPolicyMaxGroups));
    const std::size_t n = f.size() - 3;
    std::size_t k = 0;
    if (f[2] == "all") {
      k = n;
    } else if (f[2] == "any") {
      k = 1;
    } else if (const auto d = policy_decimal(f[2])) {
      k = *d;
      if (k < 1 || k > n)
        fail(fmt::format("the group '{}' has the threshold {} but {} member{}; it must be between 1 and {}.", name,
                         f[2], n, n == 1 ? "" : "s", n));
    } else {
      fail(fmt::format("the group '{}' has the threshold '{}'; it must be a decimal number, 'all' or 'any'.", name,
                       f[2]));
    }
    PolicyGroup g{std::string(name), k, {}};
    for (std::size_t i = 3; i < f.size(); ++i) {
      const std::string_view m = f[i];
      if (m == kPolicyQuorumNone)
        fail(fmt::format("the group '{}' lists 'none', which may only be the quorum, not a group member.", name));
      if (names_.find(std::string(m)) == names_.end())
        fail(fmt::format("the group '{}' names '{}', which no earlier line defines.", name, m));
      if (std::find(g.members.begin(), g.members.end(), m) != g.members.end())
        fail(fmt::format("the group '{}' lists '{}' twice; a name may be a group member only once.", name, m));
      // The spec's "each defined name can be listed as a group member at most once" is across the whole
      // file (as in sigsum-go): otherwise one witness could count twice towards the quorum.
      if (const auto it = member_of_.find(std::string(m)); it != member_of_.end())
        fail(fmt::format("the group '{}' lists '{}', which is already a member of the group '{}' on line {}; a name "
                         "may be a group member only once in a policy.",
                         name, m, it->second.group, it->second.line));
      g.members.emplace_back(m);
    }
    for (const auto& m : g.members) member_of_.emplace(m, Membership{g.name, line_no_});
    names_.emplace(g.name, Defined{Kind::group, line_no_});
    policy_.groups.push_back(std::move(g));
  }

  void quorum_line(const std::vector<std::string_view>& f) {
    if (f.size() != 2)
      fail(fmt::format("the quorum line has {} after 'quorum'; it must read 'quorum <name>'.",
                       policy_items(f.size() - 1)));
    if (quorum_line_ != 0)
      fail(fmt::format("this is a second quorum line; the quorum is already set on line {}, and a policy has exactly "
                       "one.",
                       quorum_line_));
    if (names_.find(std::string(f[1])) == names_.end())
      fail(fmt::format("the quorum names '{}', which no earlier line defines.", f[1]));
    policy_.quorum = std::string(f[1]);
    quorum_line_ = line_no_;
  }

  // Witnesses and groups share one namespace, which already holds the predefined `none`.
  void define(std::string_view name, std::string_view what) const {
    if (name == kPolicyQuorumNone) fail(fmt::format("'none' is predefined and cannot name a {}.", what));
    if (const auto it = names_.find(std::string(name)); it != names_.end())
      fail(fmt::format("the name '{}' is already defined on line {} (witnesses and groups share one set of names).",
                       name, it->second.line));
  }

  TrustPolicy policy_;
  std::map<std::string, Defined> names_{{std::string(kPolicyQuorumNone), Defined{Kind::none, 0}}};
  std::map<std::string, Membership> member_of_;
  std::vector<std::size_t> log_lines_;
  std::size_t line_no_ = 0;
  std::size_t quorum_line_ = 0;
};

const PolicyGroup* policy_find_group(const TrustPolicy& p, std::string_view name) {
  const auto it = std::find_if(p.groups.begin(), p.groups.end(), [&](const PolicyGroup& g) { return g.name == name; });
  return it == p.groups.end() ? nullptr : &*it;
}

std::string policy_threshold_text(const PolicyGroup& g) {
  return g.threshold == g.members.size() && g.members.size() > 1 ? fmt::format("all {}", g.threshold)
                                                                   : fmt::format("{}", g.threshold);
}

// Member groups are spelled out once each; `expanded` keeps a hand-built policy whose groups share
// members (the parser refuses that) from growing the text exponentially.
std::string policy_describe_members(const TrustPolicy& p, const PolicyGroup& g, std::set<std::string>& expanded) {
  std::string out;
  for (const auto& m : g.members) {
    if (!out.empty()) out += ", ";
    out += m;
    const PolicyGroup* sub = policy_find_group(p, m);
    if (sub != nullptr && expanded.insert(m).second)
      out += fmt::format(" [{} of {}]", policy_threshold_text(*sub), policy_describe_members(p, *sub, expanded));
  }
  return out;
}

}  // namespace

TrustPolicy parse_trust_policy(std::string_view text) {
  if (text.size() > kPolicyMaxBytes)
    throw PolicyError(fmt::format("The policy file is {} bytes; at most {} bytes (64 KiB) are supported.", text.size(),
                                  kPolicyMaxBytes));
  PolicyFileParser parser;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  // A final line without its newline is read like the others; an empty tail after the last newline
  // is not a line.
  while (pos < text.size()) {
    ++line_no;
    const auto nl = text.find('\n', pos);
    const auto end = nl == std::string_view::npos ? text.size() : nl;
    parser.line(text.substr(pos, end - pos), line_no);
    pos = end + 1;
  }
  return parser.finish();
}

bool TrustPolicy::quorum_met(const std::set<std::string>& cosigned_policy_names) const {
  if (quorum_none()) return true;
  // Groups refer only to names defined before them, so one pass in file order settles each group
  // after all of its members.
  std::set<std::string_view> witnessed;
  for (const auto& w : witnesses)
    if (cosigned_policy_names.count(w.name) != 0) witnessed.insert(w.name);
  for (const auto& g : groups) {
    const auto n = static_cast<std::size_t>(std::count_if(
        g.members.begin(), g.members.end(), [&](const std::string& m) { return witnessed.count(m) != 0; }));
    // A threshold of 0 can only come from a hand-built policy; it fails closed rather than open.
    if (g.threshold >= 1 && n >= g.threshold) witnessed.insert(g.name);
  }
  return witnessed.count(quorum) != 0;
}

std::string TrustPolicy::describe_quorum() const {
  if (quorum_none()) return std::string(kPolicyQuorumNone);
  if (const PolicyGroup* g = policy_find_group(*this, quorum)) {
    std::set<std::string> expanded{g->name};
    return fmt::format("{} of the group '{}' ({})", policy_threshold_text(*g), g->name,
                       policy_describe_members(*this, *g, expanded));
  }
  if (std::any_of(witnesses.begin(), witnesses.end(), [&](const PolicyWitness& w) { return w.name == quorum; }))
    return fmt::format("the witness '{}'", quorum);
  return fmt::format("the undefined name '{}'", quorum);
}

bool TrustPolicy::accepts_log(std::string_view origin, const Ed25519PublicKey& key) const {
  if (logs.empty()) return true;
  return std::any_of(logs.begin(), logs.end(),
                     [&](const PolicyLog& l) { return l.name == origin && l.key == key; });
}

}  // namespace dnswitness
