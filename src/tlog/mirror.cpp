#include "tlog/mirror.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cctype>
#include <chrono>
#include <ctime>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "crypto/encoding.h"
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"
#include "model/errors.h"
#include "model/safe_file.h"
#include "tlog/run_heads.h"
#include "tlog/run_index.h"
#include "tlog/run_summary.h"
#include "tlog/tiles.h"

namespace dnswitness {
namespace fs = std::filesystem;
namespace {

constexpr const char* kIncomingDir = ".mirror-incoming";

std::optional<std::string> read_local(const fs::path& p, std::size_t limit) {
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) return std::nullopt;
  if (fs::file_size(p, ec) > limit || ec)
    throw MirrorRefused(MirrorRefused::Kind::damaged_mirror,
                        fmt::format("{} is larger than such a file may be; the mirror folder was changed, so it was "
                                    "left untouched.",
                                    p.string()));
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string as_text(const Bytes& b) { return std::string(b.begin(), b.end()); }

struct MirrorState {
  std::string log_key;
  std::string origin;
  std::string source;
};

std::optional<MirrorState> read_state(const fs::path& dir) {
  const auto text = read_local(dir / kMirrorStateFile, 64 * 1024);
  if (!text) return std::nullopt;
  const auto j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object() || j.value("format", "") != kMirrorStateFormat || !j.contains("log_key") ||
      !j["log_key"].is_string())
    throw UsageError(fmt::format("{} is not a mirror state file this version understands; move it away only if you "
                                 "know which log key the folder was mirrored with.",
                                 (dir / kMirrorStateFile).string()));
  return MirrorState{j["log_key"].get<std::string>(), j.value("origin", ""), j.value("source", "")};
}

std::string state_json(const MirrorState& s) {
  nlohmann::ordered_json j;
  j["format"] = kMirrorStateFormat;
  j["log_key"] = s.log_key;
  j["origin"] = s.origin;
  j["source"] = s.source;
  return j.dump(2) + "\n";
}

std::string utc_folder_name() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H-%M-%SZ", &tm);
  return buf;
}

// Keeps both signed checkpoints of a rewind or fork, untouched, with a note saying where each came
// from. Returns the folder.
fs::path keep_fork_evidence(const fs::path& dir, const std::string& held_note, const std::string& offered_note,
                            const std::string& offered_url, const std::string& what) {
  fs::path folder = dir / kForkEvidenceDir / utc_folder_name();
  for (int n = 2; fs::exists(folder); ++n) folder = dir / kForkEvidenceDir / fmt::format("{}-{}", utc_folder_name(), n);
  fs::create_directories(folder);
  write_file_safely(folder / "held-checkpoint", held_note);
  write_file_safely(folder / "offered-checkpoint", offered_note);
  write_file_safely(folder / "README.txt",
                    fmt::format("{}.\n\nheld-checkpoint: the checkpoint this mirror held, as the log signed it.\n"
                                "offered-checkpoint: the checkpoint {} served, signed by the same key.\n"
                                "Both verify with the log's key, and no single history contains both trees.\n",
                                what, offered_url));
  return folder;
}

