// `dnswitness verify-ledger`: recompute and check everything the ledger's integrity rests on.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <iostream>

#include "cli/ledger_options.h"
#include "crypto/encoding.h"
#include "ledger/signed_note.h"
#include "ledger/verify.h"
#include "tsa/rfc3161.h"
#include "tsa/verify_timestamps.h"

namespace dnswitness::cli {
namespace {

struct VerifyOptions {
  LedgerOptions ledger;
  std::string public_key;
  std::string verifier_key;
  std::vector<std::string> tsa_ca;
  bool quiet = false;
};

}  // namespace

Action add_verify_ledger(CLI::App& app) {
  auto opt = std::make_shared<VerifyOptions>();
  CLI::App* sub = app.add_subcommand(
      "verify-ledger", "Check the whole ledger: leaf hashes, tree heads, signatures, consistency, index.");
  sub->footer(
      "Recomputes every leaf hash from the stored bytes (RFC 9162), the tree head at every signed size,\n"
      "checks every signed tree head with the public key (keys/ledger.pub unless --public-key or\n"
      "--verifier-key), builds and checks a consistency proof between each two consecutive tree heads,\n"
      "and checks the derived observation index against the leaves. RFC 3161 tokens stored with the\n"
      "tree heads are checked offline: message imprint, signature, and the TSA's certificate chain at the\n"
      "token's time, to the --tsa-ca anchors when given, else to the root stored with the token.\n"
      "Exit codes: 0 intact; 4 tampered or inconsistent (the first problem is named); 1 unreadable;\n"
      "2 bad usage.");
  add_ledger_options(sub, opt->ledger);
  sub->add_option("--public-key", opt->public_key, "Trusted public key, PEM (default: the ledger's keys/ledger.pub)")
      ->option_text("FILE");
  sub->add_option("--verifier-key", opt->verifier_key, "Trusted signed-note verifier key (origin+keyID+base64)")
      ->option_text("VKEY");
  sub->add_option("--tsa-ca", opt->tsa_ca,
                  "PEM file of TSA root certificates to check the time-stamp tokens against, repeatable "
                  "(default: the root stored with each token)")
      ->option_text("FILE");
  sub->add_flag("--quiet,-q", opt->quiet, "Print only problems");
  return [opt]() -> int {
    try {
      const LedgerPaths paths = ledger_paths(opt->ledger.ledger);
      LedgerStore store(paths, LedgerStore::Mode::read_only, {}, opt->ledger.lock_timeout_s * 1000);
      std::optional<Ed25519PublicKey> trusted;
      std::string key_source;
      if (!opt->verifier_key.empty()) {
        const NoteVerifier v = parse_verifier_key(opt->verifier_key);
        if (v.name != store.origin()) {
          std::cerr << fmt::format("dnswitness: the verifier key is for '{}' but this ledger's origin is '{}'; the "
                                   "ledger is NOT verified.\n",
                                   v.name, store.origin());
          return kExitTampered;
        }
        trusted = v.key;
        key_source = "the given verifier key";
      } else {
        const auto file = opt->public_key.empty() ? paths.public_key() : std::filesystem::path(opt->public_key);
        trusted = Ed25519PublicKey::load_pem_file(file);
        key_source = file.string();
      }

      const auto started = std::chrono::steady_clock::now();
      auto last_report = started;
      const auto progress = [&](std::uint64_t done, std::uint64_t total) {
        const auto now = std::chrono::steady_clock::now();
        if (opt->quiet || now - last_report < std::chrono::seconds(2)) return;
        last_report = now;
        std::cerr << fmt::format("dnswitness: verified {} of {} leaves...\n", done, total);
      };
      const LedgerVerification v = verify_ledger(store, *trusted, progress);
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

      if (!opt->quiet) {
        std::cout << fmt::format("Ledger {} (origin {})\n", paths.dir.string(), store.origin())
                  << fmt::format("  trusted key: {} (fingerprint {})\n", key_source, trusted->fingerprint())
                  << fmt::format("  {} signed tree heads: signatures verified\n", v.signatures)
                  << fmt::format("  {} leaves: hashes recomputed from the stored bytes and matched\n", v.leaves)
                  << fmt::format("  {} tree heads recomputed from the leaves and matched\n", v.tree_heads)
                  << fmt::format("  {} consistency proofs between consecutive tree heads built and verified\n",
                                 v.consistency_proofs);
        if (v.ok) std::cout << fmt::format("  {} index rows match the leaves\n", v.index_rows);
      }
      if (!v.ok) {
        std::cerr << fmt::format("dnswitness: the ledger {} is NOT intact: {}.\n", paths.dir.string(), v.failure);
        return kExitTampered;
      }
      for (const auto& f : opt->tsa_ca) check_trust_file(f, "--tsa-ca");
      const TimestampVerification t = verify_ledger_timestamps(store, opt->tsa_ca);
      if (!opt->quiet && (t.tokens > 0 || t.failed_attempts > 0)) {
        std::cout << fmt::format("  {} RFC 3161 time-stamp tokens over {} tree heads from {} TSA(s): imprints, "
                                 "signatures and certificate chains verified ({})\n",
                                 t.tokens, t.tree_heads, t.tsas.size(),
                                 opt->tsa_ca.empty() ? "to the roots stored with them" : "to the --tsa-ca roots");
        for (const auto& fp : t.roots) std::cout << fmt::format("    TSA root fingerprint (SHA-256) {}\n", fp);
        if (t.newest_size)
          std::cout << fmt::format("    newest: tree head {} time-stamped at {} by {}\n", *t.newest_size,
                                   t.newest_gen_time, t.newest_tsa);
        if (t.failed_attempts > 0)
          std::cout << fmt::format("  {} failed time-stamp attempts recorded (no token; not evidence)\n",
                                   t.failed_attempts);
      }
      for (const auto& w : t.warnings) std::cerr << fmt::format("dnswitness: warning: {}.\n", w);
      if (!t.ok) {
        std::cerr << fmt::format("dnswitness: the ledger {} is NOT intact: {}.\n", paths.dir.string(), t.failure);
        return kExitTampered;
      }
      if (!opt->quiet) {
        const auto cps = store.checkpoints();
        if (cps.empty())
          std::cout << "The ledger is empty and intact.\n";
        else
          std::cout << fmt::format("The ledger is intact: tree size {}, root {} ({:.2f} s).\n", cps.back().size,
                                   base64_encode(cps.back().root), secs);
      }
      return kExitOk;
    } catch (...) {
      return report_current_exception();
    }
  };
}

}  // namespace dnswitness::cli
