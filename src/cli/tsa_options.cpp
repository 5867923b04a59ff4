#include "cli/option_checks.h"
#include "cli/tsa_options.h"

#include <fmt/format.h>

#include <iostream>

#include "ledger/checkpoint.h"
#include "model/errors.h"
#include "tsa/stamp_tree_head.h"

namespace dnswitness::cli {

void add_tsa_options(CLI::App* sub, TsaOptions& o) {
  sub->add_option("--tsa", o.tsa,
                  "RFC 3161 time-stamping authority to time-stamp each signed tree head, repeatable "
                  "(none by default; examples in docs/ledger.md)")
      ->option_text("URL");
  sub->add_option("--tsa-accredited", o.tsa_accredited,
                  "Like --tsa, for a TSA accredited by the Minister of Internal Affairs (総務大臣認定); "
                  "the label is recorded with its tokens")
      ->option_text("URL");
  sub->add_option("--tsa-ca", o.tsa_ca, "PEM file of CA certificates the TSAs' tokens must chain to, repeatable "
                                        "(besides the system's)")
      ->option_text("FILE");
  sub->add_option("--tsa-user", o.user, "HTTP Basic user name for the one TSA given")->option_text("USER");
  sub->add_option("--tsa-password-file", o.password_file, "File whose first line is that user's password")
      ->option_text("FILE");
  sub->add_option("--tsa-cert", o.cert, "PEM client certificate for the one TSA given")->option_text("FILE");
  sub->add_option("--tsa-key", o.key, "PEM private key of --tsa-cert (when not in the same file)")
      ->option_text("FILE");
  sub->add_option("--tsa-timeout", o.timeout_s,
                  "Time each TSA may take to answer, connection included: 15s, 1m (default: 15 s); one that takes longer "
                  "is recorded as unreachable and asked again on the next run")
      ->transform(duration_units(DurationBase::seconds))
      ->check(CLI::Range(1, 300))
      ->option_text("DURATION");
}

void tsa_options_to_settings(const CLI::App* sub, const TsaOptions& o, SnapshotSettings& cli) {
  if (sub->count("--tsa") || sub->count("--tsa-accredited")) {
    std::vector<TsaServer> list;
    for (const auto& u : o.tsa) list.push_back(TsaServer{u, false, {}, {}, {}, {}, {}});
    for (const auto& u : o.tsa_accredited) list.push_back(TsaServer{u, true, {}, {}, {}, {}, {}});
    cli.tsa = list;
  }
  if (sub->count("--tsa-ca")) cli.tsa_ca = o.tsa_ca;
  if (sub->count("--tsa-timeout")) cli.tsa_timeout_s = o.timeout_s;
}

std::vector<TsaTarget> tsa_targets(const CLI::App* sub, const TsaOptions& o, const SnapshotSettings& settings) {
  std::vector<TsaServer> servers = settings.tsa.value_or(std::vector<TsaServer>{});
  const bool credentials = sub->count("--tsa-user") || sub->count("--tsa-password-file") ||
                           sub->count("--tsa-cert") || sub->count("--tsa-key");
  if (credentials) {
    // Credentials go to exactly one TSA: never a password meant for one service sent to another.
    if (servers.size() != 1)
      throw UsageError("--tsa-user, --tsa-password-file, --tsa-cert and --tsa-key apply to a single TSA, but " +
                       std::to_string(servers.size()) +
                       " are named; give each TSA its own credentials in the config file's \"tsa\" list.");
    if (sub->count("--tsa-user")) servers[0].user = o.user;
    if (sub->count("--tsa-password-file")) servers[0].password_file = o.password_file;
    if (sub->count("--tsa-cert")) servers[0].cert = o.cert;
    if (sub->count("--tsa-key")) servers[0].key = o.key;
  }
  auto targets = make_tsa_targets(servers, settings.tsa_ca.value_or(std::vector<std::string>{}), settings.ca_file);
  for (auto& t : targets) t.timeout_ms = 1000L * settings.tsa_timeout_s.value_or(15);
  return targets;
}

void stamp_after_run(LedgerStore& store, const std::string& note, const std::vector<TsaTarget>& targets, bool quiet) {
  if (targets.empty()) return;
  try {
    const auto end = note.find("\n\n");
    const auto cp = Checkpoint::parse(note.substr(0, end == std::string::npos ? note.size() : end + 1));
    if (!cp) throw std::runtime_error("the new tree head cannot be read back");
    for (const auto& s : stamp_tree_head(store, cp->size, cp->root, targets, targets.front().timeout_ms)) {
      const auto& r = s.row;
      const std::string label = r.accredited ? " (accredited)" : "";
      if (r.status == "granted") {
        if (!quiet)
          std::cerr << fmt::format("dnswitness: tree head {} time-stamped by {}{} at {} (signer {}).\n", r.size,
                                   r.tsa_url, label, r.gen_time, s.signer);
      } else {
        std::cerr << fmt::format(
            "dnswitness: WARNING: the TSA {}{} gave no valid time-stamp for tree head {} ({}: {}); the attempt is "
            "recorded in the ledger and the next run asks again.\n",
            r.tsa_url, label, r.size, r.status, r.error);
      }
    }
  } catch (const std::exception& e) {
    std::cerr << fmt::format(
        "dnswitness: WARNING: the new tree head could not be time-stamped ({}); the run itself is recorded.\n",
        e.what());
  }
}

}  // namespace dnswitness::cli
