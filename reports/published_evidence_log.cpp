#include "reports/published_evidence_log.h"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <future>
#include <limits>

#include "ledger/checkpoint.h"
#include "ledger/signed_note.h"
#include "timeutil/timestamp.h"
#include "tlog/log_source.h"
#include "tlog/run_heads.h"
#include "tlog/run_summary.h"
#include "ledger/merkle.h"

namespace dnswitness {
namespace {

using Kind = RemoteLogError::Kind;

bool resolver_wanted(const std::vector<std::string>& filter, const std::string& name) {
  return filter.empty() || std::find(filter.begin(), filter.end(), name) != filter.end();
}

std::int64_t run_time_field(const nlohmann::json& j, const char* key, std::uint64_t index, const std::string& where) {
  const auto* v = j.contains(key) && j[key].is_string() ? &j[key].get_ref<const std::string&>() : nullptr;
  const auto t = v ? parse_rfc3339(*v) : std::nullopt;
  if (!t)
    throw RemoteLogError(Kind::tampered, fmt::format("The run record at leaf {} of the log {} has no valid {}; the "
                                                     "log's operator must check their ledger.",
                                                     index, where, key));
  return t->ns;
}

}  // namespace

PublishedEvidenceLog::PublishedEvidenceLog(RemoteLog& log, NoteVerifier verifier,
                                           std::optional<NoteVerifier> summary_signer)
    : log_(log), verifier_(std::move(verifier)), helper_(std::make_unique<boost::asio::thread_pool>(1)) {
  summary_signers_.push_back(verifier_);
  if (summary_signer) summary_signers_.push_back(std::move(*summary_signer));
  newest_.size = log_.size();
  newest_.root = log_.checkpoint().root;
  // The published checkpoint carries the witnesses' cosignatures after the log's own line; the
  // report carries the note as the log signed it and the cosignatures apart (as from the ledger).
  const std::string published = log_.signed_checkpoint();
  newest_.note = note_signed_by(published, verifier_.name).value_or(published);
}

PublishedEvidenceLog::~PublishedEvidenceLog() = default;

std::string PublishedEvidenceLog::where() const { return log_.source().location(); }

void PublishedEvidenceLog::take_run_leaf(std::uint64_t index, const nlohmann::json& j) {
  const RunRecord r{run_time_field(j, "started_at", index, where()), run_time_field(j, "finished_at", index, where())};
  if (r.finished_ns - r.started_ns > kTimeSearchSlackNs)
    throw RemoteLogError(Kind::usage,
                         fmt::format("The run at leaf {} of the log {} lasted longer than an hour, so a search by "
                                     "time cannot be sure to find every leaf near it; make this report from the "
                                     "ledger itself.",
                                     index, where()));
  run_leaves_.emplace(index, r);
}

const PublishedRunSummary* PublishedEvidenceLog::summary_holding(std::uint64_t index) const {
  auto run = summaries_.upper_bound(index);
  if (run == summaries_.begin()) return nullptr;
  --run;
  return index < run->second.end ? &run->second : nullptr;
}

bool PublishedEvidenceLog::summarized_observation(std::uint64_t index) const {
  const PublishedRunSummary* s = summary_holding(index);
  return s && index > s->run_leaf && index <= s->run_leaf + s->rows.size();
}

void PublishedEvidenceLog::check_against_summary(std::uint64_t index, const std::optional<IndexRow>& row) {
  if (!summarized_observation(index)) return;
  const PublishedRunSummary& s = *summary_holding(index);
  if (row && *row == s.row(index - s.run_leaf - 1)) return;
  throw RemoteLogError(Kind::tampered,
                       fmt::format("The run summary {} says otherwise than leaf {} of the log itself: it was not "
                                   "made from this log. Ask the log's operator (or the collector) to publish it "
                                   "again; the leaves themselves are intact.",
                                   log_.source().url_of(run_summary_path(s.run_leaf)), index));
}

void PublishedEvidenceLog::load(std::uint64_t k) {
  if (loaded_.count(k)) return;
  const std::uint64_t first = k * kBundle, last = std::min(first + kBundle, log_.size());
  const auto leaves = log_.entries(first, last);
  for (std::uint64_t i = first; i < last; ++i) {
    const std::string& data = leaves[i - first];
    auto row = index_row_of_leaf(i, data);
    if (!summaries_.empty()) check_against_summary(i, row);
    if (row) {
      std::string name = row->qname;
      rows_[std::move(name)].emplace(i, std::move(*row));
      continue;
    }
    const auto j = nlohmann::json::parse(data, nullptr, false);
    if (!j.is_object() || j.value("kind", "") != "run") continue;  // events and the like
    take_run_leaf(i, j);
  }
  loaded_.insert(k);
}

PublishedEvidenceLog::OpenedSummary PublishedEvidenceLog::open_summary(const Bytes& bytes) const {
  OpenedSummary o;
  o.summary = open_run_summary(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                               verifier_.name, summary_signers_, &o.problem);
  if (!o.summary) return o;
  o.run_leaf_hash = leaf_hash(as_bytes(o.summary->run_leaf_bytes));
  o.run_record = nlohmann::json::parse(o.summary->run_leaf_bytes, nullptr, false);
  return o;
}

std::optional<PublishedRunSummary> PublishedEvidenceLog::checked_summary(std::uint64_t run_leaf, OpenedSummary&& o,
                                                                         std::string& problem,
                                                                         nlohmann::json& run_record) {
  problem = std::move(o.problem);
  if (!o.summary) return std::nullopt;
  const PublishedRunSummary& s = *o.summary;
  problem = s.run_leaf != run_leaf ? fmt::format("it is the summary of the run at leaf {}", s.run_leaf)
            : s.end > log_.size() ? "it ends past the log's signed tree"
            : o.run_leaf_hash != log_.leaf_hash_at(run_leaf)
                ? fmt::format("its run leaf is not leaf {} of the log", run_leaf)
                : "";
  if (!problem.empty()) return std::nullopt;
  const nlohmann::json& j = o.run_record;
  if (!j.is_object() || j.value("kind", "") != "run" || !j.contains("observation_count") ||
      !j["observation_count"].is_number_unsigned() || j["observation_count"].get<std::uint64_t>() != s.rows.size()) {
    problem = "its rows are not the run leaf's observation_count";
    return std::nullopt;
  }
  run_record = std::move(o.run_record);
  return std::move(o.summary);
}

void PublishedEvidenceLog::precheck_summaries(std::uint64_t r, std::int64_t until_ns) {
  // Walks the chain of runs as cover_time will, on what the cached summaries say (their `end` and
  // their run leaf's start), before any is checked. What this reads is only a guess of which files
  // cover_time will open: summary() takes a pre-opened one only for the run it asks for, and checks
  // it against the log there, as one it read itself.
  // Where the run index lists the runs of the span, the summaries the cache lacks are fetched at
  // once (a cold report would otherwise fetch them one round trip after the other).
  std::map<std::uint64_t, ListedSummary> listed = listed_summaries(r, until_ns);
  std::vector<std::pair<std::uint64_t, Bytes>> chain;
  std::set<std::uint64_t> fresh;  // chain members fetched now, to be cached once checked
  while (r < log_.size() && !no_summary_.count(r)) {
    if (summaries_.count(r)) {
      if (run_leaves_.at(r).started_ns > until_ns) break;
      r = ends_.at(r);
      continue;
    }
    if (opened_ahead_.count(r)) break;
    std::optional<Bytes> bytes;
    if (auto taken = listed.extract(r)) {
      bytes = std::move(taken.mapped().bytes);
      if (taken.mapped().fetched) fresh.insert(r);
    } else {
      bytes = log_.cached_file(run_summary_path(r), kMaxRunSummaryBytes);
    }
    if (!bytes) break;  // fetched by summary() itself
    const auto said = peek_run_summary(std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()));
    chain.emplace_back(r, std::move(*bytes));
    if (!said || said->end <= r || said->started_ns > until_ns) break;
    r = said->end;
  }
  if (chain.empty()) return;  // every summary of the span is taken in already (or not cached)
  // Opening a summary (its signature, its rows, its run leaf) needs nothing of the log: half the
  // chain is opened on a second thread.
  std::vector<OpenedSummary> opened(chain.size());
  const auto open_range = [&](std::size_t a, std::size_t b) {
    for (std::size_t k = a; k < b; ++k) opened[k] = open_summary(chain[k].second);
  };
  const std::size_t half = chain.size() / 2;
  std::packaged_task<void()> task([&] { open_range(half, chain.size()); });
  auto second = task.get_future();
  boost::asio::post(*helper_, std::move(task));
  try {
    open_range(0, half);
  } catch (...) {
    second.wait();  // it reads `chain` and writes `opened`
    throw;
  }
  second.get();
  for (std::size_t k = 0; k < chain.size(); ++k)
    opened_ahead_.emplace(chain[k].first, OpenedAhead{std::move(chain[k].second), std::move(opened[k]),
                                                      fresh.count(chain[k].first) > 0});
}

