#include "reports/bundle.h"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <future>
#include <set>
#include <unordered_map>

#include "crypto/encoding.h"
#include "dnswitness/version.h"
#include "ledger/checkpoint.h"
#include "ledger/coverage.h"
#include "reports/background_writer.h"
#include "reports/completeness.h"
#include "reports/coverage_gaps.h"
#include "reports/manifest.h"
#include "reports/posts.h"
#include "reports/resolver_facts.h"
#include "reports/run_facts.h"
#include "reports/time_checks.h"
#include "ledger/merkle.h"
#include "ledger/queries.h"
#include "ledger/signed_note.h"
#include "model/address.h"
#include "timeutil/timestamp.h"

namespace dnswitness {
namespace {

using nlohmann::json;

json hashes_json(const std::vector<Hash>& hs) {
  json out = json::array();
  for (const auto& h : hs) out.push_back(base64_encode(h));
  return out;
}

ByteView bytes_of(const std::string& s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

// An index row's address list ("a b c", as the index keeps it) split and in the order the leaves'
// rows get, so change detection agrees. A report meets a million rows but a few dozen lists: each
// is split and ordered once.
class AddressLists {
 public:
  const std::vector<std::string>& of(const std::string& joined) {
    const auto [it, fresh] = lists_.try_emplace(joined);
    if (fresh) {
      std::size_t pos = 0;
      while (pos < joined.size()) {
        const std::size_t end = std::min(joined.find(' ', pos), joined.size());
        it->second.push_back(joined.substr(pos, end - pos));
        pos = end + 1;
      }
      sort_addresses(it->second);
    }
    return it->second;
  }

 private:
  std::unordered_map<std::string, std::vector<std::string>> lists_;
};

// Moves the strings out of `r`: each index row belongs to one type, so it is converted once.
ObservationRow row_of_index(IndexRow&& r, AddressLists& lists) {
  ObservationRow o;
  o.leaf_index = r.leaf_index;
  o.qname = std::move(r.qname);
  o.qtype = std::move(r.qtype);
  o.time_ns = r.time_ns;
  o.resolver = std::move(r.resolver);
  o.outcome = std::move(r.outcome);
  if (!r.addresses.empty()) o.addresses = lists.of(r.addresses);
  return o;
}

bool wanted(const std::vector<std::string>& filter, std::string_view value) {
  return filter.empty() || std::find(filter.begin(), filter.end(), value) != filter.end();
}

std::set<std::uint64_t> select_observations(EvidenceLog& reader, const std::vector<LoginRecord>& logins,
                                            const CandidateOptions& o) {
  std::set<std::uint64_t> out;
  AddressLists lists;
  const std::int64_t hb = std::max(kChangeHorizonNs, o.before_ns), ha = std::max(kChangeHorizonNs, o.after_ns);
  for (const auto& login : logins) {
    const std::int64_t t = login.at.ns;
    for (const auto& q : o.domains) {
      auto index = reader.index_rows(q, t - hb, t + ha);
      for (std::size_t k = 0; k < o.types.size(); ++k) {
        const std::string& type = o.types[k];
        // A type given twice selects the same leaves twice; its rows were moved out the first time.
        if (std::find(o.types.begin(), o.types.begin() + static_cast<std::ptrdiff_t>(k), type) !=
            o.types.begin() + static_cast<std::ptrdiff_t>(k))
          continue;
        std::vector<ObservationRow> rows;
        bool any_before = false, any_after = false;
        bool address_before = false, address_after = false, address_in_window = false;
        for (auto& r : index) {
          if (r.qtype != type || !wanted(o.resolvers, r.resolver)) continue;
          (r.time_ns <= t ? any_before : any_after) = true;
          if (!r.addresses.empty()) {
            (r.time_ns <= t ? address_before : address_after) = true;
            if (r.time_ns >= t - o.before_ns && r.time_ns <= t + o.after_ns) address_in_window = true;
          }
          rows.push_back(row_of_index(std::move(r), lists));
          r.qtype.clear();  // moved from: matches no type from here on
        }
        for (const auto i : leaves_needed_for_login(t, rows, o)) out.insert(i);
        // Nothing on one side within the horizon: the nearest observation beyond it, so the table
        // can say how far away the evidence is instead of showing nothing.
        if (!any_before)
          if (auto r = reader.nearest_row(q, type, t - hb, true, o.resolvers, false)) out.insert(r->leaf_index);
        if (!any_after)
          if (auto r = reader.nearest_row(q, type, t + ha, false, o.resolvers, false)) out.insert(r->leaf_index);
        // A window without any address takes its candidates from the nearest observations with
        // one (reports/candidates.h); beyond the horizon, the nearest one anywhere.
        if (!address_in_window && !address_before)
          if (auto r = reader.nearest_row(q, type, t - hb, true, o.resolvers, true)) out.insert(r->leaf_index);
        if (!address_in_window && !address_after)
          if (auto r = reader.nearest_row(q, type, t + ha, false, o.resolvers, true)) out.insert(r->leaf_index);
      }
    }
  }
  if (o.from_ns && o.until_ns)
    for (const auto& q : o.domains)
      for (const auto& r : reader.index_rows(q, *o.from_ns, *o.until_ns))
        if (wanted(o.types, r.qtype) && wanted(o.resolvers, r.resolver)) out.insert(r.leaf_index);
  return out;
}

}  // namespace

std::vector<LoginRecord> read_login_inputs(const std::vector<LoginInput>& inputs, const std::string& tz,
                                           std::vector<std::string>* warnings) {
  LoginParseOptions po;
  if (!tz.empty()) po.zone = parse_login_time_zone(tz);
  std::vector<LoginRecord> all;
  for (const auto& in : inputs) {
    LoginImport imp;
    if (in.kind == "file") {
      po.source_name = in.name;
      imp = parse_logins(in.content, po);
    } else if (in.kind == "command-line") {
      po.source_name = "--at";
      imp = logins_from_command_line(in.values, po);
    } else {
      throw UsageError(fmt::format("Unknown login input kind '{}'.", in.kind));
    }
    if (warnings)
      for (const auto& w : imp.warnings) warnings->push_back(w);
    all.insert(all.end(), imp.records.begin(), imp.records.end());
  }
  sort_and_deduplicate(all);
  return all;
}

namespace {

// One leaf of the bundle's `leaves` array, as read and checked.
struct LeafEntry {
  std::uint64_t index = 0;
  const char* kind = "";
  const std::string& data;
  const Hash& leaf_hash;
  const std::vector<Hash>& proof;
  const std::string& tlog_proof;
};

// One leaf as the bundle carries it, checked against the newest tree head and parsed.
struct PreparedLeaf {
  std::uint64_t index = 0;
  std::string data;
  std::vector<Hash> proof;
  Hash hash{};
  json parsed;
  std::optional<ObservationRow> row;  // nullopt for a run leaf
  std::string tlog;
  std::string problem;  // why the leaf cannot be carried; empty when it can
};

// The per-leaf work that needs no log: safe to run on several leaves at once.
void prepare_leaf(PreparedLeaf& p, const CheckpointRow& newest) {
  p.hash = leaf_hash(bytes_of(p.data));
  if (!verify_inclusion(p.hash, p.index, newest.size, p.proof, newest.root)) {
    p.problem =
        fmt::format("leaf {} is not in the signed tree head of size {}; run verify-ledger", p.index, newest.size);
    return;
  }
  p.parsed = json::parse(p.data, nullptr, false);
  try {
    p.row = observation_row_of_json(p.index, p.parsed);
  } catch (const std::invalid_argument& e) {
    p.problem = fmt::format("leaf {} cannot be read: {}", p.index, e.what());
    return;
  }
  p.tlog = TlogProof{p.index, p.proof, newest.note, std::nullopt}.to_text();
}

// Everything build_bundle and write_bundle share. Returns the whole bundle with an empty `leaves`
// array; calls `head` with the members that sort before "leaves" (nlohmann orders an object's
// members by key: case, checkpoints, created_at, created_at_note, format) before any leaf is read,
// so a streaming writer can put them out first, and `leaf` for each leaf in index order.
json assemble(EvidenceLog& log, const ReportRequest& req, BundleStats* stats,
              const std::function<void(const json&)>& head, const std::function<void(const LeafEntry&)>& leaf) {
  std::vector<std::string> login_warnings;
  const std::vector<LoginRecord> logins = read_login_inputs(req.inputs, req.tz, &login_warnings);
  const CandidateOptions& o = req.options;
  if (logins.empty() && !(o.from_ns && o.until_ns))
    throw UsageError("There is nothing to report on: give login times (--logins FILE or --at TIME) or a period "
                     "(--from and --until).");

  const Ed25519PublicKey& key = log.key();
  const NoteVerifier verifier = make_note_verifier(log.origin(), key);
  const CheckpointRow newest = log.newest();
  const auto open = [&](const CheckpointRow& row) {
    std::string why;
    const auto cp = open_signed_checkpoint(row.note, verifier, &why);
    if (!cp || cp->size != row.size || cp->root != row.root)
      throw LedgerError(LedgerError::Kind::integrity,
                        fmt::format("the ledger's tree head at size {} does not verify ({}); run verify-ledger",
                                    row.size, why.empty() ? "it disagrees with its stored size or root" : why));
    return *cp;
  };
  open(newest);

  // 1. What the tables need, from the index; and, for completeness (reports/completeness.h), every
  // leaf of the runs that overlap a window and the run leaves of the runs around the windows.
  std::set<std::uint64_t> observations = select_observations(log, logins, o);
  const std::vector<ReportWindow> windows = report_windows(logins, o);
  // The runs completeness and the coverage gaps look at: those within a day of the windows.
  std::vector<ReportWindow> near_windows;
  for (const auto& w : windows)
    near_windows.push_back({w.from_ns - kCompletenessMarginNs, w.until_ns + kCompletenessMarginNs});
  const std::vector<RunTime> all_runs = log.runs_around(near_windows);
  const CompletenessPlan completeness = plan_completeness(all_runs, windows, req.interval_ns.has_value());
  for (const auto& run : completeness.whole_runs)
    for (std::uint64_t i = run.run_leaf + 1; i < run.end; ++i) observations.insert(i);

  // 2. The runs those observations belong to, and the tree head signed with each run.
  std::map<std::uint64_t, LedgerReader::RunSpan> runs;  // by run leaf
  std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;
  for (const auto i : observations) {
    if (!spans.empty() && i >= spans.back().first && i < spans.back().second) continue;
    const auto span = log.run_of(i);
    runs[span.begin] = span;
    spans.emplace_back(span.begin, span.end);
  }
  std::set<std::uint64_t> leaf_set = observations;
  leaf_set.insert(completeness.run_leaves.begin(), completeness.run_leaves.end());
  std::set<std::uint64_t> checkpoint_sizes = {newest.size};
  for (const auto& [b, span] : runs) {
    leaf_set.insert(b);
    checkpoint_sizes.insert(span.end);
  }

  // 3. Tree heads, oldest first, each with a consistency proof to the newest. Before the leaves,
  // because "checkpoints" precedes "leaves" in the file.
  log.expect_run_heads(checkpoint_sizes);
  json checkpoints = json::array();
  for (const auto size : checkpoint_sizes) {
    const auto row = size == newest.size ? std::optional<CheckpointRow>(newest) : log.checkpoint(size);
    if (!row)
      throw LedgerError(LedgerError::Kind::integrity, fmt::format("the tree head at size {} is missing", size));
    open(*row);
    const auto proof = log.consistency_proof(size);
    if (!verify_consistency(size, newest.size, row->root, newest.root, proof))
      throw LedgerError(LedgerError::Kind::integrity,
                        fmt::format("the tree head at size {} is not consistent with the newest one; run "
                                    "verify-ledger",
                                    size));
    checkpoints.push_back({{"size", size},
                           {"root", base64_encode(row->root)},
                           {"note", row->note},
                           {"consistency_proof_to_newest", hashes_json(proof)}});
    if (auto t = log.timestamps(size)) checkpoints.back()["timestamps"] = std::move(*t);
    if (auto c = log.cosignatures(size)) checkpoints.back()["cosignatures"] = std::move(*c);
  }
  json bundle = {
      {"format", kReportFormat},
      {"created_at", format_rfc3339_ns(req.created_at)},
      {"created_at_note",
       "The time this report was made. The observations were made at the times in their own leaves "
       "(observations.first / observations.last), signed into the ledger when they were made."},
      {"case", req.case_name ? json(*req.case_name) : json()},
      {"checkpoints", std::move(checkpoints)},
  };
  // Gaps in the windows (before the leaves: "coverage" sorts first), from the run leaves the bundle
  // carries: every run around each window, so verify derives the same gaps.
  {
    std::vector<std::int64_t> starts;
    for (const auto& rt : all_runs)
      if (leaf_set.count(rt.run_leaf)) starts.push_back(rt.started_ns);
    std::sort(starts.begin(), starts.end());
    bundle["coverage"] = coverage_of(starts, windows, req.interval_ns);
  }
  head(bundle);

  // 4. Leaves with their proofs, and the rows the tables are derived from.
  std::vector<ObservationRow> rows;
  rows.reserve(observations.size());
  std::map<std::uint64_t, std::string> run_ids;
  std::map<std::uint64_t, json> run_records;  // run leaf -> its record, for the facts and time checks
  ResolverFactsBuilder resolver_facts;
  std::int64_t first_t = 0, last_t = 0;
  // Leaves are read from the log in batches on this thread (the log is not shared between threads).
  // A second thread checks and parses each batch, which needs nothing but the leaf and its proof,
  // while this one reads the next batch and puts out the one before.
  const std::vector<std::uint64_t> leaf_list(leaf_set.begin(), leaf_set.end());
  log.expect_leaves(leaf_list);
  constexpr std::size_t kBatch = 512;
  const auto read_batch = [&](std::size_t from) {
    std::vector<PreparedLeaf> batch(std::min(kBatch, leaf_list.size() - from));
    for (std::size_t k = 0; k < batch.size(); ++k) {
      batch[k].index = leaf_list[from + k];
      batch[k].data = log.leaf(batch[k].index);
      batch[k].proof = log.inclusion_proof(batch[k].index);
    }
    return batch;
  };
  const auto put_out = [&](std::vector<PreparedLeaf>& batch) {
    for (auto& p : batch) {
      if (!p.problem.empty()) throw LedgerError(LedgerError::Kind::integrity, p.problem);
      const char* kind = "run";
      if (p.row) {
        kind = "observation";
        if (rows.empty() || p.row->time_ns < first_t) first_t = p.row->time_ns;
        if (rows.empty() || p.row->time_ns > last_t) last_t = p.row->time_ns;
        rows.push_back(std::move(*p.row));
        resolver_facts.add(p.index, p.parsed);
      } else {
        run_ids[p.index] = p.parsed.value("run_id", "");
        run_records[p.index] = std::move(p.parsed);
      }
      leaf(LeafEntry{p.index, kind, p.data, p.hash, p.proof, p.tlog});
    }
  };
  const auto prepare_all = [&newest](std::vector<PreparedLeaf>* batch) {
    for (auto& p : *batch) prepare_leaf(p, newest);
  };
  // Two batches take turns: while the helper thread prepares one, this thread fills or puts out the
  // other. One helper for the whole report (not a thread per batch). Declared after the batches: its
  // destructor waits for work still running (when something throws) before a batch goes away.
  std::array<std::vector<PreparedLeaf>, 2> batches;
  boost::asio::thread_pool helper(1);
  const auto prepare = [&](std::vector<PreparedLeaf>* batch) {
    std::packaged_task<void()> task([batch, &prepare_all] { prepare_all(batch); });
    auto done = task.get_future();
    boost::asio::post(helper, std::move(task));
    return done;
  };
  std::size_t c = 0;
  if (!leaf_list.empty()) {
    batches[c] = read_batch(0);
    std::future<void> preparing = prepare(&batches[c]);
    for (std::size_t from = kBatch; from < leaf_list.size(); from += kBatch) {
      batches[1 - c] = read_batch(from);
      preparing.get();
      preparing = prepare(&batches[1 - c]);
      put_out(batches[c]);
      c = 1 - c;
    }
    preparing.get();
    put_out(batches[c]);
  }

  // The facts with their time cross-checks, which read the previous run's leaf and the tokens of
  // the run's tree head (reports/time_checks.h).
  const std::map<std::uint64_t, json> run_facts = run_facts_of_bundle(run_records, bundle["checkpoints"]);
  json run_list = json::array();
  for (const auto& [b, span] : runs)
    run_list.push_back({{"run_leaf", b}, {"end", span.end}, {"run_id", run_ids[b]}, {"facts", run_facts.at(b)}});

  // 5. Login records as read, and the inputs they were read from.
  json inputs = json::array();
  for (const auto& in : req.inputs) {
    json j = {{"kind", in.kind}, {"name", in.name}};
    if (in.kind == "file") {
      j["content_base64"] = base64_encode(bytes_of(in.content));
      j["sha256"] = hex_encode(sha256(bytes_of(in.content)));
    } else {
      j["values"] = in.values;
    }
    inputs.push_back(std::move(j));
  }
  json records = json::array();
  for (const auto& r : logins) records.push_back(login_record_json(r));

  json selection = {{"domains", o.domains},
                    {"types", o.types},
                    {"before", format_report_duration(o.before_ns)},
                    {"after", format_report_duration(o.after_ns)},
                    {"before_ns", o.before_ns},
                    {"after_ns", o.after_ns},
                    {"resolvers", o.resolvers},
                    {"from", o.from_ns ? json(format_rfc3339_ns(UtcTime{*o.from_ns})) : json()},
                    {"until", o.until_ns ? json(format_rfc3339_ns(UtcTime{*o.until_ns})) : json()}};

  bundle["operator"] = req.operator_name ? json(*req.operator_name) : json();
  bundle["tool"] = {{"name", "dnswitness"}, {"version", kToolVersion}, {"commit", kToolCommit}};
  bundle["manifest_signature"] = req.manifest_signed ? json(kManifestSignedValue) : json();
  bundle["ledger"] = {{"origin", log.origin()},
                      {"public_key_pem", key.pem()},
                      {"public_key_raw_base64", base64_encode(key.raw())},
                      {"key_fingerprint_sha256", key.fingerprint()},
                      {"verifier_key", format_verifier_key(log.origin(), key)},
                      {"newest_size", newest.size}};
  bundle["selection"] = std::move(selection);
  bundle["logins"] = {{"inputs", inputs}, {"tz", req.tz}, {"warnings", login_warnings}, {"records", records}};
  if (req.posts)
    bundle["posts"] = posts_member(req.posts->name, req.posts->content, req.tz, req.posts->first_after, logins);
  bundle["observations"] = {{"count", rows.size()},
                            {"first", rows.empty() ? json() : json(format_rfc3339_ns(UtcTime{first_t}))},
                            {"last", rows.empty() ? json() : json(format_rfc3339_ns(UtcTime{last_t}))}};
  bundle["runs"] = std::move(run_list);
  bundle["resolvers"] = resolver_facts.result();
  bundle["leaves"] = json::array();
  bundle["tables"] = derive_tables(logins, rows, o);
  add_time_warnings_to_logins(bundle["tables"], run_facts, o.before_ns, o.after_ns);
  if (req.rdap) bundle["rdap"] = req.rdap(bundle["tables"]);
  if (stats) {
    stats->observation_leaves = rows.size();
    stats->run_leaves = runs.size();
    stats->checkpoints = bundle["checkpoints"].size();
  }
  return bundle;
}

json leaf_json(const LeafEntry& e) {
  return {{"index", e.index},
          {"kind", e.kind},
          {"data_base64", base64_encode(bytes_of(e.data))},
          {"leaf_hash", base64_encode(e.leaf_hash)},
          {"inclusion_proof", hashes_json(e.proof)},
          {"tlog_proof", e.tlog_proof}};
}

// Appends `s` as a JSON string exactly as nlohmann's dump() writes it (no ensure_ascii): only '"',
// '\\' and control characters are escaped. Plain printable ASCII and '\n' are written here; any
// other byte sends the string through nlohmann itself, so UTF-8 handling (and its error on invalid
// UTF-8) stays nlohmann's.
void append_json_string(std::string& out, std::string_view s) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\n') || u >= 0x7f || c == '"' || c == '\\') {
      out += json(std::string(s)).dump();
      return;
    }
  }
  out += '"';
  std::size_t pos = 0;
  while (pos < s.size()) {
    const std::size_t nl = std::min(s.find('\n', pos), s.size());
    out.append(s.data() + pos, nl - pos);
    if (nl < s.size()) out += "\\n";
    pos = nl + 1;
  }
  out += '"';
}

}  // namespace

