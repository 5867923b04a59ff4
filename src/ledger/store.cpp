#include "ledger/store.h"
#include "ledger/origin.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <system_error>
#include <thread>

#include "crypto/encoding.h"
#include "ledger/checkpoint.h"
#include "ledger/key_access.h"
#include "ledger/guard.h"
#include "ledger/merkle.h"
#include "ledger/migrate.h"
#include "ledger/signed_note.h"
#include "ledger/cosignatures.h"
#include "ledger/timestamps.h"
#include "timeutil/clock_range.h"

namespace dnswitness {
namespace {

namespace fs = std::filesystem;

// Runs `setup` again while it fails with SQLITE_BUSY, until `busy_timeout_ms` have passed. Several
// processes that open one new ledger at the same moment race on the switch to WAL and on the
// schema, and SQLite answers some of these races with SQLITE_BUSY at once, without calling the busy
// handler (waiting there could deadlock). Every step is idempotent: the page size only applies to an
// empty file, WAL stays WAL, and the schema is created in one transaction that checks first.
template <class Setup>
void set_up_while_others_may(int busy_timeout_ms, Setup&& setup) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_timeout_ms);
  for (;;) {
    try {
      setup();
      return;
    } catch (const LedgerError& e) {
      if (e.kind() != LedgerError::Kind::busy || std::chrono::steady_clock::now() >= deadline) throw;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::string hostname_for_origin() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "host";
  std::string out;
  for (const char* p = buf; *p; ++p) {
    const char c = *p;
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '-' || c == '_';
    out += ok ? c : '-';
  }
  return out;
}

Db open_database(const LedgerPaths& paths, LedgerStore::Mode mode) {
  const fs::path db_path = paths.database();
  if (mode == LedgerStore::Mode::read_only) {
    std::error_code ec;
    if (!fs::exists(db_path, ec))
      throw LedgerError(LedgerError::Kind::io,
                        fmt::format("There is no ledger at {}; run 'dnswitness resolve-snapshot' first, or pass "
                                    "--ledger with the folder that holds ledger.sqlite.",
                                    paths.dir.string()));
    return Db(db_path, true, false);
  }
  // Before anything is created: a new ledger would carry the wrong creation time.
  if (const auto problem = clock_range_problem()) throw LedgerError(LedgerError::Kind::io, *problem);
  std::error_code ec;
  if (!fs::exists(paths.dir, ec)) {
    fs::create_directories(paths.dir, ec);
    if (ec)
      throw LedgerError(LedgerError::Kind::io,
                        fmt::format("Cannot create the ledger folder {} ({}); check the path and its permissions.",
                                    paths.dir.string(), ec.message()));
    fs::permissions(paths.dir, fs::perms::owner_all, ec);  // 0700: the ledger is the user's evidence
  }
  return Db(db_path, false, true);
}

// A read-write open that would start a new tree (no database, or one without the ledger's tables)
// while keys/checkpoint says a tree was already signed: refused before anything is created, since
// the next run would sign other roots at sizes already signed under the same key (a fork).
[[noreturn]] void refuse_fresh_tree_under_guard(const LedgerPaths& paths, const std::string& holds) {
  std::string written_at;
  const auto head = peek_guard_file(paths.checkpoint_guard(), &written_at);
  const std::string last = head ? fmt::format("{} of origin '{}'", describe_guarded_head(*head, written_at),
                                              head->origin)
                                : fmt::format("the tree head kept in {}", paths.checkpoint_guard().string());
  throw LedgerError(LedgerError::Kind::integrity,
                    fmt::format("This ledger last signed {}, but {} {}, so a new run would sign a different tree "
                                "under the same key; nothing was signed: restore ledger.sqlite from a backup at least "
                                "as new as that tree head, or start a new ledger with --new-ledger.",
                                last, paths.database().string(), holds));
}

bool guard_file_present(const LedgerPaths& paths) {
  std::error_code ec;
  return fs::symlink_status(paths.checkpoint_guard(), ec).type() != fs::file_type::not_found;
}

// A bad --origin is refused before the database file is opened, so that nothing is created.
const LedgerPaths& origin_checked(const LedgerPaths& paths, const std::string& origin) {
  if (origin.empty()) return paths;
  if (const std::string why = origin_problem(origin); !why.empty()) throw LedgerError(LedgerError::Kind::usage, why);
  return paths;
}

const LedgerPaths& guard_checked_ledger_paths(const LedgerPaths& paths, LedgerStore::Mode mode) {
  std::error_code ec;
  if (mode == LedgerStore::Mode::read_write && guard_file_present(paths) &&
      fs::symlink_status(paths.database(), ec).type() == fs::file_type::not_found)
    refuse_fresh_tree_under_guard(paths, "does not exist");
  return paths;
}

Hash hash_from(ByteView b, std::string_view what) {
  if (b.size() != 32)
    throw LedgerError(LedgerError::Kind::integrity, fmt::format("{} is not a 32-byte hash", what));
  Hash h{};
  std::copy(b.begin(), b.end(), h.begin());
  return h;
}

constexpr const char* kSchema = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE leaves(idx INTEGER PRIMARY KEY, hash BLOB NOT NULL, data BLOB NOT NULL);
CREATE TABLE checkpoints(size INTEGER PRIMARY KEY, root BLOB NOT NULL, note TEXT NOT NULL,
                         compact_range BLOB NOT NULL, run_id TEXT NOT NULL);
CREATE TABLE observation_index(qname TEXT NOT NULL, time_ns INTEGER NOT NULL, leaf_index INTEGER NOT NULL,
                               qtype TEXT NOT NULL, resolver TEXT NOT NULL, outcome TEXT NOT NULL,
                               addresses TEXT NOT NULL,
                               PRIMARY KEY (qname, time_ns, leaf_index)) WITHOUT ROWID;
CREATE TRIGGER leaves_append_only_u BEFORE UPDATE ON leaves BEGIN SELECT RAISE(ABORT, 'ledger leaves are append-only'); END;
CREATE TRIGGER leaves_append_only_d BEFORE DELETE ON leaves BEGIN SELECT RAISE(ABORT, 'ledger leaves are append-only'); END;
CREATE TRIGGER checkpoints_append_only_u BEFORE UPDATE ON checkpoints BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
CREATE TRIGGER checkpoints_append_only_d BEFORE DELETE ON checkpoints BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
)sql";

}  // namespace