std::map<std::uint64_t, PublishedEvidenceLog::ListedSummary> PublishedEvidenceLog::listed_summaries(
    std::uint64_t r, std::int64_t until_ns) {
  // The runs the index files read so far list from r on, up to the first that started after until_ns
  // (the walk reads that one too, to see it start after the span).
  std::vector<std::uint64_t> listed;
  for (std::uint64_t n = r / kRunIndexLeaves;; ++n) {
    const auto it = run_index_.find(n);
    if (it == run_index_.end() || !it->second) break;
    bool past = false;
    for (const RunIndexLine& line : *it->second) {
      if (line.run_leaf < r) continue;
      listed.push_back(line.run_leaf);
      if ((past = line.started_ns > until_ns)) break;
    }
    if (past) break;
  }
  std::vector<std::uint64_t> wanted;
  std::vector<std::string> paths;
  std::map<std::uint64_t, ListedSummary> out;
  for (const std::uint64_t leaf : listed) {
    if (summaries_.count(leaf) || opened_ahead_.count(leaf) || no_summary_.count(leaf)) continue;
    const std::string path = run_summary_path(leaf);
    if (auto cached = log_.cached_file(path, kMaxRunSummaryBytes)) {
      out.emplace(leaf, ListedSummary{std::move(*cached), false});
      continue;
    }
    wanted.push_back(leaf);
    paths.push_back(path);
  }
  if (paths.empty()) return out;
  // With the level-0 tiles that check each run leaf (and root the run head before it).
  std::vector<std::uint64_t> leaves;
  for (const std::uint64_t leaf : wanted) {
    leaves.push_back(leaf);
    if (leaf > 0) leaves.push_back(leaf - 1);
  }
  std::vector<std::optional<Bytes>> got = log_.fetch_with_leaf_tiles(paths, leaves);
  for (std::size_t k = 0; k < got.size(); ++k)
    if (got[k]) out.emplace(wanted[k], ListedSummary{std::move(*got[k]), true});
  return out;
}

