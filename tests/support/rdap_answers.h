#pragma once
// Test support: RDAP answers (RFC 9083 IP network objects) written by hand in the shape the
// registries send them, for the summary's unit tests and the look-up tests against a local nginx.
// The JPNIC one follows JPNIC's service (Japanese and English names of the registrant as two "fn"
// with a language parameter, cidr0 prefixes); the ARIN one follows rdap.arin.net (the registrant an
// "org" entity with its contacts nested in it, the origin AS in arin_originas0_originautnums).
// Header-only; constants only.
#include <string>

namespace dnswitness::test {

inline const std::string kJpnicAnswer = R"({
  "rdapConformance": ["rdap_level_0", "cidr0", "nro_rdap_profile_0"],
  "objectClassName": "ip network",
  "handle": "126.0.0.0 - 126.255.255.255",
  "startAddress": "126.0.0.0",
  "endAddress": "126.255.255.255",
  "ipVersion": "v4",
  "name": "BBTEC",
  "type": "ALLOCATED PORTABLE",
  "country": "JP",
  "parentHandle": "126.0.0.0 - 126.255.255.255",
  "cidr0_cidrs": [{"v4prefix": "126.0.0.0", "length": 8}],
  "status": ["active"],
  "entities": [
    {
      "objectClassName": "entity",
      "handle": "JP00000000",
      "roles": ["registrant"],
      "vcardArray": ["vcard", [
        ["version", {}, "text", "4.0"],
        ["fn", {"language": "ja"}, "text", "ソフトバンク株式会社"],
        ["fn", {"language": "en"}, "text", "SoftBank Corp."],
        ["kind", {}, "text", "org"],
        ["adr", {"label": "東京都港区海岸一丁目7番1号"}, "text", ["", "", "", "", "", "", ""]]
      ]]
    },
    {
      "objectClassName": "entity",
      "handle": "JP00000001",
      "roles": ["technical", "administrative"],
      "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", "Network Operations"]]]
    }
  ],
  "events": [
    {"eventAction": "registration", "eventDate": "2005-02-01T00:00:00Z"},
    {"eventAction": "last changed", "eventDate": "2024-04-01T09:00:00+09:00"}
  ],
  "links": [{"value": "https://jpnic.rdap.apnic.net/ip/126.33.10.5", "rel": "self",
             "href": "https://jpnic.rdap.apnic.net/ip/126.0.0.0/8", "type": "application/rdap+json"}],
  "port43": "whois.nic.ad.jp"
})";

inline const std::string kArinAnswer = R"({
  "rdapConformance": ["nro_rdap_profile_0", "rdap_level_0", "cidr0", "arin_originas0"],
  "notices": [{"title": "Terms of Service",
               "description": ["By using the ARIN RDAP/Whois service, you are agreeing to the RDAP/Whois Terms of ",
                               "Use"]}],
  "handle": "NET-104-244-40-0-1",
  "startAddress": "104.244.40.0",
  "endAddress": "104.244.47.255",
  "ipVersion": "v4",
  "name": "TWITTER-NETWORK",
  "type": "DIRECT ALLOCATION",
  "parentHandle": "NET-104-0-0-0-0",
  "arin_originas0_originautnums": [13414],
  "cidr0_cidrs": [{"v4prefix": "104.244.40.0", "length": 21}],
  "events": [
    {"eventAction": "last changed", "eventDate": "2024-11-15T10:21:32-05:00"},
    {"eventAction": "registration", "eventDate": "2014-04-28T11:28:54-04:00"}
  ],
  "entities": [
    {
      "handle": "X-1",
      "vcardArray": ["vcard", [
        ["version", {}, "text", "4.0"],
        ["fn", {}, "text", "X Corp."],
        ["adr", {"label": "1355 Market Street\nSan Francisco\nCA\n94103\nUnited States"}, "text",
         ["", "", "", "", "", "", ""]],
        ["kind", {}, "text", "org"]
      ]],
      "roles": ["registrant"],
      "entities": [
        {
          "handle": "NETWO5315-ARIN",
          "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", "Network Operations"],
                                   ["kind", {}, "text", "group"]]],
          "roles": ["technical", "noc"],
          "objectClassName": "entity"
        }
      ],
      "objectClassName": "entity",
      "port43": "whois.arin.net"
    }
  ],
  "port43": "whois.arin.net",
  "status": ["active"],
  "objectClassName": "ip network"
})";

}  // namespace dnswitness::test
