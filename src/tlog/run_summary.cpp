#include "tlog/run_summary.h"

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>
#include <limits>
#include <optional>
#include <stdexcept>

#include "crypto/encoding.h"
#include "model/decimal.h"
#include "model/record_json.h"
#include "timeutil/timestamp.h"

namespace dnswitness {
namespace {

using nlohmann::json;

// Index of `value` in `list`, appending it on first sight.
template <class Key>
std::uint32_t interned(std::map<Key, std::uint32_t>& seen, std::vector<Key>& list, const Key& value) {
  const auto [it, fresh] = seen.emplace(value, static_cast<std::uint32_t>(list.size()));
  if (fresh) list.push_back(value);
  return it->second;
}

bool is_run_leaf(std::string_view data) {
  const auto j = json::parse(data.begin(), data.end(), nullptr, false);
  return j.is_object() && j.contains("kind") && j["kind"] == "run";
}

// The rows member as canonical_dump writes it: it follows "outcomes" (members are in key order).
constexpr std::string_view kRowsMember = ",\"rows\":[";

struct ScannedRow {
  std::uint64_t key, outcome, time, set;
};

// A whole number as canonical JSON writes it (no sign, no leading zero, no fraction or exponent) at
// text[at]; moves `at` past it.
std::optional<std::uint64_t> scan_whole(std::string_view text, std::size_t& at) {
  const std::size_t from = at;
  std::uint64_t value = 0;
  while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
    if (at > from && text[from] == '0') return std::nullopt;
    if (__builtin_mul_overflow(value, 10u, &value) ||
        __builtin_add_overflow(value, static_cast<std::uint64_t>(text[at] - '0'), &value))
      return std::nullopt;
    ++at;
  }
  if (at == from) return std::nullopt;
  return value;
}

// The rows list, from just after its '[': rows of four whole numbers, comma-separated, without
// spaces. Returns the position after its closing ']', or npos when it is not of that shape.
std::size_t scan_rows(std::string_view text, std::size_t at, std::vector<ScannedRow>& rows) {
  constexpr auto npos = std::string_view::npos;
  const auto expect = [&](char c) {
    if (at >= text.size() || text[at] != c) return false;
    ++at;
    return true;
  };
  if (expect(']')) return at;
  for (;;) {
    std::uint64_t v[4];
    if (!expect('[')) return npos;
    for (int i = 0; i < 4; ++i) {
      if (i > 0 && !expect(',')) return npos;
      const auto n = scan_whole(text, at);
      if (!n) return npos;
      v[i] = *n;
    }
    if (!expect(']')) return npos;
    rows.push_back({v[0], v[1], v[2], v[3]});
    if (rows.size() > kMaxRunSummaryRows) return npos;
    if (expect(']')) return at;
    if (!expect(',')) return npos;
  }
}

}  // namespace

IndexRow PublishedRunSummary::row(std::size_t i) const {
  const Row& r = rows.at(i);
  const auto& k = keys.at(r.key);
  return IndexRow{run_leaf + 1 + i, k[0], k[1], r.time_ns, k[2], outcomes.at(r.outcome), address_sets.at(r.set)};
}

std::string run_summary_text(const std::string& origin, const PublishedRunSummary& s) {
  std::int64_t base = 0;
  for (std::size_t i = 0; i < s.rows.size(); ++i)
    if (i == 0 || s.rows[i].time_ns < base) base = s.rows[i].time_ns;
  json keys = json::array(), rows = json::array();
  for (const auto& k : s.keys) keys.push_back(json::array({k[0], k[1], k[2]}));
  for (const auto& r : s.rows) rows.push_back(json::array({r.key, r.outcome, r.time_ns - base, r.set}));
  const json body = {{"address_sets", s.address_sets},
                     {"keys", std::move(keys)},
                     {"outcomes", s.outcomes},
                     {"rows", std::move(rows)},
                     {"run_leaf", base64_encode(as_bytes(s.run_leaf_bytes))},
                     {"time_base_ns", base}};
  return fmt::format("{}\n{}\n{}\n{}\n{}\n", kRunSummaryFormat, origin, s.run_leaf, s.end, canonical_dump(body));
}

