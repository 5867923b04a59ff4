#pragma once
// Table cells of chapter 4 (how the observations were made) in plain words: a run's host, vantage
// point and clock (from reports/run_facts.h), and a resolver's TLS, authoritative and client-subnet
// facts (from reports/resolver_facts.h). Facts the records do not hold are said to be "not
// recorded", never guessed. Pure functions: thread-safe.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reports/pdf/wording.h"

namespace dnswitness::pdf {

// "+0.4 ミリ秒" / "+3.001 秒" ("+0.4 ms" / "+3.001 s"): a clock offset, sign kept.
std::string offset_words(std::int64_t ns, Lang lang);
// This machine's clock against NTP from offset_ns (server minus ours): 「基準時刻（NTP）より約90.0秒進んでいた」.
std::string clock_offset_words(std::int64_t offset_ns, Lang lang);
// A certificate_check of a DoH or DoT observation ("verified (chain and host name)", "failed: ...")
// in the report's language (the library's own error text is kept as it is).
std::string certificate_check_words(const std::string& check, Lang lang);
// A clock warning or note of a run leaf (English, as recorded) in the report's language.
std::string clock_sentence(const std::string& english, Lang lang);

// Host name, OS, tool, config hash and how DoH certificates were checked.
std::string host_cell(const nlohmann::json& facts, Lang lang);
// Interface addresses (loopback left out and said so) and the egress address whoami services saw.
std::string vantage_cell(const nlohmann::json& facts, Lang lang);
// What does not change from run to run: the NTP servers, or why the clock was not checked.
std::string clock_setting(const nlohmann::json& facts, Lang lang);
// The clock cell of consecutive runs sharing a host, vantage point and clock setting: the offsets'
// range, the best answer's delay and stratum, the warnings.
std::string clock_cell(const std::vector<const nlohmann::json*>& facts, Lang lang);

// The TLS facts of one resolver's summary: "https" for DoH, "tls" for DoT (null when neither).
const nlohmann::json& tls_facts(const nlohmann::json& resolver);
// What one resolver's summary adds to the resolvers table: TLS and HTTP, AA, client subnet.
std::string resolver_facts_cell(const nlohmann::json& resolver, Lang lang);
// The certificate chains a DoH or DoT resolver presented: subject and SHA-256 (in two halves, so the
// fingerprint never wraps in the middle of a line), with how many observations saw each.
std::string certificate_cell(const nlohmann::json& resolver, Lang lang);
// The scope prefixes a client-subnet view returned and what they mean for the answer.
std::string scope_cell(const nlohmann::json& resolver, Lang lang);

}  // namespace dnswitness::pdf
