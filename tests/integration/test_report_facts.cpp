// The facts earlier work records in the ledger, as `dnswitness report` shows them: a ledger filled
// by real resolve-snapshot runs against the lab, the clock checked against a chronyd on loopback:
// three runs asking the DoH server (with the lab CA) and Unbound, alternating with three asking
// Unbound and the geoip Knot as the zone's own server with two client subnets, back to back except
// for a 5-second pause before the last, so that with --interval 2s the pause is the one gap; the
// last run asks a closed NTP port, so its clock check warns. (Real time rather than libfaketime: a
// 5-second pause costs less than faking each run's clock.) The bundle's run facts, resolver
// summary and coverage gaps are checked against the lab's own certificate and answers, the PDF's
// text shows them, and `verify` passes and catches each of them changed.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <chrono>
#include <ctime>
#include <string>
#include <thread>

#include "support/chronyd.h"
#include "support/lab.h"
#include "support/report_pdfs.h"

using namespace dnswitness::test;
using nlohmann::json;

namespace {

// Removes every space and line break, so text wrapped in a table cell can still be found.
std::string squeezed(const std::string& s) {
  std::string out;
  for (const char c : s)
    if (c != ' ' && c != '\n' && c != '\f') out += c;
  return out;
}

struct FactsLedger {
  TempDir dir;
  std::string ledger = dir / "ledger";
  std::string fingerprint;  // of the lab's DoH certificate, as openssl prints it (lower case, no colons)
  std::string hostname;
  long long first_s = 0, last_s = 0;  // whole seconds before the first run and after the last
  FactsLedger() {
    const Lab lab;
    Chronyd chronyd;
    const std::string doh = " --resolver doh=" + lab.get("DOH_URL") + " --resolver dot=tls://127.0.0.1:" +
                            lab.get("DOT_PORT") + " --ca-file " + lab.get("LAB_CA");
    const std::string auth = " --resolver authoritative --authoritative-port " + lab.get("GEO_KNOT_PORT") +
                             " --client-subnet 49.96.0.0/24 --client-subnet 10.0.0.0/8";
    std::string closed;
    {
      UdpPort p;
      closed = "127.0.0.1:" + std::to_string(p.port());
    }
    first_s = static_cast<long long>(::time(nullptr));
    int k = 0;
    for (const std::string& which : {doh, auth, doh, auth, doh, auth}) {
      // The SNTP check asks an address at most every 3 minutes: only the first run measures.
      const bool last = k++ == 5;
      if (last) std::this_thread::sleep_for(std::chrono::seconds(5));
      const auto r = run_dnswitness("resolve-snapshot -q --ledger " + ledger + " --origin lab.test/facts --resolver u=" +
                                    lab.unbound() + which + " --domains www.geo.test --types A --timeout 2000 " +
                                    "--retries 0 --ntp " + (last ? closed : chronyd.address()));
      REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    }
    last_s = static_cast<long long>(::time(nullptr)) + 1;
    const auto fp = run_command("openssl x509 -noout -fingerprint -sha256 -in " + lab.get("DOH_CERT"));
    REQUIRE(fp.exit_code == 0);
    for (const char c : fp.out.substr(fp.out.find('=') + 1))
      if (std::isxdigit(static_cast<unsigned char>(c))) fingerprint += static_cast<char>(std::tolower(c));
    REQUIRE(fingerprint.size() == 64);
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    hostname = host;
  }
};

FactsLedger& facts_ledger() {
  static FactsLedger s;
  return s;
}

const json* resolver(const json& bundle, const std::string& name) {
  for (const auto& r : bundle["resolvers"])
    if (r["name"] == name) return &r;
  return nullptr;
}


}  // namespace

