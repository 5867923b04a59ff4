// Golden encodings of the event leaves watch adds for clock steps and --on-change problems
// (ledger/events.h, docs/operation.md): a change to these bytes is a change of a stored format.
#include <doctest/doctest.h>

#include "ledger/events.h"
#include "model/record_json.h"

using namespace dnswitness;

TEST_CASE("clock_step event leaf: canonical JSON, sign and direction") {
  ClockStep back{"r1", -40'000'000'000, 1'796'451'720'002'716'540, 1'796'451'681'004'113'208, 1'001'396'668};
  CHECK(canonical_dump(clock_step_json(back)) ==
        R"({"after":"2026-12-05T06:21:21.004113208Z","before":"2026-12-05T06:22:00.002716540Z",)"
        R"("direction":"backward","elapsed_ns":1001396668,"event":"clock_step","kind":"event","run_id":"r1",)"
        R"("step_ns":-40000000000})");
  ClockStep forward{"r2", 3'600'000'000'000, 0, 3'601'000'000'000, 1'000'000'000};
  const auto j = clock_step_json(forward);
  CHECK(j["direction"] == "forward");
  CHECK(j["step_ns"].get<std::int64_t>() == 3'600'000'000'000);
  CHECK(j["before"] == "1970-01-01T00:00:00.000000000Z");
}

TEST_CASE("on_change_problems event leaf: canonical JSON") {
  OnChangeProblems p{"r3", 44, 12, 1, 256, 4, 1'796'451'720'000'000'000, 1'796'451'780'500'000'000};
  CHECK(canonical_dump(on_change_problems_json(p)) ==
        R"({"concurrency":4,"dropped":44,"event":"on_change_problems","failed":1,"kind":"event","queue_limit":256,)"
        R"("run_id":"r3","since":"2026-12-05T06:22:00.000000000Z","timed_out":12,)"
        R"("until":"2026-12-05T06:23:00.500000000Z"})");
}
