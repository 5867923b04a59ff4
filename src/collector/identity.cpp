#include "collector/identity.h"

#include <fmt/format.h>

#include <system_error>

#include "ledger/signed_note.h"
#include "model/errors.h"
#include "tlog/cosignature.h"

namespace dnswitness {
namespace {

Ed25519PrivateKey read_key(const std::filesystem::path& key_file) {
  try {
    return Ed25519PrivateKey::load_pem_file(key_file);
  } catch (const std::exception& e) {
    throw UsageError(fmt::format("Cannot read the collector's key {} ({}); give the file 'collector init --key-file' "
                                 "made.",
                                 key_file.string(), e.what()));
  }
}

}  // namespace

CollectorIdentity recorded_collector_identity(PgSession& db) {
  CollectorIdentity id;
  const PgRows rows = db.exec("SELECT name, verifier_key FROM collector_identity WHERE id = 1");
  if (!rows.empty()) {
    id.name = rows[0][0].value_or("");
    id.verifier_key = rows[0][1].value_or("");
  }
  return id;
}

CollectorIdentity set_collector_identity(PgSession& db, const std::string& name, const std::filesystem::path& key_file) {
  if (!is_valid_key_name(name))
    throw UsageError(fmt::format("'{}' cannot name the collector: use a name without spaces or '+', such as "
                                 "collector.example.jp/fleet.",
                                 name));
  std::error_code ec;
  if (!std::filesystem::exists(key_file, ec)) {
    if (key_file.has_parent_path()) std::filesystem::create_directories(key_file.parent_path(), ec);
    Ed25519PrivateKey::generate().save_pem_file(key_file);
  }
  const Ed25519PrivateKey key = read_key(key_file);
  CollectorIdentity id{name, format_cosignature_verifier_key(name, key.public_key())};
  const CollectorIdentity held = recorded_collector_identity(db);
  if (!held.name.empty()) {
    if (held.name == id.name && held.verifier_key == id.verifier_key) return held;
    throw UsageError(fmt::format("The collector's database already has the identity {} ({}); a collector keeps one "
                                 "name and key, so that every cosignature it made stays checkable. Use its key "
                                 "file, or a new database.",
                                 held.name, held.verifier_key));
  }
  db.exec("INSERT INTO collector_identity (id, name, verifier_key) VALUES (1, $1, $2)", {id.name, id.verifier_key});
  return id;
}

Ed25519PrivateKey load_collector_key(PgSession& db, const std::filesystem::path& key_file, CollectorIdentity& out) {
  out = recorded_collector_identity(db);
  if (out.name.empty())
    throw UsageError("The collector has no identity yet; run 'dnswitness collector init --db URI --name NAME "
                     "--key-file FILE' first.");
  Ed25519PrivateKey key = read_key(key_file);
  if (format_cosignature_verifier_key(out.name, key.public_key()) != out.verifier_key)
    throw UsageError(fmt::format("{} is not the key of the collector {} ({}); give the key file 'collector init' "
                                 "made for this database.",
                                 key_file.string(), out.name, out.verifier_key));
  return key;
}

}  // namespace dnswitness