bool PublishedEvidenceLog::summary(std::uint64_t run_leaf) {
  if (summaries_.count(run_leaf)) return true;
  if (no_summary_.count(run_leaf)) return false;
  const std::string path = run_summary_path(run_leaf);
  // Summaries are immutable, so kept in the tile cache; a cached one is checked as a fetched one,
  // and fetched again when it does not check out.
  std::optional<Bytes> bytes;
  bool cached = false;
  std::string problem;
  nlohmann::json j;
  std::optional<PublishedRunSummary> s;
  if (auto ahead = opened_ahead_.extract(run_leaf)) {
    bytes = std::move(ahead.mapped().bytes);
    s = checked_summary(run_leaf, std::move(ahead.mapped().opened), problem, j);
    cached = !ahead.mapped().fetched;
  } else if ((bytes = log_.cached_file(path, kMaxRunSummaryBytes))) {
    s = checked_summary(run_leaf, open_summary(*bytes), problem, j);
    cached = true;
  }
  if (cached && !s) {
    log_.drop_cached_file(path);
    cached = false;
  }
  if (!s) {
    bytes = log_.source().fetch(path, kMaxRunSummaryBytes);
    if (!bytes) {
      no_summary_.insert(run_leaf);
      return false;
    }
    s = checked_summary(run_leaf, open_summary(*bytes), problem, j);
  }
  const auto refuse = [&](const std::string& why) {
    throw RemoteLogError(Kind::tampered, fmt::format("The run summary {} does not check out ({}); ask the log's "
                                                     "operator (or the collector) to publish it again.",
                                                     log_.source().url_of(path), why));
  };
  if (!s) refuse(problem);
  if (!cached) log_.cache_file(path, *bytes);
  take_run_leaf(run_leaf, j);
  ends_[run_leaf] = s->end;
  // Rows of bundles read before the summary: the same check as for bundles read after it.
  for (std::size_t i = 0; i < s->rows.size(); ++i) {
    const std::uint64_t index = run_leaf + 1 + i;
    if (!loaded_.count(index / kBundle)) continue;
    const IndexRow said = s->row(i);
    const auto named = rows_.find(said.qname);
    const IndexRow* read = nullptr;
    if (named != rows_.end())
      if (const auto it = named->second.find(index); it != named->second.end()) read = &it->second;
    if (!read || !(*read == said)) refuse(fmt::format("its row of leaf {} differs from the leaf itself", index));
  }
  summaries_.emplace(run_leaf, std::move(*s));
  return true;
}

