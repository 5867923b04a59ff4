// Trust policies (c2sp.org/tlog-policy): the spec's two-level example evaluates as the spec says,
// every rule of the file format is enforced with a message naming the line, and the evaluator
// answers "is this log ours" and "did enough witnesses cosign".
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <set>
#include <string>

#include "ledger/signed_note.h"
#include "tlog/cosignature.h"
#include "tlog/policy.h"

using namespace dnswitness;

namespace {

Ed25519PublicKey policy_test_pub(std::uint8_t fill) {
  return Ed25519PrivateKey::from_seed(Bytes(32, fill)).public_key();
}

// A witness vkey (type 0x04) whose key name differs from the policy name, as in real policies.
std::string policy_test_wkey(std::uint8_t fill) {
  return format_cosignature_verifier_key(fmt::format("witness{}.example.org", fill), policy_test_pub(fill));
}

std::string policy_test_lkey(std::string_view origin, std::uint8_t fill) {
  return format_verifier_key(origin, policy_test_pub(fill));
}

// The refusal message, or "(accepted)".
std::string policy_test_error(std::string_view text) {
  try {
    (void)parse_trust_policy(text);
  } catch (const PolicyError& e) {
    return e.what();
  }
  return "(accepted)";
}

#define POLICY_REFUSED(text, fragment)                                               \
  do {                                                                               \
    const std::string policy_msg = policy_test_error(text);                          \
    CHECK_MESSAGE(policy_msg.find(fragment) != std::string::npos, policy_msg);       \
  } while (false)

std::string policy_test_example() {
  return fmt::format(
      "log {} https://log.example.org/\n"
      "\n"
      "witness X1 {}\n"
      "witness X2 {} https://x2.example.org/\n"
      "witness X3 {}\n"
      "group X-witnesses 2 X1 X2 X3\n"
      "\n"
      "witness Y1 {}\n"
      "witness Y2 {}\n"
      "witness Y3 {}\n"
      "group Y-witnesses any Y1 Y2 Y3\n"
      "\n"
      "group X-and-Y all X-witnesses Y-witnesses\n"
      "quorum X-and-Y\n",
      policy_test_lkey("log.example.org/2026", 1), policy_test_wkey(11), policy_test_wkey(12), policy_test_wkey(13),
      policy_test_wkey(21), policy_test_wkey(22), policy_test_wkey(23));
}

// Two witnesses w1 and w2 on lines 1 and 2, for the refusal tests.
std::string policy_test_two() {
  return fmt::format("witness w1 {}\nwitness w2 {}\n", policy_test_wkey(31), policy_test_wkey(32));
}

}  // namespace

TEST_CASE("tlog-policy: the spec's two-level example parses with its logs, witnesses and groups") {
  const auto p = parse_trust_policy(policy_test_example());
  REQUIRE(p.logs.size() == 1);
  CHECK(p.logs[0].name == "log.example.org/2026");
  CHECK(p.logs[0].key == policy_test_pub(1));
  CHECK(p.logs[0].url == "https://log.example.org/");
  CHECK(p.logs[0].vkey_text == policy_test_lkey("log.example.org/2026", 1));
  REQUIRE(p.witnesses.size() == 6);
  CHECK(p.witnesses[0].name == "X1");
  CHECK(p.witnesses[0].verifier.name == "witness11.example.org");
  CHECK(p.witnesses[0].verifier.key == policy_test_pub(11));
  CHECK(p.witnesses[0].vkey_text == policy_test_wkey(11));
  CHECK(p.witnesses[0].url.empty());
  CHECK(p.witnesses[1].url == "https://x2.example.org/");
  REQUIRE(p.groups.size() == 3);
  CHECK(p.groups[0].threshold == 2);
  CHECK(p.groups[1].threshold == 1);
  CHECK(p.groups[2].threshold == 2);
  CHECK(p.groups[2].members == std::vector<std::string>{"X-witnesses", "Y-witnesses"});
  CHECK(p.quorum == "X-and-Y");
  CHECK_FALSE(p.quorum_none());
  CHECK(p.describe_quorum() ==
        "all 2 of the group 'X-and-Y' (X-witnesses [2 of X1, X2, X3], Y-witnesses [1 of Y1, Y2, Y3])");
}

