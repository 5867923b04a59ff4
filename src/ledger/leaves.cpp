#include "ledger/leaves.h"

#include <fmt/format.h>

#include <stdexcept>

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

}  // namespace

RunLeaves make_run_leaves(const RunRecord& run, std::span<const Observation> observations) {
  RunLeaves out;
  out.run_id = run.run_id;
  out.leaves.reserve(observations.size() + 1);
  out.rows.reserve(observations.size());

  nlohmann::json run_doc = run_json(run);
  std::string run_leaf = canonical_dump(run_doc);
  if (run_leaf.size() > kMaxLeafBytes) {
    // The domain list is covered by config_hash; its length is what an expert needs here.
    const std::size_t count = run_doc["domains"].size();
    run_doc.erase("domains");
    run_doc["domain_count"] = count;
    run_doc["ledger_note"] = fmt::format("domain list of {} names omitted to fit the ledger's {}-byte entry limit; "
                                         "config_hash covers it",
                                         count, kMaxLeafBytes);
    run_leaf = canonical_dump(run_doc);
    if (run_leaf.size() > kMaxLeafBytes) throw std::length_error("the run record does not fit in a ledger entry");
  }
  out.leaves.push_back(std::move(run_leaf));

  std::uint64_t i = 1;
  for (const auto& o : observations) {
    nlohmann::json j = observation_json(o, run.run_id);
    std::string leaf = canonical_dump(j);
    if (leaf.size() > kMaxLeafBytes) {
      leaf = fit_observation(std::move(j), leaf.size());
      ++out.shrunk;
    }
    out.leaves.push_back(std::move(leaf));
    out.rows.push_back(IndexRow{i++, o.qname, qtype_name(o.qtype), o.sent_at.ns, o.resolver.name,
                                std::string(outcome_name(o.outcome)), join_addresses(o.addresses)});
  }
  return out;
}

std::optional<IndexRow> index_row_of_leaf(std::uint64_t leaf_index, std::string_view leaf) {
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
