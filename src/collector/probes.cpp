#include "collector/probes.h"

#include <algorithm>

#include <fmt/format.h>

#include "ledger/signed_note.h"

namespace dnswitness {

std::string probe_name_problem(const std::string& name) {
  if (name.empty() || name.size() > 63) return "a probe name has 1 to 63 characters";
  const auto ok = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; };
  for (const char c : name)
    if (!ok(c)) return "a probe name uses lower-case letters, digits and '-' only";
  if (name.front() == '-') return "a probe name starts with a letter or a digit";
  return "";
}

ProbeRecord add_probe(PgSession& db, const std::string& name, const std::string& verifier_key,
                      const std::string& description) {
  if (const std::string p = probe_name_problem(name); !p.empty())
    throw UsageError(fmt::format("'{}' is not a probe name: {}.", name, p));
  const NoteVerifier v = [&] {
    try {
      return parse_verifier_key(verifier_key);
    } catch (const std::exception& e) {
      throw UsageError(fmt::format("--key is not a verifier key ({}); give the probe's key as 'dnswitness keygen "
                                   "--show' prints it on the probe.",
                                   e.what()));
    }
  }();
  if (description.empty())
    throw UsageError("--description is empty; say where the probe asks from, e.g. \"docomo LTE, Tokyo\".");
  if (description.size() > 200 ||
      std::any_of(description.begin(), description.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
    throw UsageError("--description must be one line of at most 200 bytes, e.g. \"docomo LTE, Tokyo\".");
  // Who already holds the name, the origin or the key, named in the refusal.
  const PgRows held = db.exec("SELECT name, origin FROM probes WHERE name = $1 OR origin = $2 OR verifier_key = $3",
                              {name, v.name, verifier_key});
  if (!held.empty())
    throw UsageError(fmt::format("The probe {} (origin {}) is already registered with this {}; a probe's name, "
                                 "origin and key are each registered once.",
                                 held[0][0].value_or("?"), held[0][1].value_or("?"),
                                 held[0][0] == name ? "name" : held[0][1] == v.name ? "origin" : "key"));
  PgRows row;
  try {
    row = db.exec(
        "INSERT INTO probes (name, origin, verifier_key, description) VALUES ($1, $2, $3, $4) "
        "RETURNING to_char(added_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
        {name, v.name, verifier_key, description});
  } catch (const PgError& e) {
    if (e.kind != PgError::Kind::unique_violation) throw;
    throw UsageError(fmt::format("The probe {} was registered by someone else at the same moment; list the "
                                 "probes and try again if it is not the one you meant.",
                                 name));
  }
  return {name, v.name, verifier_key, description, row.at(0).at(0).value_or("")};
}

std::vector<ProbeRecord> list_probes(PgSession& db) {
  std::vector<ProbeRecord> out;
  for (const auto& r : db.exec("SELECT name, origin, verifier_key, description, "
                               "to_char(added_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM probes ORDER BY name"))
    out.push_back({r[0].value_or(""), r[1].value_or(""), r[2].value_or(""), r[3].value_or(""), r[4].value_or("")});
  return out;
}

}  // namespace dnswitness