std::optional<PublishedRunSummary> open_run_summary(std::string_view note, const std::string& origin,
                                           std::span<const NoteVerifier> signers, std::string* why) {
  const auto fail = [&](std::string text) -> std::optional<PublishedRunSummary> {
    if (why) *why = std::move(text);
    return std::nullopt;
  };
  const OpenedNote opened = verify_note(note, signers);
  if (!opened) return fail("it is not signed by the log's key or the collector's key given");
  std::vector<std::string_view> lines;
  std::string_view text = opened.text;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    lines.push_back(text.substr(0, nl));
    text.remove_prefix(nl + 1);
  }
  if (lines.size() != 5 || lines[0] != kRunSummaryFormat) return fail("it is not a dnswitness-run-summary/1 note");
  if (lines[1] != origin) return fail(fmt::format("it names the log {}", lines[1]));
  const auto r = parse_canonical_decimal(lines[2]), end = parse_canonical_decimal(lines[3]);
  if (!r || !end || *end <= *r)
    return fail("its run leaf or end is not a number, or the end is not after the run leaf");
  // The rows are nearly all of the line (about 1,000 per run): they are read by a scanner of their one
  // canonical shape, and the rest of the object, with an empty rows list in their place, by nlohmann.
  const std::string_view line = lines[4];
  const std::size_t rows_at = line.find(kRowsMember);
  if (rows_at == std::string_view::npos) return fail("its JSON line is not the summary object");
  std::vector<ScannedRow> scanned;
  const std::size_t rows_end = scan_rows(line, rows_at + kRowsMember.size(), scanned);
  if (rows_end == std::string_view::npos)
    return fail("a row is not [key, outcome, time, address set] in whole numbers");
  std::string rest(line.substr(0, rows_at + kRowsMember.size()));
  rest += line.substr(rows_end - 1);  // from the rows' closing bracket
  const json body = json::parse(rest, nullptr, false);
  if (!body.is_object() || body.size() != 6 || !body.contains("rows") || body["rows"] != json::array())
    return fail("its JSON line is not the summary object");
  try {
    PublishedRunSummary s;
    s.run_leaf = *r;
    s.end = *end;
    const auto leaf = base64_decode(body.at("run_leaf").get_ref<const std::string&>());
    if (!leaf) return fail("its run_leaf is not base64");
    s.run_leaf_bytes.assign(leaf->begin(), leaf->end());
    if (!body.at("time_base_ns").is_number_integer()) return fail("its time_base_ns is not a whole number");
    const std::int64_t base = body.at("time_base_ns").get<std::int64_t>();
    const json& keys = body.at("keys");
    const json& outcomes = body.at("outcomes");
    const json& sets = body.at("address_sets");
    if (!keys.is_array() || !outcomes.is_array() || !sets.is_array() || scanned.size() > kMaxRunSummaryRows ||
        scanned.size() >= *end - *r)
      return fail("its lists are not lists, or it has more rows than its run has leaves");
    for (const json& k : keys) {
      if (!k.is_array() || k.size() != 3) return fail("a key is not [qname, qtype, resolver]");
      s.keys.push_back({k[0].get<std::string>(), k[1].get<std::string>(), k[2].get<std::string>()});
    }
    for (const json& o : outcomes) s.outcomes.push_back(o.get<std::string>());
    for (const json& a : sets) s.address_sets.push_back(a.get<std::string>());
    s.rows.reserve(scanned.size());
    for (const auto& [k, o, dt, a] : scanned) {
      if (k >= keys.size() || o >= outcomes.size() || a >= sets.size())
        return fail("a row names no key, outcome or set");
      std::int64_t t = 0;
      if (dt > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
          __builtin_add_overflow(base, static_cast<std::int64_t>(dt), &t))
        return fail("a row's time is out of range");
      s.rows.push_back(
          {static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(o), static_cast<std::uint32_t>(a), t});
    }
    return s;
  } catch (const json::exception&) {
    return fail("its JSON line lacks a member or has one of another type");
  }
}

