#pragma once
// The ledger's table of witness cosignature attempts: one row per add-checkpoint request to one
// witness for one signed tree head, whatever came of it (a cosignature, a refusal, no answer).
//
//   cosignatures(id INTEGER PRIMARY KEY,
//                size INTEGER,          tree size of the checkpoint sent to the witness
//                witness TEXT,          the witness's name (its key name)
//                verifier_key TEXT,     its cosignature verifier key, as configured (--witness)
//                url TEXT,              its submission prefix
//                requested_at TEXT,     RFC 3339 (ns), this machine's clock when the request was sent
//                old_size INTEGER,      the size the request was finally sent from (after a 409)
//                status TEXT,           cosigned | refused | failed | superseded
//                http_status INTEGER,   the witness's last HTTP status (NULL: no answer)
//                cosignature TEXT,      the cosignature line(s) "— NAME base64\n" (cosigned rows only)
//                cosigned_at INTEGER,   the POSIX seconds the witness put in its cosignature (cosigned)
//                error TEXT)            what went wrong (other rows)
//
// A cosigned row's line was verified with verifier_key over the ledger's note of that size before
// it was stored. Refusals stay too: a witness that refuses a tree (422: it saw another one) is the
// alarm of a fork, kept as evidence like everything else.
//
// Role: the table's schema and its reads and writes. Part of the schema since version 3. Rows are
// append-only (triggers), like leaves and time-stamps.
// Ownership: borrows the Db. Thread-safety: none (one Db per thread).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ledger/sqlite.h"

namespace dnswitness {

struct CosignatureRow {
  std::int64_t id = 0;
  std::uint64_t size = 0;
  std::string witness;
  std::string verifier_key;
  std::string url;
  std::string requested_at;
  std::uint64_t old_size = 0;
  std::string status;     // cosigned | refused | failed | superseded
  long http_status = 0;   // 0: no answer
  std::string cosignature;  // empty unless cosigned
  std::uint64_t cosigned_at = 0;
  std::string error;
};

inline constexpr const char* kCosigned = "cosigned";
inline constexpr const char* kCosignRefused = "refused";
inline constexpr const char* kCosignFailed = "failed";
// The witness already held a newer tree head of this very ledger (another publish had it cosigned
// meanwhile): nothing was wrong and nothing is missing.
inline constexpr const char* kCosignSuperseded = "superseded";

// The CREATE statements of the table and its triggers (CREATE ... IF NOT EXISTS).
const char* cosignatures_schema();
// Appends rows in one write transaction; sets their ids.
void insert_cosignatures(Db& db, std::vector<CosignatureRow>& rows);
// Every row, by id.
std::vector<CosignatureRow> read_cosignatures(Db& db);
// The cosigned rows of the tree head of size `size`, by id.
std::vector<CosignatureRow> read_cosigned_of_size(Db& db, std::uint64_t size);
// What a tree head carries when published or reported: its cosigned rows, one per verifier key (the
// first stored), ordered by witness name then key.
std::vector<CosignatureRow> cosignatures_of_tree_head(Db& db, std::uint64_t size);
// The cosigned rows with an id greater than `after_id`, by id (what a publish has not seen yet).
std::vector<CosignatureRow> read_cosigned_since(Db& db, std::int64_t after_id);
// Whether the ledger holds a row with this id (a published-through mark names one).
bool has_cosignature_row(Db& db, std::int64_t id);
// The objects report.json and a published folder carry for a tree head: [{line, verifier_key}],
// of cosignatures_of_tree_head (docs/report.md, "Witness cosignatures"); empty when none.
nlohmann::json cosignature_list(Db& db, std::uint64_t size);
// The largest size `verifier_key` cosigned (0: none): where its next request starts from.
std::uint64_t newest_cosigned_size(Db& db, const std::string& verifier_key);
// The newest row of each verifier key, by witness name (what `status` shows).
std::vector<CosignatureRow> latest_cosignature_attempts(Db& db);

}  // namespace dnswitness
