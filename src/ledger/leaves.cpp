#include "ledger/leaves.h"

#include <fmt/format.h>

#include <stdexcept>

#include "model/observation_writer.h"
#include "model/record_json.h"
#include "model/target.h"

namespace dnswitness {
namespace {

std::string join_addresses(const std::vector<std::string>& addresses) {
  std::string out;
  for (const auto& a : addresses) {
    if (!out.empty()) out += ' ';
    out += a;
  }
  return out;
}

// Shrinks an observation leaf that would not fit: first the raw wire bytes go (the decoded answers,
// addresses, rcode and flags stay), then the decoded answer records. What was dropped is written in
// the leaf itself, so nothing disappears silently.
std::string fit_observation(nlohmann::json j, std::size_t original_size) {
  j.erase("query_wire");
  j.erase("response_wire");
  if (auto it = j.find("prior_exchanges"); it != j.end())
    for (auto& e : *it) {
      e.erase("query_wire");
      e.erase("response_wire");
    }
  j["ledger_note"] = fmt::format(
      "raw DNS wire bytes dropped: the full record ({} bytes) exceeds the ledger's {}-byte entry limit",
      original_size, kMaxLeafBytes);
  std::string out = canonical_dump(j);
  if (out.size() <= kMaxLeafBytes) return out;
  const std::size_t answers = j["answers"].size();
  j["answers"] = nlohmann::json::array();
  j["ledger_note"] = fmt::format(
      "raw DNS wire bytes and {} answer records dropped: the full record ({} bytes) exceeds the ledger's "
      "{}-byte entry limit",
      answers, original_size, kMaxLeafBytes);
  out = canonical_dump(j);
  if (out.size() <= kMaxLeafBytes) return out;
  throw std::length_error(fmt::format("an observation of {} does not fit in a ledger entry even without its wire "
                                      "bytes and answers ({} bytes)",
                                      j.value("qname", "?"), out.size()));
}

// A forward-only scanner over one JSON text, enough to pick top-level fields out of a leaf without
// building a tree. It gives up (returns false) on anything unexpected; the caller then falls back to
// the full parser, so the scanner never has to be a validator.
class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}
  bool eat(char c) {
    if (p_ < s_.size() && s_[p_] == c) return ++p_, true;
    return false;
  }
  [[nodiscard]] bool at(char c) const { return p_ < s_.size() && s_[p_] == c; }
  [[nodiscard]] bool done() const { return p_ == s_.size(); }
  // A string without escapes (a needed field with an escape goes to the full parser).
  bool plain_string(std::string_view& out) {
    if (!eat('"')) return false;
    const std::size_t start = p_;
    while (p_ < s_.size() && s_[p_] != '"') {
      if (s_[p_] == '\\') return false;
      ++p_;
    }
    if (p_ == s_.size()) return false;
    out = s_.substr(start, p_ - start);
    ++p_;
    return true;
  }
  // Skips any value: string, number, object or array (canonical JSON has no whitespace).
  bool skip_value() {
    if (p_ >= s_.size()) return false;
    const char c = s_[p_];
    if (c == '"') {
      ++p_;
      while (p_ < s_.size() && s_[p_] != '"') p_ += s_[p_] == '\\' ? 2 : 1;
      if (p_ >= s_.size()) return false;
      ++p_;
      return true;
    }
    if (c == '{' || c == '[') {
      int depth = 0;
      while (p_ < s_.size()) {
        const char d = s_[p_];
        if (d == '"') {
          if (!skip_value()) return false;
          continue;
        }
        if (d == '{' || d == '[') ++depth;
        if (d == '}' || d == ']') {
          if (--depth == 0) return ++p_, true;
        }
        ++p_;
      }
      return false;
    }
    const std::size_t start = p_;
    while (p_ < s_.size() && (s_[p_] == '-' || (s_[p_] >= '0' && s_[p_] <= '9'))) ++p_;
    return p_ > start;
  }

 private:
  std::string_view s_;
  std::size_t p_ = 0;
};

