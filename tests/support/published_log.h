#pragma once
// Test support: checks a published tiled log folder the way an outsider would (signed checkpoint,
// every hash tile up to its root, every entry bundle against its leaf hashes), and makes small
// ledgers through the store API for publish tests.
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "ledger/checkpoint.h"
#include "ledger/signed_note.h"
#include "ledger/store.h"
#include "tlog/tiles.h"

namespace dnswitness::test {

inline std::optional<Bytes> read_published_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  const std::string str = s.str();
  return Bytes(str.begin(), str.end());
}

// nullopt when `dir` is a complete tiled log whose checkpoint verifies with `verifier_key`; else the
// first problem. *size gets the checkpoint's size.
inline std::optional<std::string> published_folder_problem(const std::filesystem::path& dir,
                                                           const std::string& verifier_key,
                                                           std::uint64_t* size = nullptr) {
  const auto note = read_published_file(dir / "checkpoint");
  if (!note) return "no checkpoint";
  std::string why;
  const auto cp = open_signed_checkpoint(std::string(note->begin(), note->end()), parse_verifier_key(verifier_key), &why);
  if (!cp) return "checkpoint: " + why;
  if (size) *size = cp->size;
  TileHashReader reader(cp->size, [&](const TileId& id) { return read_published_file(dir / id.path()); });
  if (auto p = reader.check_all(cp->root)) return p;
  for (const auto& t : tiles_of_size(cp->size)) {
    if (!t.entries()) continue;
    const auto b = read_published_file(dir / t.path());
    if (!b) return "missing " + t.path();
    if (auto p = reader.check_entries(t, *b)) return p;
  }
  return std::nullopt;
}

// The verifier key ("name+hex+base64") of the ledger in `ledger`, which must have signed a run.
inline std::string verifier_key_of(const std::filesystem::path& ledger) {
  LedgerStore store(LedgerPaths{ledger}, LedgerStore::Mode::read_only);
  return format_verifier_key(store.origin(), *store.bound_public_key());
}

// Appends one run of `leaves` small leaves (plus its run leaf) to the ledger in `dir`, creating it
// with `origin` if new; returns the new tree size.
// `tag` goes into every leaf, so two ledgers grown alike can still differ.
inline std::uint64_t append_small_run(const std::filesystem::path& dir, std::uint64_t leaves,
                                      const std::string& origin = "example.jp/dnswitness/publish-test",
                                      const std::string& tag = "") {
  LedgerStore store(LedgerPaths{dir}, LedgerStore::Mode::read_write, origin);
  bool created = false;
  const auto key = store.load_or_create_key(&created);
  LedgerRunAppender run(store, key);
  const std::uint64_t first = store.size();
  for (std::uint64_t i = 0; i < leaves; ++i) run.add("{\"leaf\":" + std::to_string(first + 1 + i) + ",\"tag\":\"" + tag + "\"}", nullptr);
  return run.finish("{\"run\":" + std::to_string(first) + "}", "run-" + std::to_string(first)).size;
}

}  // namespace dnswitness::test
