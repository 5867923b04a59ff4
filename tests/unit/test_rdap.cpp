// RDAP without a network: the shipped IANA bootstrap files and their longest-prefix match, the
// summary of fixed answer bytes, and the look-up's cache, fallback and records through a fake fetcher.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>

#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "dnswitness/version.h"
#include "model/errors.h"
#include "reports/rdap_bootstrap.h"
#include "reports/rdap_lookup.h"
#include "reports/rdap_summary.h"
#include "support/lab.h"
#include "support/rdap_answers.h"

using namespace dnswitness;

namespace {

RdapBootstrap shipped() {
  RdapBootstrap b;
  b.add_file(std::filesystem::path(kSourcePresetsDir) / kRdapBootstrapIpv4File);
  b.add_file(std::filesystem::path(kSourcePresetsDir) / kRdapBootstrapIpv6File);
  return b;
}

std::string registry_of(const RdapBootstrap& b, const std::string& address) {
  const auto m = b.match(address);
  return m ? rdap_registry_name(m->urls.front()) : "none";
}

}  // namespace

TEST_CASE("the shipped bootstrap files are IANA's, byte for byte, with their publication dates") {
  const auto digest = [](const char* name) {
    return hex_encode(sha256(as_bytes(test::read_file(std::filesystem::path(kSourcePresetsDir) / name))));
  };
  // The SHA-256 of data.iana.org/rdap/ipv4.json and ipv6.json (presets/rdap/README).
  CHECK(digest(kRdapBootstrapIpv4File) == "f6ad30d1ebbd16fed6121e1eb54ae7db86edbf5e425345a040aa7893b0447d78");
  CHECK(digest(kRdapBootstrapIpv6File) == "3292eb71787b903f7a6798ff31f7f2239fb61ce346be142a3719ffa26deaf080");
  const RdapBootstrap b = shipped();
  REQUIRE(b.files().size() == 2);
  CHECK(b.files()[0].publication == "2019-06-07T19:00:02Z");
  CHECK(b.files()[1].publication == "2024-11-01T22:00:01Z");
  CHECK(b.size() == 221 + 34);
  ::setenv("DNSWITNESS_PRESETS_DIR", kSourcePresetsDir, 1);
  const RdapBootstrap loaded = load_shipped_rdap_bootstrap();
  ::unsetenv("DNSWITNESS_PRESETS_DIR");
  CHECK(loaded.size() == b.size());
}

TEST_CASE("longest-prefix match against the shipped files") {
  const RdapBootstrap b = shipped();
  const auto softbank = b.match("126.33.10.5");
  REQUIRE(softbank);
  CHECK(softbank->prefix == "126.0.0.0/8");
  CHECK(softbank->urls == std::vector<std::string>{"https://rdap.apnic.net/"});
  CHECK(softbank->publication == "2019-06-07T19:00:02Z");
  const auto x = b.match("104.244.42.1");
  REQUIRE(x);
  CHECK(x->prefix == "104.0.0.0/8");
  // https first, the list kept; the URLs end in '/' as RFC 9224 asks.
  CHECK(x->urls == std::vector<std::string>{"https://rdap.arin.net/registry/", "http://rdap.arin.net/registry/"});
  CHECK(registry_of(b, "2400:4050:1234::1") == "APNIC");
  CHECK(b.match("2400::1")->prefix == "2400::/12");
  CHECK(b.match("2410::1")->prefix == "2410::/12");  // the 2024 edition's addition
  CHECK(b.match("2001:240::1")->prefix == "2001:200::/23");
  CHECK(b.match("2001:240::1")->publication == "2024-11-01T22:00:01Z");
  CHECK(registry_of(b, "2606:4700::1111") == "ARIN");
  CHECK(registry_of(b, "2a00:1450::1") == "RIPE NCC");
  CHECK(registry_of(b, "193.0.6.139") == "RIPE NCC");
  CHECK(registry_of(b, "200.160.2.3") == "LACNIC");
  CHECK(registry_of(b, "41.0.0.1") == "AFRINIC");
  // Unallocated and special-purpose space is in no entry.
  CHECK_FALSE(b.match("10.1.2.3"));
  CHECK_FALSE(b.match("127.0.0.1"));
  // Documentation space lies inside APNIC's 2001:c00::/23 (IANA's note on it): the look-up leaves it
  // out before the bootstrap is asked (next test cases).
  CHECK(b.match("2001:db8::1")->prefix == "2001:c00::/23");
  CHECK_FALSE(b.match("not an address"));
  CHECK_FALSE(b.match(""));
}

