#pragma once
// Thin RAII layer over the SQLite C API, for the ledger store.
//
// Role: own every sqlite3* and sqlite3_stmt* so nothing leaks on an error path, and turn SQLite
// result codes into LedgerError with a sentence that names the database file.
// Ownership: Db owns its connection; Stmt owns its prepared statement and borrows the connection
// (a Stmt must not outlive its Db). Both are move-only.
// Thread-safety: none; one Db per thread (SQLite itself is built thread-safe, the objects are not).
#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "model/bytes.h"

namespace dnswitness {

// Everything that can go wrong with the ledger as stored data. `kind` decides the exit code.
class LedgerError : public std::runtime_error {
 public:
  enum class Kind {
    io,          // cannot read or write the files (permissions, disk full, missing): exit 1
    busy,        // another dnswitness holds the ledger longer than the lock wait: exit 1
    unreadable,  // not a dnswitness ledger, or a corrupt database file: exit 1
    integrity,   // the stored data contradicts itself or its signatures: exit 4
    usage,       // the user asked for something impossible (bad origin, key mismatch): exit 2
  };
  LedgerError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  [[nodiscard]] Kind kind() const noexcept { return kind_; }

 private:
  Kind kind_;
};

class Db {
 public:
  // Opens `path` read-write (creating it when `create`) or read-only. Throws LedgerError.
  // Read-only opens the URI "file:PATH?mode=ro", which never writes the database; when the folder
  // is not writable (read-only media, another user's ledger) and no write-ahead log is there,
  // "&immutable=1" as well, since a WAL-mode database cannot make its -shm file there. A -wal
  // file without its -shm in such a folder cannot be read consistently and is refused.
  Db(const std::filesystem::path& path, bool read_only, bool create);
  Db(Db&& other) noexcept : db_(other.db_), path_(std::move(other.path_)), read_only_(other.read_only_) {
    other.db_ = nullptr;
  }
  Db& operator=(Db&& other) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  [[nodiscard]] sqlite3* get() const noexcept { return db_; }
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  // Runs one or more statements without results. Throws LedgerError.
  void exec(const char* sql);
  // Throws a LedgerError for result code `rc` while doing `doing` ("appending the run").
  [[noreturn]] void fail(int rc, std::string_view doing) const;

 private:
  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
  bool read_only_ = false;
};

class Stmt {
 public:
  Stmt(Db& db, const char* sql);
  Stmt(Stmt&& other) noexcept : db_(other.db_), stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Stmt& operator=(Stmt&&) = delete;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  // `copy` (the default) lets SQLite copy the value; `borrow` skips the copy, for values that
  // stay alive and unchanged until run() or reset() (the hot path of appending a run).
  enum class Lifetime { copy, borrow };
  Stmt& bind(int i, std::int64_t v);
  Stmt& bind(int i, std::string_view text, Lifetime lifetime = Lifetime::copy);
  Stmt& bind_blob(int i, ByteView blob, Lifetime lifetime = Lifetime::copy);
  // True when a row is ready, false when done. Throws LedgerError (with `doing` in the message).
  bool step(std::string_view doing = "reading the ledger");
  // Steps to completion expecting no row, then resets.
  void run(std::string_view doing);
  void reset() noexcept;

  [[nodiscard]] std::int64_t i64(int col) const { return sqlite3_column_int64(stmt_, col); }
  [[nodiscard]] std::string_view text(int col) const;
  [[nodiscard]] ByteView blob(int col) const;
  [[nodiscard]] bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  Db* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// A write transaction taken with BEGIN IMMEDIATE (the write lock is acquired up front, waiting at
// most the connection's busy timeout), rolled back unless commit() succeeds.
class WriteTransaction {
 public:
  explicit WriteTransaction(Db& db);
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  ~WriteTransaction();
  void commit();

 private:
  Db& db_;
  bool open_ = false;
};

}  // namespace dnswitness
