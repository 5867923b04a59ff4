// The run index (docs/public-log.md, "The run index"): its names and text are frozen; a reader
// refuses any other layout; and a folder published step by step holds exactly the files a folder
// published at once holds for the same size, whatever sizes the steps stopped at.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "timeutil/timestamp.h"
#include "tlog/run_index.h"

using namespace dnswitness;

namespace {

constexpr std::int64_t kStart = 1'796'563'555'000'000'000;

std::string run_leaf(std::int64_t ns) {
  return R"({"kind":"run","observation_count":3,"started_at":")" + format_rfc3339_ns(UtcTime{ns}) + R"("})";
}

const std::string kEventLeaf =
    R"({"facts":{"kind":"run","started_at":"2026-12-06T00:00:00Z"},"kind":"event"})";
const std::string kObservationLeaf = R"({"kind":"observation","qname":"x.com","sent_at":"2026-12-06T00:00:00Z"})";

// A log of 140,000 leaves: runs of irregular length (1 to 700 leaves), each a run leaf then
// observation-like leaves, one of which names a run kind inside a nested object.
struct Leaves {
  std::vector<std::string> all;
  std::vector<RunIndexLine> runs;
  Leaves() {
    std::uint64_t next_run = 0;
    std::int64_t t = kStart;
    for (std::uint64_t i = 0; i < 140'000; ++i) {
      if (i == next_run) {
        all.push_back(run_leaf(t));
        runs.push_back({i, t});
        next_run = i + 1 + (i * 7919) % 700;
        t += 300'000'000'123;
      } else if (i % 1000 == 17) {
        all.push_back(kEventLeaf);
      } else {
        all.push_back(kObservationLeaf);
      }
    }
  }
};

const Leaves& leaves() {
  static const Leaves l;
  return l;
}

// A folder as a map of path -> text, grown to each size in `steps` as publish grows one.
std::map<std::string, std::string> publish_in_steps(const std::vector<std::uint64_t>& steps) {
  std::map<std::string, std::string> folder;
  std::uint64_t held = 0;
  for (const std::uint64_t size : steps) {
    std::optional<std::string> base;
    if (const auto path = RunIndexBuilder::base_path(held))
      if (const auto it = folder.find(*path); it != folder.end()) base = it->second;
    RunIndexBuilder b(held, base);
    for (std::uint64_t i = held - held % 256; i < size; ++i) b.leaf(i, as_bytes(leaves().all[i]));
    for (auto& [path, text] : b.files(size)) {
      const auto [it, fresh] = folder.emplace(path, text);
      CHECK(it->second == text);  // never rewritten with other bytes
    }
    held = size;
  }
  return folder;
}

}  // namespace

