#include "ledger/sqlite.h"

#include <fmt/format.h>

#include <unistd.h>

#include <cerrno>
#include <string>

namespace dnswitness {

namespace {

// Before SQLite initialises (the first connection): no global memory statistics, which take a
// process-wide mutex on every allocation; nothing here reads them.
const bool kConfigured = [] {
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  return true;
}();

// "file:" + the absolute path with the characters a URI gives meaning to escaped (RFC 3986 via
// https://sqlite.org/uri.html), so any folder name works.
std::string read_only_db_uri(const std::filesystem::path& path, bool immutable) {
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec);
  if (ec) abs = path;
  std::string uri = "file:";
  for (const char ch : abs.string()) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '%' || c == '?' || c == '#' || c <= 0x20 || c >= 0x7f)
      uri += fmt::format("%{:02X}", c);
    else
      uri += ch;
  }
  uri += immutable ? "?mode=ro&immutable=1" : "?mode=ro";
  return uri;
}

bool sqlite_wal_nonempty(const std::filesystem::path& p) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(p, ec);
  return !ec && size > 0;
}

// Whether a read-only connection to `path` must be immutable, i.e. SQLite may create no -shm file
// beside it. Throws when the folder holds a write-ahead log that cannot be read from there.
bool read_only_needs_immutable(const std::filesystem::path& path) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  if (::access(dir.c_str(), W_OK) == 0) return false;
  std::filesystem::path wal = path, shm = path;
  wal += "-wal";
  shm += "-shm";
  if (!sqlite_wal_nonempty(wal)) return true;  // nothing committed outside the main file
  std::error_code ec;
  if (std::filesystem::exists(shm, ec)) return false;  // SQLite reads a live or copied -shm read-only
  throw LedgerError(LedgerError::Kind::io,
                    fmt::format("The ledger {} has a write-ahead log ({}) without its -shm file in a folder that "
                                "cannot be written; copy the whole ledger folder to a writable disk and read it "
                                "there.",
                                path.string(), wal.filename().string()));
}

}  // namespace

