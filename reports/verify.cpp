#include "reports/verify.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "crypto/ed25519.h"
#include "crypto/encoding.h"
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"
#include "ledger/signed_note.h"
#include "reports/bundle.h"
#include "reports/candidates.h"
#include "reports/completeness.h"
#include "reports/coverage_gaps.h"
#include "reports/manifest.h"
#include "reports/posts.h"
#include "reports/rdap_bundle.h"
#include "reports/multi_log_bundle.h"
#include "reports/resolver_facts.h"
#include "reports/run_facts.h"
#include "reports/time_checks.h"
#include "tlog/collector_listing.h"
#include "tlog/cosignature.h"
#include "tsa/bundle_tokens.h"

namespace dnswitness {
namespace {

using nlohmann::json;

// Thrown to stop at the first failing item.
struct Invalid {
  std::string what;
};

[[noreturn]] void fail(std::string what) { throw Invalid{std::move(what)}; }

const json& field(const json& j, const char* key, const std::string& where) {
  if (!j.is_object()) fail(fmt::format("{} is not an object", where));
  const auto it = j.find(key);
  if (it == j.end()) fail(fmt::format("{} has no '{}'", where, key));
  return *it;
}

// A reference into the parsed document (which outlives every use): the leaves' base64 data and
// tlog-proof blocks are kilobytes each, and copying them was a visible part of verify's time.
const std::string& str(const json& j, const char* key, const std::string& where) {
  const json& v = field(j, key, where);
  if (!v.is_string()) fail(fmt::format("{}: '{}' is not a string", where, key));
  return v.get_ref<const std::string&>();
}

std::uint64_t u64(const json& j, const char* key, const std::string& where) {
  const json& v = field(j, key, where);
  if (!v.is_number_unsigned()) fail(fmt::format("{}: '{}' is not a whole number", where, key));
  return v.get<std::uint64_t>();
}

const json& arr(const json& j, const char* key, const std::string& where) {
  const json& v = field(j, key, where);
  if (!v.is_array()) fail(fmt::format("{}: '{}' is not a list", where, key));
  return v;
}

Hash hash_of(const std::string& b64, const std::string& where) {
  const auto b = base64_decode(b64);
  if (!b || b->size() != 32) fail(fmt::format("{} is not a base64 SHA-256 hash", where));
  Hash h{};
  std::copy(b->begin(), b->end(), h.begin());
  return h;
}

std::vector<Hash> hashes_of(const json& list, const std::string& where) {
  std::vector<Hash> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_string()) fail(fmt::format("{} hash {} is not a string", where, i));
    out.push_back(hash_of(list[i].get<std::string>(), fmt::format("{} hash {}", where, i)));
  }
  return out;
}

std::string text_of(const Bytes& b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

std::string sha256_hex(std::string_view s) {
  return hex_encode(sha256(ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size())));
}

// The first place two JSON values differ, as a path like tables.logins[0].domains[3].window.
std::string first_difference(const json& a, const json& b, const std::string& path) {
  if (a.type() != b.type()) return path;
  if (a.is_object()) {
    std::set<std::string> keys;
    for (const auto& [k, v] : a.items()) keys.insert(k);
    for (const auto& [k, v] : b.items()) keys.insert(k);
    for (const auto& k : keys) {
      if (!a.contains(k) || !b.contains(k)) return path + "." + k;
      if (a[k] != b[k]) return first_difference(a[k], b[k], path + "." + k);
    }
    return path;
  }
  if (a.is_array()) {
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
      if (a[i] != b[i]) return first_difference(a[i], b[i], fmt::format("{}[{}]", path, i));
    return path;
  }
  return path;
}

void check_sha256(const std::string& lines, const std::vector<ListedFile>& files, BundleVerification& v) {
  std::istringstream in(lines);
  std::string line;
  int n = 0, listed = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    if (line.size() < 67 || line.compare(64, 2, "  ") != 0 || !hex_decode(line.substr(0, 64)))
      fail(fmt::format("report.sha256 line {} is not in sha256sum format", n));
    const std::string name = line.substr(66);
    const auto it = std::find_if(files.begin(), files.end(), [&](const ListedFile& f) { return f.name == name; });
    if (it == files.end() || !it->content) fail(fmt::format("report.sha256 lists {}, which cannot be read", name));
    if (sha256_hex(*it->content) != line.substr(0, 64))
      fail(fmt::format("report.sha256: the SHA-256 of {} does not match (the file was changed)", name));
    ++listed;
  }
  if (listed == 0) fail("report.sha256 lists no file");
  v.sha256_checked = true;
}

