// `dnswitness verify-ledger`: recompute and check everything the ledger's integrity rests on.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>

#include "cli/ledger_options.h"
#include "crypto/encoding.h"
#include "ledger/guard.h"
#include "ledger/signed_note.h"
#include "ledger/verify.h"
#include "timeutil/timestamp.h"
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
  bool restore_guard = false;
};

// The database against keys/checkpoint (ledger/guard.h), after the ledger itself verified: the
// guarded tree head must be one of its checkpoints. Returns the exit code; with --restore-guard a
// missing, damaged or older guard is (re)written from the last checkpoint, which was just verified.
int check_ledger_against_guard(LedgerStore& store, const Ed25519PublicKey& trusted, const VerifyOptions& opt) {
  namespace fs = std::filesystem;
  const LedgerPaths& paths = store.paths();
  const fs::path file = paths.checkpoint_guard();
  const auto cps = store.checkpoints();
  const GuardFile g = read_guard_file(file, store.origin(), trusted);
  const auto rewrite = [&](const char* why) {
    write_guard_file(file, cps.back().note);
    std::cout << fmt::format("  tree-head guard {}: {}; written again from tree head {} (root {})\n", file.string(),
                             why, cps.back().size, base64_encode(cps.back().root));
  };
  if (g.state == GuardFile::State::valid) {
    const Checkpoint& head = *g.head;
    const CheckpointRow* same = nullptr;
    for (const auto& cp : cps)
      if (cp.size == head.size) same = &cp;
    if (!same || same->root != head.root) {
      const std::string held = cps.empty() ? std::string("no tree head at all")
                                           : fmt::format("tree heads up to size {} (root {}){}", cps.back().size,
                                                         base64_encode(cps.back().root),
                                                         same ? ", with another root at that size" : "");
      std::cerr << fmt::format("dnswitness: the ledger {} is NOT intact: it last signed {}, kept in {}, but the "
                               "database holds {}; restore ledger.sqlite from a backup at least as new as that tree "
                               "head, or start a new ledger with --new-ledger.\n",
                               paths.dir.string(), describe_guarded_head(head, g.written_at), file.string(), held);
      return kExitTampered;
    }
    if (opt.restore_guard && cps.back().size > head.size) {
      rewrite("older than the database, which extends it");
    } else if (!opt.quiet) {
      std::cout << fmt::format("  tree-head guard {}: tree head {} is in the ledger{}\n", file.string(), head.size,
                               cps.back().size > head.size ? " (the ledger extends it; the next run brings it forward)"
                                                           : "");
    }
    return kExitOk;
  }
  if (cps.empty()) {
    if (g.state == GuardFile::State::damaged)
      std::cerr << fmt::format("dnswitness: warning: {} is damaged ({}) and this ledger has no tree head to write it "
                               "from; move it away before the first run.\n",
                               file.string(), g.why);
    return kExitOk;
  }
  bool issued = false;
  {
    Stmt get(store.db(), "SELECT value FROM meta WHERE key = ?1");
    get.bind(1, kGuardIssuedMetaKey);
    issued = get.step("reading the ledger's settings") && get.text(0) == "1";
  }
  if (g.state == GuardFile::State::absent) {
    if (opt.restore_guard) {
      rewrite("missing");
    } else if (issued) {
      std::cerr << fmt::format("dnswitness: warning: the tree-head guard {} is missing although this ledger had one, "
                               "so runs refuse to sign; if the ledger is the one you expect, run 'dnswitness "
                               "verify-ledger --restore-guard --ledger {}' to write it again from its last tree head.\n",
                               file.string(), paths.dir.string());
    } else if (!opt.quiet) {
      std::cout << fmt::format("  tree-head guard {}: none yet (a ledger made before guards); the next run writes "
                               "it\n",
                               file.string());
    }
    return kExitOk;
  }
  // Damaged: kept beside the new one, never deleted.
  if (opt.restore_guard) {
    std::string stamp = format_rfc3339_s(utc_now());
    std::erase(stamp, ':');
    fs::path kept = file;
    kept += ".damaged-" + stamp;
    std::error_code ec;
    fs::rename(file, kept, ec);
    if (ec)
      throw LedgerError(LedgerError::Kind::io, fmt::format("Cannot move the damaged {} to {} ({}); move it away by hand.",
                                                           file.string(), kept.string(), ec.message()));
    std::cout << fmt::format("  the damaged guard was moved to {}\n", kept.string());
    rewrite("damaged");
    return kExitOk;
  }
  std::cerr << fmt::format("dnswitness: warning: the tree-head guard {} is damaged ({}), so runs refuse to sign; if "
                           "you did not change it on purpose, run 'dnswitness verify-ledger --restore-guard --ledger "
                           "{}' to keep it aside and write it again from the ledger's last tree head.\n",
                           file.string(), g.why, paths.dir.string());
  return kExitOk;
}

// verify-ledger on a ledger whose database is gone, empty or foreign while keys/checkpoint says a
// tree was signed: a fork risk (exit 4), not merely an unreadable file.
bool report_lost_database_under_guard(const LedgerPaths& paths) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::symlink_status(paths.checkpoint_guard(), ec).type() == fs::file_type::not_found) return false;
  // Only a database that is gone, empty or a readable SQLite file without the ledger's tables; a
  // damaged file keeps its own error (exit 1).
  std::string holds = "does not exist";
  if (fs::symlink_status(paths.database(), ec).type() != fs::file_type::not_found) {
    const auto bytes = fs::file_size(paths.database(), ec);
    holds = "is empty";
    if (ec || bytes != 0) {
      holds = "holds no ledger (its tables are missing)";
      try {
        Db probe(paths.database(), true, false);
        if (stored_schema_version(probe)) return false;
      } catch (const LedgerError&) {
        return false;
      }
    }
  }
  std::string written_at;
  const auto head = peek_guard_file(paths.checkpoint_guard(), &written_at);
  if (!head) return false;
  std::cerr << fmt::format("dnswitness: the ledger {} is NOT intact: it last signed {}, kept in {}, but {} {}; "
                           "restore ledger.sqlite from a backup at least as new as that tree head, or start a new "
                           "ledger with --new-ledger.\n",
                           paths.dir.string(), describe_guarded_head(*head, written_at),
                           paths.checkpoint_guard().string(), paths.database().string(), holds);
  return true;
}

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
      "The database is also checked against keys/checkpoint, the last signed tree head kept outside it: a\n"
      "database that lost it or holds another tree is a fork risk (exit 4); a missing or damaged guard is a\n"
      "warning, and runs refuse to sign until --restore-guard writes it again from the verified ledger.\n"
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
  sub->add_flag("--restore-guard", opt->restore_guard,
                "After the ledger verifies, write keys/checkpoint (the tree-head guard) again from its last tree "
                "head when the guard is missing, damaged or older; never over a guard the ledger contradicts");
  return [opt]() -> int {
    try {
      const LedgerPaths paths = ledger_paths(opt->ledger.ledger);
      std::unique_ptr<LedgerStore> opened;
      try {
        opened = std::make_unique<LedgerStore>(paths, LedgerStore::Mode::read_only, std::string(),
                                               opt->ledger.lock_timeout_s * 1000);
      } catch (const LedgerError& e) {
        if (e.kind() != LedgerError::Kind::busy && report_lost_database_under_guard(paths)) return kExitTampered;
        throw;
      }
      LedgerStore& store = *opened;
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
      if (const int guard_exit = check_ledger_against_guard(store, *trusted, *opt); guard_exit != kExitOk)
        return guard_exit;
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
