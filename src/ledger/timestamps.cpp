#include "ledger/timestamps.h"

namespace dnswitness {
namespace {

// IF NOT EXISTS: the migration to schema version 2 runs it on ledgers that may already have the table.
constexpr const char* kTimestampsSchema = R"sql(
CREATE TABLE IF NOT EXISTS timestamps(id INTEGER PRIMARY KEY, size INTEGER NOT NULL, tsa_url TEXT NOT NULL,
                                      accredited INTEGER NOT NULL, requested_at TEXT NOT NULL, gen_time TEXT,
                                      status TEXT NOT NULL, response BLOB, chain BLOB, error TEXT);
CREATE TRIGGER IF NOT EXISTS timestamps_append_only_u BEFORE UPDATE ON timestamps BEGIN SELECT RAISE(ABORT, 'time-stamps are append-only'); END;
CREATE TRIGGER IF NOT EXISTS timestamps_append_only_d BEFORE DELETE ON timestamps BEGIN SELECT RAISE(ABORT, 'time-stamps are append-only'); END;
)sql";

constexpr const char* kTimestampColumns =
    "SELECT id, size, tsa_url, accredited, requested_at, gen_time, status, response, chain, error FROM timestamps";

// The rows a query over kTimestampColumns returns.
std::vector<TimestampRow> timestamp_rows(Stmt& query) {
  std::vector<TimestampRow> out;
  while (query.step("reading the time-stamps")) {
    TimestampRow r;
    r.id = query.i64(0);
    r.size = static_cast<std::uint64_t>(query.i64(1));
    r.tsa_url = std::string(query.text(2));
    r.accredited = query.i64(3) != 0;
    r.requested_at = std::string(query.text(4));
    if (!query.is_null(5)) r.gen_time = std::string(query.text(5));
    r.status = std::string(query.text(6));
    const ByteView resp = query.blob(7);
    r.response.assign(resp.begin(), resp.end());
    const ByteView chain = query.blob(8);
    if (!chain.empty()) r.chain_pem.assign(reinterpret_cast<const char*>(chain.data()), chain.size());
    if (!query.is_null(9)) r.error = std::string(query.text(9));
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

const char* timestamps_schema() { return kTimestampsSchema; }

void insert_timestamps(Db& db, std::vector<TimestampRow>& rows) {
  if (rows.empty()) return;
  WriteTransaction tx(db);
  Stmt put(db,
           "INSERT INTO timestamps(size, tsa_url, accredited, requested_at, gen_time, status, response, chain, "
           "error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  for (auto& r : rows) {
    put.bind(1, static_cast<std::int64_t>(r.size))
        .bind(2, r.tsa_url)
        .bind(3, std::int64_t{r.accredited ? 1 : 0})
        .bind(4, r.requested_at);
    // Absent facts stay NULL, so a failed attempt is plainly one in the table.
    if (!r.gen_time.empty()) put.bind(5, r.gen_time);
    put.bind(6, r.status);
    if (!r.response.empty()) put.bind_blob(7, r.response);
    if (!r.chain_pem.empty()) put.bind_blob(8, as_bytes(r.chain_pem));
    if (!r.error.empty()) put.bind(9, r.error);
    put.run("recording a time-stamp");
    r.id = sqlite3_last_insert_rowid(db.get());
  }
  tx.commit();
}

std::vector<TimestampRow> read_timestamps(Db& db) {
  Stmt all(db, (std::string(kTimestampColumns) + " ORDER BY id").c_str());
  return timestamp_rows(all);
}

std::vector<TimestampRow> read_granted_timestamps_since(Db& db, std::int64_t after_id) {
  Stmt since(db, (std::string(kTimestampColumns) + " WHERE id > ?1 AND status = 'granted' ORDER BY id").c_str());
  since.bind(1, after_id);
  return timestamp_rows(since);
}

std::vector<TimestampRow> read_granted_timestamps_of_size(Db& db, std::uint64_t size) {
  Stmt of_size(db, (std::string(kTimestampColumns) + " WHERE size = ?1 AND status = 'granted' ORDER BY id").c_str());
  of_size.bind(1, static_cast<std::int64_t>(size));
  return timestamp_rows(of_size);
}

}  // namespace dnswitness
