// The facts earlier work records in the ledger, as `dnswitness report` shows them: a ledger filled
// by real resolve-snapshot runs against the lab, the clock checked against a chronyd on loopback,
// at faked times (libfaketime): runs asking the DoH server (with the lab CA) and Unbound at +0,
// +10 and +20 min, runs asking Unbound and the geoip Knot as the zone's own server with two client
// subnets at +5, +15 and +120 min. Runs are 5 min apart (the median), so the 100-minute hole is a
// gap; every run but the first has its clock off by its shift. (DoH and the authoritative servers
// are not asked in the same run: under libfaketime such a run waits forever; without it they work.) The bundle's run facts, resolver summary and coverage gaps are
// checked against the lab's own certificate and answers, the PDF's text shows them, and `verify`
// passes and catches each of them changed.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "support/chronyd.h"
#include "support/lab.h"

using namespace dnswitness::test;
using nlohmann::json;

namespace {

const char* kFaketimeLib = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

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
  FactsLedger() {
    const Lab lab;
    Chronyd chronyd;
    REQUIRE_MESSAGE(std::filesystem::exists(kFaketimeLib), "libfaketime is missing: run scripts/setup.sh");
    const std::string doh = " --resolver doh=" + lab.get("DOH_URL") + " --ca-file " + lab.get("LAB_CA");
    const std::string auth = " --resolver authoritative --authoritative-port " + lab.get("GEO_KNOT_PORT") +
                             " --client-subnet 49.96.0.0/24 --client-subnet 10.0.0.0/8";
    for (const auto& [shift, which] : std::vector<std::pair<std::string, std::string>>{
             {"+0", doh}, {"+5m", auth}, {"+10m", doh}, {"+15m", auth}, {"+20m", doh}, {"+120m", auth}}) {
      const std::string env = "FAKETIME='" + shift + "' DONT_FAKE_MONOTONIC=1 " +
                              "ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 LD_PRELOAD=" + kFaketimeLib + " ";
      const auto r = run_command("timeout 30 env " + env + DNSWITNESS_BINARY + " resolve-snapshot -q --ledger " +
                                 ledger + " --origin lab.test/facts --resolver u=" + lab.unbound() + which +
                                 " --domains www.geo.test --types A --timeout 2000 --retries 0 --ntp " +
                                 chronyd.address());
      REQUIRE_MESSAGE(r.exit_code == 0, shift, r.err);
    }
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

std::string pdf_in(const std::filesystem::path& dir) {
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".pdf") return e.path().string();
  return "";
}

}  // namespace

