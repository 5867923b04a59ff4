#include "reports/carrier_requests.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "config/domain_list.h"
#include "config/input_file.h"
#include "model/errors.h"

namespace dnswitness {

CarrierRequests parse_carrier_requests(const std::string& text, const std::string& source) {
  const auto bad = [&](const std::string& why) {
    return UsageError(fmt::format("The list of carrier requests {} cannot be used: {}; correct it or reinstall "
                                  "dnswitness.",
                                  source, why));
  };
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw bad("it is not a JSON object");
  if (j.value("format", "") != "dnswitness carrier requests 1")
    throw bad("its \"format\" is not \"dnswitness carrier requests 1\"");
  const auto text_of = [&](const nlohmann::json& o, const char* key, bool required) {
    const auto it = o.find(key);
    if (it == o.end() || it->is_null()) {
      if (required) throw bad(fmt::format("\"{}\" is missing", key));
      return std::string();
    }
    if (!it->is_string()) throw bad(fmt::format("\"{}\" is not a string", key));
    return it->get<std::string>();
  };
  CarrierRequests out;
  out.file = source;
  out.title = text_of(j, "title", true);
  out.as_of = text_of(j, "as_of", true);
  out.note = text_of(j, "note", false);
  const auto carriers = j.find("carriers");
  if (carriers == j.end() || !carriers->is_array()) throw bad("\"carriers\" is not a list");
  for (const auto& c : *carriers) {
    if (!c.is_object()) throw bad("an entry of \"carriers\" is not an object");
    CarrierRequest r;
    r.carrier = text_of(c, "carrier", true);
    r.asks_ja = text_of(c, "asks_ja", true);
    r.asks_en = text_of(c, "asks_en", false);
    if (const auto s = c.find("sources"); s != c.end()) {
      if (!s->is_array()) throw bad(fmt::format("the sources of {} are not a list", r.carrier));
      for (const auto& u : *s) {
        if (!u.is_string()) throw bad(fmt::format("a source of {} is not a string", r.carrier));
        r.sources.push_back(u.get<std::string>());
      }
    }
    out.carriers.push_back(std::move(r));
  }
  return out;
}

std::optional<CarrierRequests> load_carrier_requests() {
  for (const auto& dir : preset_dirs()) {
    std::error_code ec;
    const auto file = dir / kCarrierRequestsFile;
    if (!std::filesystem::is_regular_file(file, ec)) continue;
    return parse_carrier_requests(read_input_file(file, "list of carrier requests", kMaxCarrierRequestsBytes),
                                  file.string());
  }
  return std::nullopt;
}

}  // namespace dnswitness