const std::vector<RunIndexLine>* PublishedEvidenceLog::run_index_file(std::uint64_t n) {
  if (const auto it = run_index_.find(n); it != run_index_.end()) return it->second ? &*it->second : nullptr;
  const std::uint64_t width = run_index_width(n, log_.size());
  const std::string path = run_index_path(n, width);
  const auto parse = [&](const Bytes& bytes, std::string* why) {
    return parse_run_index(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), n, width, why);
  };
  // Immutable, so kept in the tile cache; a cached one that does not parse is fetched again.
  std::optional<std::vector<RunIndexLine>> lines;
  if (const auto cached = log_.cached_file(path, kMaxRunIndexBytes)) {
    lines = parse(*cached, nullptr);
    if (!lines) log_.drop_cached_file(path);
  }
  if (!lines) {
    const auto bytes = log_.source().fetch(path, kMaxRunIndexBytes);
    if (bytes) {
      std::string why;
      lines = parse(*bytes, &why);
      if (!lines)
        throw RemoteLogError(Kind::tampered, fmt::format("The run index {} does not check out ({}); ask the log's "
                                                         "operator (or the collector) to publish it again.",
                                                         log_.source().url_of(path), why));
      log_.cache_file(path, *bytes);
    }
  }
  const auto& kept = run_index_[n] = std::move(lines);
  return kept ? &*kept : nullptr;
}

std::uint64_t PublishedEvidenceLog::run_index_files_read() const noexcept {
  return static_cast<std::uint64_t>(
      std::count_if(run_index_.begin(), run_index_.end(), [](const auto& f) { return f.second.has_value(); }));
}

std::optional<std::uint64_t> PublishedEvidenceLog::indexed_start(std::int64_t t, std::int64_t until_ns) {
  // The last file whose first run started at or before t (a file without runs counts as such), then
  // the last run in it, or in the files before it, that started at or before t.
  const std::uint64_t files = run_index_files(log_.size());
  std::uint64_t lo = 0, hi = files;
  while (lo < hi) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    const auto* f = run_index_file(mid);
    if (!f) return std::nullopt;
    if (f->empty() || f->front().started_ns <= t)
      lo = mid + 1;
    else
      hi = mid;
  }
  std::optional<RunIndexLine> said;
  for (std::uint64_t m = lo; m-- > 0 && !said;) {
    const auto* f = run_index_file(m);
    if (!f) return std::nullopt;
    for (auto it = f->rbegin(); it != f->rend() && !said; ++it)
      if (it->started_ns <= t) said = *it;
  }
  if (!said) {
    // t is before every run listed: when the log begins with a run, the span begins there.
    const auto* f = files > 0 ? run_index_file(0) : nullptr;
    if (!f || f->empty() || f->front().run_leaf != 0) return std::nullopt;
    said = f->front();
  }
  std::uint64_t r = said->run_leaf;
  precheck_summaries(r, until_ns);
  if (!summary(r)) return std::nullopt;
  if (run_leaves_.at(r).started_ns != said->started_ns) {
    const std::uint64_t n = r / kRunIndexLeaves;
    throw RemoteLogError(Kind::tampered,
                         fmt::format("The run index {} says the run at leaf {} started at {} ns, but its run record "
                                     "says {} ns; ask the log's operator (or the collector) to publish it again.",
                                     log_.source().url_of(run_index_path(n, run_index_width(n, log_.size()))), r,
                                     said->started_ns, run_leaves_.at(r).started_ns));
  }
  // Runs that started at or before t after the one named: those the index does not cover yet (after
  // its last full bundle), or leaves out.
  for (std::uint64_t next = ends_.at(r); next < log_.size(); next = ends_.at(r)) {
    if (!summary(next)) return std::nullopt;
    if (run_leaves_.at(next).started_ns > t) break;
    r = next;
  }
  // The first leaf at or after t is in run r (its run leaf, or a row), else it begins the next run.
  const PublishedRunSummary& s = summaries_.at(r);
  if (run_leaves_.at(r).started_ns >= t ||
      std::any_of(s.rows.begin(), s.rows.end(), [&](const PublishedRunSummary::Row& row) { return row.time_ns >= t; }))
    return r;
  return ends_.at(r);
}

