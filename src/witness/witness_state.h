#pragma once
// What a witness remembers (c2sp.org/tlog-witness): its own name and Ed25519 key, and for each log
// it follows the log's origin, verifier key, and the size, root and note of the largest checkpoint
// it has cosigned. Kept in a state folder: witness.key (PEM, mode 0600) and witness.sqlite.
//
// Role: storage only; what a request may change is decided in witness/add_checkpoint.h, inside
// the transaction this class opens, so two requests can never roll a log back.
// Ownership: owns its database connection and key. Thread-safety: none; one per thread (SQLite's
// own locking makes several processes on one folder safe).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "crypto/ed25519.h"
#include "ledger/merkle.h"
#include "ledger/sqlite.h"

namespace dnswitness {

inline constexpr const char* kWitnessKeyFile = "witness.key";
inline constexpr const char* kWitnessDbFile = "witness.sqlite";

struct WitnessedLog {
  std::string origin;
  std::string verifier_key;  // the log's key, name+hex+base64 (c2sp.org/signed-note)
  std::uint64_t size = 0;    // 0 until the first checkpoint is cosigned
  Hash root{};
  std::string cosigned_note;  // the newest checkpoint with this witness's cosignature; "" before
};

class WitnessState {
 public:
  // Makes a new state folder with a new key named `name` (a key name: no spaces, no '+'). Throws
  // UsageError when the folder already holds a witness or the name is not a key name.
  static void create(const std::filesystem::path& dir, const std::string& name);

  // Opens an existing state folder. Throws UsageError when there is none, LedgerError when it
  // cannot be read.
  explicit WitnessState(const std::filesystem::path& dir);

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] const Ed25519PrivateKey& key() const noexcept { return key_; }
  // This witness's cosignature verifier key (type 0x04), for logs and readers to trust.
  [[nodiscard]] std::string verifier_key() const;

  // Follows a new log. Throws UsageError when the key is not a verifier key, its name is not the
  // origin, or the log is already followed (with this key: nothing happens, and false is returned).
  bool add_log(const std::string& origin, const std::string& verifier_key);
  std::vector<WitnessedLog> logs();
  std::optional<WitnessedLog> log(const std::string& origin);

  // Runs `step` inside one write transaction (BEGIN IMMEDIATE): it reads the log's state and may
  // call store(); commits when `step` returns true, rolls back otherwise or on an exception.
  template <typename Step>
  auto in_transaction(Step&& step) {
    WriteTransaction tx(db_);
    auto result = step();
    if (result.commit) tx.commit();
    return result;
  }
  void store(const std::string& origin, std::uint64_t size, const Hash& root, const std::string& cosigned_note);

 private:
  std::string name_;
  Ed25519PrivateKey key_;
  Db db_;
};

}  // namespace dnswitness
