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
  std::vector<TimestampRow> out;
  Stmt all(db,
           "SELECT id, size, tsa_url, accredited, requested_at, gen_time, status, response, chain, error FROM "
           "timestamps ORDER BY id");
  while (all.step("reading the time-stamps")) {
    TimestampRow r;
    r.id = all.i64(0);
    r.size = static_cast<std::uint64_t>(all.i64(1));
    r.tsa_url = std::string(all.text(2));
    r.accredited = all.i64(3) != 0;
    r.requested_at = std::string(all.text(4));
    if (!all.is_null(5)) r.gen_time = std::string(all.text(5));
    r.status = std::string(all.text(6));
    const ByteView resp = all.blob(7);
    r.response.assign(resp.begin(), resp.end());
    const ByteView chain = all.blob(8);
    if (!chain.empty()) r.chain_pem.assign(reinterpret_cast<const char*>(chain.data()), chain.size());
    if (!all.is_null(9)) r.error = std::string(all.text(9));
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace dnswitness