std::pair<std::uint64_t, std::uint64_t> PublishedEvidenceLog::cover_time(std::int64_t lo, std::int64_t hi,
                                                                          bool* from_bundles) {
  if (from_bundles) *from_bundles = false;
  if (log_.size() == 0) return {0, 0};
  // A report asks for the same span once per name; what was read for it the first time stays read.
  if (const auto it = covered_.find({lo, hi}); it != covered_.end()) {
    if (from_bundles) *from_bundles = it->second.from_bundles;
    return {it->second.from, it->second.to};
  }
  const auto remember = [&](std::uint64_t from, std::uint64_t to, bool bundles) {
    covered_[{lo, hi}] = Covered{from, to, bundles};
    if (from_bundles) *from_bundles = bundles;
    return std::pair{from, to};
  };
  std::uint64_t r = 0;
  if (const auto start = indexed_start(lo - kTimeSearchSlackNs, hi + kTimeSearchSlackNs)) {
    r = *start;
    if (r >= log_.size()) return {r, r};
  } else {
    const std::uint64_t first = log_.first_at_or_after(lo - kTimeSearchSlackNs);
    if (first >= log_.size()) return {first, first};
    // The run holding `first`: a summarized one, else found in the bundles before it.
    if (const PublishedRunSummary* holding = summary_holding(first))
      r = holding->run_leaf;
    else
      r = run_leaf_before(first);
  }
  const std::uint64_t begin = r;
  precheck_summaries(r, hi + kTimeSearchSlackNs);
  while (r < log_.size()) {
    if (!summary(r)) {
      const auto [f, l] = load_time(lo, hi);
      return remember(std::min(begin, f / kBundle * kBundle), std::min(log_.size(), (l / kBundle + 1) * kBundle),
                      true);
    }
    if (run_leaves_.at(r).started_ns > hi + kTimeSearchSlackNs) break;
    r = ends_.at(r);
  }
  return remember(begin, r, false);
}

std::pair<std::uint64_t, std::uint64_t> PublishedEvidenceLog::load_time(std::int64_t lo, std::int64_t hi) {
  if (log_.size() == 0) return {0, 0};
  const std::uint64_t first = log_.first_at_or_after(lo - kTimeSearchSlackNs);
  const std::uint64_t last = log_.first_at_or_after(hi + kTimeSearchSlackNs);
  if (first >= log_.size()) return {first, first};
  // Fetched ahead in chunks (in parallel over HTTP), then checked and parsed bundle by bundle.
  constexpr std::uint64_t kChunk = 32;
  const std::uint64_t top = std::min(last, log_.size() - 1) / kBundle;
  for (std::uint64_t k = first / kBundle; k <= top; ++k) {
    if ((k - first / kBundle) % kChunk == 0) {
      std::uint64_t from = k;
      while (from <= top && loaded_.count(from)) ++from;
      const std::uint64_t to = std::min(top + 1, k + kChunk);
      if (from < to) log_.prefetch(from * kBundle, std::min(to * kBundle, log_.size()));
    }
    load(k);
  }
  return {first, last};
}

std::uint64_t PublishedEvidenceLog::run_end(std::uint64_t run_leaf) {
  if (const auto it = ends_.find(run_leaf); it != ends_.end()) return it->second;
  std::uint64_t end = log_.size();
  for (std::uint64_t k = run_leaf / kBundle; k < bundles(); ++k) {
    load(k);
    const auto next = run_leaves_.upper_bound(run_leaf);
    if (next != run_leaves_.end() && next->first < (k + 1) * kBundle) {
      end = next->first;
      break;
    }
  }
  ends_[run_leaf] = end;
  return end;
}

std::uint64_t PublishedEvidenceLog::run_leaf_before(std::uint64_t leaf) {
  for (std::uint64_t k = leaf / kBundle + 1; k-- > 0;) {
    load(k);
    auto it = run_leaves_.upper_bound(leaf);
    if (it != run_leaves_.begin() && std::prev(it)->first >= k * kBundle) return std::prev(it)->first;
  }
  throw RemoteLogError(Kind::tampered, fmt::format("Leaf {} of the log {} has no run record before it, so it belongs "
                                                   "to no run; this is not a dnswitness ledger as published.",
                                                   leaf, where()));
}

void PublishedEvidenceLog::expect_leaves(const std::vector<std::uint64_t>& leaves) {
  ahead_bundles_.clear();
  ahead_until_ = 0;
  std::set<std::uint64_t> wanted;
  for (const auto i : leaves)
    if (!summaries_.count(i) && i < log_.size() && !loaded_.count(i / kBundle)) wanted.insert(i / kBundle);
  ahead_bundles_.assign(wanted.begin(), wanted.end());
}

