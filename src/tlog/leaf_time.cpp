#include "tlog/leaf_time.h"

#include <nlohmann/json.hpp>

#include "ledger/leaves.h"
#include "timeutil/timestamp.h"

namespace dnswitness {

std::optional<std::int64_t> leaf_own_time_ns(std::string_view leaf) {
  // Observations, nearly every leaf, through the index's scanner (a full parse costs ten times more;
  // a search by time reads up to a bundle of them).
  try {
    if (auto row = index_row_of_leaf(0, leaf)) return row->time_ns;
  } catch (const std::invalid_argument&) {
    // not an observation of our shape: the parse below decides
  }
  const auto j = nlohmann::json::parse(leaf.begin(), leaf.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  const auto kind = j.find("kind");
  if (kind == j.end() || !kind->is_string()) return std::nullopt;
  const char* field = *kind == "run" ? "started_at" : *kind == "observation" ? "sent_at" : nullptr;
  if (field == nullptr) return std::nullopt;
  const auto t = j.find(field);
  if (t == j.end() || !t->is_string()) return std::nullopt;
  const auto parsed = parse_rfc3339(t->get_ref<const std::string&>());
  if (!parsed) return std::nullopt;
  return parsed->ns;
}

}  // namespace dnswitness