TEST_CASE("tlog-policy: the spec's example needs two X witnesses and one Y witness") {
  const auto p = parse_trust_policy(policy_test_example());
  using S = std::set<std::string>;
  CHECK_FALSE(p.quorum_met(S{}));
  CHECK_FALSE(p.quorum_met(S{"X1", "X2"}));
  CHECK_FALSE(p.quorum_met(S{"X1", "X2", "X3"}));
  CHECK_FALSE(p.quorum_met(S{"Y1", "Y2", "Y3"}));
  CHECK_FALSE(p.quorum_met(S{"X1", "Y1"}));
  CHECK_FALSE(p.quorum_met(S{"X3", "Y1", "Y2", "Y3"}));
  CHECK(p.quorum_met(S{"X1", "X2", "Y1"}));
  CHECK(p.quorum_met(S{"X1", "X3", "Y3"}));
  CHECK(p.quorum_met(S{"X1", "X2", "X3", "Y1", "Y2", "Y3"}));
  // Group names, vkey key names and unknown names are not cosigning witnesses.
  CHECK_FALSE(p.quorum_met(S{"X-witnesses", "Y-witnesses"}));
  CHECK_FALSE(p.quorum_met(S{"X-and-Y"}));
  CHECK_FALSE(p.quorum_met(S{"witness11.example.org", "witness12.example.org", "witness21.example.org"}));
  CHECK_FALSE(p.quorum_met(S{"X1", "x2", "Y1"}));
}

TEST_CASE("tlog-policy: comments, blank lines, tabs and surrounding whitespace are ignored") {
  const auto text = fmt::format(
      "# a policy\n"
      "   \t \n"
      "\t  # an indented comment with UTF-8: \xE2\x80\x94 and a stray \x80 octet\n"
      "\n"
      "  \twitness\t\tK {}   \t\n"
      "witness \xE2\x84\xAA {}\n"
      "   group  both\tall K \xE2\x84\xAA  \n"
      "quorum\tboth",  // no final newline
      policy_test_wkey(41), policy_test_wkey(42));
  const auto p = parse_trust_policy(text);
  REQUIRE(p.witnesses.size() == 2);
  // Names are opaque octets: "K" and the Kelvin sign are two names.
  CHECK(p.witnesses[0].name == "K");
  CHECK(p.witnesses[1].name == "\xE2\x84\xAA");
  CHECK(p.logs.empty());
  CHECK(p.quorum == "both");
  CHECK_FALSE(p.quorum_met({"K"}));
  CHECK(p.quorum_met({"K", "\xE2\x84\xAA"}));
  CHECK(p.describe_quorum() == "all 2 of the group 'both' (K, \xE2\x84\xAA)");
}

TEST_CASE("tlog-policy: quorum none needs no cosignature and may stand alone") {
  const auto p = parse_trust_policy("quorum none\n");
  CHECK(p.quorum_none());
  CHECK(p.quorum_met({}));
  CHECK(p.describe_quorum() == "none");
  CHECK(p.witnesses.empty());
  const auto q = parse_trust_policy(policy_test_two() + "quorum none\n");
  CHECK(q.quorum_none());
  CHECK(q.quorum_met({}));
  CHECK(q.witnesses.size() == 2);
}

TEST_CASE("tlog-policy: a single witness as the quorum and numeric thresholds") {
  const auto p = parse_trust_policy(policy_test_two() + "quorum w2\n");
  CHECK(p.describe_quorum() == "the witness 'w2'");
  CHECK_FALSE(p.quorum_met({"w1"}));
  CHECK(p.quorum_met({"w2"}));
  const auto q = parse_trust_policy(policy_test_two() + fmt::format("witness w3 {}\n", policy_test_wkey(33)) +
                                    "group g 02 w1 w2 w3\nquorum g\n");
  CHECK(q.describe_quorum() == "2 of the group 'g' (w1, w2, w3)");
  CHECK_FALSE(q.quorum_met({"w3"}));
  CHECK(q.quorum_met({"w3", "w1"}));
  const auto one = parse_trust_policy(policy_test_two() + "group g all w1\nquorum g\n");
  CHECK(one.describe_quorum() == "1 of the group 'g' (w1)");
  CHECK(one.quorum_met({"w1"}));
}

