#pragma once
// The ledger's table of RFC 3161 time-stamp attempts: one row per request to a TSA for one signed
// tree head, whatever came of it (a token, an HTTP error, garbage, no connection).
//
//   timestamps(id INTEGER PRIMARY KEY,
//              size INTEGER,          tree size of the checkpoint whose text was time-stamped
//              tsa_url TEXT,          where the request went
//              accredited INTEGER,    1 when the operator labelled the TSA 総務大臣認定 (a label, not checked)
//              requested_at TEXT,     RFC 3339 (ns), this machine's clock when the request was sent
//              gen_time TEXT,         the token's genTime, RFC 3339 (granted rows only)
//              status TEXT,           granted | unreachable | http_error | malformed | rejected | invalid
//              response BLOB,         the TimeStampResp DER exactly as received (when bytes arrived)
//              chain BLOB,            PEM certificates, signer first, up to the trust anchor (granted)
//              error TEXT)            what went wrong (non-granted rows)
//
// Role: the table's schema and its reads and writes, apart from the run-append path. The table is
// part of the schema since version 2 (a new ledger has it, `migrate` adds it to older ledgers that
// lack it). Rows are append-only (triggers), like leaves.
// Ownership: borrows the Db. Thread-safety: none (one Db per thread).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ledger/sqlite.h"

namespace dnswitness {

struct TimestampRow {
  std::int64_t id = 0;
  std::uint64_t size = 0;
  std::string tsa_url;
  bool accredited = false;
  std::string requested_at;
  std::string gen_time;  // empty unless granted
  std::string status;
  Bytes response;
  std::string chain_pem;
  std::string error;
};

// The CREATE statements of the table and its triggers (CREATE ... IF NOT EXISTS).
const char* timestamps_schema();
// Appends rows in one write transaction; sets their ids.
void insert_timestamps(Db& db, std::vector<TimestampRow>& rows);
// Every row, by id.
std::vector<TimestampRow> read_timestamps(Db& db);
// The granted rows with an id greater than `after_id`, by id (what a publish has not seen yet).
std::vector<TimestampRow> read_granted_timestamps_since(Db& db, std::int64_t after_id);
// The granted rows of the tree head of size `size`, by id.
std::vector<TimestampRow> read_granted_timestamps_of_size(Db& db, std::uint64_t size);

}  // namespace dnswitness
