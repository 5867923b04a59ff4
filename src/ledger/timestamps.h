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
// Role: the table's schema and its reads and writes, apart from the run-append path (store.cpp
// only calls ensure_timestamps_table when it opens a ledger for writing, so ledgers made before
// this table existed gain it on their next run). Rows are append-only (triggers), like leaves.
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

// Creates the table and its triggers when missing. Needs a read-write connection.
void ensure_timestamps_table(Db& db);
// True when the ledger has the table (older ledgers opened read-only may not).
bool has_timestamps_table(Db& db);
// Appends rows in one write transaction (creating the table when missing); sets their ids.
void insert_timestamps(Db& db, std::vector<TimestampRow>& rows);
// Every row, by id; empty when the table does not exist.
std::vector<TimestampRow> read_timestamps(Db& db);

}  // namespace dnswitness