TEST_CASE("tlog-policy: accepts_log matches origin and key, and accepts anything without log lines") {
  const auto p = parse_trust_policy(policy_test_example());
  CHECK(p.accepts_log("log.example.org/2026", policy_test_pub(1)));
  CHECK_FALSE(p.accepts_log("log.example.org/2025", policy_test_pub(1)));
  CHECK_FALSE(p.accepts_log("log.example.org/2026", policy_test_pub(2)));
  const auto open = parse_trust_policy("quorum none\n");
  CHECK(open.accepts_log("anything.example", policy_test_pub(2)));
  // A log and a witness may share a key (undesirable, but the spec only forbids duplicates of one kind).
  const auto shared = parse_trust_policy(fmt::format("log {}\nlog {}\nwitness w {}\nquorum w\n",
                                                     policy_test_lkey("a.example", 5), policy_test_lkey("b.example", 6),
                                                     format_cosignature_verifier_key("a.example", policy_test_pub(5))));
  CHECK(shared.accepts_log("b.example", policy_test_pub(6)));
  CHECK(shared.accepts_log("a.example", policy_test_pub(5)));
}

TEST_CASE("tlog-policy: octets outside the spec's character set are refused with line and column") {
  POLICY_REFUSED("quorum none\r\n", "line 1: column 12 is a carriage return (0x0d)");
  POLICY_REFUSED("# fine\n# form\x0c feed\nquorum none\n", "line 2: column 7 is the control byte 0x0c");
  POLICY_REFUSED("# del \x7f\nquorum none\n", "line 1: column 7 is the control byte 0x7f");
  const char nul[] = "quorum none\n# nul \0 here\n";
  POLICY_REFUSED(std::string(nul, sizeof nul - 1), "line 2: column 7 is the control byte 0x00");
  POLICY_REFUSED("quorum\x0bnone\n", "control byte 0x0b");
}

TEST_CASE("tlog-policy: unknown keywords, a missing quorum and a second quorum are refused") {
  POLICY_REFUSED("logs x\nquorum none\n", "line 1: 'logs' is not a policy keyword");
  POLICY_REFUSED("Quorum none\n", "line 1: 'Quorum' is not a policy keyword");
  POLICY_REFUSED("", "no quorum line");
  POLICY_REFUSED("# only a comment\n", "no quorum line");
  POLICY_REFUSED(policy_test_two(), "no quorum line");
  POLICY_REFUSED(policy_test_two() + "quorum w1\nquorum w2\n",
                 "line 4: this is a second quorum line; the quorum is already set on line 3");
  POLICY_REFUSED("quorum none\nquorum none\n", "line 2: this is a second quorum line");
  POLICY_REFUSED("quorum\n", "line 1: the quorum line has 0 items after 'quorum'");
  POLICY_REFUSED("quorum none extra\n", "line 1: the quorum line has 2 items after 'quorum'");
}

TEST_CASE("tlog-policy: the quorum and groups may only name witnesses and groups from earlier lines") {
  POLICY_REFUSED(policy_test_two() + "quorum w9\n", "line 3: the quorum names 'w9', which no earlier line defines.");
  POLICY_REFUSED("quorum w1\n" + policy_test_two(), "line 1: the quorum names 'w1', which no earlier line defines.");
  POLICY_REFUSED(policy_test_two() + "# comment\ngroup g 1 w1 w9\nquorum g\n",
                 "line 4: the group 'g' names 'w9', which no earlier line defines.");
  POLICY_REFUSED(policy_test_two() + "group g any w1 h\ngroup h any w2\nquorum g\n",
                 "line 3: the group 'g' names 'h', which no earlier line defines.");
  POLICY_REFUSED(policy_test_two() + "group g any w1 g\nquorum g\n",
                 "line 3: the group 'g' names 'g', which no earlier line defines.");
  POLICY_REFUSED(policy_test_two() + "group g any w1 W2\nquorum g\n", "names 'W2', which no earlier line defines.");
}

TEST_CASE("tlog-policy: 'none' is only a quorum, never a member or a defined name") {
  POLICY_REFUSED(policy_test_two() + "group g any w1 none\nquorum g\n",
                 "line 3: the group 'g' lists 'none', which may only be the quorum, not a group member.");
  POLICY_REFUSED(fmt::format("witness none {}\nquorum none\n", policy_test_wkey(1)),
                 "line 1: 'none' is predefined and cannot name a witness.");
  POLICY_REFUSED(policy_test_two() + "group none any w1\nquorum none\n",
                 "line 3: 'none' is predefined and cannot name a group.");
}

