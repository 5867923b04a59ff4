// `dnswitness verify REPORT.json`: check an evidence bundle offline (no ledger, no network), and
// that the PDF and evidence description beside it are the ones listed in report.sha256.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "cli/verify_manifest.h"
#include "config/input_file.h"
#include "model/errors.h"
#include "model/printable.h"
#include "reports/multi_log_bundle.h"
#include "reports/policy_check.h"
#include "timeutil/timestamp.h"
#include "reports/verify.h"
#include "tsa/accredited_tsas.h"
#include "tsa/rfc3161.h"

namespace dnswitness::cli {
namespace {

// Reads in blocks rather than through istreambuf_iterator, which goes a character at a time: a
// bundle can be close to 100 MB.
std::optional<std::string> slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::string s;
  std::error_code ec;
  const auto size = std::filesystem::file_size(p, ec);
  if (!ec) s.reserve(static_cast<std::size_t>(size));
  char block[1 << 16];
  while (in.read(block, sizeof block) || in.gcount() > 0) s.append(block, static_cast<std::size_t>(in.gcount()));
  if (in.bad()) return std::nullopt;
  return s;
}

}  // namespace

Action add_verify(CLI::App& app) {
  auto report = std::make_shared<std::string>();
  auto quiet = std::make_shared<bool>(false);
  auto tsa_ca = std::make_shared<std::vector<std::string>>();
  auto accredited_list = std::make_shared<std::string>();
  auto policy_file = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand(
      "verify", "Check a report bundle offline: leaf hashes, inclusion and consistency proofs, signatures, login "
                "records and every table.");
  sub->footer(
      "Uses only the file (and report.sha256 beside it, when present). The signatures are checked with the\n"
      "public key inside the bundle: compare the printed fingerprint with one you obtained independently\n"
      "(from the operator, or 'dnswitness keygen --show' on the ledger's machine).\n"
      "Each PDF (the exhibit and its technical material) and evidence-description.txt/.docx in the same\n"
      "folder must be listed in report.sha256 and match it, and each PDF must name this report.json's\n"
      "SHA-256 (it was typeset from this bundle).\n"
      "manifest.sig beside it must be signed with the bundle's key and list every file of the report with\n"
      "its SHA-256; a bundle from a dnswitness that did not sign reports gets a warning (docs/manifest.md).\n"
      "RFC 3161 tokens always verify to the root their own chain carries; with --tsa-ca each must also\n"
      "verify to one of your roots. A token is accredited (総務大臣認定) only when it does AND its signer is\n"
      "a signer of a service in the list of accredited TSAs (the shipped presets/accredited-tsas.json, or\n"
      "--accredited-tsas); a token the bundle labels accredited that is not is exit 4, and without --tsa-ca\n"
      "such a label gets a warning that it is unconfirmed (docs/report.md).\n"
      "Witness cosignatures on the tree heads are checked with the keys the report names and listed; with\n"
      "--policy FILE (c2sp.org/tlog-policy: 'log', 'witness', 'group', 'quorum' lines, docs/witness.md) the\n"
      "report's logs must be ones the policy lists, and each newest tree head must be cosigned, by the\n"
      "policy's own keys, by witnesses that meet its quorum.\n"
      "Exit codes: 0 valid; 4 invalid, or the policy is not met (the first failing item is named); 1 the file\n"
      "cannot be read; 2 bad usage (an unreadable --tsa-ca, list or policy file, or a policy that breaks the\n"
      "format).");
  sub->add_option("report", *report, "report.json")->required()->option_text("REPORT.json");
  sub->add_flag("--quiet,-q", *quiet, "Print only problems");
  sub->add_option("--tsa-ca", *tsa_ca,
                  "PEM file of TSA root certificates you trust (obtained from the TSA, not from the bundle), "
                  "repeatable: every time-stamp token must chain to one of them")
      ->option_text("FILE");
  sub->add_option("--accredited-tsas", *accredited_list,
                  "The list of accredited TSAs to decide 'accredited' by (default: accredited-tsas.json of the "
                  "presets folder; format in docs/report.md)")
      ->option_text("FILE");
  sub->add_option("--policy", *policy_file,
                  "Trust policy file (c2sp.org/tlog-policy): the logs you accept and the witnesses whose "
                  "cosignatures the newest tree head needs")
      ->option_text("FILE");
  return [report, quiet, tsa_ca, accredited_list, policy_file]() -> int {
    // The reader's trust, checked before the bundle is read: a typo must not look like a bad bundle.
    std::optional<TrustPolicy> policy;
    if (!policy_file->empty()) {
      const std::string text =
          read_input_file(*policy_file, "policy file", static_cast<long long>(kPolicyMaxBytes));
      try {
        policy = parse_trust_policy(text);
      } catch (const PolicyError& e) {
        throw UsageError(fmt::format("The policy file {} breaks the tlog-policy format: {}", *policy_file, e.what()));
      }
    }
    TsaAnchors anchors;
    for (const auto& f : *tsa_ca) check_trust_file(f, "--tsa-ca");
    anchors.ca_files = *tsa_ca;
    if (!tsa_ca->empty() || !accredited_list->empty()) anchors.accredited = load_accredited_tsas(*accredited_list);
    const std::filesystem::path path(*report);
    const auto text = slurp(path);
    if (!text) {
      std::cerr << fmt::format("dnswitness: cannot read {}; check the path.\n", path.string());
      return kExitInternal;
    }
    std::optional<std::string> sums;
    std::vector<ListedFile> files;
    const auto sum_path = path.parent_path() / "report.sha256";
    if (std::filesystem::exists(sum_path)) {
      sums = slurp(sum_path);
      if (!sums) {
        std::cerr << fmt::format("dnswitness: cannot read {}; check its permissions.\n", sum_path.string());
        return kExitInternal;
      }
      for (const auto& name : sha256_listed_names(*sums)) {
        const auto p = path.parent_path() / name;
        // The file named is read as given; names with folders stay inside the report's folder.
        const bool inside = name.find('/') == std::string::npos && name != ".." && name != ".";
        files.push_back({name, inside ? (p == path ? text : slurp(p)) : std::nullopt});
      }
    }
    // The report's other outputs in its folder: each must be listed in report.sha256.
    std::vector<std::string> beside;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(
             path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path(), ec)) {
      const std::string name = entry.path().filename().string();
      std::string lower = name;
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (entry.is_regular_file() && (lower.ends_with(".pdf") || name == "evidence-description.txt" ||
                                     name == "evidence-description.docx"))
        beside.push_back(name);
    }
    std::sort(beside.begin(), beside.end());
    BundleVerification v;
    try {
      v = verify_bundle(*text, sums, files, beside, anchors);
    } catch (const std::invalid_argument&) {
      std::cerr << fmt::format("dnswitness: {} is not JSON; it cannot be a dnswitness report.\n", path.string());
      return kExitInternal;
    }
    // The signed manifest: checked after the bundle, so a tampered bundle is named by what in it fails.
    ManifestOutcome manifest;
    if (v.ok) {
      std::vector<std::string> must_list = beside;
      for (const auto& f : files) must_list.push_back(f.name);
      manifest = verify_manifest_beside(path, *text, v, must_list);
      if (!manifest.failure.empty()) {
        v.ok = false;
        v.failure = manifest.failure;
      }
    }
    if (!v.ok) {
      std::cerr << fmt::format("dnswitness: the report {} is NOT valid: {}.\n", path.string(), v.failure);
      return kExitTampered;
    }
    if (policy) {
      const PolicyOutcome met = check_policy(v, *policy);
      if (!met.ok) {
        std::cerr << fmt::format("dnswitness: the report {} does NOT meet the policy {}: {}.\n", path.string(),
                                 *policy_file, met.failure);
        return kExitTampered;
      }
      if (!*quiet)
        for (const auto& l : met.logs)
          std::cout << fmt::format("Policy {}: {} is a listed log; its newest tree head (size {}) is cosigned by {} "
                                   "(the policy needs {}).\n",
                                   *policy_file, l.origin, l.newest_size,
                                   l.witnesses.empty() ? std::string("no witness")
                                                       : fmt::format("{}", fmt::join(l.witnesses, ", ")),
                                   policy->describe_quorum());
    }
    if (!manifest.warning.empty()) std::cerr << fmt::format("dnswitness: warning: {}.\n", manifest.warning);
    for (const auto& u : v.unconfirmed_accredited_tokens) std::cerr << fmt::format("dnswitness: warning: {}.\n", u);
    if (v.timestamp_tokens > 0 && !v.timestamp_signers_checked)
      std::cerr << "dnswitness: warning: the time-stamp tokens' signatures are intact, but their signers are "
                   "unchecked: give the TSA's root certificate with --tsa-ca to check them.\n";
    if (!*quiet) {
      std::cout << fmt::format("Report {} is valid.\n", path.string())
                << fmt::format("  made {}{}\n", v.created_at, v.case_name.empty() ? "" : ", case " + v.case_name);
      // Each log's bundle was checked with its own key: one block per log.
      const auto one_log = [](const BundleVerification& l, const std::string& indent) {
        std::cout << fmt::format("{}ledger {}\n", indent, l.origin)
                  << fmt::format("{}key fingerprint {} — compare it with one you obtained independently\n", indent,
                                 l.key_fingerprint)
                  << fmt::format("{}verifier key {}\n", indent, l.verifier_key)
                  << fmt::format("{}{} signed tree heads: signatures verified; {} consistency proofs to the newest "
                                 "verified\n",
                                 indent, l.checkpoints, l.consistency_proofs);
        std::size_t older = 0;
        for (const auto& c : l.cosignatures) {
          if (c.size != l.newest_size) {
            ++older;
            continue;
          }
          const UtcTime at{static_cast<std::int64_t>(c.timestamp) * 1'000'000'000};
          std::cout << fmt::format("{}cosigned by the witness {} at {} ({}), verified with the key the report "
                                   "names: {}\n",
                                   indent, c.witness, format_utc_display(at), format_jst_display(at), c.verifier_key);
        }
        if (older > 0)
          std::cout << fmt::format("{}{} more witness cosignature(s) on older tree heads verified\n", indent, older);
        if (l.cosignatures.empty())
          std::cout << fmt::format("{}no witness cosignature on its tree heads\n", indent);
      };
      if (v.logs.empty()) one_log(v, "  ");
      for (std::size_t i = 0; i < v.logs.size(); ++i) {
        const auto& l = v.logs[i];
        std::cout << fmt::format("  log {} of {}: {} ({} observations, {} runs)\n", i + 1, v.logs.size(),
                                 l.source == kLocalLedgerSource ? "this machine's ledger when the report was made"
                                                                : l.source,
                                 l.observation_leaves, l.run_leaves);
        if (!l.vantage.empty()) std::cout << "    " << printable(l.vantage) << '\n';
        one_log(l, "    ");
      }
      if (v.timestamp_tokens > 0) {
        std::cout << fmt::format("  {} RFC 3161 time-stamp tokens over the tree heads verified (imprint, signature, "
                                 "certificate chain at the token's time)\n",
                                 v.timestamp_tokens);
        for (const auto& fp : v.timestamp_roots)
          std::cout << fmt::format("    TSA root fingerprint (SHA-256) {} — compare it with the one the TSA "
                                   "publishes\n",
                                   fp);
        if (v.timestamp_signers_checked) {
          std::cout << fmt::format("    every token chains to a root given with --tsa-ca; signers: {}\n",
                                   fmt::join(v.timestamp_signers, "; "));
          std::cout << fmt::format("    {} of them accredited (総務大臣認定) by the list {} (taken {})\n",
                                   v.accredited_tokens.size(), anchors.accredited->path, anchors.accredited->taken);
          for (const auto& a : v.accredited_tokens) std::cout << fmt::format("      {}\n", a);
          for (const auto& a : v.unlabelled_accredited_tokens)
            std::cout << fmt::format("    accredited, though the bundle does not label it so: {}\n", a);
        }
      }
      std::cout
                << fmt::format("  {} leaves ({} observations, {} runs): hashes, inclusion proofs and tlog-proof "
                               "blocks verified; every observation belongs to an included run\n",
                               v.leaves, v.observation_leaves, v.run_leaves)
                << fmt::format("  observations from {} to {} (their own times, not the report's)\n",
                               v.first_observation.empty() ? "-" : v.first_observation,
                               v.last_observation.empty() ? "-" : v.last_observation)
                << fmt::format("  {} login records read again from the stored input and matched\n", v.login_records)
                << fmt::format("  {} login tables re-derived from the leaves and matched\n", v.login_tables);
      if (v.rdap_records)
        std::cout << fmt::format("  {} RDAP answers: each body matches its SHA-256, and they cover exactly the "
                                 "source IPs and listed destinations (the registries are not asked again)\n",
                                 v.rdap_records);
      if (v.posts)
        std::cout << fmt::format("  {} posts read again from the stored file, and the logins before (and after) "
                                 "them picked again and matched\n",
                                 v.posts);
      if (v.run_facts_checked)
        std::cout << "  run facts (host, vantage, clock, time cross-checks) re-derived from the run leaves and tree "
                     "heads and matched\n";
      if (v.resolvers_checked)
        std::cout << "  resolver summary (TLS certificates, AA, client-subnet scopes) re-derived from the observation "
                     "leaves and matched\n";
      if (v.completeness_checked)
        std::cout << fmt::format("  complete: every run from before to after each window is carried, and every "
                                 "leaf of the runs inside the windows; {} coverage gap(s) re-derived from the run "
                                 "leaves and matched\n",
                                 v.coverage_gaps);
      else if (v.coverage_checked)
        std::cout << fmt::format("  {} coverage gap(s) listed (found from the whole ledger; checked for form and "
                                 "against the runs included)\n",
                                 v.coverage_gaps);
      std::cout
                << fmt::format("  report.sha256: {}\n", v.sha256_checked ? "every listed file matches"
                                                                        : "not present beside the report");
      std::cout << fmt::format("  {}\n", manifest.summary);
      for (const auto& pdf : v.pdfs)
        std::cout << fmt::format("  {}: listed in report.sha256 and typeset from this report.json\n", pdf);
      if (!v.warnings.empty()) {
        std::cout << fmt::format("Warnings in the tables ({}):\n", v.warnings.size());
        for (const auto& w : v.warnings) std::cout << "  " << w << '\n';
      }
    }
    return kExitOk;
  };
}

}  // namespace dnswitness::cli