TEST_CASE("report: run facts, TLS certificate, AA, client-subnet scopes and a coverage gap from real runs") {
  auto& f = facts_ledger();
  TempDir out;
  // The period covers the six runs; with --interval 2s only the 5-second pause is a gap.
  const auto iso = [](long long s) {
    return run_command("date -u -d @" + std::to_string(s) + " +%Y-%m-%dT%H:%M:%SZ").out.substr(0, 20);
  };
  const auto r = run_dnswitness("report --ledger " + f.ledger + " --domains www.geo.test --types A --case facts" +
                                " --from " + iso(f.first_s) + " --until " + iso(f.last_s) + " --interval 2s --out " +
                                out / "r");
  INFO(r.out, r.err);
  REQUIRE(r.exit_code == 0);
  const json b = json::parse(read_file(out / "r/report.json"));

  // Run facts, as the run leaves say them.
  REQUIRE(b["runs"].size() == 6);
  for (std::size_t i = 0; i < 6; ++i) {
    const json& facts = b["runs"][i]["facts"];
    CHECK(facts["host"]["hostname"] == f.hostname);
    CHECK(facts["config_hash"].get<std::string>().size() == 64);
    CHECK_FALSE(facts["vantage"]["interfaces"].empty());
    CHECK(facts["vantage"]["whoami"].empty());  // lab resolvers only: no whoami question
    CHECK(facts["clock"]["addresses_answered"] == (i == 0 ? 1 : 0));
    if (i % 2 == 0) {  // the DoH runs
      CHECK(facts["certificate_verification"] == "enforced");
      CHECK(facts["insecure"] == false);
      CHECK(facts["ca_file_sha256"].get<std::string>().size() == 64);
    }
  }
  // The first run measured the chronyd (the same clock: an offset within half the round trip,
  // however slow a loaded machine made that trip); the next four skipped it (asked less than 3
  // minutes ago); the last asked a closed port and warns.
  REQUIRE(b["runs"][0]["facts"]["clock"]["delay_ns"].is_number_integer());
  REQUIRE(b["runs"][0]["facts"]["clock"]["offset_ns"].is_number_integer());
  CHECK(std::llabs(b["runs"][0]["facts"]["clock"]["offset_ns"].get<long long>()) <=
        b["runs"][0]["facts"]["clock"]["delay_ns"].get<long long>() / 2 + 1'000'000LL);
  CHECK(b["runs"][0]["facts"]["warnings"].empty());
  CHECK_FALSE(b["runs"][2]["facts"]["clock"].contains("offset_ns"));
  CHECK(b["runs"][2]["facts"]["warnings"].empty());
  CHECK(b["runs"][5]["facts"]["clock"]["addresses_asked"] == 1);
  CHECK(b["runs"][5]["facts"]["warnings"].size() == 1);

  // The resolver summary: the DoH server's certificate, AA on the zone's own server, the scopes.
  const json* doh = resolver(b, "doh");
  REQUIRE(doh);
  CHECK((*doh)["https"]["certificate_chains"][0]["certificates"][0]["sha256"] == f.fingerprint);
  CHECK((*doh)["https"]["certificate_chains"][0]["observations"] == 3);
  CHECK((*doh)["https"]["http_statuses"] == json::parse(R"([{"http_status":200,"observations":3}])"));
  // DoT (Unbound's tls-port, the same certificate): the same TLS facts under "tls", without HTTP.
  const json* dot = resolver(b, "dot");
  REQUIRE(dot);
  CHECK_FALSE(dot->contains("https"));
  CHECK_FALSE((*dot)["tls"].contains("http_statuses"));
  CHECK((*dot)["tls"]["certificate_chains"][0]["certificates"][0]["sha256"] == f.fingerprint);
  CHECK((*dot)["tls"]["certificate_chains"][0]["observations"] == 3);
  CHECK((*dot)["tls"]["certificate_checks"] ==
        json::parse(R"j([{"certificate_check":"verified (chain and host name)","observations":3}])j"));
  CHECK((*dot)["tls"]["tls_versions"][0]["tls_version"].get<std::string>().starts_with("TLSv1."));
  const json* a = resolver(b, "ns.geo.test@127.0.0.1/ecs=49.96.0.0/24");
  const json* z = resolver(b, "ns.geo.test@127.0.0.1/ecs=10.0.0.0/8");
  REQUIRE(a);
  REQUIRE(z);
  CHECK((*a)["authoritative"]["aa"] == 3);
  CHECK((*a)["authoritative"]["responses"] == 3);
  CHECK((*a)["client_subnet"]["scope_prefixes"] == json::parse(R"([{"scope_prefix":12,"observations":3}])"));
  CHECK((*a)["client_subnet"]["answers"][0]["addresses"] == json::array({"198.51.100.10"}));
  CHECK((*z)["client_subnet"]["scope_prefixes"] == json::parse(R"([{"scope_prefix":0,"observations":3}])"));

  // One gap: the pause before the last run (the others are back to back, well under 4 s apart).
  CHECK(b["coverage"]["interval_source"] == "--interval");
  CHECK(b["coverage"]["interval_seconds"] == 2);
  REQUIRE(b["coverage"]["windows"].size() == 1);
  CHECK(b["coverage"]["windows"][0]["runs"] == 6);
  const json& gaps = b["coverage"]["windows"][0]["gaps"];
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0]["from_edge"] == "run");
  CHECK(gaps[0]["until_edge"] == "run");
  CHECK(gaps[0]["until"] == b["runs"][5]["facts"]["started_at"]);
  CHECK(gaps[0]["from"] == b["runs"][4]["facts"]["started_at"]);
  CHECK(gaps[0]["seconds"].get<long long>() >= 5);

  // The PDF shows them.
  const std::string flat = squeezed(report_pdfs_text(out.path() / "r"));
  // DoH, DoT, the zones' own servers with client subnets, clocks: still no English word in either
  // Japanese PDF (the openssl steps at the end of the technical material are commands).
  const std::string both = report_pdfs_text(out.path() / "r");
  // Names the test gave (the case, the resolvers) and the lab certificate's subject are not prose.
  const auto words = english_words(both.substr(0, both.find("sha256sum -c")), {"facts", "doh", "dot", "authoritative", "lab"});
  CHECK_MESSAGE(words.empty(), fmt::format("English in the PDFs: {}", fmt::join(words, " ")));
  CHECK(flat.find(f.fingerprint.substr(0, 32)) != std::string::npos);
  CHECK(flat.find(f.fingerprint.substr(32)) != std::string::npos);
  CHECK(flat.find("スコープ/12") != std::string::npos);
  CHECK(flat.find("スコープ/0") != std::string::npos);
  CHECK(flat.find(f.hostname) != std::string::npos);
  CHECK(flat.find("AA付きの回答3/3") != std::string::npos);
  CHECK(flat.find("3/3の応答") != std::string::npos);
  CHECK(flat.find("観測の空白") != std::string::npos);
  CHECK(flat.find("空白の始まり") != std::string::npos);
  CHECK(flat.find("警告") != std::string::npos);  // the last run's clock warning

  // verify passes, and each new part changed is caught (report.json alone, so the bundle's own
  // checks speak, not report.sha256).
  const auto ok = run_dnswitness("verify " + out / "r/report.json");
  CHECK_MESSAGE(ok.exit_code == 0, ok.out, ok.err);
  CHECK(ok.out.find("1 coverage gap(s)") != std::string::npos);
  const auto tampered = [&](const std::string& name, const std::function<void(json&)>& change) {
    json t = b;
    change(t);
    const std::string path = out / ("t-" + name);
    std::filesystem::create_directories(path);
    write_file(path + "/report.json", t.dump(1) + "\n");
    return run_dnswitness("verify " + path + "/report.json");
  };
  auto v = tampered("host", [](json& t) { t["runs"][1]["facts"]["host"]["hostname"] = "elsewhere"; });
  CHECK(v.exit_code == 4);
  CHECK(v.err.find("runs[1].facts.host.hostname") != std::string::npos);
  v = tampered("offset", [](json& t) { t["runs"][0]["facts"]["clock"]["offset_ns"] = 0; });
  CHECK(v.exit_code == 4);
  v = tampered("scope", [&](json& t) {
    for (auto& x : t["resolvers"])
      if (x["name"] == (*a)["name"]) x["client_subnet"]["scope_prefixes"][0]["scope_prefix"] = 0;
  });
  CHECK(v.exit_code == 4);
  CHECK(v.err.find("resolver summary") != std::string::npos);
  v = tampered("fingerprint", [](json& t) {
    for (auto& x : t["resolvers"])
      if (x["name"] == "doh") x["https"]["certificate_chains"][0]["certificates"][0]["sha256"] = std::string(64, '0');
  });
  CHECK(v.exit_code == 4);
  v = tampered("dot", [](json& t) {
    for (auto& x : t["resolvers"])
      if (x["name"] == "dot") x["tls"]["tls_versions"][0]["tls_version"] = "TLSv1.0";
  });
  CHECK(v.exit_code == 4);
  // A gap widened over a run the bundle holds.
  v = tampered("gap", [](json& t) {
    auto& g = t["coverage"]["windows"][0]["gaps"][0];
    g["from"] = t["coverage"]["windows"][0]["from"];
    const long long from = std::stoll(run_command("date -u -d " + g["from"].get<std::string>() + " +%s").out);
    const long long until = std::stoll(run_command("date -u -d " + g["until"].get<std::string>() + " +%s").out);
    g["seconds"] = until - from;
  });
  CHECK(v.exit_code == 4);
  CHECK(v.err.find("does not re-derive from the run leaves in the bundle") != std::string::npos);
}