std::string PublishedEvidenceLog::leaf(std::uint64_t index) {
  if (const auto it = summaries_.find(index); it != summaries_.end()) return it->second.run_leaf_bytes;
  // The bundles expected next are fetched ahead, kAheadBundles at once, when the first of them is due.
  constexpr std::size_t kAheadBundles = 16;
  const std::size_t due = static_cast<std::size_t>(
      std::lower_bound(ahead_bundles_.begin(), ahead_bundles_.end(), index / kBundle) - ahead_bundles_.begin());
  if (due < ahead_bundles_.size() && ahead_bundles_[due] == index / kBundle && due >= ahead_until_) {
    ahead_until_ = std::min(ahead_bundles_.size(), due + kAheadBundles);
    const auto first = ahead_bundles_.begin();
    log_.prefetch_bundles(std::vector<std::uint64_t>(first + static_cast<std::ptrdiff_t>(due),
                                                     first + static_cast<std::ptrdiff_t>(ahead_until_)));
  }
  // An observation of a summarized run is compared with its own summary row; the rest of its bundle
  // is not needed. Any other leaf reads its bundle, whose rows are compared with any summary of them.
  if (summarized_observation(index)) {
    std::string data = log_.entry(index);
    std::optional<IndexRow> row;
    try {
      row = index_row_of_leaf(index, data);
    } catch (const std::invalid_argument&) {
      // not an observation of our shape: the summary's row for it is then wrong
    }
    check_against_summary(index, row);
    return data;
  }
  if (index < log_.size()) load(index / kBundle);
  return log_.entry(index);
}

LedgerReader::RunSpan PublishedEvidenceLog::run_of(std::uint64_t leaf) {
  if (const PublishedRunSummary* s = summary_holding(leaf)) return {s->run_leaf, s->end};
  const std::uint64_t begin = run_leaf_before(leaf);
  return {begin, run_end(begin)};
}

std::vector<RunTime> PublishedEvidenceLog::runs_around(const std::vector<ReportWindow>& spans) {
  for (const auto& s : spans) {
    const auto [first, last] = cover_time(s.from_ns, s.until_ns);
    // The nearest run that started before the span and the nearest after it, walking outwards
    // bundle by bundle so the runs between stay contiguous (the summaries read by cover_time
    // usually hold both already).
    const auto started_before = [&](std::uint64_t from, std::uint64_t to) {
      for (auto it = run_leaves_.lower_bound(from); it != run_leaves_.end() && it->first < to; ++it)
        if (it->second.started_ns < s.from_ns) return true;
      return false;
    };
    const std::uint64_t top = std::min(first, log_.size() == 0 ? 0 : log_.size() - 1);
    // The run just before `first` when a summary already named it (it ends where `first` starts).
    const auto before_known = [&] {
      const auto it = run_leaves_.lower_bound(first);
      if (it == run_leaves_.begin()) return false;
      const auto prev = std::prev(it);
      const auto end = ends_.find(prev->first);
      return prev->second.started_ns < s.from_ns && end != ends_.end() && end->second == first;
    };
    if (!started_before(first, first + 1) && !before_known())
      for (std::uint64_t k = top / kBundle + 1; k-- > 0;) {
        load(k);
        if (started_before(k * kBundle, std::max(first, top + 1))) break;
      }
    const auto started_after = [&](std::uint64_t from, std::uint64_t to) {
      for (auto it = run_leaves_.lower_bound(from); it != run_leaves_.end() && it->first < to; ++it)
        if (it->second.started_ns > s.until_ns) return true;
      return false;
    };
    if (!started_after(first, last + 1))
      for (std::uint64_t k = std::min(last, log_.size()) / kBundle; k < bundles(); ++k) {
        load(k);
        if (started_after(k * kBundle, (k + 1) * kBundle)) break;
      }
  }
  // The runs read so far; run_end may read the next bundle, whose run record is not one of them
  // (iterating run_leaves_ itself would follow each new one to the end of the log).
  const std::map<std::uint64_t, RunRecord> read = run_leaves_;
  std::vector<RunTime> out;
  for (const auto& [leaf, r] : read) out.push_back(RunTime{leaf, run_end(leaf), r.started_ns, r.finished_ns});
  return out;
}

void PublishedEvidenceLog::expect_run_heads(const std::set<std::uint64_t>& sizes) {
  std::vector<std::string> paths;
  for (const auto size : sizes) {
    if (size != newest_.size) paths.push_back(run_head_path(size));
    paths.push_back(run_timestamps_path(size));
    paths.push_back(run_cosignatures_path(size));
  }
  std::vector<std::optional<Bytes>> got;
  try {
    got = log_.source().fetch_many(paths);
  } catch (const LogFetchError& e) {
    throw RemoteLogError(Kind::fetch, e.what());
  }
  for (std::size_t i = 0; i < paths.size(); ++i) fetched_ahead_[paths[i]] = std::move(got[i]);
}

std::optional<Bytes> PublishedEvidenceLog::fetch_run_file(const std::string& path, std::size_t limit) {
  // Fetched ahead within fetch_limit_for(path), the limit every caller here gives.
  if (auto taken = fetched_ahead_.extract(path)) return std::move(taken.mapped());
  return log_.source().fetch(path, limit);
}

