// The SNTP clock check without a server: packet bytes, offset arithmetic, reply checks, NTP server
// names, the plan from settings, and the 3-minute rule's state file.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <utility>

#include <nlohmann/json.hpp>

#include "clock/ntp_state.h"
#include "clock/sntp.h"
#include "model/errors.h"
#include "support/lab.h"

using namespace dnswitness;
using dnswitness::test::TempDir;

namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

void put_ts(Bytes& p, std::size_t at, std::uint64_t ts) {
  for (int i = 0; i < 8; ++i) p[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(ts >> (56 - 8 * i));
}

// A server reply to `request`, as a server whose clock is `skew_ns` ahead would send it, received
// after `rtt_ns` (half each way) and with `hold_ns` between its receive and transmit.
Bytes reply(const Bytes& request, UtcTime t1, std::int64_t skew_ns, std::int64_t rtt_ns, std::int64_t hold_ns,
            int stratum = 2, int leap = 0, int mode = 4) {
  Bytes p(48, 0);
  p[0] = static_cast<std::uint8_t>((leap << 6) | (4 << 3) | mode);
  p[1] = static_cast<std::uint8_t>(stratum);
  p[12] = 133, p[13] = 243, p[14] = 238, p[15] = 163;
  for (int i = 0; i < 8; ++i) p[24 + static_cast<std::size_t>(i)] = request[40 + static_cast<std::size_t>(i)];
  const std::int64_t one_way = (rtt_ns - hold_ns) / 2;
  put_ts(p, 32, ntp_timestamp(UtcTime{t1.ns + skew_ns + one_way}));
  put_ts(p, 40, ntp_timestamp(UtcTime{t1.ns + skew_ns + one_way + hold_ns}));
  return p;
}

}  // namespace