// 9999-12-31T23:59:59Z.
constexpr std::uint64_t kLastCosignatureSecond = 253402300799;

// A tree head's "cosignatures": [{line, verifier_key}], each line verified over `note` with the key
// the report names for it (one line per key; the key names the witness).
void check_cosignatures(const json& list, std::uint64_t size, const std::string& note, BundleVerification& v) {
  const std::string where = fmt::format("the cosignatures of the tree head at size {}", size);
  if (!list.is_array() || list.empty()) fail(where + " are not a non-empty list");
  std::set<std::string> keys;
  for (const auto& c : list) {
    if (!c.is_object()) fail(where + " hold an item that is not an object");
    const std::string& vkey = str(c, "verifier_key", where);
    const std::string& line = str(c, "line", where);
    const CosignatureVerifier verifier = [&] {
      try {
        return parse_cosignature_verifier_key(vkey);
      } catch (const NoteError& e) {
        fail(fmt::format("{}: '{}' is not a witness's verifier key ({})", where, vkey, e.what()));
      }
    }();
    if (!keys.insert(vkey).second) fail(fmt::format("{}: the witness {} is listed twice", where, verifier.name));
    const std::string prefix = "\u2014 " + verifier.name + " ";
    if (!line.starts_with(prefix) || !line.ends_with("\n") || line.find('\n') != line.size() - 1)
      fail(fmt::format("{}: the line of {} is not one signature line of that witness", where, verifier.name));
    const CosignatureCheck check = verify_cosignatures(note + line, std::span<const CosignatureVerifier>(&verifier, 1));
    if (!check || check.verified.size() != 1)
      fail(fmt::format("the cosignature of {} on the tree head at size {} does not verify with the key the report "
                       "gives for it ({})",
                       verifier.name, size, check ? "another key ID" : check.problem));
    // tlog-cosignature: the time is never 0; beyond the year 9999 it is no time a date can show.
    if (check.verified.front().timestamp == 0 || check.verified.front().timestamp > kLastCosignatureSecond)
      fail(fmt::format("the cosignature of {} on the tree head at size {} states no usable time ({})", verifier.name,
                       size, check.verified.front().timestamp));
    v.cosignatures.push_back({size, verifier.name, vkey, line, check.verified.front().timestamp});
  }
}