std::optional<CheckpointRow> PublishedEvidenceLog::checkpoint(std::uint64_t size) {
  if (size == newest_.size) return newest_;
  const std::string path = run_head_path(size);
  const auto bytes = fetch_run_file(path, kMaxCheckpointBytes);
  if (!bytes)
    throw RemoteLogError(Kind::fetch,
                         fmt::format("The log {} does not publish the tree head signed at the end of each run ({} is "
                                     "missing), which a report carries; ask its operator to publish it again with "
                                     "this version of dnswitness.",
                                     where(), log_.source().url_of(path)));
  CheckpointRow row;
  row.note.assign(bytes->begin(), bytes->end());
  std::string why;
  const auto cp = open_signed_checkpoint(row.note, verifier_, &why);
  if (!cp || cp->size != size || cp->root != log_.root_at(size))
    throw RemoteLogError(Kind::tampered,
                         fmt::format("The tree head {} is not the log's own tree of {} entries signed by the key you "
                                     "gave ({}).",
                                     log_.source().url_of(path), size,
                                     !cp ? why : cp->size != size ? "its size differs" : "its root differs"));
  row.size = size;
  row.root = cp->root;
  return row;
}

std::optional<nlohmann::json> PublishedEvidenceLog::timestamps(std::uint64_t size) {
  const std::string path = run_timestamps_path(size);
  const auto bytes = fetch_run_file(path, kMaxCheckpointBytes * 16);
  if (!bytes) return std::nullopt;
  auto j = nlohmann::json::parse(bytes->begin(), bytes->end(), nullptr, false);
  if (!j.is_array())
    throw RemoteLogError(Kind::tampered, fmt::format("The time-stamps file {} is not a JSON list; the log's operator "
                                                     "must publish it again.",
                                                     log_.source().url_of(path)));
  return j;  // each token is checked against the tree head by verify, as any bundle's
}

std::optional<nlohmann::json> PublishedEvidenceLog::cosignatures(std::uint64_t size) {
  const std::string path = run_cosignatures_path(size);
  const auto bytes = fetch_run_file(path, kMaxCheckpointBytes * 16);
  if (!bytes) return std::nullopt;
  auto j = nlohmann::json::parse(bytes->begin(), bytes->end(), nullptr, false);
  const bool shaped = j.is_array() && std::all_of(j.begin(), j.end(), [](const nlohmann::json& c) {
                        return c.is_object() && c.size() == 2 && c.contains("line") && c["line"].is_string() &&
                               c.contains("verifier_key") && c["verifier_key"].is_string();
                      });
  if (!shaped)
    throw RemoteLogError(Kind::tampered, fmt::format("The cosignatures file {} is not a list of {{line, verifier_key}} "
                                                     "objects; the log's operator must publish it again.",
                                                     log_.source().url_of(path)));
  if (j.empty()) return std::nullopt;
  return j;  // each line is checked over the tree head by verify, as any bundle's
}

std::vector<Hash> PublishedEvidenceLog::consistency_proof(std::uint64_t m) {
  if (m == newest_.size) return {};
  return log_.consistency_proof(m);
}

std::vector<IndexRow> PublishedEvidenceLog::rows_between(const std::string& qname, std::uint64_t from, std::uint64_t to,
                                                         std::int64_t lo, std::int64_t hi) const {
  std::vector<IndexRow> out;
  // Runs with a summary: their rows of this name, built from the summary.
  for (auto run = summaries_.lower_bound(from); run != summaries_.end() && run->first < to; ++run) {
    const PublishedRunSummary& s = run->second;
    std::vector<bool> named(s.keys.size());
    bool any = false;
    for (std::size_t k = 0; k < s.keys.size(); ++k) any |= (named[k] = s.keys[k][0] == qname);
    if (!any) continue;
    for (std::size_t i = 0; i < s.rows.size(); ++i)
      if (named[s.rows[i].key] && s.rows[i].time_ns >= lo && s.rows[i].time_ns <= hi) out.push_back(s.row(i));
  }
  // The other leaves: from the bundles read.
  if (const auto named = rows_.find(qname); named != rows_.end())
    for (auto it = named->second.lower_bound(from); it != named->second.end() && it->first < to; ++it) {
      const IndexRow& r = it->second;
      if (r.time_ns >= lo && r.time_ns <= hi && !summarized_observation(r.leaf_index)) out.push_back(r);
    }
  return out;
}