TEST_CASE("the longest prefix wins over a shorter one, whatever the order in the file") {
  RdapBootstrap b;
  b.add_file(R"({"publication":"2026-01-01T00:00:00Z","version":"1.0","services":[
    [["93.0.0.0/8"], ["http://wide.example/rdap/", "https://wide.example/rdap/"]],
    [["93.184.0.0/15", "2001:db8:1::/48"], ["https://narrow.example/rdap"]],
    [["2001:db8::/32"], ["https://wide6.example/"]]]})",
             "test.json");
  CHECK(b.match("93.184.216.34")->urls == std::vector<std::string>{"https://narrow.example/rdap/"});
  CHECK(b.match("93.1.2.3")->urls ==
        std::vector<std::string>{"https://wide.example/rdap/", "http://wide.example/rdap/"});
  CHECK(b.match("2001:db8:1::5")->prefix == "2001:db8:1::/48");
  CHECK(b.match("2001:db8:2::5")->prefix == "2001:db8::/32");
  // An IPv4 address never matches an IPv6 entry and the other way round.
  CHECK_FALSE(b.match("::93.184.216.34"));
}

TEST_CASE("a broken bootstrap file is refused with its name") {
  const auto refused = [](const std::string& text) {
    try {
      RdapBootstrap b;
      b.add_file(text, "bad.json");
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(refused("not json").find("bad.json") != std::string::npos);
  CHECK(refused(R"({"services": 3})").find("\"services\" is not a list") != std::string::npos);
  CHECK(refused(R"({"services": [[["1.2.3.4/8"], ["https://a/"]]]})").find("bits after /8") != std::string::npos);
  CHECK(refused(R"({"services": [[["1.0.0.0/8"], ["ftp://a/"]]]})").find("not http or https") != std::string::npos);
  CHECK(refused(R"({"services": [[["1.0.0.0/8"], []]]})").find("no base URL") != std::string::npos);
  CHECK(refused(R"({"services": []})").find("no prefix") != std::string::npos);
}

TEST_CASE("summary of a JPNIC answer: registrant in Japanese, no origin AS") {
  const RdapSummary s = summarize_rdap_ip_network(test::kJpnicAnswer, "https://jpnic.rdap.apnic.net/ip/126.33.10.5");
  REQUIRE(s.ok);
  CHECK(s.registry == "JPNIC");
  CHECK(s.handle == "126.0.0.0 - 126.255.255.255");
  CHECK(s.name == "BBTEC");
  CHECK(s.type == "ALLOCATED PORTABLE");
  CHECK(s.country == "JP");
  CHECK(s.start_address == "126.0.0.0");
  CHECK(s.end_address == "126.255.255.255");
  CHECK(s.cidrs == std::vector<std::string>{"126.0.0.0/8"});
  CHECK(s.registrant == "ソフトバンク株式会社");
  REQUIRE(s.registrant_names.size() == 2);
  CHECK(s.registrant_names[0].language == "ja");
  CHECK(s.registrant_names[1].text == "SoftBank Corp.");
  CHECK(s.registrant_names[1].language == "en");
  CHECK(s.origin_as.empty());
  CHECK(s.last_changed == "2024-04-01T09:00:00+09:00");
}

TEST_CASE("summary of an ARIN answer: the registrant's contacts are not the registrant; origin AS kept") {
  const RdapSummary s = summarize_rdap_ip_network(test::kArinAnswer, "https://rdap.arin.net/registry/ip/104.244.42.1");
  REQUIRE(s.ok);
  CHECK(s.registry == "ARIN");
  CHECK(s.handle == "NET-104-244-40-0-1");
  CHECK(s.name == "TWITTER-NETWORK");
  CHECK(s.parent_handle == "NET-104-0-0-0-0");
  CHECK(s.cidrs == std::vector<std::string>{"104.244.40.0/21"});
  CHECK(s.country.empty());
  CHECK(s.registrant == "X Corp.");
  CHECK(s.registrant_names.size() == 1);
  CHECK(s.origin_as == std::vector<std::uint32_t>{13414});
  // A pure function of the bytes: the same again.
  CHECK(summarize_rdap_ip_network(test::kArinAnswer, "https://rdap.arin.net/registry/").registrant == "X Corp.");
}

TEST_CASE("summary: an org property is preferred to fn, structured values read") {
  const RdapSummary s = summarize_rdap_ip_network(
      R"({"objectClassName":"ip network","entities":[
          {"roles":["technical"],"vcardArray":["vcard",[["org",{},"text","Not me"]]]},
          {"roles":["registrant"],"vcardArray":["vcard",[["fn",{},"text","Person"],
                                                         ["org",{},"text",["Example KK","Unit"]]]]}]})",
      "https://rdap.db.ripe.net/ip/193.0.6.139");
  REQUIRE(s.ok);
  CHECK(s.registry == "RIPE NCC");
  CHECK(s.registrant == "Example KK");
  CHECK(s.registrant_names.size() == 2);
}

TEST_CASE("summary of bytes that are not an IP network: an error value, never a crash") {
  const auto error_of = [](const std::string& body) {
    const RdapSummary s = summarize_rdap_ip_network(body, "https://rdap.apnic.net/ip/1.1.1.1");
    CHECK_FALSE(s.ok);
    CHECK(s.registry == "APNIC");
    return s.error;
  };
  CHECK(error_of("<html>Not Found</html>").find("not JSON") != std::string::npos);
  CHECK(error_of("").find("not JSON") != std::string::npos);
  CHECK(error_of(std::string("{\"a\":\"\xff\"}")).find("not JSON") != std::string::npos);
  CHECK(error_of("[1,2]").find("not an object") != std::string::npos);
  CHECK(error_of(R"({"errorCode":404,"title":"Not Found"})") ==
        "The registry answered with RDAP error 404 (Not Found).");
  CHECK(error_of(R"({"objectClassName":"autnum"})").find("\"autnum\"") != std::string::npos);
  CHECK(error_of(R"({"handle":"x"})").find("no \"objectClassName\"") != std::string::npos);
  // Members of the wrong type are left empty.
  const RdapSummary odd = summarize_rdap_ip_network(
      R"({"objectClassName":"ip network","name":5,"cidr0_cidrs":[{"v4prefix":1,"length":"x"}],"entities":{"a":1},
          "arin_originas0_originautnums":["13414",-1,99999999999],"events":[1]})",
      "x");
  CHECK(odd.ok);
  CHECK(odd.name.empty());
  CHECK(odd.cidrs.empty());
  CHECK(odd.origin_as.empty());
  CHECK(odd.registry.empty());
  // Deep nesting is neither followed without end nor a crash.
  std::string deep = R"({"objectClassName":"ip network","entities":)";
  for (int i = 0; i < 2000; ++i) deep += R"([{"roles":["registrant"],"entities":)";
  deep += "[]";
  for (int i = 0; i < 2000; ++i) deep += "}]";
  deep += "}";
  const RdapSummary nested = summarize_rdap_ip_network(deep, "x");
  CHECK(nested.ok);
  CHECK(nested.registrant.empty());
}

TEST_CASE("registry names from URL hosts") {
  CHECK(rdap_registry_name("https://rdap.apnic.net/ip/1.1.1.1") == "APNIC");
  CHECK(rdap_registry_name("https://jpnic.rdap.apnic.net/ip/126.0.0.1") == "JPNIC");
  CHECK(rdap_registry_name("https://rdap.arin.net/registry/ip/8.8.8.8") == "ARIN");
  CHECK(rdap_registry_name("https://rdap.db.ripe.net/ip/193.0.6.139") == "RIPE NCC");
  CHECK(rdap_registry_name("https://rdap.lacnic.net/rdap/ip/200.1.1.1") == "LACNIC");
  CHECK(rdap_registry_name("https://rdap.afrinic.net/rdap/ip/41.1.1.1") == "AFRINIC");
  CHECK(rdap_registry_name("https://RDAP.ARIN.NET:443/registry/") == "ARIN");
  CHECK(rdap_registry_name("http://127.0.0.1:8080/rdap/ip/1.2.3.4") == "127.0.0.1");
  CHECK(rdap_registry_name("http://[::1]:8080/rdap/") == "[::1]");
  CHECK(rdap_registry_name("https://sharing.example/") == "sharing.example");
  CHECK(rdap_registry_name("no url").empty());
}

namespace {

// A fetcher that answers from a map and counts what it was asked.
struct FakeFetcher {
  std::map<std::string, RdapHttpResult> answers;
  std::vector<std::string> asked;
  RdapFetcher fn() {
    return [this](const std::vector<std::string>& urls, const RdapLookupOptions&) {
      std::vector<RdapHttpResult> out;
      for (const auto& u : urls) {
        asked.push_back(u);
        const auto it = answers.find(u);
        RdapHttpResult r;
        if (it != answers.end()) {
          r = it->second;
        } else {
          r.transport = RdapOutcome::network_error;
          r.error = "Connection refused";
        }
        r.fetched_at = utc_now();
        if (r.final_url.empty()) r.final_url = u;
        out.push_back(r);
      }
      return out;
    };
  }
};

RdapHttpResult http(long status, std::string body) {
  RdapHttpResult r;
  r.status = status;
  r.content_type = "application/rdap+json";
  r.body = std::move(body);
  return r;
}

}  // namespace

TEST_CASE("look-ups: repeats once, private addresses not asked, failures per address, https tried first") {
  const RdapBootstrap b = shipped();
  FakeFetcher f;
  f.answers["https://rdap.apnic.net/ip/126.33.10.5"] = http(200, test::kJpnicAnswer);
  f.answers["http://rdap.arin.net/registry/ip/104.244.42.1"] = http(200, test::kArinAnswer);  // https "refused"
  f.answers["https://rdap.apnic.net/ip/2400:4050::1"] = http(404, R"({"errorCode":404})");
  f.answers["https://rdap.db.ripe.net/ip/193.0.6.139"] = http(200, "<html>maintenance</html>");
  RdapLookupOptions o;  // no cache
  const auto records = lookup_rdap({"126.33.10.5", " 126.33.10.5", "192.168.1.2", "104.244.42.1", "2400:4050:0::1",
                                    "193.0.6.139", "x", "::ffff:126.33.10.5", "0.1.2.3"},
                                   b, o, f.fn());
  REQUIRE(records.size() == 8);
  CHECK(records[0].outcome == RdapOutcome::answer);
  CHECK(records[0].body == test::kJpnicAnswer);
  CHECK(records[0].bootstrap_prefix == "126.0.0.0/8");
  CHECK_FALSE(records[0].from_cache);
  CHECK(records[1].address == "192.168.1.2");
  CHECK(records[1].outcome == RdapOutcome::not_looked_up);
  CHECK(records[1].reason.find("RFC 1918") != std::string::npos);
  CHECK(records[1].url.empty());
  CHECK(records[2].outcome == RdapOutcome::answer);
  CHECK(records[2].url == "http://rdap.arin.net/registry/ip/104.244.42.1");
  CHECK(records[3].address == "2400:4050::1");
  CHECK(records[3].outcome == RdapOutcome::http_error);
  CHECK(records[3].http_status == 404);
  CHECK(records[3].reason.find("no record of 2400:4050::1") != std::string::npos);
  CHECK(records[4].outcome == RdapOutcome::not_json);
  CHECK(records[5].outcome == RdapOutcome::not_looked_up);
  CHECK(records[5].reason == "'x' is not an IPv4 or IPv6 address.");
  CHECK(records[6].address == "::ffff:126.33.10.5");
  CHECK(records[6].query_address == "126.33.10.5");
  CHECK(records[6].outcome == RdapOutcome::answer);
  CHECK(records[7].reason.find("not looked up") != std::string::npos);
  // Each URL asked once, the IPv4-mapped form's included.
  CHECK(std::count(f.asked.begin(), f.asked.end(), "https://rdap.apnic.net/ip/126.33.10.5") == 1);
  CHECK(std::count(f.asked.begin(), f.asked.end(), "https://rdap.arin.net/registry/ip/104.244.42.1") == 1);
  CHECK(std::count(f.asked.begin(), f.asked.end(), "http://rdap.arin.net/registry/ip/104.244.42.1") == 1);
}

TEST_CASE("look-ups: an address no bootstrap entry holds is not asked, and says why") {
  RdapBootstrap b;
  b.add_file(R"({"publication":"2026-01-01T00:00:00Z","services":[[["126.0.0.0/8"],["https://a.example/"]]]})", "t");
  FakeFetcher f;
  const auto records = lookup_rdap({"8.8.8.8", "2001:db8::1"}, b, {}, f.fn());
  REQUIRE(records.size() == 2);
  CHECK(records[1].outcome == RdapOutcome::not_looked_up);
  CHECK(records[1].reason.find("RFC 3849") != std::string::npos);
  CHECK(records[0].outcome == RdapOutcome::not_looked_up);
  CHECK(records[0].reason.find("published 2026-01-01T00:00:00Z") != std::string::npos);
  CHECK(f.asked.empty());
}

TEST_CASE("the cache: reused while young with its original time, refetched when old, failures never kept") {
  test::TempDir dir;
  const RdapBootstrap b = shipped();
  FakeFetcher f;
  f.answers["https://rdap.apnic.net/ip/126.33.10.5"] = http(200, test::kJpnicAnswer);
  RdapLookupOptions o;
  o.cache_dir = dir.path() / "rdap";
  const auto first = lookup_rdap({"126.33.10.5", "1.1.1.1"}, b, o, f.fn());
  REQUIRE(first.size() == 2);
  CHECK(first[1].outcome == RdapOutcome::network_error);
  CHECK(f.asked.size() == 2);
  const auto second = lookup_rdap({"126.33.10.5", "1.1.1.1"}, b, o, f.fn());
  CHECK(f.asked.size() == 3);  // only the failed one again
  CHECK(second[0].from_cache);
  CHECK(second[0].fetched_at == first[0].fetched_at);
  CHECK(second[0].body == first[0].body);
  CHECK(second[0].final_url == first[0].final_url);
  CHECK(second[0].outcome == RdapOutcome::answer);
  o.max_age = std::chrono::seconds(0);
  const auto third = lookup_rdap({"126.33.10.5"}, b, o, f.fn());
  CHECK(f.asked.size() == 4);
  CHECK_FALSE(third[0].from_cache);
  // A damaged cache file is ignored and replaced.
  o.max_age = std::chrono::hours(1);
  for (const auto& e : std::filesystem::directory_iterator(*o.cache_dir)) test::write_file(e.path(), "{broken");
  CHECK_FALSE(lookup_rdap({"126.33.10.5"}, b, o, f.fn())[0].from_cache);
  CHECK(lookup_rdap({"126.33.10.5"}, b, o, f.fn())[0].from_cache);
  CHECK(f.asked.size() == 5);
}

TEST_CASE("the default cache folder follows XDG") {
  const char* old_xdg = std::getenv("XDG_CACHE_HOME");
  const std::string saved = old_xdg ? old_xdg : "";
  ::setenv("XDG_CACHE_HOME", "/tmp/rdap-xdg", 1);
  CHECK(default_rdap_cache_dir() == std::filesystem::path("/tmp/rdap-xdg/dnswitness/rdap"));
  ::setenv("XDG_CACHE_HOME", "relative", 1);
  ::setenv("HOME", "/tmp/rdap-home", 1);
  CHECK(default_rdap_cache_dir() == std::filesystem::path("/tmp/rdap-home/.cache/dnswitness/rdap"));
  if (old_xdg) {
    ::setenv("XDG_CACHE_HOME", saved.c_str(), 1);
  } else {
    ::unsetenv("XDG_CACHE_HOME");
  }
}

TEST_CASE("the bundle record round-trips, and a body that does not match its digest is refused") {
  const RdapBootstrap b = shipped();
  FakeFetcher f;
  f.answers["https://rdap.apnic.net/ip/126.33.10.5"] = http(200, test::kJpnicAnswer);
  const auto records = lookup_rdap({"126.33.10.5", "10.0.0.1"}, b, {}, f.fn());
  for (const auto& r : records) {
    const nlohmann::json j = rdap_record_json(r);
    const auto back = rdap_record_from_json(nlohmann::json::parse(j.dump()));
    REQUIRE(back);
    CHECK(rdap_record_json(*back) == j);
    CHECK(back->body == r.body);
    CHECK(back->fetched_at == r.fetched_at);
  }
  nlohmann::json j = rdap_record_json(records[0]);
  CHECK(j["outcome"] == "answer");
  CHECK(j["bootstrap"]["publication"] == "2019-06-07T19:00:02Z");
  CHECK(j["http_status"] == 200);
  CHECK(j["fetched_at"].get<std::string>().size() == 30);
  CHECK_FALSE(rdap_record_json(records[1]).contains("url"));
  j["body_base64"] = base64_encode(as_bytes(std::string("{}")));
  CHECK_FALSE(rdap_record_from_json(j));
  CHECK_FALSE(rdap_record_from_json(nlohmann::json::array()));
}