TEST_CASE("tlog-policy: witnesses and groups share one namespace and each name is defined once") {
  POLICY_REFUSED(policy_test_two() + fmt::format("witness w1 {}\nquorum w1\n", policy_test_wkey(39)),
                 "line 3: the name 'w1' is already defined on line 1");
  POLICY_REFUSED(policy_test_two() + "group w2 any w1\nquorum w2\n",
                 "line 3: the name 'w2' is already defined on line 2");
  POLICY_REFUSED(policy_test_two() + fmt::format("group g any w1\nwitness g {}\nquorum g\n", policy_test_wkey(39)),
                 "line 4: the name 'g' is already defined on line 3");
  POLICY_REFUSED(policy_test_two() + "group g any w1\ngroup g any w2\nquorum g\n",
                 "line 4: the name 'g' is already defined on line 3");
}

TEST_CASE("tlog-policy: a name is a group member at most once, within a group and across groups") {
  POLICY_REFUSED(policy_test_two() + "group g all w1 w2 w1\nquorum g\n",
                 "line 3: the group 'g' lists 'w1' twice; a name may be a group member only once.");
  POLICY_REFUSED(policy_test_two() + fmt::format("witness w3 {}\n", policy_test_wkey(33)) +
                     "group g1 all w1 w2\ngroup g2 all w3 w2\nquorum g2\n",
                 "line 5: the group 'g2' lists 'w2', which is already a member of the group 'g1' on line 4");
  POLICY_REFUSED(policy_test_two() + "group g1 any w1\ngroup g2 any g1\ngroup g3 all g1 w2\nquorum g3\n",
                 "line 5: the group 'g3' lists 'g1', which is already a member of the group 'g2' on line 4");
  // The quorum may name a witness that is also a group member.
  CHECK(policy_test_error(policy_test_two() + "group g any w1 w2\nquorum w1\n") == "(accepted)");
}

TEST_CASE("tlog-policy: thresholds are decimal, all or any, between 1 and the number of members") {
  const auto two = policy_test_two();
  POLICY_REFUSED(two + "group g 0 w1 w2\nquorum g\n",
                 "line 3: the group 'g' has the threshold 0 but 2 members; it must be between 1 and 2.");
  POLICY_REFUSED(two + "group g 3 w1 w2\nquorum g\n", "the group 'g' has the threshold 3 but 2 members");
  POLICY_REFUSED(two + "group g 2 w1\nquorum g\n", "the group 'g' has the threshold 2 but 1 member;");
  POLICY_REFUSED(two + "group g 99999999999999999999999999 w1 w2\nquorum g\n", "must be between 1 and 2");
  POLICY_REFUSED(two + "group g two w1 w2\nquorum g\n",
                 "line 3: the group 'g' has the threshold 'two'; it must be a decimal number, 'all' or 'any'.");
  POLICY_REFUSED(two + "group g +1 w1 w2\nquorum g\n", "the threshold '+1'; it must be a decimal number");
  POLICY_REFUSED(two + "group g -1 w1 w2\nquorum g\n", "the threshold '-1'; it must be a decimal number");
  POLICY_REFUSED(two + "group g 0x1 w1 w2\nquorum g\n", "the threshold '0x1'; it must be a decimal number");
  POLICY_REFUSED(two + "group g ALL w1 w2\nquorum g\n", "the threshold 'ALL'");
  POLICY_REFUSED(two + "group g any\nquorum none\n", "line 3: the group 'g' lists no members");
  POLICY_REFUSED(two + "group g\nquorum none\n", "line 3: a group line must read");
  POLICY_REFUSED(two + "group\nquorum none\n", "line 3: a group line must read");
}

TEST_CASE("tlog-policy: log and witness lines take one key and at most one URL") {
  const auto lk = policy_test_lkey("log.example", 1);
  const auto wk = policy_test_wkey(2);
  POLICY_REFUSED("log\nquorum none\n", "line 1: the log line has 0 items after 'log'");
  POLICY_REFUSED(fmt::format("log {} https://a/ https://b/\nquorum none\n", lk),
                 "line 1: the log line has 3 items after 'log'; it must read 'log <vkey> [<url>]'");
  POLICY_REFUSED(fmt::format("log {} https://a/ # trailing comment\nquorum none\n", lk), "has 5 items after 'log'");
  POLICY_REFUSED("witness w1\nquorum none\n", "line 1: the witness line has 1 item after 'witness'");
  POLICY_REFUSED(fmt::format("witness w1 {} https://a/ #c\nquorum none\n", wk),
                 "the witness line has 4 items after 'witness'; it must read 'witness <name> <vkey> [<url>]'");
  CHECK(policy_test_error(fmt::format("log {} https://a/\nwitness w1 {} https://b/\nquorum w1\n", lk, wk)) ==
        "(accepted)");
}

