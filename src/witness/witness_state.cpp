#include "witness/witness_state.h"

#include <fmt/format.h>

#include <system_error>

#include "ledger/signed_note.h"
#include "model/errors.h"
#include "tlog/cosignature.h"

namespace dnswitness {
namespace {

constexpr const char* kSchema = R"SQL(
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS witness (id INTEGER PRIMARY KEY CHECK (id = 1), name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS logs (
  origin TEXT PRIMARY KEY,
  verifier_key TEXT NOT NULL,
  size INTEGER NOT NULL DEFAULT 0,
  root BLOB,
  cosigned_note TEXT NOT NULL DEFAULT ''
);
)SQL";

Db open_db(const std::filesystem::path& dir, bool create) {
  Db db(dir / kWitnessDbFile, false, create);
  // Concurrent requests (and a second process on the same folder) wait for each other's
  // transaction instead of failing.
  sqlite3_busy_timeout(db.get(), 10'000);
  return db;
}

WitnessedLog log_of(const Stmt& s) {
  WitnessedLog l;
  l.origin = std::string(s.text(0));
  l.verifier_key = std::string(s.text(1));
  l.size = static_cast<std::uint64_t>(s.i64(2));
  if (!s.is_null(3)) {
    const ByteView r = s.blob(3);
    if (r.size() == l.root.size()) std::copy(r.begin(), r.end(), l.root.begin());
  }
  l.cosigned_note = std::string(s.text(4));
  return l;
}

}  // namespace

void WitnessState::create(const std::filesystem::path& dir, const std::string& name) {
  if (!is_valid_key_name(name))
    throw UsageError(fmt::format("'{}' cannot name a witness: use a name without spaces or '+', such as "
                                 "witness.example.jp/1.",
                                 name));
  if (std::filesystem::exists(dir / kWitnessKeyFile) || std::filesystem::exists(dir / kWitnessDbFile))
    throw UsageError(fmt::format("{} already holds a witness; choose another --state folder.", dir.string()));
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw UsageError(fmt::format("Cannot create the folder {} ({}).", dir.string(), ec.message()));
  Ed25519PrivateKey::generate().save_pem_file(dir / kWitnessKeyFile);
  Db db = open_db(dir, true);
  db.exec(kSchema);
  Stmt(db, "INSERT INTO witness (id, name) VALUES (1, ?)").bind(1, name).run("naming the witness");
}

WitnessState::WitnessState(const std::filesystem::path& dir)
    : key_([&] {
        if (!std::filesystem::exists(dir / kWitnessKeyFile) || !std::filesystem::exists(dir / kWitnessDbFile))
          throw UsageError(fmt::format("{} holds no witness; make one with 'dnswitness witness keygen --state {} "
                                       "--name NAME'.",
                                       dir.string(), dir.string()));
        return Ed25519PrivateKey::load_pem_file(dir / kWitnessKeyFile);
      }()),
      db_(open_db(dir, false)) {
  db_.exec(kSchema);
  Stmt s(db_, "SELECT name FROM witness WHERE id = 1");
  if (!s.step("reading the witness's name"))
    throw LedgerError(LedgerError::Kind::unreadable, fmt::format("{} has no witness name.", db_.path().string()));
  name_ = std::string(s.text(0));
}

std::string WitnessState::verifier_key() const { return format_cosignature_verifier_key(name_, key_.public_key()); }

bool WitnessState::add_log(const std::string& origin, const std::string& verifier_key) {
  const NoteVerifier v = [&] {
    try {
      return parse_verifier_key(verifier_key);
    } catch (const NoteError& e) {
      throw UsageError(fmt::format("--key '{}' is not a log's verifier key: {}", verifier_key, e.what()));
    }
  }();
  if (v.name != origin)
    throw UsageError(fmt::format("The key is named '{}' but the origin is '{}'; a log's key is named after its "
                                 "origin.",
                                 v.name, origin));
  if (const auto known = log(origin)) {
    if (known->verifier_key == verifier_key) return false;
    throw UsageError(fmt::format("This witness already follows {} with another key ({}); a log's key cannot "
                                 "change.",
                                 origin, known->verifier_key));
  }
  Stmt(db_, "INSERT INTO logs (origin, verifier_key) VALUES (?, ?)")
      .bind(1, origin)
      .bind(2, verifier_key)
      .run("adding the log");
  return true;
}

std::vector<WitnessedLog> WitnessState::logs() {
  std::vector<WitnessedLog> out;
  Stmt s(db_, "SELECT origin, verifier_key, size, root, cosigned_note FROM logs ORDER BY origin");
  while (s.step("reading the logs")) out.push_back(log_of(s));
  return out;
}

std::optional<WitnessedLog> WitnessState::log(const std::string& origin) {
  Stmt s(db_, "SELECT origin, verifier_key, size, root, cosigned_note FROM logs WHERE origin = ?");
  s.bind(1, origin);
  if (!s.step("reading the log")) return std::nullopt;
  return log_of(s);
}

void WitnessState::store(const std::string& origin, std::uint64_t size, const Hash& root,
                         const std::string& cosigned_note) {
  Stmt(db_, "UPDATE logs SET size = ?, root = ?, cosigned_note = ? WHERE origin = ?")
      .bind(1, static_cast<std::int64_t>(size))
      .bind_blob(2, ByteView(root.data(), root.size()))
      .bind(3, cosigned_note)
      .bind(4, origin)
      .run("storing the log's new size");
}

}  // namespace dnswitness
