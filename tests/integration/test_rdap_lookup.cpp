// RDAP look-ups against a real local server: nginx serving hand-written RDAP answers as static
// files under /rdap/ip/<address>, found through a test bootstrap file whose base URL is that
// server. Only loopback is ever asked: the test's bootstrap names nothing else.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <thread>

#include "reports/rdap_bootstrap.h"
#include "reports/rdap_lookup.h"
#include "reports/rdap_summary.h"
#include "support/lab.h"
#include "support/nginx.h"
#include "support/report_pdfs.h"
#include "support/rdap_answers.h"

using namespace dnswitness;
using namespace dnswitness::test;

namespace {

// The RDAP answers as files; nginx gives them the RDAP media type. 150.1.2.3 is redirected the way
// APNIC sends an NIR's address to the NIR's own service.
struct RdapSite {
  TempDir root;
  NginxServer nginx;
  RdapSite()
      : nginx(make_root(root.path()),
              "    location /rdap/ { types { } default_type application/rdap+json; }\n"
              "    location /jpnic/ { types { } default_type application/rdap+json; }\n"
              "    location = /rdap/ip/150.1.2.3 { return 302 /jpnic/ip/150.1.2.3; }\n") {}

  static const std::filesystem::path& make_root(const std::filesystem::path& root) {
    std::filesystem::create_directories(root / "rdap" / "ip");
    std::filesystem::create_directories(root / "jpnic" / "ip");
    write_file(root / "rdap" / "ip" / "126.33.10.5", kJpnicAnswer);
    write_file(root / "rdap" / "ip" / "104.244.42.1", kArinAnswer);
    write_file(root / "rdap" / "ip" / "133.0.0.1", "<html><body>Service temporarily unavailable</body></html>\n");
    write_file(root / "rdap" / "ip" / "2400:4050::1", kJpnicAnswer);
    write_file(root / "jpnic" / "ip" / "150.1.2.3", kJpnicAnswer);
    return root;
  }

  // A bootstrap file in IANA's format naming this server, plus a closed port for 160/8 and a
  // closed port before the server for 170/8.
  [[nodiscard]] RdapBootstrap bootstrap(int closed_port) const {
    RdapBootstrap b;
    b.add_file(bootstrap_text(closed_port), "test-bootstrap.json");
    return b;
  }
  [[nodiscard]] std::string bootstrap_text(int closed_port) const {
    const std::string base = nginx.url() + "/rdap/";
    const std::string closed = "http://127.0.0.1:" + std::to_string(closed_port) + "/rdap/";
    const std::string text = R"({"description":"test","publication":"2026-12-01T00:00:00Z","version":"1.0",
      "services":[[["126.0.0.0/8","104.0.0.0/8","133.0.0.0/8","153.0.0.0/8","150.0.0.0/8","2400::/12"],[")" +
                             base + R"("]],
                  [["160.0.0.0/8"],[")" + closed + R"("]],
                  [["170.0.0.0/8"],[")" + closed + R"(",")" + base + R"("]]]})";
    return text;
  }

  // Requests in nginx's access log. nginx writes a request's line just after its answer, so the
  // count is awaited (up to 2 s) until it reaches `expected`; a count above it is seen at once.
  [[nodiscard]] std::size_t requests(std::size_t expected) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    for (;;) {
      const std::string log = nginx.access_log();
      const auto n = static_cast<std::size_t>(std::count(log.begin(), log.end(), '\n'));
      if (n >= expected || std::chrono::steady_clock::now() > deadline) return n;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
};

struct CacheHome {
  TempDir dir;
  CacheHome() {
    ::setenv("HOME", "/tmp/rdap-home", 1);
    ::setenv("XDG_CACHE_HOME", dir.path().c_str(), 1);
  }
};

const RdapRecord& find(const std::vector<RdapRecord>& records, const std::string& address) {
  const auto it =
      std::find_if(records.begin(), records.end(), [&](const RdapRecord& r) { return r.address == address; });
  REQUIRE(it != records.end());
  return *it;
}

}  // namespace