TEST_CASE("the run index's names and text are frozen") {
  CHECK(run_index_path(0, 1) == "dnswitness/runs/index/000.p/1");
  CHECK(run_index_path(0, 256) == "dnswitness/runs/index/000");
  CHECK(run_index_path(1234, 255) == "dnswitness/runs/index/x001/234.p/255");
  CHECK(run_index_files(255) == 0);
  CHECK(run_index_files(256) == 1);
  CHECK(run_index_files(65536 + 255) == 1);
  CHECK(run_index_files(65536 + 256) == 2);
  CHECK(run_index_width(0, 255) == 0);
  CHECK(run_index_width(0, 300) == 1);
  CHECK(run_index_width(0, 70'000) == 256);
  CHECK(run_index_width(1, 70'000) == (70'000 - 65'536) / 256);
  CHECK(run_index_width(2, 70'000) == 0);
  const std::vector<RunIndexLine> lines = {{0, 1'796'563'555'826'092'752}, {1001, 1'796'567'155'000'000'000}};
  CHECK(run_index_text(lines) == "dnswitness-run-index/1\n0 1796563555826092752\n1001 1796567155000000000\n");
  CHECK(run_index_text({}) == "dnswitness-run-index/1\n");
  std::string why;
  const auto back = parse_run_index(run_index_text(lines), 0, 4, &why);
  REQUIRE(back);
  CHECK(*back == lines);
  CHECK(run_leaf_started_ns(run_leaf(kStart + 42)) == kStart + 42);
  CHECK_FALSE(run_leaf_started_ns(R"({"kind":"observation","sent_at":"2026-12-06T00:00:00Z"})"));
  CHECK_FALSE(run_leaf_started_ns(R"({"facts":{"kind":"run","started_at":"2026-12-06T00:00:00Z"},"kind":"event"})"));
  CHECK_FALSE(run_leaf_started_ns(R"({"kind":"run","started_at":"yesterday"})"));
}

TEST_CASE("a run index in any other layout, or listing leaves outside its range or out of order, is refused") {
  const std::string head = "dnswitness-run-index/1\n";
  std::string why;
  CHECK(parse_run_index(head + "256 5\n300 7\n", 0, 2, &why));
  for (const std::string& bad :
       {std::string("dnswitness-run-index/2\n256 5\n"), head + "256 5", head + "256  5\n", head + "0256 5\n",
        head + "256 05\n", head + "256 -5\n", head + "+256 5\n", head + "256 5\r\n", head + "256\n", head + "x 5\n",
        head + "300 5\n256 7\n", head + "256 5\n256 7\n", head + "512 5\n", head + "256 18446744073709551616\n",
        head + "256 9223372036854775808\n", std::string("256 5\n")}) {
    CAPTURE(bad);
    why.clear();
    CHECK_FALSE(parse_run_index(bad, 0, 2, &why));
    CHECK_FALSE(why.empty());
  }
  CHECK_FALSE(parse_run_index(head + "65535 5\n", 1, 2, &why));  // file 1 starts at leaf 65,536
  CHECK(parse_run_index(head + "65536 5\n", 1, 2, &why));
}

TEST_CASE("a run index published step by step equals one published at once, and lists every run") {
  const auto& l = leaves();
  const std::uint64_t size = l.all.size();
  const auto once = publish_in_steps({size});
  // Steps across bundle and file boundaries, inside the first bundle, and at exact multiples.
  const auto steps = publish_in_steps({1, 255, 256, 300, 511, 65'535, 65'536, 65'537, 66'000, 131'072, 131'300, size});
  for (const auto& [path, text] : once) {
    CAPTURE(path);
    REQUIRE(steps.count(path) == 1);
    CHECK(steps.at(path) == text);
  }
  CHECK(once.size() == 3);  // two full files and the partial one of 140,000 leaves
  REQUIRE(once.count(run_index_path(2, (size - 131'072) / 256)) == 1);
  // Every run leaf in the covered leaves, with its started_at, and nothing else.
  std::vector<RunIndexLine> listed;
  for (std::uint64_t n = 0; n < run_index_files(size); ++n) {
    std::string why;
    const auto width = run_index_width(n, size);
    const auto lines = parse_run_index(once.at(run_index_path(n, width)), n, width, &why);
    REQUIRE(lines);
    listed.insert(listed.end(), lines->begin(), lines->end());
  }
  std::vector<RunIndexLine> expected;
  for (const auto& r : l.runs)
    if (r.run_leaf < size / 256 * 256) expected.push_back(r);
  CHECK(listed == expected);
  // Every step wrote each width of the files it grew: the partial files of the sizes in between stay.
  CHECK(steps.count(run_index_path(0, 1)) == 1);
  CHECK(steps.count(run_index_path(1, 1)) == 1);
}

TEST_CASE("a folder without the run index file it should continue gets the next files, not that one") {
  const auto& l = leaves();
  const std::uint64_t held = 70'000, size = 140'000;
  RunIndexBuilder b(held, std::nullopt);  // a folder published before run indexes existed
  for (std::uint64_t i = held - held % 256; i < size; ++i) b.leaf(i, as_bytes(l.all[i]));
  const auto files = b.files(size);
  REQUIRE(files.size() == 1);
  CHECK(files[0].first == run_index_path(2, (size - 131'072) / 256));
  const auto once = publish_in_steps({size});
  CHECK(files[0].second == once.at(files[0].first));
  // A base that does not parse counts as none.
  RunIndexBuilder damaged(held, std::string("not a run index\n"));
  for (std::uint64_t i = held - held % 256; i < size; ++i) damaged.leaf(i, as_bytes(l.all[i]));
  CHECK(damaged.files(size) == files);
}