// nullopt: let the reference parser decide. Holds a row or "not an observation" otherwise.
std::optional<std::optional<IndexRow>> scan_index_row(std::uint64_t leaf_index, std::string_view leaf) {
  Scanner sc(leaf);
  if (!sc.eat('{')) return std::nullopt;
  IndexRow row;
  row.leaf_index = leaf_index;
  std::string_view kind, qname, qtype, sent_at, outcome, resolver_name;
  bool have_addresses = false, have_resolver = false;
  while (!sc.at('}')) {
    std::string_view key;
    if (!sc.plain_string(key) || !sc.eat(':')) return std::nullopt;
    bool ok = true;
    if (key == "kind") ok = sc.plain_string(kind);
    else if (key == "qname") ok = sc.plain_string(qname);
    else if (key == "qtype") ok = sc.plain_string(qtype);
    else if (key == "sent_at") ok = sc.plain_string(sent_at);
    else if (key == "outcome") ok = sc.plain_string(outcome);
    else if (key == "addresses") {
      have_addresses = true;
      ok = sc.eat('[');
      while (ok && !sc.at(']')) {
        std::string_view a;
        ok = sc.plain_string(a);
        if (!ok) break;
        if (!row.addresses.empty()) row.addresses += ' ';
        row.addresses += a;
        if (!sc.eat(',')) break;
      }
      ok = ok && sc.eat(']');
    } else if (key == "resolver") {
      // {"address":...,"name":...,...}: only "name" is needed.
      have_resolver = true;
      ok = sc.eat('{');
      while (ok && !sc.at('}')) {
        std::string_view k;
        ok = sc.plain_string(k) && sc.eat(':');
        if (!ok) break;
        ok = k == "name" ? sc.plain_string(resolver_name) : sc.skip_value();
        if (!ok || !sc.eat(',')) break;
      }
      ok = ok && sc.eat('}');
    } else {
      ok = sc.skip_value();
    }
    if (!ok) return std::nullopt;
    if (!sc.eat(',')) break;
  }
  if (!sc.eat('}') || !sc.done()) return std::nullopt;
  if (kind.empty()) return std::nullopt;
  if (kind != "observation") return std::optional<IndexRow>{};
  if (qname.empty() || qtype.empty() || outcome.empty() || !have_addresses || !have_resolver || resolver_name.empty())
    return std::nullopt;
  const auto t = parse_rfc3339(sent_at);
  if (!t) return std::nullopt;
  row.qname = qname;
  row.qtype = qtype;
  row.time_ns = t->ns;
  row.resolver = resolver_name;
  row.outcome = outcome;
  return std::optional<IndexRow>{std::move(row)};
}

}  // namespace

std::optional<IndexRow> index_row_of_leaf(std::uint64_t leaf_index, std::string_view leaf) {
  if (auto scanned = scan_index_row(leaf_index, leaf)) return std::move(*scanned);
  return index_row_of_leaf_reference(leaf_index, leaf);
}

std::string run_leaf(const RunRecord& run) {
  nlohmann::json run_doc = run_json(run);
  std::string leaf = canonical_dump(run_doc);
  if (leaf.size() > kMaxLeafBytes) {
    // The domain list is covered by config_hash; its length is what an expert needs here.
    const std::size_t count = run_doc["domains"].size();
    run_doc.erase("domains");
    run_doc["domain_count"] = count;
    run_doc["ledger_note"] = fmt::format("domain list of {} names omitted to fit the ledger's {}-byte entry limit; "
                                         "config_hash covers it",
                                         count, kMaxLeafBytes);
    leaf = canonical_dump(run_doc);
    if (leaf.size() > kMaxLeafBytes) throw std::length_error("the run record does not fit in a ledger entry");
  }
  return leaf;
}

