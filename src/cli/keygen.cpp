// `dnswitness keygen`: make the ledger's Ed25519 signing key (and the ledger, if new).
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "cli/ledger_options.h"
#include "ledger/signed_note.h"

namespace dnswitness::cli {
namespace {

struct KeygenOptions {
  LedgerOptions ledger;
  std::string origin;
  bool show = false;
};

void print_key(const LedgerStore& store, const Ed25519PublicKey& pub) {
  const auto& p = store.paths();
  std::cout << fmt::format("ledger:       {}\n", p.dir.string())
            << fmt::format("origin:       {}\n", store.origin())
            << fmt::format("private key:  {} (keep it secret and back it up)\n", p.private_key().string())
            << fmt::format("public key:   {}\n", p.public_key().string())
            << fmt::format("fingerprint:  {}\n", pub.fingerprint())
            << fmt::format("verifier key: {}\n", format_verifier_key(store.origin(), pub));
}

}  // namespace

Action add_keygen(CLI::App& app) {
  auto opt = std::make_shared<KeygenOptions>();
  CLI::App* sub = app.add_subcommand("keygen", "Create the ledger's Ed25519 signing key (never replaces one).");
  sub->footer(
      "The private key is written as PKCS#8 PEM with mode 0600, the public key as PEM. The fingerprint is\n"
      "the SHA-256 of the public key's DER SubjectPublicKeyInfo; the verifier key is the c2sp.org signed-note\n"
      "form (origin+keyID+base64(0x01||key)) that checks the ledger's signed tree heads.\n"
      "Exit codes: 0 done; 1 a key already exists or the files cannot be written; 2 bad usage.");
  add_ledger_options(sub, opt->ledger);
  add_origin_option(sub, opt->origin);
  sub->add_flag("--show", opt->show, "Print the existing key's fingerprint and verifier key instead");
  return [opt]() -> int {
    try {
      const LedgerPaths paths = ledger_paths(opt->ledger.ledger);
      if (opt->show) {
        LedgerStore store(paths, LedgerStore::Mode::read_only, {}, opt->ledger.lock_timeout_s * 1000);
        print_key(store, Ed25519PublicKey::load_pem_file(paths.public_key()));
        return kExitOk;
      }
      std::error_code ec;
      if (std::filesystem::exists(paths.private_key(), ec)) {
        std::cerr << fmt::format(
            "dnswitness: {} already exists and keygen never replaces a key; use 'dnswitness keygen --show' to see "
            "it, or choose another --ledger folder.\n",
            paths.private_key().string());
        return kExitInternal;
      }
      LedgerStore store(paths, LedgerStore::Mode::read_write, opt->origin, opt->ledger.lock_timeout_s * 1000);
      bool created = false;
      const Ed25519PrivateKey key = store.load_or_create_key(&created);
      if (!created) {
        std::cerr << fmt::format("dnswitness: another process created {} at the same moment; it is kept.\n",
                                 paths.private_key().string());
        return kExitInternal;
      }
      print_key(store, key.public_key());
      return kExitOk;
    } catch (...) {
      return report_current_exception();
    }
  };
}

}  // namespace dnswitness::cli
