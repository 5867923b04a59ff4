#include "tsa/accredited_tsas.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <set>

#include "config/domain_list.h"
#include "config/input_file.h"
#include "model/errors.h"
#include "timeutil/timestamp.h"

namespace dnswitness {
namespace {

using nlohmann::json;

// A list is a few kilobytes; this only stops a wrong file from being read without end.
constexpr long long kMaxAccreditedListBytes = 4LL * 1024 * 1024;

void only_keys(const json& j, const std::set<std::string>& known, const std::string& where) {
  for (const auto& [k, v] : j.items())
    if (!known.count(k)) throw UsageError(fmt::format("{} has an unknown key '{}'.", where, k));
}

std::string text_field(const json& j, const char* key, const std::string& where) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_string() || it->get_ref<const std::string&>().empty())
    throw UsageError(fmt::format("{} needs '{}' as a non-empty string.", where, key));
  return it->get<std::string>();
}

bool is_date(const std::string& s) {
  return s.size() == 10 && parse_rfc3339(s + "T00:00:00Z").has_value();
}

}  // namespace

AccreditedTsaList parse_accredited_tsas(const std::string& text, const std::string& source) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw UsageError(fmt::format("The list of accredited TSAs {} is not a JSON object.", source));
  only_keys(j, {"format", "list", "source", "note", "services"}, "The list of accredited TSAs " + source);
  AccreditedTsaList out;
  out.path = source;
  if (text_field(j, "format", source) != "dnswitness accredited TSAs 1")
    throw UsageError(fmt::format("{} is not a list of accredited TSAs in the format 'dnswitness accredited TSAs 1'.",
                                 source));
  const auto src = j.find("source");
  if (src == j.end() || !src->is_object()) throw UsageError(fmt::format("{} needs a 'source' object.", source));
  only_keys(*src, {"url", "title", "as_of", "taken"}, source + " 'source'");
  out.source_url = text_field(*src, "url", source + " 'source'");
  out.taken = text_field(*src, "taken", source + " 'source'");
  if (!is_date(out.taken))
    throw UsageError(fmt::format("In {}, source.taken must be the date the list was taken, as YYYY-MM-DD.", source));
  const auto services = j.find("services");
  if (services == j.end() || !services->is_array())
    throw UsageError(fmt::format("{} needs 'services' as a list.", source));
  for (std::size_t i = 0; i < services->size(); ++i) {
    const json& s = (*services)[i];
    const std::string where = fmt::format("{} service {}", source, i);
    if (!s.is_object()) throw UsageError(fmt::format("{} is not an object.", where));
    only_keys(s, {"operator", "service", "accredited_on", "signers", "note"}, where);
    AccreditedService a;
    a.operator_name = text_field(s, "operator", where);
    a.service = text_field(s, "service", where);
    const auto signers = s.find("signers");
    if (signers == s.end() || !signers->is_array())
      throw UsageError(fmt::format("{} needs 'signers' as a list (empty when none is confirmed).", where));
    for (const auto& n : *signers) {
      if (!n.is_string() || n.get_ref<const std::string&>().empty())
        throw UsageError(fmt::format("{} has a signer that is not a non-empty string.", where));
      a.signers.push_back(n.get<std::string>());
    }
    out.services.push_back(std::move(a));
  }
  return out;
}

AccreditedTsaList load_accredited_tsas(const std::filesystem::path& path) {
  std::filesystem::path file = path;
  if (file.empty()) {
    for (const auto& dir : preset_dirs()) {
      std::error_code ec;
      if (std::filesystem::is_regular_file(dir / kAccreditedTsaFile, ec)) {
        file = dir / kAccreditedTsaFile;
        break;
      }
    }
    if (file.empty())
      throw UsageError(fmt::format("No list of accredited TSAs ({}) is installed; give one with --accredited-tsas.",
                                   kAccreditedTsaFile));
  }
  return parse_accredited_tsas(read_input_file(file, "list of accredited TSAs", kMaxAccreditedListBytes),
                               file.string());
}

const AccreditedService* accredited_service(const AccreditedTsaList& list, const std::string& signer_name) {
  for (const auto& s : list.services)
    for (const auto& n : s.signers)
      if (n == signer_name) return &s;
  return nullptr;
}

}  // namespace dnswitness