std::vector<IndexRow> PublishedEvidenceLog::index_rows(const std::string& qname, std::int64_t lo, std::int64_t hi) {
  const auto [from, to] = cover_time(lo, hi);
  std::vector<IndexRow> out = rows_between(qname, from, to, lo, hi);
  // The order of the ledger's index (its primary key): by time, then leaf.
  std::sort(out.begin(), out.end(), [](const IndexRow& a, const IndexRow& b) {
    return a.time_ns != b.time_ns ? a.time_ns < b.time_ns : a.leaf_index < b.leaf_index;
  });
  return out;
}

std::optional<IndexRow> PublishedEvidenceLog::nearest_row(const std::string& qname, const std::string& qtype,
                                                          std::int64_t t, bool before,
                                                          const std::vector<std::string>& resolvers,
                                                          bool with_address) {
  if (log_.size() == 0) return std::nullopt;
  const auto matches = [&](const IndexRow& r) {
    return r.qname == qname && r.qtype == qtype && (before ? r.time_ns < t : r.time_ns > t) &&
           (!with_address || !r.addresses.empty()) && resolver_wanted(resolvers, r.resolver);
  };
  // Where the log has summaries: the rows of the runs that reach into the hour beyond t.
  bool from_bundles = false;
  const auto [from, to] =
      before ? cover_time(t - kNearestReachNs, t, &from_bundles) : cover_time(t, t + kNearestReachNs, &from_bundles);
  if (!from_bundles) {
    std::optional<IndexRow> nearest;
    for (IndexRow& r : rows_between(qname, from, to, std::numeric_limits<std::int64_t>::min(),
                                    std::numeric_limits<std::int64_t>::max())) {
      if (!matches(r)) continue;
      // Ties go as in the ledger's index: the later leaf before t, the earlier one after it.
      const bool better = !nearest || (before ? (r.time_ns != nearest->time_ns ? r.time_ns > nearest->time_ns
                                                                                : r.leaf_index > nearest->leaf_index)
                                              : (r.time_ns != nearest->time_ns ? r.time_ns < nearest->time_ns
                                                                                : r.leaf_index < nearest->leaf_index));
      if (better) nearest = std::move(r);
    }
    return nearest;
  }
  const auto [first, last] = load_time(t, t);
  // Walk bundles away from t until one holds a match, but no further than kNearestReachNs (the
  // bundles beyond are not read: see the header); then every leaf within the slack of the match is
  // read too, so the nearest by time is among the rows read.
  const std::uint64_t floor_bundle = before ? log_.first_at_or_after(t - kNearestReachNs) / kBundle : 0;
  const std::uint64_t ceiling_bundle =
      before ? bundles() : std::min(bundles(), log_.first_at_or_after(t + kNearestReachNs) / kBundle + 1);
  std::optional<std::int64_t> found;
  std::uint64_t lo = first / kBundle, hi = std::min(last, log_.size() - 1) / kBundle;
  for (std::uint64_t k = before ? std::min(first, log_.size() - 1) / kBundle + 1 : lo;;) {
    if (before) {
      if (k-- <= floor_bundle) break;
    } else if (k >= ceiling_bundle) {
      break;
    }
    load(k);
    lo = std::min(lo, k);
    hi = std::max(hi, k);
    const auto& rows = rows_[qname];
    for (auto it = rows.lower_bound(k * kBundle); it != rows.end() && it->first < (k + 1) * kBundle; ++it)
      if (matches(it->second)) found = found ? (before ? std::max(*found, it->second.time_ns)
                                                       : std::min(*found, it->second.time_ns))
                                             : it->second.time_ns;
    if (found) break;
    if (!before) ++k;
  }
  if (!found) return std::nullopt;
  const auto [f2, l2] = before ? load_time(*found, t) : load_time(t, *found);
  lo = std::min(lo, f2 / kBundle);
  hi = std::max(hi, std::min(l2, log_.size() - 1) / kBundle);
  std::optional<IndexRow> best;
  const auto& rows = rows_[qname];
  for (auto it = rows.lower_bound(lo * kBundle); it != rows.end() && it->first < (hi + 1) * kBundle; ++it) {
    const IndexRow& r = it->second;
    if (!matches(r)) continue;
    // Ties go as in the ledger's index: the later leaf before t, the earlier one after it.
    if (!best || (before ? r.time_ns >= best->time_ns : r.time_ns < best->time_ns)) best = r;
  }
  return best;
}

std::vector<std::string> PublishedEvidenceLog::resolvers_seen() const {
  std::set<std::string> names;
  for (const auto& [qname, rows] : rows_)
    for (const auto& [i, r] : rows) names.insert(r.resolver);
  for (const auto& [r, s] : summaries_)
    for (const auto& k : s.keys) names.insert(k[2]);
  return {names.begin(), names.end()};
}

}  // namespace dnswitness