std::optional<RunSummaryPeek> peek_run_summary(std::string_view note) {
  std::string_view lines[5];
  for (auto& line : lines) {
    const std::size_t nl = note.find('\n');
    if (nl == std::string_view::npos) return std::nullopt;
    line = note.substr(0, nl);
    note.remove_prefix(nl + 1);
  }
  const auto end = parse_canonical_decimal(lines[3]);
  constexpr std::string_view kLeaf = "\"run_leaf\":\"";
  const std::size_t at = lines[4].find(kLeaf);
  if (!end || at == std::string_view::npos) return std::nullopt;
  const std::size_t from = at + kLeaf.size(), to = lines[4].find('"', from);
  if (to == std::string_view::npos) return std::nullopt;
  const auto leaf = base64_decode(lines[4].substr(from, to - from));
  if (!leaf) return std::nullopt;
  const json run = json::parse(leaf->begin(), leaf->end(), nullptr, false);
  if (!run.is_object() || !run.contains("started_at") || !run["started_at"].is_string()) return std::nullopt;
  const auto started = parse_rfc3339(run["started_at"].get_ref<const std::string&>());
  if (!started) return std::nullopt;
  return RunSummaryPeek{*end, started->ns};
}

RunSummaryWriter::RunSummaryWriter(TileFolder& folder, std::string origin, std::string signer_name,
                                   const Ed25519PrivateKey& key, std::uint64_t from)
    : folder_(folder),
      origin_(std::move(origin)),
      signer_name_(std::move(signer_name)),
      key_(key),
      builder_(from, [this](PublishedRunSummary&& s) {
        const std::string note = sign_note(run_summary_text(origin_, s), signer_name_, key_);
        if (note.size() > kMaxRunSummaryBytes) return;
        folder_.put_immutable(run_summary_path(s.run_leaf), as_bytes(note));
        ++written_;
      }) {}

void RunSummaryBuilder::leaf(std::uint64_t index, ByteView data) {
  if (index < from_) return;
  const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  std::optional<IndexRow> row;
  bool other = false;
  try {
    row = index_row_of_leaf(index, text);
  } catch (const std::invalid_argument&) {
    other = true;  // not a leaf of our shape: the run it sits in gets no summary
  }
  if (!row && !other && is_run_leaf(text)) {
    flush(index);
    open_ = PublishedRunSummary{index, 0, std::string(text), {}, {}, {}, {}};
    key_ids_.clear();
    outcome_ids_.clear();
    set_ids_.clear();
    usable_ = true;
    past_observations_ = false;
    return;
  }
  if (!open_) return;
  if (row) {
    usable_ = usable_ && !past_observations_ && index == open_->run_leaf + 1 + open_->rows.size() &&
              open_->rows.size() < kMaxRunSummaryRows;
    if (usable_)
      open_->rows.push_back({interned(key_ids_, open_->keys, {row->qname, row->qtype, row->resolver}),
                             interned(outcome_ids_, open_->outcomes, row->outcome),
                             interned(set_ids_, open_->address_sets, row->addresses), row->time_ns});
  } else {
    past_observations_ = true;  // events follow the observations
    usable_ = usable_ && !other;
  }
}

void RunSummaryBuilder::flush(std::uint64_t end) {
  if (!open_) return;
  PublishedRunSummary s = std::move(*open_);
  open_.reset();
  if (!usable_) return;
  s.end = end;
  done_(std::move(s));
}

LeafStream summarizing(LeafStream inner, RunSummaryBuilder& builder) {
  return [inner = std::move(inner), &builder](std::uint64_t from, std::uint64_t to, const LeafVisitor& visit) {
    inner(from, to, [&](std::uint64_t index, ByteView data, const Hash& lh) {
      builder.leaf(index, data);
      visit(index, data, lh);
    });
  };
}

}  // namespace dnswitness