TEST_CASE("tlog-policy: log keys must be Ed25519 note keys and witness keys cosignature keys") {
  const auto wk = policy_test_wkey(2);
  const auto lk = policy_test_lkey("log.example", 1);
  POLICY_REFUSED(fmt::format("log {}\nquorum none\n", wk), "line 1: the log key is refused:");
  POLICY_REFUSED(fmt::format("log {}\nquorum none\n", wk), "type 0x01");
  POLICY_REFUSED(fmt::format("witness w1 {}\nquorum none\n", lk), "line 1: the key of the witness 'w1' is refused:");
  POLICY_REFUSED(fmt::format("witness w1 {}\nquorum none\n", lk), "type 0x04");
  POLICY_REFUSED("log not-a-key\nquorum none\n", "line 1: the log key is refused: a verifier key must read");
  POLICY_REFUSED("witness w1 nope+00000000+AAAA\nquorum none\n", "the key of the witness 'w1' is refused");
  // The key ID commits to the name: a renamed key is refused, not silently trusted.
  auto renamed = lk;
  renamed.replace(0, 3, "LOG");
  POLICY_REFUSED(fmt::format("log {}\nquorum none\n", renamed), "key ID that does not match");
  auto wrenamed = wk;
  wrenamed.replace(0, 1, "W");
  POLICY_REFUSED(fmt::format("witness w1 {}\nquorum none\n", wrenamed), "key ID that does not match");
}

TEST_CASE("tlog-policy: the same public key twice is refused among logs and among witnesses") {
  POLICY_REFUSED(fmt::format("log {}\n\nlog {}\nquorum none\n", policy_test_lkey("a.example", 7),
                             policy_test_lkey("b.example", 7)),
                 "line 3: the log key 'b.example' wraps the same public key as the log on line 1");
  POLICY_REFUSED(fmt::format("witness a {}\nwitness b {}\nquorum none\n",
                             format_cosignature_verifier_key("one.example", policy_test_pub(8)),
                             format_cosignature_verifier_key("two.example", policy_test_pub(8))),
                 "line 2: the witness 'b' has the same public key as the witness 'a' on line 1");
}

TEST_CASE("tlog-policy: at most 32 logs, witnesses and groups, and 64 KiB") {
  std::string logs;
  for (int i = 0; i < 32; ++i)
    logs += fmt::format("log {}\n", policy_test_lkey(fmt::format("log{}.example", i), static_cast<std::uint8_t>(i)));
  CHECK(parse_trust_policy(logs + "quorum none\n").logs.size() == 32);
  POLICY_REFUSED(logs + fmt::format("log {}\nquorum none\n", policy_test_lkey("x.example", 200)),
                 "line 33: this is log number 33; at most 32 logs are supported.");

  std::string witnesses;
  for (int i = 0; i < 32; ++i)
    witnesses += fmt::format("witness w{} {}\n", i, policy_test_wkey(static_cast<std::uint8_t>(i)));
  CHECK(parse_trust_policy(witnesses + "quorum w31\n").witnesses.size() == 32);
  POLICY_REFUSED(witnesses + fmt::format("witness w32 {}\nquorum none\n", policy_test_wkey(200)),
                 "line 33: this is witness number 33; at most 32 witnesses are supported.");

  std::string groups = "witness w0 " + policy_test_wkey(1) + "\ngroup g0 any w0\n";
  for (int i = 1; i < 32; ++i) groups += fmt::format("group g{} any g{}\n", i, i - 1);
  const auto chain = parse_trust_policy(groups + "quorum g31\n");
  CHECK(chain.groups.size() == 32);
  CHECK(chain.quorum_met({"w0"}));
  CHECK_FALSE(chain.quorum_met({}));
  POLICY_REFUSED(groups + "group g32 any g31\nquorum none\n",
                 "line 34: this is group number 33; at most 32 groups are supported.");

  std::string big = "quorum none\n";
  big += std::string(kPolicyMaxBytes - big.size() - 1, '#') + "\n";
  CHECK(big.size() == kPolicyMaxBytes);
  CHECK(parse_trust_policy(big).quorum_none());
  POLICY_REFUSED(big + "\n", "The policy file is 65537 bytes; at most 65536 bytes (64 KiB) are supported.");
}
