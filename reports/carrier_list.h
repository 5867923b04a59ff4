#pragma once
// The list of destination addresses a carrier can use for one login (the petition's attachment):
// the candidates of the login's own address family, from the hosts an X login talks to, with
// special-purpose addresses flagged; withheld (with the reason) when the source IP cannot be used
// in a request to a carrier, and marked when no observation precedes the login.
//
// Role: one pure function over what derive_tables (reports/candidates.h) has already built for the
// login, so `report` and `verify` derive the same list from the same leaves. The rules are written
// out in docs/report.md ("The list for the carrier") for outside verifiers.
// Ownership: plain values. Thread-safety: thread-safe.
#include <array>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

#include "reports/logins.h"

namespace dnswitness {

// The hosts a login to X talks to (the app's and the website's API and page hosts). Link
// shortening (t.co), analytics and media hosts (s.*, td.*, pbs.*, ...) are not among them: their
// addresses go to the list's `other_hosts`, for reference.
inline constexpr std::array<std::string_view, 8> kLoginHosts = {
    "twitter.com", "www.twitter.com", "api.twitter.com", "mobile.twitter.com",
    "x.com",       "www.x.com",       "api.x.com",       "mobile.x.com",
};

// True when `qname` (with or without the final dot, any letter case) is one of kLoginHosts.
bool is_login_host(std::string_view qname);

// The login's `carrier_list` member: {status, family, [reason], addresses, other_hosts}.
//   login      the login record (its source IP decides the family and whether a list is made);
//   domains    the login table's `domains` (each {qname, qtype, before, ...});
//   candidates the login table's `union.addresses` ({address, family, domains, basis});
//   selected   the report's domains, in the user's order.
nlohmann::json carrier_list(const LoginRecord& login, const nlohmann::json& domains, const nlohmann::json& candidates,
                            std::span<const std::string> selected);

}  // namespace dnswitness
