#pragma once
// The report's RDAP member (report --rdap; docs/rdap.md, "In the report"): which addresses a report
// asks the registries about, the member as stored in report.json, what `verify` checks of it, and
// the words the PDF prints for one address's holder.
//
// The addresses: every login's source IP and every address of its list for the carrier
// (tables.logins[].carrier_list.addresses), each once, in that order. The member:
//   {"bootstrap": [{source, publication}], "records": [rdap_record_json...]}.
// verify cannot ask the registries again, so it checks that the records are well formed (each body
// matches its SHA-256), that exactly the addresses above were looked up, and the PDF derives what it
// says from the stored bodies (reports/rdap_summary.h), never from anything else.
// Pure functions: thread-safe.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "reports/pdf/wording.h"
#include "reports/rdap_bootstrap.h"
#include "reports/rdap_lookup.h"

namespace dnswitness {

// The addresses to look up for `tables` (report.json's tables), each once, in order.
std::vector<std::string> rdap_addresses_of(const nlohmann::json& tables);

// The member for the bundle.
nlohmann::json rdap_member(const std::vector<RdapRecord>& records, const RdapBootstrap& bootstrap);

// "" when `member` is well formed and looks up exactly rdap_addresses_of(tables); else what is
// wrong, as a phrase for verify's sentence.
std::string rdap_member_problem(const nlohmann::json& member, const nlohmann::json& tables);

// The records of a stored member by address (malformed ones left out).
std::vector<RdapRecord> rdap_records_of(const nlohmann::json& member);

// What the PDF says of one address's holder, from its record alone:
// 「ソフトバンク株式会社（JPNIC RDAP、令和8年12月5日取得）」, 「X Corp.（AS13414、ARIN RDAP、…取得）」,
// or why there is no answer (「照会の対象外：…」, 「登録情報なし（HTTP 404）」).
std::string rdap_holder_words(const RdapRecord& record, pdf::Lang lang);

}  // namespace dnswitness