void fsync_folder(const fs::path& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

std::string urls_of(const LogSource& source, const std::vector<TileId>& tiles) {
  std::string out;
  for (const auto& t : tiles) out += (out.empty() ? "" : ", ") + source.url_of(t.path());
  return out;
}

Bytes must_fetch(LogSource& source, const std::string& path) {
  auto bytes = source.fetch(path);
  if (!bytes)
    throw LogFetchError(LogFetchError::Kind::http_status,
                        fmt::format("{} is missing (HTTP 404 or no such file) although the log's checkpoint needs "
                                    "it; the log is incomplete there, so try again later or tell its operator.",
                                    source.url_of(path)));
  return std::move(*bytes);
}

// Adds to `ends` the index of every run record in bundle `b` from `held` on (a run ends where the
// next begins, and the ledger signed a tree head of that size; tlog/run_heads.h). Leaves that are
// not dnswitness run records add nothing: such a log has no run heads to copy.
void note_run_ends(const TileId& b, const Bytes& bytes, std::uint64_t held, std::set<std::uint64_t>& ends) {
  const auto leaves = split_entry_bundle(ByteView(bytes.data(), bytes.size()));
  if (!leaves) return;  // already checked against the leaf hashes; cannot happen
  for (std::size_t k = 0; k < leaves->size(); ++k) {
    const std::uint64_t index = b.index * kTileWidth + k;
    const std::string& leaf = (*leaves)[k];
    if (index < held || leaf.find("\"kind\":\"run\"") == std::string::npos) continue;
    const auto j = nlohmann::json::parse(leaf, nullptr, false);
    if (j.is_object() && j.value("kind", "") == "run") ends.insert(index);  // 0 marks a first run
  }
}

// The run tree heads of `sizes` and their time-stamp lists, as (path, bytes) to write. Each head
// must be signed by the log's key and have the root the verified tiles give at its size; a log that
// publishes none (an older publisher) gets one warning, and the mirror is still a mirror of its tiles.
std::vector<std::pair<std::string, std::string>> fetch_run_heads(LogSource& source, const NoteVerifier& verifier,
                                                                 TileHashReader& reader,
                                                                 const std::set<std::uint64_t>& sizes,
                                                                 std::vector<std::string>& warnings) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto size : sizes) {
    const std::string path = run_head_path(size);
    const auto note = source.fetch(path, kMaxCheckpointBytes);
    if (!note) {
      warnings.push_back(fmt::format("{} is missing, so this mirror lacks the runs' tree heads a report from it "
                                     "needs; ask the log's operator to publish with a current dnswitness",
                                     source.url_of(path)));
      return out;
    }
    std::string why;
    const std::string text = as_text(*note);
    const auto cp = open_signed_checkpoint(text, verifier, &why);
    if (!cp || cp->size != size || cp->root != reader.subtree_root(0, size))
      throw MirrorRefused(MirrorRefused::Kind::bad_tile,
                          fmt::format("The run tree head {} is not the log's tree of {} entries signed by its key ({}); "
                                      "nothing was copied.",
                                      source.url_of(path), size,
                                      !cp ? why : cp->size != size ? "its size differs" : "its root differs"));
    out.emplace_back(path, text);
    // The tree head's time-stamp tokens and witness cosignatures, copied as served: report and
    // verify check each against its tree head.
    for (const auto& [list_path, what] : {std::pair{run_timestamps_path(size), "time-stamp list"},
                                          std::pair{run_cosignatures_path(size), "cosignature list"}}) {
      const auto list = source.fetch(list_path, kMaxCheckpointBytes * 16);
      if (!list) continue;
      if (!nlohmann::json::accept(as_text(*list)))
        throw MirrorRefused(MirrorRefused::Kind::bad_tile,
                            fmt::format("The {} {} is not JSON; nothing was copied.", what, source.url_of(list_path)));
      out.emplace_back(list_path, as_text(*list));
    }
  }
  return out;
}

// Removes what a killed earlier run left: the staging folder of entry bundles.
void clean_incoming(const fs::path& dir) {
  std::error_code ec;
  fs::remove_all(dir / kIncomingDir, ec);
}

}  // namespace

