#include "collector/pg_session.h"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <algorithm>
#include <memory>

#include "crypto/encoding.h"

namespace dnswitness {
namespace {

struct ResultFree {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultFree>;

// libpq's messages end in a newline and may span lines: one line for ours.
std::string pg_one_line(const char* text) {
  std::string s = text ? text : "";
  for (auto& c : s)
    if (c == '\n') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

PgSession::PgSession(const std::string& uri) : uri_(uri) { connect(); }

bool PgSession::connected() const { return conn_ && PQstatus(conn_) == CONNECTION_OK; }

void PgSession::reconnect() {
  if (conn_) PQfinish(conn_);
  conn_ = nullptr;
  connect();
}

void PgSession::connect() {
  conn_ = PQconnectdb(uri_.c_str());
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    const std::string why = conn_ ? pg_one_line(PQerrorMessage(conn_)) : "out of memory";
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;
    throw PgError(PgError::Kind::connect,
                  fmt::format("Cannot connect to the collector's database ({}); check --db and that PostgreSQL "
                              "is running.",
                              why));
  }
  // NOTICEs ("relation ... already exists, skipping") are not for the operator's log.
  PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
  const char* host = PQhost(conn_);
  where_ = fmt::format("{}/{}", host ? host : "", PQdb(conn_));
  // Messages in English and times in UTC whatever the server's defaults.
  exec("SET TIME ZONE 'UTC'");
}

PgSession::~PgSession() {
  if (conn_) PQfinish(conn_);
}

PgRows PgSession::exec(const std::string& sql, const std::vector<std::optional<std::string>>& params) {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  Result r(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr,
                        0));
  const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    const char* state = r ? PQresultErrorField(r.get(), PG_DIAG_SQLSTATE) : nullptr;
    const std::string why = pg_one_line(r ? PQresultErrorMessage(r.get()) : PQerrorMessage(conn_));
    throw PgError(state && std::string(state) == "23505" ? PgError::Kind::unique_violation : PgError::Kind::query,
                  fmt::format("The collector's database ({}) refused a statement: {}", where_, why));
  }
  PgRows rows;
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    auto& row = rows.emplace_back();
    for (int k = 0; k < PQnfields(r.get()); ++k)
      row.push_back(PQgetisnull(r.get(), i, k) ? std::nullopt
                                               : std::optional<std::string>(PQgetvalue(r.get(), i, k)));
  }
  return rows;
}

void PgSession::exec_script(const std::string& sql) {
  Result r(PQexec(conn_, sql.c_str()));
  const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
    throw PgError(PgError::Kind::query, fmt::format("The collector's database ({}) refused a script: {}", where_,
                                                    pg_one_line(r ? PQresultErrorMessage(r.get())
                                                                  : PQerrorMessage(conn_))));
}

std::string pg_bytea(const std::uint8_t* data, std::size_t size) { return "\\x" + hex_encode(ByteView(data, size)); }

std::vector<std::uint8_t> pg_bytes(const std::optional<std::string>& value) {
  const auto b = value && value->starts_with("\\x") ? hex_decode(std::string_view(*value).substr(2)) : std::nullopt;
  if (!b) throw std::runtime_error("the collector's database holds a bytea value that is not hex");
  return *b;
}

std::array<std::uint8_t, 32> pg_hash(const std::optional<std::string>& value) {
  const std::vector<std::uint8_t> b = pg_bytes(value);
  std::array<std::uint8_t, 32> h{};
  if (b.size() != h.size()) throw std::runtime_error("the collector's database holds a hash that is not 32 bytes");
  std::copy(b.begin(), b.end(), h.begin());
  return h;
}

}  // namespace dnswitness