TEST_CASE("RDAP over HTTP: answers, their summaries, 404, not JSON, a redirect, a private address") {
  CacheHome home;
  RdapSite site;
  const RdapBootstrap b = site.bootstrap(free_tcp_port());
  RdapLookupOptions o;
  o.cache_dir = default_rdap_cache_dir();
  REQUIRE(o.cache_dir);
  CHECK(o.cache_dir->string().rfind(home.dir.path().string(), 0) == 0);
  o.timeout_ms = 5000;
  const UtcTime before = utc_now();
  const auto records =
      lookup_rdap({"126.33.10.5", "104.244.42.1", "153.1.2.3", "133.0.0.1", "150.1.2.3", "192.168.0.10",
                   "2400:4050::1"},
                  b, o);
  REQUIRE(records.size() == 7);

  const RdapRecord& sb = find(records, "126.33.10.5");
  CHECK(sb.outcome == RdapOutcome::answer);
  CHECK(sb.url == site.nginx.url() + "/rdap/ip/126.33.10.5");
  CHECK(sb.final_url == sb.url);
  CHECK(sb.http_status == 200);
  CHECK(sb.content_type == "application/rdap+json");
  CHECK(sb.body == kJpnicAnswer);  // the exact bytes
  CHECK(sb.fetched_at >= before);
  CHECK(sb.fetched_at <= utc_now());
  CHECK(sb.bootstrap_prefix == "126.0.0.0/8");
  CHECK(sb.bootstrap_publication == "2026-12-01T00:00:00Z");
  const RdapSummary sbs = summarize_rdap_ip_network(sb.body, sb.final_url);
  REQUIRE(sbs.ok);
  CHECK(sbs.registrant == "ソフトバンク株式会社");
  CHECK(sbs.country == "JP");

  const RdapSummary xs = summarize_rdap_ip_network(find(records, "104.244.42.1").body, "");
  CHECK(xs.registrant == "X Corp.");
  CHECK(xs.origin_as == std::vector<std::uint32_t>{13414});

  const RdapRecord& missing = find(records, "153.1.2.3");
  CHECK(missing.outcome == RdapOutcome::http_error);
  CHECK(missing.http_status == 404);
  CHECK(missing.reason.find("no record of 153.1.2.3") != std::string::npos);

  const RdapRecord& html = find(records, "133.0.0.1");
  CHECK(html.outcome == RdapOutcome::not_json);
  CHECK(html.body.find("<html>") == 0);  // kept as evidence of what was answered

  const RdapRecord& moved = find(records, "150.1.2.3");
  CHECK(moved.outcome == RdapOutcome::answer);
  CHECK(moved.url == site.nginx.url() + "/rdap/ip/150.1.2.3");
  CHECK(moved.final_url == site.nginx.url() + "/jpnic/ip/150.1.2.3");

  const RdapRecord& lan = find(records, "192.168.0.10");
  CHECK(lan.outcome == RdapOutcome::not_looked_up);
  CHECK(lan.reason.find("RFC 1918") != std::string::npos);

  CHECK(find(records, "2400:4050::1").outcome == RdapOutcome::answer);

  // Asked: six URLs plus the redirect's target; never the private address.
  const std::string log = site.nginx.access_log();
  CHECK(site.requests(7) == 7);
  CHECK(log.find("192.168") == std::string::npos);
  CHECK(log.find("/rdap/ip/150.1.2.3 302") != std::string::npos);
}

TEST_CASE("RDAP cache: the second look-up does not reach the server, even when it is down") {
  CacheHome home;
  RdapSite site;
  const RdapBootstrap b = site.bootstrap(free_tcp_port());
  RdapLookupOptions o;
  o.cache_dir = default_rdap_cache_dir();
  o.timeout_ms = 5000;
  const auto first = lookup_rdap({"126.33.10.5", "104.244.42.1", "153.1.2.3"}, b, o);
  CHECK(site.requests(3) == 3);
  site.nginx.clear_access_log();
  const auto second = lookup_rdap({"104.244.42.1", "126.33.10.5"}, b, o);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // time for a line that should not come
  CHECK(site.requests(0) == 0);
  REQUIRE(second.size() == 2);
  CHECK(second[0].from_cache);
  CHECK(second[0].fetched_at == first[1].fetched_at);
  CHECK(second[0].body == kArinAnswer);
  // A 404 is not cached: asked again.
  CHECK_FALSE(lookup_rdap({"153.1.2.3"}, b, o)[0].from_cache);
  CHECK(site.requests(1) == 1);
  site.nginx.stop();
  const auto offline = lookup_rdap({"126.33.10.5", "153.1.2.3"}, b, o);
  CHECK(offline[0].outcome == RdapOutcome::answer);
  CHECK(offline[0].from_cache);
  CHECK(offline[0].body == kJpnicAnswer);
  CHECK(offline[1].outcome == RdapOutcome::network_error);
  // Without a cache every look-up is asked again.
  RdapSite again;
  RdapLookupOptions no_cache = o;
  no_cache.cache_dir.reset();
  lookup_rdap({"126.33.10.5"}, again.bootstrap(free_tcp_port()), no_cache);
  lookup_rdap({"126.33.10.5"}, again.bootstrap(free_tcp_port()), no_cache);
  CHECK(again.requests(2) == 2);
}

TEST_CASE("RDAP: a closed port is a recorded failure; the next base URL is tried") {
  CacheHome home;
  RdapSite site;
  const int closed = free_tcp_port();
  const RdapBootstrap b = site.bootstrap(closed);
  RdapLookupOptions o;
  o.timeout_ms = 5000;
  const auto records = lookup_rdap({"160.1.2.3", "170.1.2.3", "126.33.10.5"}, b, o);
  REQUIRE(records.size() == 3);
  CHECK(records[0].outcome == RdapOutcome::network_error);
  CHECK(records[0].http_status == 0);
  CHECK(records[0].body.empty());
  CHECK(records[0].reason.find("127.0.0.1:" + std::to_string(closed)) != std::string::npos);
  CHECK(records[0].fetched_at.ns > 0);
  // 170/8 lists the closed port first, then the server: answered by the second (404 there).
  CHECK(records[1].url == site.nginx.url() + "/rdap/ip/170.1.2.3");
  CHECK(records[1].http_status == 404);
  CHECK(records[2].outcome == RdapOutcome::answer);
}