LedgerPaths ledger_paths(const std::string& flag) {
  if (!flag.empty()) return {fs::path(flag)};
  if (auto home = env("DNSWITNESS_HOME"); !home.empty()) return {fs::path(home)};
  if (auto xdg = env("XDG_DATA_HOME"); !xdg.empty()) return {fs::path(xdg) / "dnswitness"};
  if (auto home = env("HOME"); !home.empty()) return {fs::path(home) / ".local" / "share" / "dnswitness"};
  throw LedgerError(LedgerError::Kind::usage,
                    "Cannot tell where the ledger lives: HOME is not set; pass --ledger FOLDER or set DNSWITNESS_HOME.");
}

std::string default_origin() {
  std::uint8_t rnd[4] = {};
  if (RAND_bytes(rnd, sizeof rnd) != 1) throw std::runtime_error("the system random generator failed");
  return fmt::format("dnswitness/{}/{}", hostname_for_origin(), hex_encode(ByteView(rnd, sizeof rnd)));
}

std::optional<fs::path> retire_ledger_files(const LedgerPaths& paths) {
  std::vector<fs::path> present;
  for (const fs::path& p : {paths.database(), fs::path(paths.database().string() + "-wal"),
                            fs::path(paths.database().string() + "-shm"), paths.keys_dir()}) {
    std::error_code ec;
    if (fs::symlink_status(p, ec).type() != fs::file_type::not_found) present.push_back(p);
  }
  if (present.empty()) return std::nullopt;
  std::string stamp = format_rfc3339_s(utc_now());
  std::erase(stamp, ':');
  fs::path dest = paths.dir / ("retired-" + stamp);
  std::error_code ec;
  for (int n = 2; fs::symlink_status(dest, ec).type() != fs::file_type::not_found; ++n)
    dest = paths.dir / fmt::format("retired-{}-{}", stamp, n);
  if (!fs::create_directory(dest, ec) || ec)
    throw LedgerError(LedgerError::Kind::io,
                      fmt::format("Cannot create {} to move the old ledger into ({}); check the ledger folder's "
                                  "permissions.",
                                  dest.string(), ec ? ec.message() : "it exists"));
  fs::permissions(dest, fs::perms::owner_all, ec);
  for (const fs::path& p : present) {
    fs::rename(p, dest / p.filename(), ec);
    if (ec)
      throw LedgerError(LedgerError::Kind::io,
                        fmt::format("Cannot move {} into {} ({}); nothing was deleted, move the old ledger away by "
                                    "hand.",
                                    p.string(), dest.string(), ec.message()));
  }
  const int dfd = ::open(paths.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
  return dest;
}

std::optional<int> stored_schema_version(Db& db) {
  {
    Stmt probe(db, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='meta'");
    probe.step("opening the ledger");
    if (probe.i64(0) == 0) return std::nullopt;
  }
  Stmt get(db, "SELECT value FROM meta WHERE key = 'schema_version'");
  std::string text;
  if (get.step("reading the ledger's settings")) text = std::string(get.text(0));
  int version = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size())
    throw LedgerError(LedgerError::Kind::unreadable,
                      fmt::format("The ledger {} has no readable schema version (it says '{}'); check the --ledger "
                                  "folder, or restore the ledger from a backup.",
                                  db.path().string(), text));
  return version;
}

void require_current_schema(int version, const std::filesystem::path& ledger_dir) {
  if (version < kLedgerSchemaVersion)
    throw LedgerError(LedgerError::Kind::usage,
                      fmt::format("The ledger {} has schema version {} and this dnswitness uses version {}; run "
                                  "'dnswitness migrate --ledger {}' to upgrade it (it makes a backup first).",
                                  ledger_dir.string(), version, kLedgerSchemaVersion, ledger_dir.string()));
  if (version > kLedgerSchemaVersion)
    throw LedgerError(LedgerError::Kind::usage,
                      fmt::format("The ledger {} has schema version {}, newer than version {} that this dnswitness "
                                  "uses; use a newer dnswitness (this one leaves the ledger untouched).",
                                  ledger_dir.string(), version, kLedgerSchemaVersion));
}

LedgerStore::LedgerStore(const LedgerPaths& paths, Mode mode, const std::string& origin, int busy_timeout_ms)
    : paths_(guard_checked_ledger_paths(origin_checked(paths, origin), mode)), db_(open_database(paths, mode)) {
  sqlite3_busy_timeout(db_.get(), busy_timeout_ms);
  // Before anything could write to it: even switching the journal mode below changes the file.
  if (const auto version = stored_schema_version(db_)) require_current_schema(*version, paths_.dir);
  if (mode == Mode::read_write && !stored_schema_version(db_) && guard_file_present(paths_)) {
    std::error_code ec;
    const auto bytes = fs::file_size(paths_.database(), ec);
    refuse_fresh_tree_under_guard(paths_, !ec && bytes == 0 ? "is empty"
                                                            : "holds no ledger (its tables are missing)");
  }
  if (mode == Mode::read_write) {
    // Only takes effect on a new, empty database (older ledgers keep their 4 KiB pages). An
    // observation leaf is about 900 bytes, four to a 4 KiB page; with 32 KiB pages a bulk run of
    // 400,000 observations appends about 6 % faster and the file is 10 % smaller, while a small
    // run writes more (about 0.5 MB of WAL and checkpoint for the x preset instead of 0.12 MB).
    // docs/performance.md has the figures for 4, 16, 32 and 64 KiB.
    set_up_while_others_may(busy_timeout_ms, [&] {
      db_.exec("PRAGMA page_size=32768");
      db_.exec("PRAGMA journal_mode=WAL");
      create_schema(origin);
    });
  }
  db_.exec("PRAGMA synchronous=FULL");
  // 64 MiB of page cache (default 2 MiB): a large run touches many index pages at once.
  db_.exec("PRAGMA cache_size=-65536");
  load_meta();
  if (mode == Mode::read_write && !origin.empty() && origin != origin_)
    throw LedgerError(LedgerError::Kind::usage,
                      fmt::format("The ledger at {} already has the origin '{}'; --origin only names a new ledger, "
                                  "so leave it out or choose another folder.",
                                  paths_.dir.string(), origin_));
}

void LedgerStore::create_schema(const std::string& origin) {
  {
    Stmt probe(db_, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='meta'");
    probe.step("opening the ledger");
    if (probe.i64(0) != 0) return;
  }
  const std::string name = origin.empty() ? default_origin() : origin;
  if (const std::string why = origin_problem(name); !why.empty()) throw LedgerError(LedgerError::Kind::usage, why);
  WriteTransaction tx(db_);
  // Another process may have created the ledger while we waited for the lock.
  Stmt probe(db_, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='meta'");
  probe.step("creating the ledger");
  if (probe.i64(0) != 0) return;
  probe.reset();
  db_.exec(kSchema);
  db_.exec(timestamps_schema());
  db_.exec(migrations_schema());
  db_.exec(cosignatures_schema());
  Stmt put(db_, "INSERT INTO meta(key, value) VALUES (?1, ?2)");
  put.bind(1, "schema_version").bind(2, std::to_string(kLedgerSchemaVersion)).run("creating the ledger");
  put.bind(1, "origin").bind(2, name).run("creating the ledger");
  put.bind(1, "created_at").bind(2, format_rfc3339_ns(utc_now())).run("creating the ledger");
  tx.commit();
}

void LedgerStore::load_meta() {
  const auto version = stored_schema_version(db_);
  if (version) require_current_schema(*version, paths_.dir);
  {
    Stmt probe(db_, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name IN "
                    "('meta','leaves','checkpoints','observation_index','timestamps','migrations','cosignatures')");
    probe.step("opening the ledger");
    if (!version || probe.i64(0) != 7)
      throw LedgerError(LedgerError::Kind::unreadable,
                        fmt::format("{} is an SQLite file but not a dnswitness ledger (its tables are missing); "
                                    "check the --ledger folder.",
                                    paths_.database().string()));
  }
  Stmt get(db_, "SELECT key, value FROM meta");
  while (get.step("reading the ledger's settings")) {
    const std::string key(get.text(0));
    const std::string value(get.text(1));
    if (key == "origin") origin_ = value;
    if (key == "public_key") {
      const auto raw = base64_decode(value);
      if (!raw || raw->size() != 32)
        throw LedgerError(LedgerError::Kind::integrity,
                          fmt::format("The public key recorded in {} is damaged; the ledger cannot be trusted as is.",
                                      paths_.database().string()));
      bound_key_ = Ed25519PublicKey::from_raw(*raw);
    }
  }
  if (origin_.empty() || !is_valid_key_name(origin_))
    throw LedgerError(LedgerError::Kind::integrity,
                      fmt::format("The ledger {} has no valid origin in its settings; it cannot be trusted as is.",
                                  paths_.database().string()));
}

void LedgerStore::bind_public_key(const Ed25519PublicKey& key) {
  Stmt put(db_, "INSERT INTO meta(key, value) VALUES (?1, ?2)");
  put.bind(1, "public_key").bind(2, base64_encode(key.raw())).run("recording the ledger's public key");
  put.bind(1, "key_fingerprint").bind(2, key.fingerprint()).run("recording the ledger's public key");
  bound_key_ = key;
}

Ed25519PrivateKey LedgerStore::load_or_create_key(bool* created) {
  if (created) *created = false;
  // Every command that signs comes here: warn when others may read the key, refuse when they may
  // replace it (ledger/key_access.h).
  warn_about_key_access(paths_);
  WriteTransaction tx(db_);  // one process at a time decides whether a key must be made
  load_meta();               // another process may have bound a key since we opened the ledger
  std::error_code ec;
  const bool have_private = fs::exists(paths_.private_key(), ec);
  if (!have_private && bound_key_)
    throw LedgerError(LedgerError::Kind::usage,
                      fmt::format("The ledger at {} was signed with the key whose fingerprint is {}, but {} is "
                                  "missing; restore that file from your backup.",
                                  paths_.dir.string(), bound_key_->fingerprint(), paths_.private_key().string()));
  if (!have_private && fs::exists(paths_.public_key(), ec))
    throw LedgerError(LedgerError::Kind::usage,
                      fmt::format("{} exists without its private key {}; restore the private key, or move the "
                                  "public key away to let dnswitness make a new pair.",
                                  paths_.public_key().string(), paths_.private_key().string()));
  std::optional<Ed25519PrivateKey> key;
  if (have_private) {
    key.emplace(Ed25519PrivateKey::load_pem_file(paths_.private_key()));
    if (!fs::exists(paths_.public_key(), ec)) key->public_key().save_pem_file(paths_.public_key());
  } else {
    fs::create_directories(paths_.keys_dir(), ec);
    if (ec)
      throw LedgerError(LedgerError::Kind::io,
                        fmt::format("Cannot create the key folder {} ({}); check the ledger folder's permissions.",
                                    paths_.keys_dir().string(), ec.message()));
    fs::permissions(paths_.keys_dir(), fs::perms::owner_all, ec);
    key.emplace(Ed25519PrivateKey::generate());
    key->save_pem_file(paths_.private_key());
    key->public_key().save_pem_file(paths_.public_key());
    if (created) *created = true;
  }
  if (bound_key_) {
    if (!(*bound_key_ == key->public_key()))
      throw LedgerError(LedgerError::Kind::usage,
                        fmt::format("{} is not the key this ledger was signed with (fingerprint {}); restore the "
                                    "original key file.",
                                    paths_.private_key().string(), bound_key_->fingerprint()));
  } else {
    bind_public_key(key->public_key());
  }
  tx.commit();
  return std::move(*key);
}

CompactRange LedgerStore::checked_frontier(const Ed25519PrivateKey& key) {
  if (!bound_key_ || !(*bound_key_ == key.public_key()))
    throw LedgerError(LedgerError::Kind::usage, "The signing key is not the one bound to this ledger.");
  // The frontier of the last signed tree head: appending extends exactly that tree.
  CompactRange range;
  std::string last_note;
  {
    Stmt last(db_, "SELECT size, root, note, compact_range FROM checkpoints ORDER BY size DESC LIMIT 1");
    if (last.step("reading the last tree head")) {
      const auto size = static_cast<std::uint64_t>(last.i64(0));
      const Hash root = hash_from(last.blob(1), "the last tree head's root");
      auto restored = CompactRange::deserialize(last.blob(3));
      if (!restored || restored->size() != size || restored->root() != root)
        throw LedgerError(LedgerError::Kind::integrity,
                          fmt::format("The stored state of the ledger {} does not match its last signed tree head "
                                      "(size {}); nothing was appended, run 'dnswitness verify-ledger'.",
                                      paths_.database().string(), size));
      const auto opened = open_signed_checkpoint(last.text(2), make_note_verifier(origin_, key.public_key()));
      if (!opened || opened->size != size || opened->root != root)
        throw LedgerError(LedgerError::Kind::integrity,
                          fmt::format("The last signed tree head of the ledger {} (size {}) does not verify with its "
                                      "key; nothing was appended, run 'dnswitness verify-ledger'.",
                                      paths_.database().string(), size));
      range = std::move(*restored);
      last_note = std::string(last.text(2));
    }
  }
  {
    Stmt count(db_, "SELECT coalesce(max(idx) + 1, 0) FROM leaves");
    count.step("reading the ledger");
    if (static_cast<std::uint64_t>(count.i64(0)) != range.size())
      throw LedgerError(LedgerError::Kind::integrity,
                        fmt::format("The ledger {} holds {} leaves but its last tree head covers {}; nothing was "
                                    "appended, run 'dnswitness verify-ledger'.",
                                    paths_.database().string(), count.i64(0), range.size()));
  }
  guard_on_disk_ = check_tree_head_guard(range, last_note, key);
  return range;
}

bool LedgerStore::check_tree_head_guard(const CompactRange& range, const std::string& last_note,
                                        const Ed25519PrivateKey& key) {
  const fs::path file = paths_.checkpoint_guard();
  const GuardFile guard = read_guard_file(file, origin_, key.public_key());
  const std::string held = range.size() == 0 ? std::string("nothing")
                                             : fmt::format("{} leaves with root {}", range.size(),
                                                           base64_encode(range.root()));
  const std::string restore_hint =
      fmt::format("run 'dnswitness verify-ledger --restore-guard --ledger {}' to check the ledger and write the guard "
                  "again from its last tree head",
                  paths_.dir.string());
  if (guard.state == GuardFile::State::damaged)
    throw LedgerError(LedgerError::Kind::integrity,
                      fmt::format("The tree-head guard {} is damaged ({}), so nothing was signed; if you did not "
                                  "change it on purpose, {}.",
                                  file.string(), guard.why, restore_hint));
  if (guard.state == GuardFile::State::absent) {
    if (range.size() == 0) return false;  // a new ledger: the first commit writes the guard
    bool issued = false;
    {
      Stmt get(db_, "SELECT value FROM meta WHERE key = ?1");
      get.bind(1, kGuardIssuedMetaKey);
      issued = get.step("reading the ledger's settings") && get.text(0) == "1";
    }
    if (issued)
      throw LedgerError(LedgerError::Kind::integrity,
                        fmt::format("The tree-head guard {} is missing although this ledger had one, so nothing was "
                                    "signed; {}.",
                                    file.string(), restore_hint));
    // A ledger made before guards existed: its last tree head was just checked (frontier and
    // signature), so it becomes the guard, once.
    advance_guard_file(file, last_note, range.size());
    std::cerr << fmt::format("dnswitness: note: kept the last signed tree head (size {}) of the ledger {} in {}, "
                             "the guard against forks; back it up with the key.\n",
                             range.size(), paths_.dir.string(), file.string());
    return true;
  }
  const Checkpoint& g = *guard.head;
  const std::string last = describe_guarded_head(g, guard.written_at);
  const auto fork = [&](const char* how) {
    return LedgerError(LedgerError::Kind::integrity,
                       fmt::format("This ledger last signed {}, but the database {} now holds {} ({}), so nothing "
                                   "was signed: restore ledger.sqlite from a backup at least as new as that tree head, "
                                   "or start a new ledger with --new-ledger.",
                                   last, paths_.database().string(), held, how));
  };
  if (g.size > range.size()) throw fork("it lost signed leaves");
  if (g.size == range.size()) {
    if (g.root != range.root()) throw fork("a different tree of the same size");
    return true;
  }
  // The database is ahead (a kill between its commit and the guard's write): accepted only if it
  // extends the guarded tree head, proven by an RFC 9162 §2.1.4 consistency proof.
  bool extends = false;
  if (g.size == 0) {
    extends = g.root == empty_root();
  } else {
    const auto proof = consistency_proof(g.size, range.size(),
                                         [this](std::uint64_t b, std::uint64_t e) { return subtree_root(b, e); });
    extends = verify_consistency(g.size, range.size(), g.root, range.root(), proof);
  }
  if (!extends) throw fork("a tree that does not extend it");
  advance_guard_file(file, last_note, range.size());
  std::cerr << fmt::format("dnswitness: note: brought the tree-head guard {} forward from size {} to {}, which "
                           "extends it.\n",
                           file.string(), g.size, range.size());
  return true;
}

void LedgerStore::advance_tree_head_guard(const std::string& note) {
  try {
    // Another writer may have committed and written a larger tree head meanwhile: never go back.
    const auto cp = Checkpoint::parse(note.substr(0, note.find("\n\n") + 1));
    advance_guard_file(paths_.checkpoint_guard(), note, cp ? cp->size : 0);
  } catch (const LedgerError& e) {
    // The run is committed; the next run finds the database ahead of the guard and catches up.
    std::cerr << fmt::format("dnswitness: warning: the run is recorded, but the tree-head guard was not updated: {}\n",
                             e.what());
  }
}

AppendResult LedgerStore::append_run(const RunLeaves& run, const Ed25519PrivateKey& key) {
  if (run.leaves.empty()) throw std::invalid_argument("a run has at least its run leaf");
  LedgerRunAppender appender(*this, key);
  // rows[k].leaf_index is relative to the run leaf; leaves without a row (events) get none.
  std::map<std::uint64_t, const IndexRow*> rows;
  for (const auto& r : run.rows) rows[r.leaf_index] = &r;
  for (std::size_t i = 1; i < run.leaves.size(); ++i) {
    const auto it = rows.find(i);
    appender.add(run.leaves[i], it == rows.end() ? nullptr : it->second);
  }
  return appender.finish(run.leaves.front(), run.run_id);
}

LedgerRunAppender::LedgerRunAppender(LedgerStore& store, const Ed25519PrivateKey& key)
    : store_(store),
      key_(key),
      tx_(store.db_),
      range_(store.checked_frontier(key)),
      first_index_(range_.size()),
      put_leaf_(store.db_, "INSERT INTO leaves(idx, hash, data) VALUES (?1, ?2, ?3)"),
      put_row_(store.db_,
               "INSERT INTO observation_index(qname, time_ns, leaf_index, qtype, resolver, outcome, addresses) "
               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)") {
  // Checked here, where every run's leaves begin: a clock outside the storable range would have
  // its times signed wrapped or meaningless. The transaction above is rolled back.
  if (const auto problem = clock_range_problem()) throw LedgerError(LedgerError::Kind::io, *problem);
}

LedgerRunAppender::~LedgerRunAppender() = default;

void LedgerRunAppender::add(std::string_view leaf, const IndexRow& row) { add(leaf, &row); }

void LedgerRunAppender::add(std::string_view leaf, const IndexRow* row) {
  if (finished_) throw std::logic_error("LedgerRunAppender::add after finish");
  const ByteView bytes(reinterpret_cast<const std::uint8_t*>(leaf.data()), leaf.size());
  const Hash h = leaf_hash(bytes);
  // Index first_index_ is the run leaf's, written by finish().
  const auto idx = static_cast<std::int64_t>(first_index_ + 1 + hashes_.size());
  // Borrowed, not copied: every bound value outlives the run() that resets the statement.
  constexpr auto borrow = Stmt::Lifetime::borrow;
  put_leaf_.bind(1, idx).bind_blob(2, h, borrow).bind_blob(3, bytes, borrow);
  put_leaf_.run("appending the run's leaves");
  if (row) {
    put_row_.bind(1, row->qname, borrow)
        .bind(2, row->time_ns)
        .bind(3, idx)
        .bind(4, row->qtype, borrow)
        .bind(5, row->resolver, borrow)
        .bind(6, row->outcome, borrow)
        .bind(7, row->addresses, borrow);
    put_row_.run("indexing the run's observations");
  }
  hashes_.push_back(h);
}

AppendResult LedgerRunAppender::finish(std::string_view run_leaf, const std::string& run_id) {
  if (finished_) throw std::logic_error("LedgerRunAppender::finish called twice");
  const ByteView bytes(reinterpret_cast<const std::uint8_t*>(run_leaf.data()), run_leaf.size());
  const Hash h = leaf_hash(bytes);
  put_leaf_.bind(1, static_cast<std::int64_t>(first_index_)).bind_blob(2, h).bind_blob(3, bytes);
  put_leaf_.run("appending the run's leaves");
  range_.append(h);
  for (const auto& leaf : hashes_) range_.append(leaf);
  AppendResult result;
  result.first_index = first_index_;
  const Checkpoint cp{store_.origin_, range_.size(), range_.root()};
  result.size = cp.size;
  result.note = sign_checkpoint(cp, key_);
  {
    Stmt put(store_.db_,
             "INSERT INTO checkpoints(size, root, note, compact_range, run_id) VALUES (?1, ?2, ?3, ?4, ?5)");
    put.bind(1, static_cast<std::int64_t>(cp.size))
        .bind_blob(2, cp.root)
        .bind(3, result.note)
        .bind_blob(4, range_.serialize())
        .bind(5, run_id);
    put.run("signing the new tree head");
  }
  if (store_.guard_on_disk_) {
    // From now on a missing guard is an alarm (deleted), not a ledger made before guards.
    Stmt issued(store_.db_, "INSERT OR IGNORE INTO meta(key, value) VALUES (?1, '1')");
    issued.bind(1, kGuardIssuedMetaKey).run("signing the new tree head");
  }
  tx_.commit();
  // After the commit, never before: a kill between the two leaves the database ahead of the guard
  // by a consistent extension, which the next run accepts (docs/ledger.md, "The tree-head guard").
  store_.advance_tree_head_guard(result.note);
  finished_ = true;
  hashes_.clear();
  hashes_.shrink_to_fit();
  return result;
}

std::uint64_t LedgerStore::size() {
  Stmt last(db_, "SELECT coalesce(max(size), 0) FROM checkpoints");
  last.step("reading the ledger");
  return static_cast<std::uint64_t>(last.i64(0));
}

std::vector<CheckpointRow> LedgerStore::checkpoints() {
  std::vector<CheckpointRow> out;
  Stmt all(db_, "SELECT size, root, note, compact_range, run_id FROM checkpoints ORDER BY size");
  while (all.step("reading the tree heads")) {
    CheckpointRow row;
    row.size = static_cast<std::uint64_t>(all.i64(0));
    const ByteView root = all.blob(1);
    if (root.size() == 32) std::copy(root.begin(), root.end(), row.root.begin());
    row.note = std::string(all.text(2));
    const ByteView cr = all.blob(3);
    row.compact_range.assign(cr.begin(), cr.end());
    row.run_id = std::string(all.text(4));
    out.push_back(std::move(row));
  }
  return out;
}

Hash LedgerStore::subtree_root(std::uint64_t begin, std::uint64_t end) {
  std::vector<Hash> hashes;
  hashes.reserve(end - begin);
  Stmt range(db_, "SELECT idx, hash FROM leaves WHERE idx >= ?1 AND idx < ?2 ORDER BY idx");
  range.bind(1, static_cast<std::int64_t>(begin)).bind(2, static_cast<std::int64_t>(end));
  while (range.step("reading leaf hashes")) {
    if (static_cast<std::uint64_t>(range.i64(0)) != begin + hashes.size())
      throw LedgerError(LedgerError::Kind::integrity, fmt::format("leaf {} is missing", begin + hashes.size()));
    hashes.push_back(hash_from(range.blob(1), fmt::format("the stored hash of leaf {}", range.i64(0))));
  }
  if (hashes.size() != end - begin)
    throw LedgerError(LedgerError::Kind::integrity, fmt::format("leaf {} is missing", begin + hashes.size()));
  return root_of(hashes);
}

std::string LedgerStore::leaf(std::uint64_t index) {
  Stmt one(db_, "SELECT data FROM leaves WHERE idx = ?1");
  one.bind(1, static_cast<std::int64_t>(index));
  if (!one.step("reading a leaf")) throw LedgerError(LedgerError::Kind::integrity, fmt::format("leaf {} is missing", index));
  const ByteView b = one.blob(0);
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

std::uint64_t LedgerStore::reindex(const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  WriteTransaction tx(db_);
  const std::uint64_t total = size();
  db_.exec("DELETE FROM observation_index");
  Stmt leaves(db_, "SELECT idx, data FROM leaves ORDER BY idx");
  Stmt put(db_,
           "INSERT INTO observation_index(qname, time_ns, leaf_index, qtype, resolver, outcome, addresses) "
           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  std::uint64_t rows = 0;
  std::uint64_t done = 0;
  while (leaves.step("reading the leaves")) {
    const auto idx = static_cast<std::uint64_t>(leaves.i64(0));
    const ByteView data = leaves.blob(1);
    std::optional<IndexRow> row;
    try {
      row = index_row_of_leaf(idx, std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
    } catch (const std::invalid_argument& e) {
      throw LedgerError(LedgerError::Kind::integrity,
                        fmt::format("Cannot rebuild the index: {}; run 'dnswitness verify-ledger' to see what is "
                                    "wrong with the ledger.",
                                    e.what()));
    }
    if (row) {
      put.bind(1, row->qname)
          .bind(2, row->time_ns)
          .bind(3, static_cast<std::int64_t>(idx))
          .bind(4, row->qtype)
          .bind(5, row->resolver)
          .bind(6, row->outcome)
          .bind(7, row->addresses);
      put.run("rebuilding the index");
      ++rows;
    }
    if (progress && (++done % 100000) == 0) progress(done, total);
  }
  tx.commit();
  if (progress) progress(total, total);
  return rows;
}

}  // namespace dnswitness
