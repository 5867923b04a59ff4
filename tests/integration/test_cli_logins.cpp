// `dnswitness logins FILE` as a lawyer runs it: the table, the summary, --json, --tz, and exit 2
// with "FILE line N: ..." and an empty stdout on a bad line. Needs no DNS.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "support/lab.h"

using dnswitness::test::run_dnswitness;
using dnswitness::test::TempDir;

namespace {

const std::string kData = std::string(DNSWITNESS_TESTDATA_DIR) + "/logins/";

// Runs from the data folder so that messages name the file as the user typed it.
dnswitness::test::CommandResult logins(const std::string& args) {
  return dnswitness::test::run_command("cd '" + kData + "' && " + DNSWITNESS_BINARY + " logins " + args);
}

}  // namespace

TEST_CASE("the X paste: one row per record with UTC and JST, classes, and a summary") {
  const auto r = logins("x_paste_word.txt");
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("x_paste_word.txt: 214 login record(s); read as x-paste") == 0);
  CHECK(r.out.find("without a zone") == std::string::npos);  // every createdAt ends with Z
  // The first record (line 16) and one with a port (line 34), column by column.
  CHECK(r.out.find("    16  2023/11/01 03:25:06(UTC)  2023/11/01 12:25:06(JST)  27.230.88.1 ") != std::string::npos);
  CHECK(r.out.find("    34  2023/11/01 08:45:37(UTC)  2023/11/01 17:45:37(JST)  223.216.231.10 ") != std::string::npos);
  CHECK(r.out.find("49126  235505178   public IPv4") != std::string::npos);
  CHECK(r.out.find("By account:\n  1459870023      61\n  235505178       92\n  987654321       61\n") !=
        std::string::npos);
  CHECK(r.out.find("  shared CGNAT (RFC 6598)          1\n") != std::string::npos);
  CHECK(r.out.find("Duplicates dropped: 2\n") != std::string::npos);
  CHECK(r.out.find("15 record(s) have a source IP that a carrier cannot look up:") != std::string::npos);
  CHECK(r.out.find("  line 412 (2023/11/06 23:55:39(UTC)): 100.72.1.9: Shared address in 100.64.0.0/10 (RFC 6598)") !=
        std::string::npos);
  CHECK(r.out.find("14 record(s) have a public IPv6 source") != std::string::npos);
  // Notes about the reading go to stderr, apart from the table.
  CHECK(r.err.find("dnswitness: note: line 9: a createdAt (2012-03-04T05:06:07.000Z) without a loginIp") !=
        std::string::npos);
  CHECK(r.out.find("without a loginIp") == std::string::npos);
}

TEST_CASE("--json carries every record, the summary and the warnings") {
  const auto r = logins("x_paste_word.txt --json");
  REQUIRE(r.exit_code == 0);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j["format"] == "x-paste");
  CHECK(j["time_zone"] == "UTC");
  CHECK(j["duplicates"] == 2);
  REQUIRE(j["records"].size() == 214);
  const auto& first = j["records"][0];
  CHECK(first["line"] == 16);
  CHECK(first["time"] == "2023-11-01T03:25:06.889000000Z");
  CHECK(first["time_utc"] == "2023/11/01 03:25:06(UTC)");
  CHECK(first["time_jst"] == "2023/11/01 12:25:06(JST)");
  CHECK(first["source_ip"] == "27.230.88.1");
  CHECK(first["source_ip_class"] == "public_ipv4");
  CHECK(first["usable_for_carrier_request"] == true);
  CHECK(first["account"] == "235505178");
  CHECK(first["origin"] == "x-paste");
  CHECK(j["summary"]["records"] == 214);
  CHECK(j["summary"]["by_account"]["235505178"] == 92);
  CHECK(j["summary"]["by_source_ip_class"]["public_ipv4"] == 185);
  CHECK(j["summary"]["by_source_ip_class"]["public_ipv6"] == 14);
  CHECK(j["summary"]["by_source_ip_class"]["private_use"] == 3);
  CHECK(j["summary"]["not_usable_for_carrier_request"] == 15);
  CHECK(j["warnings"].size() == 3);
}