void verify_all(const json& b, BundleVerification& v, const TsaAnchors& tsa) {
  if (b.is_object() && b.value("format", "") == kReportFormatV1)
    fail(fmt::format("the bundle is format {}, made by an older dnswitness that did not prove its completeness and "
                     "derived its tables by older rules; check it with the dnswitness version named in its tool "
                     "field",
                     kReportFormatV1));
  if (!b.is_object() || b.value("format", "") != kReportFormat)
    fail(fmt::format("the file is not a {} bundle (format)", kReportFormat));
  v.created_at = str(b, "created_at", "the report");
  if (b.contains("case") && b["case"].is_string()) v.case_name = b["case"].get<std::string>();

  // Key.
  const json& ledger = field(b, "ledger", "the report");
  v.origin = str(ledger, "origin", "ledger");
  const auto raw = base64_decode(str(ledger, "public_key_raw_base64", "ledger"));
  if (!raw || raw->size() != 32) fail("ledger.public_key_raw_base64 is not a 32-byte Ed25519 key");
  std::optional<Ed25519PublicKey> key;
  try {
    key = Ed25519PublicKey::from_raw(*raw);
  } catch (const std::exception&) {
    fail("ledger.public_key_raw_base64 is not a valid Ed25519 key");
  }
  if (key->pem() != str(ledger, "public_key_pem", "ledger"))
    fail("ledger.public_key_pem is not the same key as ledger.public_key_raw_base64");
  v.key_fingerprint = key->fingerprint();
  if (v.key_fingerprint != str(ledger, "key_fingerprint_sha256", "ledger"))
    fail("ledger.key_fingerprint_sha256 is not the fingerprint of the key");
  std::optional<NoteVerifier> verifier_holder;
  try {
    verifier_holder = make_note_verifier(v.origin, *key);
    v.verifier_key = format_verifier_key(v.origin, *key);
  } catch (const NoteError&) {
    fail("ledger.origin is not a valid log name");
  }
  const NoteVerifier& verifier = *verifier_holder;
  if (v.verifier_key != str(ledger, "verifier_key", "ledger"))
    fail("ledger.verifier_key does not belong to the key and origin");
  const std::uint64_t newest_size = u64(ledger, "newest_size", "ledger");
  if (const auto m = b.find("manifest_signature"); m != b.end()) {
    if (!m->is_null() && *m != kManifestSignedValue)
      fail(fmt::format("manifest_signature is neither \"{}\" nor null", kManifestSignedValue));
    v.manifest_signed = !m->is_null();
  }

  // Tree heads, and the RFC 3161 tokens that date them.
  const json& cps = arr(b, "checkpoints", "the report");
  BundleTokens tokens;
  std::map<std::uint64_t, Hash> roots;
  std::string newest_note;
  for (std::size_t i = 0; i < cps.size(); ++i) {
    const std::string where = fmt::format("checkpoint {}", i);
    const std::uint64_t size = u64(cps[i], "size", where);
    const std::string note = str(cps[i], "note", where);
    std::string why;
    const auto cp = open_signed_checkpoint(note, verifier, &why);
    if (!cp) fail(fmt::format("the tree head at size {} does not verify with the bundle's key: {}", size, why));
    if (cp->size != size || base64_encode(cp->root) != str(cps[i], "root", where))
      fail(fmt::format("the tree head at size {}: its size or root differs from its signed note", size));
    if (!roots.emplace(size, cp->root).second) fail(fmt::format("the tree head at size {} is listed twice", size));
    if (cps[i].contains("timestamps"))
      if (auto bad = verify_bundle_timestamps(cps[i]["timestamps"], v.origin, size, cp->root, tokens, tsa);
          !bad.empty())
        fail(std::move(bad));
    if (size == newest_size) newest_note = note;
    if (cps[i].contains("cosignatures")) check_cosignatures(cps[i]["cosignatures"], size, note, v);
  }
  if (!roots.count(newest_size)) fail(fmt::format("the newest tree head (size {}) is not in the bundle", newest_size));
  if (roots.rbegin()->first != newest_size) fail("ledger.newest_size is not the largest tree head in the bundle");
  const Hash newest_root = roots.at(newest_size);
  for (std::size_t i = 0; i < cps.size(); ++i) {
    const std::uint64_t size = cps[i]["size"].get<std::uint64_t>();
    const auto proof = hashes_of(arr(cps[i], "consistency_proof_to_newest", fmt::format("checkpoint {}", i)),
                                 fmt::format("the consistency proof of tree head {}", size));
    if (!verify_consistency(size, newest_size, roots.at(size), newest_root, proof))
      fail(fmt::format("the consistency proof from tree head {} to tree head {} does not verify", size, newest_size));
    ++v.consistency_proofs;
  }
  v.checkpoints = cps.size();
  v.newest_size = newest_size;
  v.newest_note = newest_note;
  v.timestamp_tokens = tokens.tokens;
  v.timestamp_roots.assign(tokens.roots.begin(), tokens.roots.end());
  v.timestamp_signers_checked = tokens.signers_checked;
  v.timestamp_signers.assign(tokens.signers.begin(), tokens.signers.end());
  v.accredited_tokens = tokens.accredited;
  v.unlabelled_accredited_tokens = tokens.unlabelled;
  v.unconfirmed_accredited_tokens = tokens.unconfirmed;

  // Leaves.
  const json& leaves = arr(b, "leaves", "the report");
  std::vector<ObservationRow> rows;
  std::map<std::uint64_t, std::string> run_ids;  // run leaf -> run id
  std::map<std::uint64_t, json> run_records;     // run leaf -> its record, decoded from its bytes
  std::vector<std::int64_t> run_starts;
  std::vector<CarriedRun> carried_runs;
  ResolverFactsBuilder resolver_facts;
  std::set<std::uint64_t> seen;
  bool tlog_note_verified = false;
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    const json& l = leaves[i];
    const std::uint64_t index = u64(l, "index", fmt::format("leaves[{}]", i));
    const std::string where = fmt::format("leaf {}", index);
    if (!seen.insert(index).second) fail(fmt::format("{} is listed twice", where));
    const auto data = base64_decode(str(l, "data_base64", where));
    if (!data) fail(fmt::format("{}: data_base64 is not base64", where));
    const Hash lh = leaf_hash(*data);
    if (base64_encode(lh) != str(l, "leaf_hash", where))
      fail(fmt::format("{}: its hash does not match its bytes", where));
    const auto proof = hashes_of(arr(l, "inclusion_proof", where), where + " inclusion proof");
    if (!verify_inclusion(lh, index, newest_size, proof, newest_root))
      fail(fmt::format("{}: the inclusion proof does not lead to the signed tree head of size {}", where,
                       newest_size));
    std::string why;
    const auto tp = TlogProof::parse(str(l, "tlog_proof", where), &why);
    if (!tp) fail(fmt::format("{}: the tlog-proof block cannot be read: {}", where, why));
    if (tp->index != index || tp->inclusion != proof || tp->signed_checkpoint != newest_note)
      fail(fmt::format("{}: the tlog-proof block differs from the leaf's proof or the newest tree head", where));
    // verify_tlog_proof checks the block's note signature and then its inclusion proof against the
    // note's root. The block's note is byte-for-byte the newest tree head, whose signature was
    // verified above, so that signature is checked once for the bundle (not once per leaf: an
    // Ed25519 verification per leaf was most of verify's time); the inclusion part is the
    // verify_inclusion just made with the same index, hashes and root, and runs again here anyway.
    if (!tlog_note_verified) {
      if (!verify_tlog_proof(*tp, *data, verifier, &why))
        fail(fmt::format("{}: the tlog-proof block does not verify: {}", where, why));
      tlog_note_verified = true;
    } else if (!verify_inclusion(lh, tp->index, newest_size, tp->inclusion, newest_root)) {
      fail(fmt::format("{}: the tlog-proof block does not verify: the inclusion proof for index {} does not lead "
                       "to the checkpoint's root",
                       where, tp->index));
    }
    std::optional<ObservationRow> row;
    const std::string text = text_of(*data);
    const json j = json::parse(text, nullptr, false);
    try {
      row = observation_row_of_json(index, j);
    } catch (const std::invalid_argument& e) {
      fail(fmt::format("{}: its JSON cannot be read ({})", where, e.what()));
    }
    if (str(l, "kind", where) != (row ? "observation" : "run"))
      fail(fmt::format("{}: its kind field does not match its content", where));
    if (row) {
      rows.push_back(std::move(*row));
      resolver_facts.add(index, j);
    } else {
      run_ids[index] = j.value("run_id", "");
      run_records[index] = j;
      const auto started = parse_rfc3339(j.value("started_at", ""));
      const auto finished = parse_rfc3339(j.value("finished_at", ""));
      const json count = j.value("observation_count", json());
      if (!started || !finished || !count.is_number_unsigned())
        fail(fmt::format("{}: the run leaf has no start, finish or observation count", where));
      run_starts.push_back(started->ns);
      carried_runs.push_back({index, count.get<std::uint64_t>(), started->ns, finished->ns, j.value("run_id", "")});
    }
  }
  v.leaves = leaves.size();
  v.observation_leaves = rows.size();
  v.run_leaves = run_ids.size();

  // The runs' facts, derived from their leaves, with the time cross-checks against the previous
  // run's leaf and the tokens of each run's tree head (reports/time_checks.h).
  const std::map<std::uint64_t, json> run_facts = run_facts_of_bundle(run_records, cps);
  for (const auto& [leaf, facts] : run_facts)
    for (const auto& f : facts["time_checks"]["findings"])
      v.warnings.push_back(fmt::format("run {} (leaf {}): {}", facts.value("run_id", ""), leaf,
                                       f["warning"].get<std::string>()));

  // Runs: every observation lies in an included run whose run leaf carries its run id, and the
  // tree head signed with that run is included.
  const json& runs = arr(b, "runs", "the report");
  std::map<std::uint64_t, std::pair<std::uint64_t, std::string>> spans;  // begin -> (end, run id)
  std::string facts_mismatch;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const std::string where = fmt::format("runs[{}]", i);
    const std::uint64_t begin = u64(runs[i], "run_leaf", where), end = u64(runs[i], "end", where);
    const std::string id = str(runs[i], "run_id", where);
    const auto it = run_ids.find(begin);
    if (it == run_ids.end() || it->second != id)
      fail(fmt::format("run {} (leaf {}): its run leaf is not in the bundle or has another run id", id, begin));
    if (!roots.count(end) || end <= begin)
      fail(fmt::format("run {}: the tree head signed with it (size {}) is not in the bundle", id, end));
    // The run's end is also what its run leaf says: the run leaf, then its observations.
    for (const auto& cr : carried_runs)
        if (cr.run_leaf == begin && cr.end() != end)
          fail(fmt::format("run {}: it ends at {} in runs[] but its run leaf counts {} observations (end {})", id,
                           end, cr.observation_count, cr.end()));
    spans[begin] = {end, id};
    // The summary of the run's facts is what its leaf says (absent in bundles made before it existed).
    if (const auto f = runs[i].find("facts"); f != runs[i].end()) {
      // Reported after completeness: a dropped run also changes the next run's order check, and the
      // missing run is the finding to name.
      if (*f != run_facts.at(begin) && facts_mismatch.empty())
        facts_mismatch = fmt::format("run {}: its facts at {} differ from its run leaf and the time cross-checks",
                                     id, first_difference(*f, run_facts.at(begin), where + ".facts"));
      v.run_facts_checked = true;
    }
  }
  // The resolvers' TLS, AA and client-subnet summary re-derives from the observation leaves.
  if (const auto r = b.find("resolvers"); r != b.end()) {
    const json derived = resolver_facts.result();
    if (*r != derived)
      fail(fmt::format("the resolver summary at {} does not re-derive from the observation leaves",
                       first_difference(*r, derived, "resolvers")));
    v.resolvers_checked = true;
  }
  // Coverage gaps come from the whole ledger; the file can show they are well formed and that no
  // run it holds started inside one.
  for (const auto& r : rows) {
    auto it = spans.upper_bound(r.leaf_index);
    if (it == spans.begin() || (--it, r.leaf_index >= it->second.first) || it->second.second != r.run_id)
      fail(fmt::format("leaf {}: it does not belong to a run included in the bundle", r.leaf_index));
  }
  std::int64_t first = 0, last = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i == 0 || rows[i].time_ns < first) first = rows[i].time_ns;
    if (i == 0 || rows[i].time_ns > last) last = rows[i].time_ns;
  }
  const json& obs = field(b, "observations", "the report");
  const json expect_obs = {{"count", rows.size()},
                           {"first", rows.empty() ? json() : json(format_rfc3339_ns(UtcTime{first}))},
                           {"last", rows.empty() ? json() : json(format_rfc3339_ns(UtcTime{last}))}};
  if (obs != expect_obs) fail("the observations summary (count, first, last) does not match the leaves");
  v.first_observation = rows.empty() ? "" : format_rfc3339_ns(UtcTime{first});
  v.last_observation = rows.empty() ? "" : format_rfc3339_ns(UtcTime{last});

  // Login records: read again from the stored input.
  const json& lg = field(b, "logins", "the report");
  std::vector<LoginInput> inputs;
  const json& ins = arr(lg, "inputs", "logins");
  for (std::size_t i = 0; i < ins.size(); ++i) {
    const std::string where = fmt::format("logins.inputs[{}]", i);
    LoginInput in;
    in.kind = str(ins[i], "kind", where);
    in.name = str(ins[i], "name", where);
    if (in.kind == "file") {
      const auto content = base64_decode(str(ins[i], "content_base64", where));
      if (!content) fail(fmt::format("{}: content_base64 is not base64", where));
      in.content = text_of(*content);
      if (sha256_hex(in.content) != str(ins[i], "sha256", where))
        fail(fmt::format("{}: the stored login input does not match its SHA-256", where));
    } else {
      const json& vals = arr(ins[i], "values", where);
      for (const auto& x : vals) {
        if (!x.is_string()) fail(fmt::format("{}: a value is not a string", where));
        in.values.push_back(x.get<std::string>());
      }
    }
    inputs.push_back(std::move(in));
  }
  std::vector<LoginRecord> logins;
  std::vector<std::string> login_warnings;
  try {
    logins = read_login_inputs(inputs, str(lg, "tz", "logins"), &login_warnings);
  } catch (const std::exception& e) {
    fail(fmt::format("the stored login input cannot be read again: {}", e.what()));
  }
  json records = json::array();
  for (const auto& r : logins) records.push_back(login_record_json(r));
  const json& stored_records = arr(lg, "records", "logins");
  if (records != stored_records)
    fail(fmt::format("the login records differ from what their stored input reads as (at {})",
                     first_difference(stored_records, records, "logins.records")));
  if (lg.value("warnings", json()) != json(login_warnings))
    fail("logins.warnings differ from what the stored input reads as");
  v.login_records = logins.size();

  // Posts (report --posts): read again from the stored file, and the logins picked again.
  if (const auto it = b.find("posts"); it != b.end() && !it->is_null()) {
    const json& p = *it;
    const json& input = field(p, "input", "posts");
    const auto content = base64_decode(str(input, "content_base64", "posts.input"));
    if (!content) fail("posts.input: content_base64 is not base64");
    const std::string text = text_of(*content);
    if (sha256_hex(text) != str(input, "sha256", "posts.input"))
      fail("posts.input: the stored posts file does not match its SHA-256");
    const json& first_after = field(p, "first_after", "posts");
    if (!first_after.is_boolean()) fail("posts.first_after is not true or false");
    json derived;
    try {
      derived = posts_member(str(input, "name", "posts.input"), text, str(p, "tz", "posts"), first_after.get<bool>(),
                             logins);
    } catch (const std::exception& e) {
      fail(fmt::format("the stored posts file cannot be read again: {}", e.what()));
    }
    if (derived != p)
      fail(fmt::format("the posts differ from what their stored file reads as (at {})",
                       first_difference(p, derived, "posts")));
    v.posts = derived["records"].size();
  }

  // Tables.
  const json& sel = field(b, "selection", "the report");
  CandidateOptions o;
  try {
    o.domains = sel.at("domains").get<std::vector<std::string>>();
    o.types = sel.at("types").get<std::vector<std::string>>();
    o.resolvers = sel.at("resolvers").get<std::vector<std::string>>();
    o.before_ns = sel.at("before_ns").get<std::int64_t>();
    o.after_ns = sel.at("after_ns").get<std::int64_t>();
    if (sel.at("before") != format_report_duration(o.before_ns) || sel.at("after") != format_report_duration(o.after_ns))
      fail("the selection's window text differs from its window in nanoseconds");
    const auto period = [&](const char* k) -> std::optional<std::int64_t> {
      const json& x = sel.at(k);
      if (x.is_null()) return std::nullopt;
      const auto t = parse_rfc3339(x.get<std::string>());
      if (!t) fail(fmt::format("selection.{} is not a time", k));
      return t->ns;
    };
    o.from_ns = period("from");
    o.until_ns = period("until");
  } catch (const json::exception&) {
    fail("the selection (domains, types, windows, resolvers, period) cannot be read");
  }
  // Completeness and coverage (reports/completeness.h): nothing left out of the windows, and the
  // gaps as the carried run leaves give them.
  {
    const std::vector<ReportWindow> windows = report_windows(logins, o);
    const json& c = field(b, "coverage", "the report");
    const bool interval_given = c.value("interval_source", json()) == "--interval";
    std::optional<std::int64_t> interval_ns;
    if (interval_given) {
      const json secs = c.value("interval_seconds", json());
      if (!secs.is_number_unsigned()) fail("coverage.interval_seconds is not a number of seconds");
      interval_ns = secs.get<std::int64_t>() * 1'000'000'000;
    }
    std::sort(carried_runs.begin(), carried_runs.end(),
              [](const CarriedRun& x, const CarriedRun& y) { return x.run_leaf < y.run_leaf; });
    if (const std::string why = completeness_problem(carried_runs, seen, windows, interval_given, newest_size,
                                                     &v.warnings);
        !why.empty())
      fail(why);
    std::vector<std::int64_t> starts = run_starts;
    std::sort(starts.begin(), starts.end());
    const json expected = coverage_of(starts, windows, interval_ns);
    if (c != expected)
      fail(fmt::format("the coverage at {} does not re-derive from the run leaves in the bundle",
                       first_difference(c, expected, "coverage")));
    if (!facts_mismatch.empty()) fail(facts_mismatch);
    v.coverage_checked = true;
    v.completeness_checked = true;
    for (const auto& w : c.value("windows", json::array())) v.coverage_gaps += w.value("gaps", json::array()).size();
  }
  json derived = derive_tables(logins, rows, o);
  add_time_warnings_to_logins(derived, run_facts, o.before_ns, o.after_ns);
  const json& tables = field(b, "tables", "the report");
  // A report made before the carrier list existed (no login table has tables.logins[].carrier_list)
  // is checked on everything else it holds.
  const json* login_tables = tables.is_object() && tables.contains("logins") ? &tables["logins"] : nullptr;
  if (login_tables && login_tables->is_array() && !login_tables->empty() &&
      std::none_of(login_tables->begin(), login_tables->end(),
                   [](const json& l) { return l.is_object() && l.contains("carrier_list"); })) {
    for (auto& l : derived["logins"]) l.erase("carrier_list");
    v.warnings.push_back("this report was made by an older dnswitness without the list for the carrier "
                         "(tables.logins[].carrier_list); its other tables were checked");
  }
  if (derived != tables)
    fail(fmt::format("the table at {} does not re-derive from the leaves and login records",
                     first_difference(tables, derived, "tables")));
  v.login_tables = derived["logins"].size();
  // RDAP (report --rdap): the registries cannot be asked again, so the records are checked for form
  // (each body matches its SHA-256) and for having looked up exactly the tables' addresses.
  if (const auto it = b.find("rdap"); it != b.end() && !it->is_null()) {
    if (const std::string problem = rdap_member_problem(*it, derived); !problem.empty()) fail(problem);
    v.rdap_records = (*it)["records"].size();
  }
  for (const auto& l : derived["logins"])
    for (const auto& w : l["warnings"]) v.warnings.push_back(fmt::format("login {}: {}", l["time_utc"].get<std::string>(), w.get<std::string>()));
}

