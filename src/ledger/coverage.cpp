#include "ledger/coverage.h"

#include <fmt/format.h>

#include "ledger/leaves.h"

namespace dnswitness {
namespace {

nlohmann::json parse_run_leaf(std::uint64_t index, ByteView data) {
  auto j = nlohmann::json::parse(data.begin(), data.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("kind", "") != "run")
    throw LedgerError(LedgerError::Kind::integrity,
                      fmt::format("leaf {} should be a run record but is not; run 'dnswitness verify-ledger'.", index));
  return j;
}

std::int64_t time_field(const nlohmann::json& j, const char* key, std::uint64_t index) {
  const auto t = parse_rfc3339(j.value(key, ""));
  if (!t)
    throw LedgerError(LedgerError::Kind::integrity,
                      fmt::format("the run record at leaf {} has no valid {}; run 'dnswitness verify-ledger'.", index,
                                  key));
  return t->ns;
}

bool has_response(const std::string& outcome) {
  return outcome != "timeout" && outcome != "network_error" && outcome != "malformed";
}

}  // namespace

std::vector<RunTime> run_times(LedgerStore& store) {
  std::vector<RunTime> out;
  Stmt cps(store.db(), "SELECT size FROM checkpoints ORDER BY size");
  Stmt leaf(store.db(), "SELECT data FROM leaves WHERE idx = ?1");
  std::uint64_t begin = 0;
  while (cps.step("reading the tree heads")) {
    const auto end = static_cast<std::uint64_t>(cps.i64(0));
    leaf.reset();
    leaf.bind(1, static_cast<std::int64_t>(begin));
    if (!leaf.step("reading a run record"))
      throw LedgerError(LedgerError::Kind::integrity,
                        fmt::format("leaf {} (a run record) is missing; run 'dnswitness verify-ledger'.", begin));
    const auto j = parse_run_leaf(begin, leaf.blob(0));
    out.push_back(RunTime{begin, end, time_field(j, "started_at", begin), time_field(j, "finished_at", begin)});
    begin = end;
  }
  return out;
}

std::vector<Gap> find_gaps(const std::vector<std::int64_t>& starts, std::chrono::seconds interval,
                           std::optional<std::int64_t> from_ns, std::optional<std::int64_t> to_ns) {
  const std::int64_t limit = 2 * interval.count() * 1'000'000'000;
  std::vector<Gap> gaps;
  std::optional<std::int64_t> prev = from_ns;
  for (const auto t : starts) {
    if ((from_ns && t < *from_ns) || (to_ns && t > *to_ns)) continue;
    if (prev && t - *prev > limit) gaps.push_back(Gap{*prev, t});
    prev = t;
  }
  if (to_ns && prev && *to_ns - *prev > limit) gaps.push_back(Gap{*prev, *to_ns});
  return gaps;
}

std::optional<LastRun> last_run(LedgerStore& store) {
  Stmt cps(store.db(), "SELECT size FROM checkpoints ORDER BY size DESC LIMIT 2");
  std::uint64_t end = 0, begin = 0;
  if (!cps.step("reading the tree heads")) return std::nullopt;
  end = static_cast<std::uint64_t>(cps.i64(0));
  if (cps.step("reading the tree heads")) begin = static_cast<std::uint64_t>(cps.i64(0));
  LastRun last;
  Stmt leaves(store.db(), "SELECT idx, data FROM leaves WHERE idx >= ?1 AND idx < ?2 ORDER BY idx");
  leaves.bind(1, static_cast<std::int64_t>(begin)).bind(2, static_cast<std::int64_t>(end));
  while (leaves.step("reading the last run")) {
    const auto idx = static_cast<std::uint64_t>(leaves.i64(0));
    const ByteView b = leaves.blob(1);
    if (idx == begin) {
      last.run = parse_run_leaf(idx, b);
      last.time = RunTime{begin, end, time_field(last.run, "started_at", idx), time_field(last.run, "finished_at", idx)};
      continue;
    }
    std::optional<IndexRow> row;
    try {
      row = index_row_of_leaf(idx, std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
    } catch (const std::invalid_argument&) {
      continue;  // not an observation this tool wrote; verify-ledger reports it
    }
    if (!row) continue;  // an event leaf
    ResolverHealth& h = last.resolvers[row->resolver];
    ++h.observations;
    if (has_response(row->outcome))
      ++h.responses;
    else
      ++h.failures[row->outcome];
  }
  if (last.run.is_null())
    throw LedgerError(LedgerError::Kind::integrity,
                      fmt::format("leaf {} (a run record) is missing; run 'dnswitness verify-ledger'.", begin));
  return last;
}

}  // namespace dnswitness