Db::Db(const std::filesystem::path& path, bool read_only, bool create) : path_(path), read_only_(read_only) {
  (void)kConfigured;
  int flags = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (create && !read_only) flags |= SQLITE_OPEN_CREATE;
  flags |= SQLITE_OPEN_NOMUTEX;
  int rc = SQLITE_OK;
  if (read_only) {
    const std::string uri = read_only_db_uri(path, read_only_needs_immutable(path));
    rc = sqlite3_open_v2(uri.c_str(), &db_, flags | SQLITE_OPEN_URI, nullptr);
  } else {
    rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  }
  if (rc != SQLITE_OK) {
    sqlite3_close(db_);  // sqlite3_open_v2 may hand back a handle even on failure
    db_ = nullptr;
    throw LedgerError(LedgerError::Kind::io,
                      fmt::format("Cannot open the ledger database {} ({}); check that the file exists and that "
                                  "you may read and write its folder.",
                                  path.string(), sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(db_, 1);
}

Db& Db::operator=(Db&& other) noexcept {
  if (this != &other) {
    sqlite3_close(db_);
    db_ = other.db_;
    path_ = std::move(other.path_);
    read_only_ = other.read_only_;
    other.db_ = nullptr;
  }
  return *this;
}

Db::~Db() { sqlite3_close(db_); }

void Db::exec(const char* sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  sqlite3_free(message);
  if (rc != SQLITE_OK) fail(rc, "setting up the ledger");
}

void Db::fail(int rc, std::string_view doing) const {
  int primary = rc & 0xff;
  // A full disk often surfaces as an I/O error (a failed write or mmap of the WAL index); the
  // operating system's errno tells it apart.
  if (primary == SQLITE_IOERR && db_ && sqlite3_system_errno(db_) == ENOSPC) primary = SQLITE_FULL;
  const std::string detail = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  switch (primary) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      throw LedgerError(LedgerError::Kind::busy,
                        fmt::format("The ledger {} stayed locked by another dnswitness process while {}; wait for it "
                                    "to finish and try again.",
                                    path_.string(), doing));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      throw LedgerError(LedgerError::Kind::unreadable,
                        fmt::format("The ledger database {} is damaged or is not an SQLite file ({}) while {}; keep a "
                                    "copy of it and restore the ledger folder from a backup.",
                                    path_.string(), detail, doing));
    case SQLITE_FULL:
      throw LedgerError(LedgerError::Kind::io,
                        fmt::format("The disk holding the ledger {} is full while {}; the ledger is unchanged, free "
                                    "some space and run again.",
                                    path_.string(), doing));
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_IOERR:
      if (read_only_)
        throw LedgerError(LedgerError::Kind::io,
                          fmt::format("Cannot read the ledger {} while {} ({}); check that you may read its folder "
                                      "and the files in it.",
                                      path_.string(), doing, detail));
      throw LedgerError(LedgerError::Kind::io,
                        fmt::format("Cannot write to the ledger {} while {} ({}); the ledger is unchanged, check that "
                                    "its folder is writable and the disk is healthy.",
                                    path_.string(), doing, detail));
    default:
      throw LedgerError(LedgerError::Kind::io, fmt::format("SQLite failed on the ledger {} while {} ({}).",
                                                           path_.string(), doing, detail));
  }
}

Stmt::Stmt(Db& db, const char* sql) : db_(&db) {
  const int rc = sqlite3_prepare_v3(db.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) db.fail(rc, "reading the ledger's tables");
}

Stmt::~Stmt() { sqlite3_finalize(stmt_); }

Stmt& Stmt::bind(int i, std::int64_t v) {
  const int rc = sqlite3_bind_int64(stmt_, i, v);
  if (rc != SQLITE_OK) db_->fail(rc, "preparing a query");
  return *this;
}

Stmt& Stmt::bind(int i, std::string_view text, Lifetime lifetime) {
  const int rc = sqlite3_bind_text64(stmt_, i, text.data(), text.size(),
                                     lifetime == Lifetime::copy ? SQLITE_TRANSIENT : SQLITE_STATIC, SQLITE_UTF8);
  if (rc != SQLITE_OK) db_->fail(rc, "preparing a query");
  return *this;
}

Stmt& Stmt::bind_blob(int i, ByteView blob, Lifetime lifetime) {
  // A zero-length blob must still be a blob, not NULL: pass a non-null pointer.
  static const std::uint8_t empty = 0;
  const int rc = sqlite3_bind_blob64(stmt_, i, blob.empty() ? &empty : blob.data(), blob.size(),
                                     lifetime == Lifetime::copy ? SQLITE_TRANSIENT : SQLITE_STATIC);
  if (rc != SQLITE_OK) db_->fail(rc, "preparing a query");
  return *this;
}

bool Stmt::step(std::string_view doing) {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3_reset(stmt_);
  db_->fail(rc, doing);
}

void Stmt::run(std::string_view doing) {
  while (step(doing)) {
  }
  reset();
}

void Stmt::reset() noexcept {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string_view Stmt::text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  const int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string_view(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string_view{};
}

ByteView Stmt::blob(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  const int n = sqlite3_column_bytes(stmt_, col);
  return p ? ByteView(static_cast<const std::uint8_t*>(p), static_cast<std::size_t>(n)) : ByteView{};
}

WriteTransaction::WriteTransaction(Db& db) : db_(db) {
  const int rc = sqlite3_exec(db_.get(), "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) db_.fail(rc, "waiting for the ledger's write lock");
  open_ = true;
}

WriteTransaction::~WriteTransaction() {
  if (open_) sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void WriteTransaction::commit() {
  const int rc = sqlite3_exec(db_.get(), "COMMIT", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) db_.fail(rc, "committing the run to the ledger");
  open_ = false;
}

}  // namespace dnswitness