TEST_CASE("report --rdap: who holds the source IP and the listed destinations, in the bundle, the PDFs and verify") {
  const Lab lab;
  RdapSite site;
  // X Corp.'s answer for every address x.com has in the lab.
  for (const char* a : {"104.244.42.65", "104.244.42.129", "104.244.42.193"})
    write_file(site.root.path() / "rdap" / "ip" / a, kArinAnswer);
  TempDir dir;
  const std::string ledger = dir / "ledger";
  const auto snap = run_dnswitness("resolve-snapshot -q --ledger " + ledger + " --resolver knot=" + lab.knot() +
                                   " --domains x.com --types A --origin lab.test/rdap");
  REQUIRE_MESSAGE(snap.exit_code == 0, snap.err);
  const std::string now = run_command("date -u +%Y-%m-%dT%H:%M:%S.000Z").out.substr(0, 24);
  write_file(dir / "logins.txt", "“createdAt” : “" + now + "”, “loginIp” : “126.33.10.5”\n"
                                 "“createdAt” : “" + now + "”, “loginIp” : “10.0.0.7”\n");
  write_file(dir / "bootstrap.json", site.bootstrap_text(free_tcp_port()));
  const std::string env = "XDG_CACHE_HOME=" + dir / "cache" + " ";
  const auto report = [&](const std::string& out) {
    return run_command(env + DNSWITNESS_BINARY + " report --ledger " + ledger + " --logins " + dir / "logins.txt" +
                       " --domains x.com --types A --rdap --rdap-bootstrap " + dir / "bootstrap.json" + " --out " +
                       (dir.path() / out).string());
  };
  const auto r = report("r");
  INFO(r.out, r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("RDAP: 5 answered (0 from the cache), 0 failed, 1 not looked up") != std::string::npos);
  const auto b = nlohmann::json::parse(read_file(dir.path() / "r" / "report.json"));
  const auto& records = b["rdap"]["records"];
  // The first login's source, its list (x.com's four addresses), the second login's source.
  REQUIRE(records.size() == 6);
  CHECK(records[0]["address"] == "126.33.10.5");
  CHECK(records[0]["outcome"] == "answer");
  for (std::size_t k = 1; k <= 4; ++k) CHECK(records[k]["address"].get<std::string>().starts_with("104.244.42."));
  CHECK(records[5]["address"] == "10.0.0.7");
  CHECK(records[5]["outcome"] == "not_looked_up");
  CHECK(b["rdap"]["bootstrap"][0]["publication"] == "2026-12-01T00:00:00Z");

  // The exhibit names the holders; the technical material has the appendix.
  const std::string flat = squeezed_text(pdf_text(exhibit_pdf(dir.path() / "r")));
  CHECK(flat.find("接続元の保有者（RDAP）ソフトバンク株式会社（127.0.0.1RDAP、") != std::string::npos);
  CHECK(flat.find("接続先の保有者（RDAP）：XCorp.（AS13414、127.0.0.1RDAP、") != std::string::npos);
  CHECK(flat.find("照会の対象外") != std::string::npos);
  CHECK(pdf_text(technical_pdf(dir.path() / "r")).find("RDAPによるアドレスの保有者") != std::string::npos);

  // verify checks the stored answers: a changed body, or a record dropped, is exit 4.
  const auto v = run_dnswitness("verify " + (dir.path() / "r" / "report.json").string());
  CHECK_MESSAGE(v.exit_code == 0, v.err);
  CHECK(v.out.find("6 RDAP answers") != std::string::npos);
  for (int k = 0; k < 2; ++k) {
    auto t = b;
    if (k == 0) t["rdap"]["records"][0]["body_base64"] = "e30=";  // "{}"
    else t["rdap"]["records"].erase(t["rdap"]["records"].begin() + 2);
    TempDir alone;
    write_file(alone / "report.json", t.dump(1));
    const auto bad = run_dnswitness("verify " + alone / "report.json");
    CHECK(bad.exit_code == 4);
    CHECK(bad.err.find("rdap") != std::string::npos);
  }

  // A second report answers from the cache, with the first fetch's time.
  const auto again = report("r2");
  CHECK(again.err.find("RDAP: 5 answered (5 from the cache)") != std::string::npos);
  const auto b2 = nlohmann::json::parse(read_file(dir.path() / "r2" / "report.json"));
  CHECK(b2["rdap"]["records"][0]["fetched_at"] == records[0]["fetched_at"]);
  CHECK(b2["rdap"]["records"][0]["from_cache"] == true);
}
