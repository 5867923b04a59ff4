// Coverage gaps of a report (reports/coverage_gaps.h): the windows merged, the interval from
// --interval or the median spacing of nearby runs, gaps at a window's edges and between runs, an
// unknown interval listing none, and the form checks `verify` makes.
#include <doctest/doctest.h>

#include "reports/coverage_gaps.h"
#include "timeutil/timestamp.h"

using namespace dnswitness;
using nlohmann::json;

namespace {

constexpr std::int64_t kMin = 60'000'000'000;
constexpr std::int64_t kT0 = 1'700'524'800'000'000'000;  // 2023-11-21T00:00:00Z

std::vector<std::int64_t> every_5_min_except(std::int64_t hole_from, std::int64_t hole_to) {
  std::vector<std::int64_t> out;
  for (std::int64_t t = kT0 - 600 * kMin; t <= kT0 + 600 * kMin; t += 5 * kMin)
    if (t < hole_from || t > hole_to) out.push_back(t);
  return out;
}

}  // namespace

TEST_CASE("windows of login times and a period are merged when they overlap") {
  CandidateOptions o;
  o.before_ns = 60 * kMin;
  o.after_ns = 10 * kMin;
  std::vector<LoginRecord> logins(3);
  logins[0].at = UtcTime{kT0};
  logins[1].at = UtcTime{kT0 + 30 * kMin};   // overlaps the first
  logins[2].at = UtcTime{kT0 + 300 * kMin};  // apart
  const auto w = report_windows(logins, o);
  REQUIRE(w.size() == 2);
  CHECK(w[0].from_ns == kT0 - 60 * kMin);
  CHECK(w[0].until_ns == kT0 + 40 * kMin);
  CHECK(w[1].from_ns == kT0 + 240 * kMin);
}

TEST_CASE("the median spacing finds a hole between runs; the window's edges count") {
  // Runs every 5 min, none from 00:12 to 00:48 (last run 00:10, next 00:50).
  const auto starts = every_5_min_except(kT0 + 12 * kMin, kT0 + 48 * kMin);
  const json c = coverage_of(starts, {{kT0 - 60 * kMin, kT0 + 60 * kMin}}, std::nullopt);
  CHECK(c["interval_seconds"] == 300);
  CHECK(c["gap_threshold_seconds"] == 600);
  CHECK(c["interval_source"].get<std::string>().find("median") != std::string::npos);
  const json& gaps = c["windows"][0]["gaps"];
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0]["from"] == format_rfc3339_ns(UtcTime{kT0 + 10 * kMin}));
  CHECK(gaps[0]["until"] == format_rfc3339_ns(UtcTime{kT0 + 50 * kMin}));
  CHECK(gaps[0]["seconds"] == 2400);
  CHECK(gaps[0]["from_edge"] == "run");
  CHECK(c["windows"][0]["runs"] == 18);
}

TEST_CASE("--interval wins; a window with no run at all is one gap from edge to edge") {
  const auto starts = every_5_min_except(kT0 - 100 * kMin, kT0 + 100 * kMin);
  const json c = coverage_of(starts, {{kT0 - 30 * kMin, kT0 + 30 * kMin}}, 10 * kMin);
  CHECK(c["interval_source"] == "--interval");
  CHECK(c["interval_seconds"] == 600);
  const json& gaps = c["windows"][0]["gaps"];
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0]["from_edge"] == "window");
  CHECK(gaps[0]["until_edge"] == "window");
  CHECK(gaps[0]["seconds"] == 3600);
  // With a long interval the same window has no gap.
  CHECK(coverage_of(starts, {{kT0 - 30 * kMin, kT0 + 30 * kMin}}, 60 * kMin)["windows"][0]["gaps"].empty());
}

TEST_CASE("fewer than three runs near the windows: the interval is unknown and no gap is listed") {
  const json c = coverage_of({kT0, kT0 + 5 * kMin}, {{kT0 - 600 * kMin, kT0 + 600 * kMin}}, std::nullopt);
  CHECK(c["interval_seconds"].is_null());
  CHECK(c["interval_source"].get<std::string>().find("--interval") != std::string::npos);
  CHECK(c["windows"][0]["gaps"].empty());
}