json build_bundle(LedgerStore& store, const ReportRequest& req, BundleStats* stats) {
  LedgerEvidenceLog log(store);
  return build_bundle(log, req, stats);
}

BundleWritten write_bundle(LedgerStore& store, const ReportRequest& req,
                           const std::function<void(std::string_view)>& sink) {
  LedgerEvidenceLog log(store);
  return write_bundle(log, req, sink);
}

json build_bundle(EvidenceLog& log, const ReportRequest& req, BundleStats* stats) {
  json leaves = json::array();
  json bundle = assemble(
      log, req, stats, [](const json&) {}, [&](const LeafEntry& e) { leaves.push_back(leaf_json(e)); });
  bundle["leaves"] = std::move(leaves);
  return bundle;
}

BundleWritten write_bundle(EvidenceLog& log, const ReportRequest& req,
                           const std::function<void(std::string_view)>& sink, bool hash) {
  BundleWritten w;
  Sha256 hasher;
  std::string buf;
  constexpr std::size_t kChunk = 1 << 20;
  buf.reserve(kChunk + 64 * 1024);
  // Chunks are hashed and written on a second thread while the next one is built.
  BackgroundWriter writer([&](const std::string& chunk) {
    if (hash) hasher.update(bytes_of(chunk));
    w.bytes += chunk.size();
    sink(chunk);
  });
  const auto flush = [&] {
    writer.hand_over(buf);
    buf.reserve(kChunk + 64 * 1024);
  };
  // The layout is nlohmann's dump(1): one space per level; the leaves array is a member of the
  // top-level object, so its elements are indented by 2 and their members by 3.
  static constexpr std::string_view kMarker = "\n \"leaves\": []";
  std::string head_text;
  std::size_t leaf_count = 0;
  // The newest signed note ends every tlog-proof block; escaped once, without its opening quote.
  std::string note, note_escaped;
  const auto on_head = [&](const json& h) {
    json partial = h;
    partial["leaves"] = json::array();
    const std::string text = partial.dump(1);
    const auto at = text.find(kMarker);
    if (at == std::string::npos) throw std::logic_error("write_bundle: no leaves member in the head");
    head_text = text.substr(0, at);
    // The newest tree head is the last (largest) checkpoint.
    note = h.at("checkpoints").back().at("note").get<std::string>();
    note_escaped = json(note).dump().substr(1);
    buf += head_text;
    buf += "\n \"leaves\": [";
  };
  const auto on_leaf = [&](const LeafEntry& e) {
    buf += leaf_count++ == 0 ? "\n  {\n   \"data_base64\": " : ",\n  {\n   \"data_base64\": ";
    append_json_string(buf, base64_encode(bytes_of(e.data)));
    buf += ",\n   \"inclusion_proof\": ";
    if (e.proof.empty()) {
      buf += "[]";
    } else {
      buf += "[\n";
      for (std::size_t k = 0; k < e.proof.size(); ++k) {
        buf += k == 0 ? "    \"" : ",\n    \"";
        buf += base64_encode(e.proof[k]);
        buf += '"';
      }
      buf += "\n   ]";
    }
    buf += ",\n   \"index\": ";
    buf += std::to_string(e.index);
    buf += ",\n   \"kind\": ";
    append_json_string(buf, e.kind);
    buf += ",\n   \"leaf_hash\": \"";
    buf += base64_encode(e.leaf_hash);
    buf += "\",\n   \"tlog_proof\": ";
    // The block is the leaf's own lines followed by the same signed note for every leaf: the note
    // (which may hold UTF-8, e.g. the signature lines' em dash) is escaped once through nlohmann.
    const std::string_view t = e.tlog_proof;
    if (note.empty() || t.size() < note.size() || t.substr(t.size() - note.size()) != note) {
      append_json_string(buf, t);
    } else {
      std::string piece;
      append_json_string(piece, t.substr(0, t.size() - note.size()));
      piece.pop_back();  // the closing quote; the note continues the same string
      buf += piece;
      buf += note_escaped;
    }
    buf += "\n  }";
    if (buf.size() >= kChunk) flush();
  };
  const json bundle = assemble(log, req, &w.stats, on_head, on_leaf);
  const std::string text = bundle.dump(1);
  const auto at = text.find(kMarker);
  // The head written before the leaves must be what the whole document dumps to, byte for byte.
  if (at == std::string::npos || text.compare(0, at, head_text) != 0)
    throw std::logic_error("write_bundle: the bundle's head changed while the leaves were written");
  if (leaf_count > 0) buf += "\n ]";
  else buf += "]";
  buf.append(text, at + kMarker.size(), std::string::npos);
  buf += '\n';
  flush();
  writer.finish();
  if (hash) w.sha256 = hasher.finish();
  w.key_fingerprint = bundle["ledger"]["key_fingerprint_sha256"].get<std::string>();
  for (const auto& l : bundle["tables"]["logins"]) w.table_warnings += l["warnings"].size();
  return w;
}

}  // namespace dnswitness
