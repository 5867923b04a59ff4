#include "tlog/collector_listing.h"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>

#include "ledger/signed_note.h"
#include "model/errors.h"
#include "model/printable.h"
#include "tlog/cosignature.h"
#include "tlog/push_message.h"

namespace dnswitness {

CollectorListing read_collector_listing(const std::string& url_in, const LogSourceOptions& options) {
  const std::string url = collector_base_url(url_in, "--collector");
  auto source = LogSource::open(url, options);
  const auto bytes = source->fetch("probes", kMaxProbeListBytes);
  if (!bytes)
    throw UsageError(fmt::format("{} is not a dnswitness collector (it has no list of probes); check the URL.",
                                 source->url_of("probes")));
  const auto j = nlohmann::json::parse(bytes->begin(), bytes->end(), nullptr, false);
  const auto bad = [&] {
    return UsageError(fmt::format("{} is not a dnswitness collector's list of probes; check the URL.",
                                  source->url_of("probes")));
  };
  if (!j.is_object() || j.value("format", "") != "dnswitness-collector-probes/1" || !j.contains("probes") ||
      !j["probes"].is_array() || !j.contains("collector") || !j["collector"].is_object())
    throw bad();
  CollectorListing out;
  out.name = j["collector"].value("name", "");
  out.cosignature_key = j["collector"].value("cosignature_key", "");
  for (const auto& p : j["probes"]) {
    if (!p.is_object()) throw bad();
    ListedProbe lp;
    lp.name = p.value("name", "");
    lp.origin = p.value("origin", "");
    lp.verifier_key = p.value("verifier_key", "");
    lp.description = p.value("description", "");
    const std::string tiles = p.value("tiles", "");
    if (lp.name.empty() || lp.verifier_key.empty() || tiles.size() != 65 || tiles.back() != '/' ||
        tiles.find_first_not_of("0123456789abcdef") != 64)
      throw bad();
    lp.location = url + "/tiles/" + tiles.substr(0, 64);
    lp.registration = p.value("registration", "");
    out.probes.push_back(std::move(lp));
  }
  return out;
}

std::vector<ListedProbe> select_probes(const CollectorListing& listing, const std::vector<std::string>& names) {
  if (names.empty()) {
    if (listing.probes.empty()) throw UsageError("The collector lists no probe yet; register probes first.");
    return listing.probes;
  }
  std::vector<ListedProbe> out;
  for (const auto& p : listing.probes)
    if (std::find(names.begin(), names.end(), p.name) != names.end()) out.push_back(p);
  for (const auto& n : names)
    if (std::none_of(out.begin(), out.end(), [&](const ListedProbe& p) { return p.name == n; })) {
      std::string known;
      for (const auto& p : listing.probes) known += (known.empty() ? "" : ", ") + p.name;
      throw UsageError(fmt::format("--probe '{}' is not a probe of this collector; it lists {}.", printable(n),
                                   known.empty() ? std::string("none") : known));
    }
  return out;
}

std::string probe_registration_text(const std::string& name, const std::string& origin,
                                    const std::string& verifier_key, const std::string& description) {
  for (const std::string* v : {&name, &origin, &verifier_key, &description})
    if (std::any_of(v->begin(), v->end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
      throw std::invalid_argument("a probe's registration holds a control character");
  return fmt::format("dnswitness-collector-probe/1\nname {}\norigin {}\nkey {}\ndescription {}\n", name, origin,
                     verifier_key, description);
}

std::optional<ProbeRegistration> open_probe_registration(const std::string& note, const std::string& cosignature_key,
                                                         std::string& why) {
  std::optional<NoteVerifier> v;
  try {
    const CosignatureVerifier c = parse_cosignature_verifier_key(cosignature_key);
    v.emplace(make_note_verifier(c.name, c.key));
  } catch (const NoteError& e) {
    why = e.what();
    return std::nullopt;
  }
  const OpenedNote opened = verify_note(note, std::span(&*v, 1));
  if (!opened) {
    why = "its signature does not verify with the collector's key";
    return std::nullopt;
  }
  ProbeRegistration r;
  std::istringstream lines(opened.text);
  std::string line;
  std::getline(lines, line);
  if (line != "dnswitness-collector-probe/1") {
    why = "it is not a probe's registration";
    return std::nullopt;
  }
  for (const auto& [prefix, out] : {std::pair<std::string, std::string*>{"name ", &r.name},
                                    {"origin ", &r.origin}, {"key ", &r.verifier_key},
                                    {"description ", &r.description}}) {
    if (!std::getline(lines, line) || !line.starts_with(prefix)) {
      why = "it is not a probe's registration";
      return std::nullopt;
    }
    *out = line.substr(prefix.size());
  }
  return r;
}

std::string collector_cosignature_problem(const std::string& note, const std::string& cosignature_key) {
  const CosignatureVerifier v = [&] {
    try {
      return parse_cosignature_verifier_key(cosignature_key);
    } catch (const NoteError&) {
      throw UsageError(fmt::format("--collector-key '{}' is not a cosignature key; copy it as 'collector init' or "
                                   "'collector probes' printed it.",
                                   printable(cosignature_key)));
    }
  }();
  const CosignatureCheck c = verify_cosignatures(note, std::span(&v, 1));
  if (!c) return c.problem;
  if (c.verified.empty()) return fmt::format("it carries no cosignature by the collector {}", v.name);
  return "";
}

}  // namespace dnswitness
