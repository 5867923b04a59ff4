#include "ledger/cosignatures.h"

#include <algorithm>
#include <tuple>

namespace dnswitness {
namespace {

constexpr const char* kCosignaturesSchema = R"sql(
CREATE TABLE IF NOT EXISTS cosignatures(id INTEGER PRIMARY KEY, size INTEGER NOT NULL, witness TEXT NOT NULL,
                                        verifier_key TEXT NOT NULL, url TEXT NOT NULL, requested_at TEXT NOT NULL,
                                        old_size INTEGER NOT NULL, status TEXT NOT NULL, http_status INTEGER,
                                        cosignature TEXT, cosigned_at INTEGER, error TEXT);
CREATE INDEX IF NOT EXISTS cosignatures_by_size ON cosignatures(size);
CREATE TRIGGER IF NOT EXISTS cosignatures_append_only_u BEFORE UPDATE ON cosignatures BEGIN SELECT RAISE(ABORT, 'cosignatures are append-only'); END;
CREATE TRIGGER IF NOT EXISTS cosignatures_append_only_d BEFORE DELETE ON cosignatures BEGIN SELECT RAISE(ABORT, 'cosignatures are append-only'); END;
)sql";

constexpr const char* kCosignatureColumns =
    "SELECT id, size, witness, verifier_key, url, requested_at, old_size, status, http_status, cosignature, "
    "cosigned_at, error FROM cosignatures";

std::vector<CosignatureRow> cosignature_rows(Stmt& query) {
  std::vector<CosignatureRow> out;
  while (query.step("reading the cosignatures")) {
    CosignatureRow r;
    r.id = query.i64(0);
    r.size = static_cast<std::uint64_t>(query.i64(1));
    r.witness = std::string(query.text(2));
    r.verifier_key = std::string(query.text(3));
    r.url = std::string(query.text(4));
    r.requested_at = std::string(query.text(5));
    r.old_size = static_cast<std::uint64_t>(query.i64(6));
    r.status = std::string(query.text(7));
    if (!query.is_null(8)) r.http_status = static_cast<long>(query.i64(8));
    if (!query.is_null(9)) r.cosignature = std::string(query.text(9));
    if (!query.is_null(10)) r.cosigned_at = static_cast<std::uint64_t>(query.i64(10));
    if (!query.is_null(11)) r.error = std::string(query.text(11));
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

const char* cosignatures_schema() { return kCosignaturesSchema; }

void insert_cosignatures(Db& db, std::vector<CosignatureRow>& rows) {
  if (rows.empty()) return;
  WriteTransaction tx(db);
  Stmt put(db,
           "INSERT INTO cosignatures(size, witness, verifier_key, url, requested_at, old_size, status, http_status, "
           "cosignature, cosigned_at, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  for (auto& r : rows) {
    put.bind(1, static_cast<std::int64_t>(r.size))
        .bind(2, r.witness)
        .bind(3, r.verifier_key)
        .bind(4, r.url)
        .bind(5, r.requested_at)
        .bind(6, static_cast<std::int64_t>(r.old_size))
        .bind(7, r.status);
    // Absent facts stay NULL: a failed attempt is plainly one in the table.
    if (r.http_status != 0) put.bind(8, static_cast<std::int64_t>(r.http_status));
    if (!r.cosignature.empty()) put.bind(9, r.cosignature).bind(10, static_cast<std::int64_t>(r.cosigned_at));
    if (!r.error.empty()) put.bind(11, r.error);
    put.run("recording a cosignature");
    r.id = sqlite3_last_insert_rowid(db.get());
  }
  tx.commit();
}

std::vector<CosignatureRow> read_cosignatures(Db& db) {
  Stmt all(db, (std::string(kCosignatureColumns) + " ORDER BY id").c_str());
  return cosignature_rows(all);
}

std::vector<CosignatureRow> read_cosigned_of_size(Db& db, std::uint64_t size) {
  Stmt of_size(db, (std::string(kCosignatureColumns) + " WHERE size = ?1 AND status = 'cosigned' ORDER BY id").c_str());
  of_size.bind(1, static_cast<std::int64_t>(size));
  return cosignature_rows(of_size);
}

std::vector<CosignatureRow> cosignatures_of_tree_head(Db& db, std::uint64_t size) {
  std::vector<CosignatureRow> rows = read_cosigned_of_size(db, size);
  std::stable_sort(rows.begin(), rows.end(), [](const CosignatureRow& a, const CosignatureRow& b) {
    return std::tie(a.witness, a.verifier_key) < std::tie(b.witness, b.verifier_key);
  });
  const auto same_key = [](const CosignatureRow& a, const CosignatureRow& b) { return a.verifier_key == b.verifier_key; };
  rows.erase(std::unique(rows.begin(), rows.end(), same_key), rows.end());
  return rows;
}

std::vector<CosignatureRow> read_cosigned_since(Db& db, std::int64_t after_id) {
  Stmt since(db, (std::string(kCosignatureColumns) + " WHERE id > ?1 AND status = 'cosigned' ORDER BY id").c_str());
  since.bind(1, after_id);
  return cosignature_rows(since);
}

bool has_cosignature_row(Db& db, std::int64_t id) {
  Stmt q(db, "SELECT count(*) FROM cosignatures WHERE id = ?1");
  q.bind(1, id);
  q.step("reading the cosignatures");
  return q.i64(0) != 0;
}

nlohmann::json cosignature_list(Db& db, std::uint64_t size) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& r : cosignatures_of_tree_head(db, size))
    list.push_back({{"line", r.cosignature}, {"verifier_key", r.verifier_key}});
  return list;
}

std::uint64_t newest_cosigned_size(Db& db, const std::string& verifier_key) {
  Stmt q(db, "SELECT coalesce(max(size), 0) FROM cosignatures WHERE verifier_key = ?1 AND status = 'cosigned'");
  q.bind(1, verifier_key);
  q.step("reading the cosignatures");
  return static_cast<std::uint64_t>(q.i64(0));
}

std::vector<CosignatureRow> latest_cosignature_attempts(Db& db) {
  Stmt q(db, (std::string(kCosignatureColumns) +
              " WHERE id IN (SELECT max(id) FROM cosignatures GROUP BY verifier_key) ORDER BY witness, id")
                 .c_str());
  return cosignature_rows(q);
}

}  // namespace dnswitness
