#include "reports/bundle.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "crypto/encoding.h"
#include "dnswitness/version.h"
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"
#include "ledger/queries.h"
#include "ledger/signed_note.h"
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

ObservationRow row_of_index(const IndexRow& r) {
  ObservationRow o;
  o.leaf_index = r.leaf_index;
  o.qname = r.qname;
  o.qtype = r.qtype;
  o.time_ns = r.time_ns;
  o.resolver = r.resolver;
  o.outcome = r.outcome;
  std::size_t pos = 0;
  while (pos < r.addresses.size()) {
    const std::size_t end = std::min(r.addresses.find(' ', pos), r.addresses.size());
    o.addresses.push_back(r.addresses.substr(pos, end - pos));
    pos = end + 1;
  }
  return o;
}

bool wanted(const std::vector<std::string>& filter, std::string_view value) {
  return filter.empty() || std::find(filter.begin(), filter.end(), value) != filter.end();
}

std::set<std::uint64_t> select_observations(LedgerReader& reader, const std::vector<LoginRecord>& logins,
                                            const CandidateOptions& o) {
  std::set<std::uint64_t> out;
  const std::int64_t hb = std::max(kChangeHorizonNs, o.before_ns), ha = std::max(kChangeHorizonNs, o.after_ns);
  for (const auto& login : logins) {
    const std::int64_t t = login.at.ns;
    for (const auto& q : o.domains) {
      const auto index = reader.index_rows(q, t - hb, t + ha);
      for (const auto& type : o.types) {
        std::vector<ObservationRow> rows;
        bool any_before = false, any_after = false;
        for (const auto& r : index) {
          if (r.qtype != type || !wanted(o.resolvers, r.resolver)) continue;
          rows.push_back(row_of_index(r));
          (r.time_ns <= t ? any_before : any_after) = true;
        }
        for (const auto i : leaves_needed_for_login(t, rows, o)) out.insert(i);
        // Nothing on one side within the horizon: the nearest observation beyond it, so the table
        // can say how far away the evidence is instead of showing nothing.
        if (!any_before)
          if (auto r = reader.nearest_row(q, type, t - hb, true, o.resolvers)) out.insert(r->leaf_index);
        if (!any_after)
          if (auto r = reader.nearest_row(q, type, t + ha, false, o.resolvers)) out.insert(r->leaf_index);
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

json build_bundle(LedgerStore& store, const ReportRequest& req, BundleStats* stats) {
  std::vector<std::string> login_warnings;
  const std::vector<LoginRecord> logins = read_login_inputs(req.inputs, req.tz, &login_warnings);
  const CandidateOptions& o = req.options;
  if (logins.empty() && !(o.from_ns && o.until_ns))
    throw UsageError("There is nothing to report on: give login times (--logins FILE or --at TIME) or a period "
                     "(--from and --until).");

  const auto key = store.bound_public_key();
  if (!key)
    throw LedgerError(LedgerError::Kind::usage, fmt::format("The ledger {} has no signing key yet; run "
                                                            "resolve-snapshot first.",
                                                            store.paths().dir.string()));
  const NoteVerifier verifier = make_note_verifier(store.origin(), *key);
  LedgerReader reader(store);
  const CheckpointRow& newest = reader.newest();
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

  // 1. What the tables need, from the index.
  const std::set<std::uint64_t> observations = select_observations(reader, logins, o);

  // 2. The runs those observations belong to, and the tree head signed with each run.
  std::map<std::uint64_t, LedgerReader::RunSpan> runs;  // by run leaf
  std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;
  for (const auto i : observations) {
    if (!spans.empty() && i >= spans.back().first && i < spans.back().second) continue;
    const auto span = reader.run_of(i);
    runs[span.begin] = span;
    spans.emplace_back(span.begin, span.end);
  }
  std::set<std::uint64_t> leaf_set = observations;
  std::set<std::uint64_t> checkpoint_sizes = {newest.size};
  for (const auto& [b, span] : runs) {
    leaf_set.insert(b);
    checkpoint_sizes.insert(span.end);
  }

  // 3. Leaves with their proofs, and the rows the tables are derived from.
  json leaves = json::array();
  std::vector<ObservationRow> rows;
  rows.reserve(observations.size());
  std::map<std::uint64_t, std::string> run_ids;
  std::int64_t first_t = 0, last_t = 0;
  for (const auto i : leaf_set) {
    const std::string data = reader.leaf(i);
    const Hash lh = leaf_hash(bytes_of(data));
    const auto proof = reader.inclusion_proof(i, newest.size);
    if (!verify_inclusion(lh, i, newest.size, proof, newest.root))
      throw LedgerError(LedgerError::Kind::integrity,
                        fmt::format("leaf {} is not in the signed tree head of size {}; run verify-ledger", i,
                                    newest.size));
    std::optional<ObservationRow> row;
    try {
      row = observation_row_of_leaf(i, data);
    } catch (const std::invalid_argument& e) {
      throw LedgerError(LedgerError::Kind::integrity, fmt::format("leaf {} cannot be read: {}", i, e.what()));
    }
    std::string kind = "run";
    if (row) {
      kind = "observation";
      if (rows.empty() || row->time_ns < first_t) first_t = row->time_ns;
      if (rows.empty() || row->time_ns > last_t) last_t = row->time_ns;
      rows.push_back(std::move(*row));
    } else {
      const json j = json::parse(data);
      run_ids[i] = j.value("run_id", "");
    }
    leaves.push_back({{"index", i},
                      {"kind", kind},
                      {"data_base64", base64_encode(bytes_of(data))},
                      {"leaf_hash", base64_encode(lh)},
                      {"inclusion_proof", hashes_json(proof)},
                      {"tlog_proof", TlogProof{i, proof, newest.note, std::nullopt}.to_text()}});
  }

  // 4. Tree heads, oldest first, each with a consistency proof to the newest.
  json checkpoints = json::array();
  for (const auto size : checkpoint_sizes) {
    const auto row = size == newest.size ? std::optional<CheckpointRow>(newest) : reader.checkpoint(size);
    if (!row)
      throw LedgerError(LedgerError::Kind::integrity, fmt::format("the tree head at size {} is missing", size));
    open(*row);
    const auto proof = reader.consistency_proof(size, newest.size);
    if (!verify_consistency(size, newest.size, row->root, newest.root, proof))
      throw LedgerError(LedgerError::Kind::integrity,
                        fmt::format("the tree head at size {} is not consistent with the newest one; run "
                                    "verify-ledger",
                                    size));
    checkpoints.push_back({{"size", size},
                           {"root", base64_encode(row->root)},
                           {"note", row->note},
                           {"consistency_proof_to_newest", hashes_json(proof)}});
  }
  json run_list = json::array();
  for (const auto& [b, span] : runs)
    run_list.push_back({{"run_leaf", b}, {"end", span.end}, {"run_id", run_ids[b]}});

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

  json bundle = {
      {"format", kReportFormat},
      {"created_at", format_rfc3339_ns(req.created_at)},
      {"created_at_note",
       "The time this report was made. The observations were made at the times in their own leaves "
       "(observations.first / observations.last), signed into the ledger when they were made."},
      {"case", req.case_name ? json(*req.case_name) : json()},
      {"operator", req.operator_name ? json(*req.operator_name) : json()},
      {"tool", {{"name", "dnswitness"}, {"version", kToolVersion}, {"commit", kToolCommit}}},
      {"ledger",
       {{"origin", store.origin()},
        {"public_key_pem", key->pem()},
        {"public_key_raw_base64", base64_encode(key->raw())},
        {"key_fingerprint_sha256", key->fingerprint()},
        {"verifier_key", format_verifier_key(store.origin(), *key)},
        {"newest_size", newest.size}}},
      {"selection", selection},
      {"logins", {{"inputs", inputs}, {"tz", req.tz}, {"warnings", login_warnings}, {"records", records}}},
      {"observations",
       {{"count", rows.size()},
        {"first", rows.empty() ? json() : json(format_rfc3339_ns(UtcTime{first_t}))},
        {"last", rows.empty() ? json() : json(format_rfc3339_ns(UtcTime{last_t}))}}},
      {"checkpoints", checkpoints},
      {"runs", run_list},
      {"leaves", leaves},
      {"tables", derive_tables(logins, rows, o)},
  };
  if (stats) {
    stats->observation_leaves = rows.size();
    stats->run_leaves = runs.size();
    stats->checkpoints = checkpoints.size();
  }
  return bundle;
}

}  // namespace dnswitness