MirrorResult mirror_log(const MirrorOptions& options) {
  MirrorResult result;
  const fs::path& dir = options.dir;
  auto source = LogSource::open(options.source, options.fetch);

  std::error_code ec;
  const bool dir_existed = fs::exists(dir, ec);
  if (dir_existed && !fs::is_directory(dir, ec))
    throw UsageError(fmt::format("{} exists and is not a folder; give a new or empty folder, or an existing mirror.",
                                 dir.string()));
  const auto state = dir_existed ? read_state(dir) : std::nullopt;
  const auto held_note = dir_existed ? read_local(dir / "checkpoint", kMaxCheckpointBytes) : std::nullopt;
  if (dir_existed && !held_note && !state && !fs::is_empty(dir, ec))
    throw UsageError(fmt::format("{} is not empty and holds no log; give a new or empty folder, or an existing "
                                 "mirror.",
                                 dir.string()));

  // The trusted key: the one the user gave the first time, never what the log says about itself.
  std::string key_text;
  if (state && options.log_key && *options.log_key != state->log_key)
    throw UsageError(fmt::format("{} mirrors the log with key {}, but --log-key gives {}; a log's key never changes, "
                                 "so check with the log's operator, and mirror a log under another key into a new "
                                 "folder.",
                                 dir.string(), state->log_key, *options.log_key));
  if (options.log_key) {
    key_text = *options.log_key;
  } else if (state) {
    key_text = state->log_key;
  } else {
    throw UsageError(fmt::format("A first mirror needs the log's verifier key: {}, but check it with the log's "
                                 "operator before trusting it, then run again with --log-key KEY.",
                                 advertised_key_clause(*source)));
  }
  const NoteVerifier verifier = [&] {
    try {
      return parse_verifier_key(key_text);
    } catch (const NoteError& e) {
      throw UsageError(e.what());
    }
  }();

  // The offered checkpoint must be signed by that key, with origin == key name.
  const std::string checkpoint_url = source->url_of("checkpoint");
  const Bytes offered_bytes = must_fetch(*source, "checkpoint");
  const std::string offered_note = as_text(offered_bytes);
  std::string why;
  const auto offered = open_signed_checkpoint(offered_note, verifier, &why);
  if (!offered)
    throw MirrorRefused(MirrorRefused::Kind::bad_checkpoint,
                        fmt::format("The checkpoint at {} does not verify with the log key {} ({}); the server does not "
                                    "serve that log or someone changed it, so nothing was copied.",
                                    checkpoint_url, verifier.name, why));
  result.origin = offered->origin;
  result.size = offered->size;

  std::optional<Checkpoint> held;
  if (held_note) {
    held = open_signed_checkpoint(*held_note, verifier, &why);
    if (!held)
      throw MirrorRefused(MirrorRefused::Kind::damaged_mirror,
                          fmt::format("The mirror's own checkpoint {} does not verify with the log key {} ({}); the "
                                      "folder was changed or holds another log, so it was left untouched.",
                                      (dir / "checkpoint").string(), verifier.name, why));
    result.held_size = held->size;
  }

  const auto refuse_history = [&](MirrorRefused::Kind kind, const std::string& what) -> MirrorRefused {
    const fs::path evidence = keep_fork_evidence(dir, *held_note, offered_note, checkpoint_url, what);
    return MirrorRefused(kind,
                         fmt::format("{}; both signed checkpoints are kept in {} and the mirror is unchanged: keep "
                                     "them as evidence and tell the log's operator.",
                                     what, evidence.string()),
                         evidence);
  };
  if (held && offered->size < held->size)
    throw refuse_history(MirrorRefused::Kind::rewind,
                         fmt::format("The log at {} now shows a tree of {} entries, smaller than the {} this mirror "
                                     "holds under the same key: it rewound (or a cache serves an old checkpoint)",
                                     source->location(), offered->size, held->size));
  if (held && offered->size == held->size && offered->root != held->root)
    throw refuse_history(MirrorRefused::Kind::fork,
                         fmt::format("The log at {} signed another tree of {} entries than the one this mirror holds "
                                     "under the same key: it forked",
                                     source->location(), offered->size));

  // log.json is copied for readers of the mirror, never trusted.
  std::optional<Bytes> log_json = source->fetch("log.json");
  if (log_json && !nlohmann::json::accept(as_text(*log_json))) {
    result.warnings.push_back(fmt::format("{} is not JSON, so it was not copied", source->url_of("log.json")));
    log_json.reset();
  }

  const std::uint64_t s0 = held ? held->size : 0;
  const std::vector<TileId> added = tiles_added(s0, offered->size);
  std::vector<TileId> hash_tiles, bundles;
  for (const auto& t : added) (t.entries() ? bundles : hash_tiles).push_back(t);
  const std::uint64_t total = added.size();
  std::uint64_t done = 0;
  const auto tick = [&] {
    ++done;
    if (options.progress) options.progress(done, total);
  };

  // Hash tiles: fetched whole (8 KiB each at most), then checked as one tree.
  std::map<TileId, Bytes> fetched;
  for (const auto& t : hash_tiles) {
    fetched.emplace(t, must_fetch(*source, t.path()));
    tick();
  }
  TileHashReader reader(offered->size, [&](const TileId& id) -> std::optional<Bytes> {
    if (const auto it = fetched.find(id); it != fetched.end()) return it->second;
    // Full tiles of the held tree were checked when they were mirrored.
    const auto local = read_local(dir / id.path(), kMaxHashTileBytes);
    if (!local) return std::nullopt;
    return Bytes(local->begin(), local->end());
  });
  const auto bad_tile = [&](const std::string& what) {
    return MirrorRefused(MirrorRefused::Kind::bad_tile,
                         fmt::format("{}; the server does not serve the log its checkpoint signed, so nothing was "
                                     "copied.",
                                     what));
  };
  try {
    // Sizes first, so that a TileReadError below can only come from the mirror's own tiles.
    for (const auto& t : hash_tiles)
      if (fetched.at(t).size() != std::size_t{t.width} * 32)
        throw bad_tile(fmt::format("{} has {} bytes, not the {} its name implies", source->url_of(t.path()),
                                   fetched.at(t).size(), std::size_t{t.width} * 32));
    const unsigned levels = tile_levels(offered->size);
    for (const auto& t : hash_tiles) {
      const auto hashes = split_tile(fetched.at(t));
      if (!t.full() || static_cast<unsigned>(t.level) + 1 >= levels) continue;
      const TileId parent = tile_holding(t.level + 1, t.index, offered->size);
      if (root_of(*hashes) != reader.hash_at(static_cast<unsigned>(t.level) + 1, t.index))
        throw bad_tile(fmt::format("{} does not hash to the hash {} holds for it", source->url_of(t.path()),
                                   source->url_of(parent.path())));
    }
    if (reader.root() != offered->root) {
      std::vector<TileId> partial;
      for (const auto& t : hash_tiles)
        if (!t.full()) partial.push_back(t);
      throw bad_tile(fmt::format("The hash tiles {} do not lead to the root of the checkpoint at {}",
                                 partial.empty() ? source->location() + "/tile/" : urls_of(*source, partial),
                                 checkpoint_url));
    }
  } catch (const TileReadError& e) {
    throw MirrorRefused(MirrorRefused::Kind::damaged_mirror,
                        fmt::format("{} in the mirror {}; the folder was changed, so it was left untouched.", e.what(),
                                    dir.string()));
  }
  // Consistency: the held tree must be the first s0 leaves of the new one.
  if (held && s0 > 0 && reader.subtree_root(0, s0) != held->root)
    throw refuse_history(MirrorRefused::Kind::fork,
                         fmt::format("The log at {} signed a tree of {} entries whose first {} are not the {} entries "
                                     "this mirror holds under the same key: it forked",
                                     source->location(), offered->size, s0, s0));

  // Entry bundles: each checked against the (now trusted) level-0 hashes, then staged on disk; the
  // run records among them say where the runs of the new leaves end, whose tree heads are copied.
  std::set<std::uint64_t> run_ends;
  std::vector<std::pair<std::string, std::string>> run_files;
  bool created_dir = false;
  if (!dir_existed) {
    fs::create_directories(dir);
    created_dir = true;
  }
  clean_incoming(dir);
  const fs::path incoming = dir / kIncomingDir;
  // Run summaries (tlog/run_summary.h): each one the log serves is copied only when it is signed by
  // the log's key and says exactly what the mirror makes of the run's leaves itself.
  std::vector<std::string> summary_files;
  std::uint64_t summaries_by_others = 0;
  RunSummaryBuilder summaries(s0, [&](PublishedRunSummary&& built) {
    const std::string path = run_summary_path(built.run_leaf);
    const auto note = source->fetch(path, kMaxRunSummaryBytes);
    if (!note) return;  // a log published without them: a report from the mirror reads bundles
    const std::string text = as_text(*note);
    if (verify_note(text, std::span(&verifier, 1)).status == NoteStatus::no_known_signature) {
      ++summaries_by_others;  // a collector's: a reader of this mirror would not know its key
      return;
    }
    std::string problem;
    const auto served = open_run_summary(text, offered->origin, std::span(&verifier, 1), &problem);
    if (!served)
      throw bad_tile(fmt::format("The run summary {} does not check out ({})", source->url_of(path), problem));
    if (run_summary_text(offered->origin, *served) != run_summary_text(offered->origin, built))
      throw bad_tile(fmt::format("The run summary {} says otherwise than the leaves of its run (leaves {} to {}): "
                                 "it was not made from this log",
                                 source->url_of(path), built.run_leaf, built.end - 1));
    const fs::path staged = incoming / path;
    fs::create_directories(staged.parent_path());
    write_file_safely(staged, text);
    summary_files.push_back(path);
  });
  // Where each run starts (tlog/run_index.h): made from the leaves, as this mirror's own file.
  std::optional<std::string> index_base;
  if (const auto base = RunIndexBuilder::base_path(s0)) index_base = read_local(dir / *base, kMaxRunIndexBytes);
  RunIndexBuilder run_index(s0, index_base);
  std::vector<std::pair<std::string, std::string>> index_files;
  try {
    for (const auto& b : bundles) {
      const Bytes bytes = must_fetch(*source, b.path());
      if (auto problem = reader.check_entries(b, bytes)) {
        // Its sentence names the bundle by path; name it by the URL it came from instead.
        if (const auto at = problem->find(b.path()); at != std::string::npos)
          problem->replace(at, b.path().size(), source->url_of(b.path()));
        problem->front() = static_cast<char>(std::toupper(static_cast<unsigned char>(problem->front())));
        throw bad_tile(*problem);
      }
      note_run_ends(b, bytes, s0, run_ends);
      if (const auto leaves = split_entry_bundle(ByteView(bytes.data(), bytes.size())))
        for (std::size_t k = 0; k < leaves->size(); ++k) {
          summaries.leaf(b.index * kTileWidth + k, as_bytes((*leaves)[k]));
          run_index.leaf(b.index * kTileWidth + k, as_bytes((*leaves)[k]));
        }
      const fs::path staged = incoming / b.path();
      fs::create_directories(staged.parent_path());
      write_file_safely(staged, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
      tick();
    }
    summaries.finish(offered->size);
    index_files = run_index.files(offered->size);
    if (summaries_by_others > 0)
      result.warnings.push_back(fmt::format("{} run summaries are signed by another key than the log's (a "
                                            "collector's), so they were not copied; a report from this mirror reads "
                                            "those runs' entry bundles instead",
                                            summaries_by_others));
    if (!run_ends.empty()) {
      run_ends.erase(0);
      run_ends.insert(offered->size);
      run_files = fetch_run_heads(*source, verifier, reader, run_ends, result.warnings);
    }
  } catch (...) {
    clean_incoming(dir);
    if (created_dir) fs::remove(dir, ec);  // only if still empty
    throw;
  }

  // Everything checked: move it into place, the checkpoint last.
  std::set<fs::path> folders;
  for (const auto& t : hash_tiles) {
    const fs::path target = dir / t.path();
    fs::create_directories(target.parent_path());
    const Bytes& bytes = fetched.at(t);
    write_file_safely(target, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    ++result.files_written;
  }
  for (const auto& b : bundles) {
    const fs::path target = dir / b.path();
    fs::create_directories(target.parent_path());
    fs::rename(incoming / b.path(), target);
    folders.insert(target.parent_path());
    ++result.files_written;
  }
  for (const auto& path : summary_files) {
    const fs::path target = dir / path;
    fs::create_directories(target.parent_path());
    fs::rename(incoming / path, target);
    folders.insert(target.parent_path());
    ++result.files_written;
  }
  for (const auto& [path, text] : index_files) {
    const fs::path target = dir / path;
    fs::create_directories(target.parent_path());
    write_file_safely(target, text);
    ++result.files_written;
  }
  for (const auto& [path, bytes] : run_files) {
    const fs::path target = dir / path;
    fs::create_directories(target.parent_path());
    write_file_safely(target, bytes);
    ++result.files_written;
  }
  for (const auto& f : folders) fsync_folder(f);
  clean_incoming(dir);
  if (log_json && read_local(dir / "log.json", kMaxLogJsonBytes) != as_text(*log_json))
    write_file_safely(dir / "log.json", as_text(*log_json));
  const MirrorState new_state{key_text, offered->origin, source->location()};
  if (!state || state->log_key != new_state.log_key || state->source != new_state.source ||
      state->origin != new_state.origin)
    write_file_safely(dir / kMirrorStateFile, state_json(new_state));
  if (held_note != offered_note) write_file_safely(dir / "checkpoint", offered_note);

  result.requests = source->requests();
  result.bytes_fetched = source->bytes_received();
  return result;
}

}  // namespace dnswitness