TEST_CASE("report: run facts, TLS certificate, AA, client-subnet scopes and a coverage gap from real runs") {
  auto& f = facts_ledger();
  TempDir out;
  // The period covers all six runs; the interval is the median spacing (5 min), so the gap
  // between the +20 min and +2 h runs is longer than twice it and the others are not.
  const auto now = run_command("date -u +%s");
  const long long t0 = std::stoll(now.out);
  const auto iso = [](long long s) {
    return run_command("date -u -d @" + std::to_string(s) + " +%Y-%m-%dT%H:%M:%SZ").out.substr(0, 20);
  };
  const auto r = run_dnswitness("report --ledger " + f.ledger + " --domains www.geo.test --types A --case facts" +
                                " --from " + iso(t0 - 300) + " --until " + iso(t0 + 125 * 60) + " --out " + out / "r");
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
    CHECK(facts["clock"]["addresses_answered"] == 1);
    if (i % 2 == 0) {  // the DoH runs
      CHECK(facts["certificate_verification"] == "enforced");
      CHECK(facts["insecure"] == false);
      CHECK(facts["ca_file_sha256"].get<std::string>().size() == 64);
    }
  }
  // The first run's clock is the chronyd's own; the last runs 2 h ahead of it.
  CHECK(std::llabs(b["runs"][0]["facts"]["clock"]["offset_ns"].get<long long>()) < 1'000'000'000LL);
  CHECK(b["runs"][0]["facts"]["warnings"].empty());
  const long long off = b["runs"][5]["facts"]["clock"]["offset_ns"].get<long long>();
  CHECK(off < -7190LL * 1'000'000'000LL);
  CHECK(off > -7210LL * 1'000'000'000LL);
  CHECK(b["runs"][5]["facts"]["warnings"].size() == 1);

  // The resolver summary: the DoH server's certificate, AA on the zone's own server, the scopes.
  const json* doh = resolver(b, "doh");
  REQUIRE(doh);
  CHECK((*doh)["https"]["certificate_chains"][0]["certificates"][0]["sha256"] == f.fingerprint);
  CHECK((*doh)["https"]["certificate_chains"][0]["observations"] == 3);
  CHECK((*doh)["https"]["http_statuses"] == json::parse(R"([{"http_status":200,"observations":3}])"));
  const json* a = resolver(b, "ns.geo.test@127.0.0.1/ecs=49.96.0.0/24");
  const json* z = resolver(b, "ns.geo.test@127.0.0.1/ecs=10.0.0.0/8");
  REQUIRE(a);
  REQUIRE(z);
  CHECK((*a)["authoritative"]["aa"] == 3);
  CHECK((*a)["authoritative"]["responses"] == 3);
  CHECK((*a)["client_subnet"]["scope_prefixes"] == json::parse(R"([{"scope_prefix":12,"observations":3}])"));
  CHECK((*a)["client_subnet"]["answers"][0]["addresses"] == json::array({"198.51.100.10"}));
  CHECK((*z)["client_subnet"]["scope_prefixes"] == json::parse(R"([{"scope_prefix":0,"observations":3}])"));

  // One gap: from the +20 min run to the +2 h run.
  CHECK(b["coverage"]["interval_source"].get<std::string>().find("median") != std::string::npos);
  const long long interval = b["coverage"]["interval_seconds"].get<long long>();
  CHECK(interval >= 300);
  CHECK(interval <= 302);
  REQUIRE(b["coverage"]["windows"].size() == 1);
  const json& gaps = b["coverage"]["windows"][0]["gaps"];
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0]["from_edge"] == "run");
  CHECK(gaps[0]["until_edge"] == "run");
  CHECK(gaps[0]["seconds"].get<long long>() >= 99 * 60);
  CHECK(gaps[0]["seconds"].get<long long>() <= 101 * 60);

  // The PDF shows them.
  const auto text = run_command("pdftotext '" + pdf_in(out.path() / "r") + "' -");
  REQUIRE(text.exit_code == 0);
  const std::string flat = squeezed(text.out);
  CHECK(flat.find(f.fingerprint.substr(0, 32)) != std::string::npos);
  CHECK(flat.find(f.fingerprint.substr(32)) != std::string::npos);
  CHECK(flat.find("scope/12") != std::string::npos);
  CHECK(flat.find("scope/0") != std::string::npos);
  CHECK(flat.find(f.hostname) != std::string::npos);
  CHECK(flat.find("AA付きの回答3/3") != std::string::npos);
  CHECK(flat.find("3/3の応答") != std::string::npos);
  CHECK(flat.find("観測の空白") != std::string::npos);
  CHECK(flat.find("空白の始まり") != std::string::npos);
  CHECK(flat.find("警告") != std::string::npos);  // the clock warning of the faked runs

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
  v = tampered("offset", [](json& t) { t["runs"][3]["facts"]["clock"]["offset_ns"] = 0; });
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
  // A gap widened over a run the bundle holds.
  v = tampered("gap", [](json& t) {
    auto& g = t["coverage"]["windows"][0]["gaps"][0];
    g["from"] = t["coverage"]["windows"][0]["from"];
    const long long from = std::stoll(run_command("date -u -d " + g["from"].get<std::string>() + " +%s").out);
    const long long until = std::stoll(run_command("date -u -d " + g["until"].get<std::string>() + " +%s").out);
    g["seconds"] = until - from;
  });
  CHECK(v.exit_code == 4);
  CHECK(v.err.find("a run in this bundle started inside it") != std::string::npos);
}