// A part's "vantage" (report --collector): the checkpoint the collector cosigned is the probe's own
// newest tree head of the part's bundle, signed with the part's key, and the collector's cosignature
// on it verifies with the key the report names. What the collector says of the probe (name,
// description) is its word, kept as given. Returns the words verify prints.
std::string verified_vantage(const json& vantage, const json& inner) {
  if (!vantage.is_object()) fail("its vantage is not an object");
  const std::string probe = str(vantage, "probe", "its vantage");
  const std::string description = str(vantage, "description", "its vantage");
  const std::string collector = str(vantage, "collector", "its vantage");
  const std::string key = str(vantage, "collector_cosignature_key", "its vantage");
  const std::string note = str(vantage, "cosigned_checkpoint", "its vantage");
  const json& ledger = field(inner, "ledger", "the bundle");
  std::string why;
  std::optional<Checkpoint> cp;
  try {
    cp = open_signed_checkpoint(note, parse_verifier_key(str(ledger, "verifier_key", "ledger")), &why);
  } catch (const NoteError& e) {
    why = e.what();
  }
  if (!cp) fail(fmt::format("its vantage's checkpoint is not signed by the log's key ({})", why));
  if (!ledger.contains("newest_size") || ledger["newest_size"] != cp->size)
    fail("its vantage's checkpoint is not of the size of the log's newest tree head");
  const json& heads = arr(inner, "checkpoints", "the bundle");
  if (heads.empty() || str(heads.back(), "note", "checkpoints") != note_signed_by(note, cp->origin).value_or(""))
    fail("its vantage's checkpoint is not the log's newest tree head");
  const CosignatureVerifier v = [&] {
    try {
      return parse_cosignature_verifier_key(key);
    } catch (const NoteError& e) {
      fail(fmt::format("its vantage's collector_cosignature_key is not a cosignature key ({})", e.what()));
    }
  }();
  const CosignatureCheck c = verify_cosignatures(note, std::span(&v, 1));
  if (!c || c.verified.empty())
    fail(fmt::format("its vantage's checkpoint carries no valid cosignature by the collector {}", v.name));
  why.clear();
  const auto reg = open_probe_registration(str(vantage, "registration", "its vantage"), key, why);
  if (!reg) fail(fmt::format("its vantage's registration is not signed by the collector {} ({})", v.name, why));
  if (reg->name != probe || reg->description != description || reg->verifier_key != str(ledger, "verifier_key", "ledger"))
    fail("its vantage's probe, description or key differ from the registration the collector signed");
  return fmt::format("probe {} ({}), registered and cosigned by the collector {} ({})", probe, description, v.name,
                     collector);
}