TEST_CASE("the request is 48 bytes: version 4, client mode, our transmit time") {
  const UtcTime t1{1'700'000'000 * kSecond + 500'000'000};  // 2023-11-14T22:13:20.5Z
  const Bytes p = build_sntp_request(t1);
  REQUIRE(p.size() == 48);
  CHECK(p[0] == 0x23);
  for (std::size_t i = 1; i < 40; ++i) CHECK(p[i] == 0);
  // 1700000000 + 2208988800 = 3908988800 = 0xE8FE_6F80; half a second = 0x8000_0000.
  CHECK(p[40] == 0xE8);
  CHECK(p[41] == 0xFE);
  CHECK(p[42] == 0x6F);
  CHECK(p[43] == 0x80);
  CHECK(p[44] == 0x80);
  CHECK(p[47] == 0x00);
  // The NTP era wraps in 2036; the timestamp keeps the low 32 bits of the seconds.
  CHECK((ntp_timestamp(UtcTime{2'085'978'496LL * kSecond}) >> 32) == 0);
}

TEST_CASE("offset and delay follow RFC 4330 for skewed and slow servers") {
  const UtcTime t1{1'800'000'000 * kSecond + 123'456'789};
  const Bytes req = build_sntp_request(t1);
  struct Case {
    std::int64_t skew, rtt, hold;
  };
  for (const Case c : {Case{3 * kSecond, 20'000'000, 1'000'000}, Case{-750'000'000, 2'000'000, 0},
                       Case{0, 400'000, 100'000}, Case{86400 * kSecond, 80'000'000, 5'000'000}}) {
    SntpResult r;
    read_sntp_response(reply(req, t1, c.skew, c.rtt, c.hold), req, c.rtt, r);
    CAPTURE(c.skew);
    CHECK(r.outcome == "answer");
    REQUIRE(r.offset_ns);
    REQUIRE(r.delay_ns);
    CHECK(std::llabs(*r.offset_ns - c.skew) <= 2);  // rounding of the 2^-32 s fractions only
    CHECK(std::llabs(*r.delay_ns - (c.rtt - c.hold)) <= 2);
    CHECK(r.stratum == 2);
    CHECK(r.version == 4);
    CHECK(r.leap == 0);
    CHECK(r.reference_id == "133.243.238.163");
    CHECK(r.response.size() == 48);
  }
  // Clocks decades off (RFC 5905 era arithmetic holds within ±68 years): ours at 1970 against a
  // server in 2026, ours at 1990, ours 60 years ahead. The sums of the differences would overflow.
  for (const auto& [ours, skew] : {std::pair<std::int64_t, std::int64_t>{86'400, 1'764'892'800LL - 86'400},
                                   {631'152'000, 1'764'892'800LL - 631'152'000},
                                   {1'764'892'800LL + 60LL * 31'556'952, -60LL * 31'556'952}}) {
    const UtcTime t{ours * kSecond};
    const Bytes q = build_sntp_request(t);
    SntpResult far;
    read_sntp_response(reply(q, t, skew * kSecond, 10'000'000, 0), q, 10'000'000, far);
    CAPTURE(ours);
    REQUIRE(far.offset_ns);
    CHECK(std::llabs(*far.offset_ns - skew * kSecond) <= 2);
  }
  // Across the 2036 era boundary: T1 just before, server just after.
  const UtcTime before{2'085'978'495LL * kSecond + 900'000'000};
  const Bytes req2 = build_sntp_request(before);
  SntpResult r;
  read_sntp_response(reply(req2, before, 500'000'000, 10'000'000, 0), req2, 10'000'000, r);
  REQUIRE(r.offset_ns);
  CHECK(std::llabs(*r.offset_ns - 500'000'000) <= 2);
}

TEST_CASE("replies that do not answer our request are refused, with the bytes kept") {
  const UtcTime t1{1'800'000'000 * kSecond};
  const Bytes req = build_sntp_request(t1);
  SntpResult short_reply;
  read_sntp_response(Bytes(47, 0), req, 1000, short_reply);
  CHECK(short_reply.outcome == "malformed");
  CHECK(short_reply.response.size() == 47);
  CHECK_FALSE(short_reply.offset_ns);

  SntpResult wrong_mode;
  read_sntp_response(reply(req, t1, 0, 1000, 0, 2, 0, 3), req, 1000, wrong_mode);
  CHECK(wrong_mode.outcome == "malformed");
  CHECK(wrong_mode.error.find("mode 3") != std::string::npos);

  // Another request's reply (originate != our transmit time): a stale or forged packet.
  const Bytes other = build_sntp_request(UtcTime{t1.ns + 1});
  SntpResult stale;
  read_sntp_response(reply(other, t1, 0, 1000, 0), req, 1000, stale);
  CHECK(stale.outcome == "malformed");
  CHECK(stale.error.find("echo") != std::string::npos);
  CHECK_FALSE(stale.offset_ns);

  Bytes kod = reply(req, t1, 0, 1000, 0, 0);
  kod[12] = 'R', kod[13] = 'A', kod[14] = 'T', kod[15] = 'E';
  SntpResult kiss;
  read_sntp_response(kod, req, 1000, kiss);
  CHECK(kiss.outcome == "kiss_of_death");
  CHECK(kiss.reference_id == "RATE");
  CHECK_FALSE(kiss.offset_ns);

  SntpResult unsynced;
  read_sntp_response(reply(req, t1, 5 * kSecond, 1000, 0, 16, 3), req, 1000, unsynced);
  CHECK(unsynced.outcome == "unsynchronized");

  // A stratum-1 server names its reference clock in ASCII.
  Bytes gps = reply(req, t1, 0, 1000, 0, 1);
  gps[12] = 'N', gps[13] = 'I', gps[14] = 'C', gps[15] = 'T';
  SntpResult s1;
  read_sntp_response(gps, req, 1000, s1);
  CHECK(s1.outcome == "answer");
  CHECK(s1.reference_id == "NICT");
}

TEST_CASE("NTP servers: names, addresses and ports; bad ones are usage errors") {
  auto s = parse_ntp_server("ntp.nict.jp");
  CHECK(s.host == "ntp.nict.jp");
  CHECK(s.port == 123);
  s = parse_ntp_server("127.0.0.1:4123");
  CHECK(s.host == "127.0.0.1");
  CHECK(s.port == 4123);
  s = parse_ntp_server("[::1]:4123");
  CHECK(s.host == "::1");
  CHECK(s.port == 4123);
  s = parse_ntp_server("2001:db8::1");
  CHECK(s.host == "2001:db8::1");
  CHECK(s.port == 123);
  CHECK(s.text == "2001:db8::1");
  for (const char* bad : {"", "host:", "host:0", "host:65536", "host:x", "[::1", "[::1]x", "a b", "ntp;rm"})
    CHECK_THROWS_AS(parse_ntp_server(bad), UsageError);
}

TEST_CASE("the plan: defaults with a fallback, 'none', or exactly the servers given") {
  const NtpPlan defaults = make_ntp_plan(std::nullopt);
  REQUIRE(defaults.servers.size() == 1);
  CHECK(defaults.servers[0].host == "ntp.nict.jp");
  REQUIRE(defaults.fallback.size() == 1);
  CHECK(defaults.fallback[0].host == "ntp.jst.mfeed.ad.jp");
  CHECK(defaults.enabled());
  CHECK_FALSE(make_ntp_plan(std::vector<std::string>{"none"}).enabled());
  CHECK_FALSE(make_ntp_plan(std::vector<std::string>{}).enabled());
  const NtpPlan given = make_ntp_plan(std::vector<std::string>{"127.0.0.1:1", "[::1]:2"});
  CHECK(given.servers.size() == 2);
  CHECK(given.fallback.empty());
  CHECK_THROWS_AS(make_ntp_plan(std::vector<std::string>{"none", "127.0.0.1"}), UsageError);
}

TEST_CASE("the 3-minute rule holds across objects sharing the state file, and across processes") {
  TempDir dir;
  const std::string file = dir / "ntp-state.json";
  const UtcTime t0{1'800'000'000 * kSecond};
  NtpRateLimit a(file);
  CHECK_FALSE(a.claim("127.0.0.1:123", t0));
  // The same run (or another run reading the same file) may not ask again within 3 minutes...
  NtpRateLimit b(file);
  const auto earlier = b.claim("127.0.0.1:123", UtcTime{t0.ns + 179 * kSecond});
  REQUIRE(earlier);
  CHECK(earlier->ns == t0.ns);
  CHECK(a.claim("127.0.0.1:123", UtcTime{t0.ns + 1}));
  // ...other addresses are separate...
  CHECK_FALSE(b.claim("[::1]:123", UtcTime{t0.ns + 10 * kSecond}));
  // ...and after 3 minutes it may.
  CHECK_FALSE(NtpRateLimit(file).claim("127.0.0.1:123", UtcTime{t0.ns + 180 * kSecond}));
  // A clock that went back before the last query does not lock the check out.
  CHECK_FALSE(NtpRateLimit(file).claim("127.0.0.1:123", UtcTime{t0.ns - 3600 * kSecond}));

  const auto state = nlohmann::json::parse(dnswitness::test::read_file(file));
  CHECK(state.contains("[::1]:123"));

  // Another process claims an address; this one must see it.
  const UtcTime now = utc_now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    NtpRateLimit child(file);
    ::_exit(child.claim("192.0.2.1:123", now) ? 1 : 0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(NtpRateLimit(file).claim("192.0.2.1:123", UtcTime{now.ns + kSecond}));

  // Garbage in the file is ignored rather than fatal; without a file the rule holds in memory.
  dnswitness::test::write_file(file, "not json");
  CHECK_FALSE(NtpRateLimit(file).claim("127.0.0.1:123", t0));
  NtpRateLimit memory({});
  CHECK_FALSE(memory.claim("x", t0));
  CHECK(memory.claim("x", UtcTime{t0.ns + kSecond}));
}

TEST_CASE("clock warnings: large offsets and no answer at all, not skipped servers") {
  ClockFacts ok;
  SntpResult near;
  near.outcome = "answer";
  near.address = "127.0.0.1";
  near.offset_ns = 12'000'000;
  near.delay_ns = 300'000;
  SntpResult far = near;
  far.address = "127.0.0.2";
  far.offset_ns = -2 * kSecond;
  far.delay_ns = 900'000;
  ok.results = {far, near};
  finish_clock_facts(ok);
  CHECK(ok.offset_ns == 12'000'000);  // the answer with the smaller delay wins
  CHECK(ok.offset_server == "127.0.0.1");
  CHECK(ok.warnings.empty());

  ClockFacts off;
  far.delay_ns = 100;
  off.results = {far, near};
  finish_clock_facts(off);
  REQUIRE(off.warnings.size() == 1);
  CHECK(off.warnings[0].find("2.000 s ahead of NTP time") != std::string::npos);

  ClockFacts none;
  SntpResult lost;
  lost.outcome = "timeout";
  none.results = {lost};
  finish_clock_facts(none);
  REQUIRE(none.warnings.size() == 1);
  CHECK(none.warnings[0].find("No NTP server answered") != std::string::npos);

  ClockFacts skipped;
  lost.outcome = "skipped";
  skipped.results = {lost};
  finish_clock_facts(skipped);
  CHECK(skipped.warnings.empty());
  CHECK_FALSE(skipped.offset_ns);
  CHECK(skipped.note.find("less than 3 minutes") != std::string::npos);
}