TEST_CASE("--tz changes how wall times are read; a zone in the text still wins") {
  const auto utc = logins("csv_dash_local.csv --json");
  REQUIRE(utc.exit_code == 0);
  CHECK(nlohmann::json::parse(utc.out)["records"][0]["time"] == "2023-11-21T02:10:15.000000000Z");
  const auto jst = logins("csv_dash_local.csv --tz Asia/Tokyo --json");
  REQUIRE(jst.exit_code == 0);
  const auto j = nlohmann::json::parse(jst.out);
  CHECK(j["time_zone"] == "JST");
  CHECK(j["records"][0]["time"] == "2023-11-20T17:10:15.000000000Z");
  CHECK(j["records"][0]["time_jst"] == "2023/11/21 02:10:15(JST)");
  const auto off = logins("csv_dash_local.csv --tz +09:00 --json");
  CHECK(nlohmann::json::parse(off.out)["records"][0]["time"] == "2023-11-20T17:10:15.000000000Z");

  const auto lawyer = logins("csv_lawyer_form.tsv --tz JST");
  REQUIRE(lawyer.exit_code == 0);
  CHECK(lawyer.out.find("     2  2023/11/21 02:10:15(UTC)  2023/11/21 11:10:15(JST)  223.216.231.10  @example_user  "
                        "public IPv4\n") != std::string::npos);
  CHECK(lawyer.out.find("     4  2023/11/21 02:10:16(UTC)") != std::string::npos);
  // Only the kanji line (line 4) has no zone of its own: the note says so, and counts it.
  CHECK(lawyer.out.find("1 of 3 time(s) were written without a zone and were read as JST.") != std::string::npos);
}

TEST_CASE("bad input: exit 2, the file line and the reason on stderr, nothing on stdout") {
  struct Case {
    const char* args;
    const char* message;
  };
  const Case cases[] = {
      {"bad_csv_no_seconds.csv",
       "dnswitness: bad_csv_no_seconds.csv line 7: '2023/11/21 02:10' has no seconds; carriers match a login to the "
       "second, so write the seconds as X disclosed them.\n"},
      {"bad_csv_ip.csv",
       "dnswitness: bad_csv_ip.csv line 3: the source IP '223.216.231.300' is not an IPv4 or IPv6 address; correct it "
       "(without a port or brackets) and run again.\n"},
      {"bad_csv_date.csv",
       "dnswitness: bad_csv_date.csv line 3: '2023-02-30 02:10:16' has a date that does not exist; check the day and "
       "the month.\n"},
      {"bad_lines.txt",
       "dnswitness: bad_lines.txt line 4: '21/11/2023 02:10:17' is not a time this tool reads (write it like "
       "2023-11-21T02:10:15Z or 2023/11/21 11:10:15(JST)).\n"},
      {"bad_paste.txt",
       "dnswitness: bad_paste.txt line 8: '2023-11-21T02:10:1' is not a time this tool reads (write it like "
       "2023-11-21T02:10:15Z or 2023/11/21 11:10:15(JST)).\n"},
      {"bad_shift_jis.csv",
       "dnswitness: bad_shift_jis.csv line 1: the text is not UTF-8 (Excel's plain 'CSV' is Shift_JIS); save the "
       "file as 'CSV UTF-8' or UTF-8 text and run again.\n"},
      {"bad_empty.txt", "dnswitness: bad_empty.txt contains no login times; check that it is the right file.\n"},
      {"no_such_file.txt",
       "dnswitness: Cannot read the login records file no_such_file.txt: it does not exist; check the path.\n"},
      {"csv_japanese_jst_header.csv --tz UTC",
       "dnswitness: csv_japanese_jst_header.csv line 1: the time column 'ログイン日時(JST)' says JST but --tz says "
       "UTC; drop --tz or correct the header.\n"},
      {"lines_mixed.txt --tz America/New_York",
       "dnswitness: --tz 'America/New_York' is not a zone this tool reads; use UTC, Asia/Tokyo (or JST), or a fixed "
       "offset such as +09:00.\n"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.args);
    for (const char* json : {"", " --json"}) {
      const auto r = logins(std::string(c.args) + json);
      CHECK(r.exit_code == 2);
      CHECK(r.out.empty());
      CHECK(r.err == c.message);
    }
  }
  const auto usage = run_dnswitness("logins");
  CHECK(usage.exit_code == 2);
  CHECK(usage.out.empty());
}

TEST_CASE("a file written on the spot: CRLF, Word quotes, one record per account") {
  TempDir dir;
  const std::string path = dir / "paste.txt";
  {
    std::ofstream out(path, std::ios::binary);
    out << "“ipAudit” : { “accountId” : “1”, “createdAt” : “2023-11-21T02:10:15.000Z”, “loginIp” : “::ffff:10.0.0.1” }\r\n"
           "“ipAudit” : { “accountId” : “2”, “createdAt” : “2023-11-21T02:10:16.000Z”, “loginIp” : “2400:4050::1” }\r\n";
  }
  const auto r = run_dnswitness("logins " + path + " --json");
  REQUIRE(r.exit_code == 0);
  const auto j = nlohmann::json::parse(r.out);
  REQUIRE(j["records"].size() == 2);
  CHECK(j["records"][0]["source_ip"] == "::ffff:10.0.0.1");
  CHECK(j["records"][0]["source_ip_class"] == "ipv4_mapped");
  CHECK(j["records"][0]["usable_for_carrier_request"] == false);
  CHECK(j["records"][1]["source_ip_class"] == "public_ipv6");
  CHECK(j["summary"]["by_account"]["1"] == 1);
  CHECK(j["summary"]["by_account"]["2"] == 1);
}