// A dnswitness-report/3 bundle: every log's bundle verifies on its own, with its own key, and all
// were made by the same request (the same login records, selection, case and time made).
void verify_multi_log(const json& b, BundleVerification& v, const TsaAnchors& tsa) {
  v.created_at = str(b, "created_at", "the report");
  if (b.contains("case") && b["case"].is_string()) v.case_name = b["case"].get<std::string>();
  if (const auto m = b.find("manifest_signature"); m == b.end() || !m->is_null())
    fail("manifest_signature of a multi-log report must be null (no one log's key signs for the others)");
  const json& logs = arr(b, "logs", "the report");
  if (logs.size() < 2) fail("a multi-log report must hold at least two logs");
  v.manifest_signed = false;
  std::set<std::string> origins, sources;
  for (std::size_t i = 0; i < logs.size(); ++i) {
    const std::string where = fmt::format("logs[{}]", i);
    const std::string source = str(logs[i], "source", where);
    const json& inner = field(logs[i], "bundle", where);
    BundleVerification part;
    part.source = source;
    try {
      if (!inner.is_object() || inner.value("format", "") != kReportFormat)
        fail(fmt::format("it is not a {} bundle (format)", kReportFormat));
      verify_all(inner, part, tsa);
      if (part.manifest_signed.value_or(true)) fail("its manifest_signature is not null");
      if (const auto vt = logs[i].find("vantage"); vt != logs[i].end()) part.vantage = verified_vantage(*vt, inner);
      for (const char* k : {"created_at", "case", "operator", "tool"})
        if (inner.value(k, json()) != b.value(k, json()))
          fail(fmt::format("its {} differs from the report's", k));
      if (i > 0)
        for (const char* k : {"logins", "selection"})
          if (inner.value(k, json()) != logs[0]["bundle"].value(k, json()))
            fail(fmt::format("its {} differ from those of the first log (a multi-log report answers one request)",
                             k));
    } catch (const Invalid& e) {
      fail(fmt::format("the log {} ({}): {}", i + 1, source, e.what));
    }
    if (!sources.insert(source).second) fail(fmt::format("the log {} is listed twice", source));
    if (!origins.insert(part.origin).second)
      fail(fmt::format("the log named {} is included twice (logs[{}])", part.origin, i));
    v.timestamp_tokens += part.timestamp_tokens;
    v.timestamp_roots.insert(v.timestamp_roots.end(), part.timestamp_roots.begin(), part.timestamp_roots.end());
    v.timestamp_signers_checked = part.timestamp_signers_checked;
    for (auto list : {&BundleVerification::timestamp_signers, &BundleVerification::accredited_tokens,
                       &BundleVerification::unlabelled_accredited_tokens,
                       &BundleVerification::unconfirmed_accredited_tokens})
      (v.*list).insert((v.*list).end(), (part.*list).begin(), (part.*list).end());
    v.leaves += part.leaves;
    v.observation_leaves += part.observation_leaves;
    v.run_leaves += part.run_leaves;
    v.checkpoints += part.checkpoints;
    v.consistency_proofs += part.consistency_proofs;
    v.login_records = part.login_records;
    v.login_tables += part.login_tables;
    v.coverage_gaps += part.coverage_gaps;
    const std::string& first = part.first_observation;
    if (v.first_observation.empty() || (!first.empty() && first < v.first_observation)) v.first_observation = first;
    if (part.last_observation > v.last_observation) v.last_observation = part.last_observation;
    v.run_facts_checked = part.run_facts_checked;
    v.resolvers_checked = part.resolvers_checked;
    v.coverage_checked = part.coverage_checked;
    v.completeness_checked = part.completeness_checked;
    for (const auto& w : part.warnings) v.warnings.push_back(fmt::format("log {}: {}", part.origin, w));
    v.logs.push_back(std::move(part));
  }
}

}  // namespace

