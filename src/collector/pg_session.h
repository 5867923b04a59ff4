#pragma once
// A connection to the collector's PostgreSQL (libpq), for the probe fleet (docs/fleet.md). Owns one
// PGconn; statements run with text parameters (PQexecParams), so no value is ever spliced into SQL.
// Errors are PgError with one plain sentence that names what failed and what to do.
// Thread-safety: none (one session per thread, as libpq requires).
#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <string>
#include <vector>

struct pg_conn;

namespace dnswitness {

struct PgError : std::runtime_error {
  enum class Kind { connect, query, unique_violation };
  PgError(Kind k, const std::string& message) : std::runtime_error(message), kind(k) {}
  Kind kind;
};

// Rows of text values (nullopt for SQL NULL), in the order the statement returned them.
using PgRows = std::vector<std::vector<std::optional<std::string>>>;

class PgSession {
 public:
  // `uri`: a libpq connection string or URI (postgresql://…, host=/run/… dbname=…). Throws
  // PgError::connect naming the server when it cannot connect.
  explicit PgSession(const std::string& uri);
  ~PgSession();
  PgSession(const PgSession&) = delete;
  PgSession& operator=(const PgSession&) = delete;

  // One statement with $1… parameters. Throws PgError (unique_violation for SQLSTATE 23505).
  PgRows exec(const std::string& sql, const std::vector<std::optional<std::string>>& params = {});
  // Several statements without parameters (a migration's script).
  void exec_script(const std::string& sql);

  // Whether the connection is still up (false after the server restarted and a statement failed).
  [[nodiscard]] bool connected() const;
  // Connects again with the same URI (a long-running server after PostgreSQL restarted). Throws
  // PgError::connect as the constructor does.
  void reconnect();

 private:
  void connect();
  std::string uri_;
  pg_conn* conn_ = nullptr;
  std::string where_;  // the server, for messages
};

// bytea in libpq's text format ("\x" and hex): a parameter from bytes, and bytes or a 32-byte hash
// from a result value. The readers throw std::runtime_error for NULL or a value that is not that.
std::string pg_bytea(const std::uint8_t* data, std::size_t size);
std::vector<std::uint8_t> pg_bytes(const std::optional<std::string>& value);
std::array<std::uint8_t, 32> pg_hash(const std::optional<std::string>& value);

// Runs `body` in a transaction: COMMIT when it returns, ROLLBACK when it throws (and rethrows).
template <typename F>
auto in_transaction(PgSession& s, F&& body) {
  s.exec("BEGIN");
  try {
    if constexpr (std::is_void_v<decltype(body())>) {
      body();
      s.exec("COMMIT");
    } else {
      auto result = body();
      s.exec("COMMIT");
      return result;
    }
  } catch (...) {
    try {
      s.exec("ROLLBACK");
    } catch (const PgError&) {
      // The connection is gone: the server rolls the transaction back itself.
    }
    throw;
  }
}

}  // namespace dnswitness