// Observation leaves come from the fixed-order writer (model/observation_writer.h), which is
// about ten times cheaper than building and dumping an nlohmann tree. The leaf bytes are frozen
// and hashed, so the writer is trusted only as far as it is checked: the first leaf it writes in
// every run (every leaf in debug and sanitizer builds) is compared with canonical_dump of
// observation_json, and on any difference the rest of the run goes the nlohmann way — the leaves
// before it were checked equal, so the whole run ends up with the reference bytes.
const std::string& ObservationLeafEncoder::encode(const Observation& o) {
#ifdef NDEBUG
  constexpr bool kCheckEveryLeaf = false;
#else
  constexpr bool kCheckEveryLeaf = true;
#endif
  const std::size_t hint = text_.capacity();
  text_.clear();
  bool written = false;
  if (use_writer_) {
    text_.reserve(hint > 0 ? hint : 1024);
    written = write_observation_leaf(o, run_id_, text_);
    if (written && (kCheckEveryLeaf || !checked_)) {
      checked_ = true;
      if (text_ != canonical_dump(observation_json(o, run_id_))) {
        written = false;
        use_writer_ = false;
        writer_mismatch_ = true;
      }
    }
  }
  if (written) {
    ++written_fast_;
  } else {
    // Non-ASCII strings or a writer that disagreed: the reference path.
    text_ = canonical_dump(observation_json(o, run_id_));
  }
  return text_;
}

std::string ledger_leaf(const Observation& o, const std::string& run_id, std::string canonical, bool* shrunk) {
  if (shrunk) *shrunk = false;
  if (canonical.size() <= kMaxLeafBytes) return canonical;
  if (shrunk) *shrunk = true;
  return fit_observation(observation_json(o, run_id), canonical.size());
}

IndexRow index_row_of(const Observation& o, std::uint64_t leaf_index) {
  return IndexRow{leaf_index,        o.qname,         qtype_name(o.qtype), o.sent_at.ns, o.resolver.name,
                  std::string(outcome_name(o.outcome)), join_addresses(o.addresses)};
}

RunLeaves make_run_leaves(const RunRecord& run, std::span<const Observation> observations) {
  RunLeaves out;
  out.run_id = run.run_id;
  out.leaves.reserve(observations.size() + 1);
  out.rows.reserve(observations.size());
  out.leaves.push_back(run_leaf(run));
  ObservationLeafEncoder encoder(run.run_id);
  std::uint64_t i = 1;
  for (const auto& o : observations) {
    bool shrunk = false;
    out.leaves.push_back(ledger_leaf(o, run.run_id, encoder.encode(o), &shrunk));
    if (shrunk) ++out.shrunk;
    out.rows.push_back(index_row_of(o, i++));
  }
  out.written_fast = encoder.written_fast();
  out.writer_mismatch = encoder.writer_mismatch();
  return out;
}

std::optional<IndexRow> index_row_of_leaf_reference(std::uint64_t leaf_index, std::string_view leaf) {
  const auto j = nlohmann::json::parse(leaf, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw std::invalid_argument(fmt::format("leaf {} is not a JSON object", leaf_index));
  const auto kind = j.find("kind");
  if (kind == j.end() || !kind->is_string())
    throw std::invalid_argument(fmt::format("leaf {} has no \"kind\"", leaf_index));
  if (kind->get_ref<const std::string&>() != "observation") return std::nullopt;
  try {
    IndexRow row;
    row.leaf_index = leaf_index;
    row.qname = j.at("qname").get<std::string>();
    row.qtype = j.at("qtype").get<std::string>();
    const auto t = parse_rfc3339(j.at("sent_at").get_ref<const std::string&>());
    if (!t) throw std::invalid_argument("bad sent_at");
    row.time_ns = t->ns;
    row.resolver = j.at("resolver").at("name").get<std::string>();
    row.outcome = j.at("outcome").get<std::string>();
    for (const auto& a : j.at("addresses")) {
      if (!row.addresses.empty()) row.addresses += ' ';
      row.addresses += a.get_ref<const std::string&>();
    }
    return row;
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(fmt::format("leaf {} is an observation without the expected fields ({})",
                                            leaf_index, e.what()));
  }
}

}  // namespace dnswitness
