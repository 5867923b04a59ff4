// --client-subnet values, the carrier presets file, and reading the ECS option of a response.
#include <doctest/doctest.h>

#include <algorithm>

#include "model/errors.h"
#include "resolvers/client_subnet.h"

using namespace dnswitness;

namespace {

// A response to twitter.com A from an ECS-aware server: one answer behind a compression pointer,
// then an OPT record whose options are a padding option and ECS 49.96.0.0/24 scope /12.
Bytes ecs_response(std::uint8_t scope, Bytes ecs_tail) {
  Bytes m = {0x12, 0x34, 0x84, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
             7, 't', 'w', 'i', 't', 't', 'e', 'r', 3, 'c', 'o', 'm', 0, 0x00, 0x01, 0x00, 0x01,
             0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x04, 104, 244, 42, 1};
  Bytes ecs = {0x00, 0x08, 0x00, 0x00, 0x00, 0x01, 24, scope};
  ecs.insert(ecs.end(), ecs_tail.begin(), ecs_tail.end());
  ecs[3] = static_cast<std::uint8_t>(ecs.size() - 4);
  const Bytes padding = {0x00, 0x0c, 0x00, 0x02, 0x00, 0x00};
  const std::size_t rdlen = padding.size() + ecs.size();
  const Bytes opt = {0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00,
                     static_cast<std::uint8_t>(rdlen >> 8), static_cast<std::uint8_t>(rdlen)};
  m.insert(m.end(), opt.begin(), opt.end());
  m.insert(m.end(), padding.begin(), padding.end());
  m.insert(m.end(), ecs.begin(), ecs.end());
  return m;
}

}  // namespace

TEST_CASE("prefixes as the user writes them") {
  auto ok = [](const char* text) {
    const PrefixParse p = parse_ecs_prefix(text);
    REQUIRE_MESSAGE(p.prefix, p.problem);
    return *p.prefix;
  };
  CHECK(ok("49.96.0.0/12").family == 1);
  CHECK(ok("49.96.0.0/12").source_prefix == 12);
  CHECK(ok("49.96.0.0/12").address_bytes() == 2);
  CHECK(ok("49.96.0.0/12").text() == "49.96.0.0/12");
  CHECK(ok("2001:db8::/32").family == 2);
  CHECK(ok("2001:DB8::/32").text() == "2001:db8::/32");
  CHECK(ok("0.0.0.0/0").address_bytes() == 0);
  CHECK(ok("::/0").family == 2);
  CHECK(ok("192.0.2.1/32").address_bytes() == 4);

  CHECK(parse_ecs_prefix("49.96.0.0").problem.find("no prefix length") != std::string::npos);
  CHECK(parse_ecs_prefix("49.96.0.0/33").problem.find("from 0 to 32") != std::string::npos);
  CHECK(parse_ecs_prefix("2001:db8::/129").problem.find("from 0 to 128") != std::string::npos);
  CHECK(parse_ecs_prefix("49.96.0.0/").problem.find("not a number") != std::string::npos);
  CHECK(parse_ecs_prefix("49.96.0.0/1x").problem.find("not a number") != std::string::npos);
  CHECK(parse_ecs_prefix("docomo.example/12").problem.find("not an IPv4 or IPv6") != std::string::npos);
  CHECK(parse_ecs_prefix("49.97.0.0/12").problem == "bits after /12 are set; the network address is 49.96.0.0/12");
  CHECK_FALSE(parse_ecs_prefix("").prefix);
}

TEST_CASE("the presets file that ships has the four carriers, each block with a source") {
  const auto presets = load_client_subnet_presets();
  for (const char* name : {"docomo", "au", "softbank", "rakuten"}) {
    CAPTURE(name);
    const auto it = std::find_if(presets.begin(), presets.end(), [&](const auto& p) { return p.name == name; });
    REQUIRE(it != presets.end());
    CHECK_FALSE(it->prefixes.empty());
    REQUIRE(it->sources.size() == it->prefixes.size());
    for (const auto& s : it->sources) CHECK(s.find("not checked offline") != std::string::npos);
  }
}

TEST_CASE("resolving --client-subnet values: presets expand, repeats go, junk is refused") {
  const auto presets = parse_client_subnet_presets(
      "# comment\n\nalpha 192.0.2.0/24 RFC 5737 TEST-NET-1\nalpha 198.51.100.0/24 RFC 5737  # twice\n"
      "beta 2001:db8::/32 RFC 3849\n",
      "test");
  REQUIRE(presets.size() == 2);
  CHECK(presets[0].sources[1] == "RFC 5737");
  const auto got = resolve_client_subnets({"alpha", "203.0.113.0/24", "192.0.2.0/24", "beta"}, presets);
  REQUIRE(got.size() == 4);
  CHECK(got[0].prefix.text() == "192.0.2.0/24");
  CHECK(got[0].preset == "alpha");
  CHECK(got[1].prefix.text() == "198.51.100.0/24");
  CHECK(got[2].prefix.text() == "203.0.113.0/24");
  CHECK(got[2].preset.empty());
  CHECK(got[3].preset == "beta");

  try {
    resolve_client_subnets({"docomoo"}, presets);
    FAIL("no exception");
  } catch (const UsageError& e) {
    const std::string m = e.what();
    CHECK(m.find("'docomoo'") != std::string::npos);
    CHECK(m.find("alpha, beta") != std::string::npos);
    CHECK(m.find('\n') == std::string::npos);
  }
  CHECK_THROWS_AS(parse_client_subnet_presets("gamma 10.0.0.0/8\n", "f"), UsageError);  // no source
  CHECK_THROWS_AS(parse_client_subnet_presets("gamma 10.0.0.1/8 x\n", "f"), UsageError);
}

TEST_CASE("the ECS option of a response: scope read, options skipped, malformed refused") {
  const EcsScan scan = read_client_subnet_option(ecs_response(12, {49, 96, 0}));
  CHECK(scan.readable);
  CHECK(scan.has_opt);
  REQUIRE(scan.option);
  CHECK(scan.option->family == 1);
  CHECK(scan.option->source_prefix == 24);
  CHECK(scan.option->scope_prefix == 12);
  CHECK(scan.option->address_text() == "49.96.0.0");
  CHECK(scan.problem.empty());

  // Address longer than the source prefix allows.
  const EcsScan bad = read_client_subnet_option(ecs_response(0, {49, 96, 0, 1}));
  CHECK(bad.readable);
  CHECK_FALSE(bad.option);
  CHECK(bad.problem.find("malformed") != std::string::npos);

  // Every cut of the message is read safely; only the whole one yields the option.
  const Bytes whole = ecs_response(12, {49, 96, 0});
  for (std::size_t n = 0; n < whole.size(); ++n) {
    const EcsScan cut = read_client_subnet_option(ByteView(whole.data(), n));
    CHECK_FALSE(cut.option);
  }

  // A response without OPT (a server that ignores EDNS).
  Bytes no_opt(whole.begin(), whole.begin() + 45);
  no_opt[11] = 0;
  const EcsScan none = read_client_subnet_option(no_opt);
  CHECK(none.readable);
  CHECK_FALSE(none.has_opt);
  CHECK_FALSE(none.option);
}
