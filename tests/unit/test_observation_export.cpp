// CSV rows of `dnswitness export` (reports/observation_export.h): the columns, RFC 4180 quoting of
// what a DNS server or a config may put in a field, JST beside UTC, IPv6 resolver addresses.
#include <doctest/doctest.h>

#include "reports/observation_export.h"

using namespace dnswitness;

TEST_CASE("export: one CSV row per observation, quoted where a field needs it") {
  nlohmann::json o = {{"kind", "observation"},
                      {"sent_at", "2026-12-05T21:36:22.261161329Z"},
                      {"qname", "x.com"},
                      {"qtype", "A"},
                      {"resolver", {{"name", "knot"}, {"address", "127.0.0.1"}, {"port", 5300}, {"protocol", "udp"}}},
                      {"transport", "udp"},
                      {"outcome", "answer"},
                      {"rcode", "NOERROR"},
                      {"addresses", {"104.244.42.1", "104.244.42.65"}},
                      {"rtt_us", 1580},
                      {"run_id", "9f0f"}};
  CHECK(observation_csv_row(o, 12) ==
        "12,2026-12-05T21:36:22.261161329Z,2026-12-06 06:36:22.261,x.com,A,knot,127.0.0.1:5300,udp,answer,NOERROR,"
        "104.244.42.1 104.244.42.65,1.580,9f0f\r\n");
  // A resolver name with a comma and a quote (names come from config files), an IPv6 address.
  o["resolver"] = {{"name", "lab, \"v6\""}, {"address", "::1"}, {"port", 53}};
  o["addresses"] = nlohmann::json::array();
  o["outcome"] = "timeout";
  o.erase("rtt_us");
  CHECK(observation_csv_row(o, 3) ==
        "3,2026-12-05T21:36:22.261161329Z,2026-12-06 06:36:22.261,x.com,A,\"lab, \"\"v6\"\"\",[::1]:53,udp,timeout,"
        "NOERROR,,,9f0f\r\n");
  // A line break inside a field stays inside its quotes.
  o["qname"] = "a\nb";
  CHECK(observation_csv_row(o, 3).find(",\"a\nb\",") != std::string::npos);
  // A DoH resolver is named by its URL.
  o["resolver"] = {{"name", "doh"}, {"address", "127.0.0.1"}, {"port", 8443}, {"url", "https://127.0.0.1:8443/dns-query"}};
  CHECK(observation_csv_row(o, 3).find(",doh,https://127.0.0.1:8443/dns-query,") != std::string::npos);
}
