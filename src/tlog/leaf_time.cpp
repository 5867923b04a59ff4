#include "tlog/leaf_time.h"

#include <nlohmann/json.hpp>

#include "timeutil/timestamp.h"

namespace dnswitness {

std::optional<std::int64_t> leaf_own_time_ns(std::string_view leaf) {
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