std::vector<std::string> sha256_listed_names(std::string_view lines) {
  std::vector<std::string> out;
  std::istringstream in{std::string(lines)};
  std::string line;
  while (std::getline(in, line))
    if (line.size() > 66 && line.compare(64, 2, "  ") == 0) out.push_back(line.substr(66));
  return out;
}

BundleVerification verify_bundle(std::string_view report, const std::optional<std::string>& sha256_lines,
                                 const std::vector<ListedFile>& files, const std::vector<std::string>& beside,
                                 const TsaAnchors& tsa) {
  BundleVerification v;
  try {
    if (!sha256_lines && !beside.empty())
      fail(fmt::format("{} sits beside the report but there is no report.sha256 to check it against", beside.front()));
    if (sha256_lines) {
      check_sha256(*sha256_lines, files, v);
      const auto listed = sha256_listed_names(*sha256_lines);
      for (const auto& name : beside)
        if (std::find(listed.begin(), listed.end(), name) == listed.end())
          fail(fmt::format("{} sits beside the report but is not listed in report.sha256, so it is not the one made "
                           "with this report",
                           name));
      // A PDF names the SHA-256 of the report.json it was typeset from in its metadata (Keywords).
      const std::string tie = "report.json SHA-256 " + sha256_hex(report);
      for (const auto& f : files) {
        const bool pdf = f.name.size() > 4 && (f.name.ends_with(".pdf") || f.name.ends_with(".PDF"));
        if (!pdf || !f.content) continue;
        if (f.content->find(tie) == std::string::npos)
          fail(fmt::format("{} was not made from this report.json (its metadata names another bundle)", f.name));
        v.pdfs.push_back(f.name);
      }
    }
    const json b = json::parse(report.begin(), report.end(), nullptr, false);
    if (b.is_discarded()) throw std::invalid_argument("the report is not JSON");
    if (b.is_object() && b.value("format", "") == kReportFormatV3) verify_multi_log(b, v, tsa);
    else verify_all(b, v, tsa);
    v.ok = true;
  } catch (const Invalid& e) {
    v.ok = false;
    v.failure = e.what;
  }
  return v;
}

}  // namespace dnswitness
