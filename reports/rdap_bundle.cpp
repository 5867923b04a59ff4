#include "reports/rdap_bundle.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "reports/rdap_summary.h"
#include "timeutil/timestamp.h"

namespace dnswitness {

using nlohmann::json;

std::vector<std::string> rdap_addresses_of(const json& tables) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  const auto add = [&](const json& v) {
    if (v.is_string() && seen.insert(v.get<std::string>()).second) out.push_back(v.get<std::string>());
  };
  if (!tables.is_object() || !tables.contains("logins") || !tables["logins"].is_array()) return out;
  for (const auto& l : tables["logins"]) {
    if (!l.is_object()) continue;
    add(l.value("source_ip", json()));
    const json& cl = l.value("carrier_list", json::object());
    if (cl.is_object() && cl.contains("addresses") && cl["addresses"].is_array())
      for (const auto& a : cl["addresses"])
        if (a.is_object()) add(a.value("address", json()));
  }
  return out;
}

json rdap_member(const std::vector<RdapRecord>& records, const RdapBootstrap& bootstrap) {
  json files = json::array();
  for (const auto& f : bootstrap.files()) files.push_back({{"source", f.source}, {"publication", f.publication}});
  json list = json::array();
  for (const auto& r : records) list.push_back(rdap_record_json(r));
  return {{"bootstrap", std::move(files)}, {"records", std::move(list)}};
}

std::vector<RdapRecord> rdap_records_of(const json& member) {
  std::vector<RdapRecord> out;
  if (!member.is_object() || !member.contains("records") || !member["records"].is_array()) return out;
  for (const auto& j : member["records"])
    if (auto r = rdap_record_from_json(j)) out.push_back(std::move(*r));
  return out;
}

std::string rdap_member_problem(const json& member, const json& tables) {
  if (!member.is_object() || !member.contains("records") || !member["records"].is_array() ||
      !member.contains("bootstrap") || !member["bootstrap"].is_array())
    return "rdap is not an object with a bootstrap list and a records list";
  std::vector<std::string> looked_up;
  for (std::size_t i = 0; i < member["records"].size(); ++i) {
    const auto r = rdap_record_from_json(member["records"][i]);
    if (!r) return fmt::format("rdap.records[{}] is malformed, or its body does not match its SHA-256", i);
    looked_up.push_back(r->address);
  }
  const std::vector<std::string> expected = rdap_addresses_of(tables);
  if (looked_up != expected)
    return fmt::format("rdap.records looks up {} address(es), not the {} source IPs and listed destinations of the "
                       "login tables",
                       looked_up.size(), expected.size());
  return "";
}

std::string rdap_holder_words(const RdapRecord& r, pdf::Lang L) {
  using pdf::rt;
  switch (r.outcome) {
    case RdapOutcome::not_looked_up:
      return L("照会の対象外（登録機関が割り当てるアドレスではないため）", "not looked up (no registry assigns it)");
    case RdapOutcome::http_error:
      return rt(L("登録情報なし（HTTP {}）", "no registration (HTTP {})"), r.http_status);
    case RdapOutcome::not_json:
    case RdapOutcome::too_large:
      return L("照会に失敗（登録機関の回答を読めませんでした）", "look-up failed (the answer could not be read)");
    case RdapOutcome::timeout:
    case RdapOutcome::network_error:
      return L("照会に失敗（登録機関から回答がありませんでした）", "look-up failed (the registry did not answer)");
    case RdapOutcome::answer:
      break;
  }
  const RdapSummary s = summarize_rdap_ip_network(r.body, r.final_url.empty() ? r.url : r.final_url);
  if (!s.ok) return L("照会に失敗（登録機関の回答を読めませんでした）", "look-up failed (the answer could not be read)");
  // The registrant's name in the report's language when the registry gives one, else the first.
  std::string holder = s.registrant;
  for (const auto& n : s.registrant_names)
    if (n.language == (L.en ? "en" : "ja")) {
      holder = n.text;
      break;
    }
  if (holder.empty()) holder = s.name.empty() ? std::string(L("保有者の記載なし", "no holder given")) : s.name;
  std::string as;
  for (const auto n : s.origin_as) as += fmt::format("AS{}{}", n, L("、", ", "));
  const std::string when = pdf::date_of(format_rfc3339_ns(r.fetched_at), L);
  return rt(L("{}（{}{} RDAP、{}取得{}）", "{} ({}{} RDAP, fetched {}{})"), holder, as, s.registry, when,
            r.from_cache ? L("、保存済みの回答", ", from the cache") : "");
}

}  // namespace dnswitness
