// The streaming pieces of a run without the network: the JSON sink writes the same bytes as
// nlohmann's dump(2) of the whole document; the fanout delivers every observation once, in plan
// order for small runs, from its worker thread; a LedgerRunAppender dropped before finish() leaves
// the ledger as it was, and a finished one equals append_run.
#include <doctest/doctest.h>

#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ledger/leaves.h"
#include "ledger/store.h"
#include "ledger/verify.h"
#include "model/record_json.h"
#include "scheduler/json_sink.h"
#include "scheduler/observation_sink.h"
#include "support/lab.h"

using namespace dnswitness;
using dnswitness::test::TempDir;

namespace {

Observation observation(int i) {
  Observation o;
  o.qname = "n" + std::to_string(i) + ".example";
  o.qtype = i % 2 ? 28 : 1;
  o.resolver = ResolverSpec{"lab", Protocol::udp, "127.0.0.1", 5300, {}};
  o.sent_at = UtcTime{1'700'000'000'000'000'000LL + i};
  switch (i % 4) {
    case 0:
      o.outcome = Outcome::answer;
      o.rcode = 0;
      o.rtt_us = 300 + i;
      o.flags = {"qr", "rd", "ra"};
      o.addresses = {"192.0.2." + std::to_string(i % 250)};
      o.answers.push_back({o.qname + ".", "A", 300, o.addresses[0]});
      o.query_wire = Bytes(29, static_cast<std::uint8_t>(i));
      o.response_wire = Bytes(45, static_cast<std::uint8_t>(i + 1));
      break;
    case 1: o.outcome = Outcome::nodata; o.rcode = 0; o.rtt_us = 10; break;  // empty arrays
    case 2: o.outcome = Outcome::timeout; o.error = "no \"response\" within\n1000 ms\\"; break;
    default: o.outcome = Outcome::malformed; o.error = "r\xc3\xa9ponse \x01 odd"; break;  // non-ASCII, control
  }
  Exchange e;
  e.query_id = static_cast<std::uint16_t>(i);
  e.sent_at = o.sent_at;
  e.result = "response";
  e.query_wire = o.query_wire;
  o.exchanges.push_back(e);
  if (i % 5 == 0) o.exchanges.push_back(e);  // prior_exchanges present
  return o;
}

RunRecord record(int n) {
  RunRecord r;
  r.run_id = new_run_id();
  r.started_at = UtcTime{1'700'000'000'000'000'000LL};
  r.finished_at = UtcTime{1'700'000'001'000'000'000LL};
  r.domains = {"a.example", "b.example"};
  r.types = {"A", "AAAA"};
  r.observation_count = static_cast<std::uint64_t>(n);
  r.outcomes["answer"] = static_cast<std::uint64_t>(n);
  return r;
}

class Collect : public ObservationSink {
 public:
  void begin(const RunRecord& run) override { begun = run.run_id; thread = std::this_thread::get_id(); }
  void add(const Observation& o, std::string_view canonical) override {
    names.push_back(o.qname);
    texts.emplace_back(canonical);
    same_thread = same_thread && std::this_thread::get_id() == thread;
  }
  void end(const RunRecord& run) override { ended = run.run_id; }
  std::string begun, ended;
  std::vector<std::string> names, texts;
  std::thread::id thread;
  bool same_thread = true;
};

class TextBlind : public Collect {
 public:
  [[nodiscard]] bool wants_text() const override { return false; }
};

class Failing : public ObservationSink {
 public:
  void add(const Observation&, std::string_view) override { throw std::runtime_error("disk full"); }
};

}  // namespace

TEST_CASE("JsonSink writes exactly what dump(2) of the whole document gives") {
  for (const int n : {0, 1, 7, 40}) {
    CAPTURE(n);
    const RunRecord run = record(n);
    nlohmann::json doc = {{"run", run_json(run)}, {"observations", nlohmann::json::array()}};
    std::string streamed;
    JsonSink sink([&streamed](std::string_view b) { streamed.append(b); });
    sink.begin(run);
    ObservationLeafEncoder encoder(run.run_id);
    for (int i = 0; i < n; ++i) {
      const Observation o = observation(i);
      doc["observations"].push_back(observation_json(o, run.run_id));
      sink.add(o, encoder.encode(o));
    }
    sink.end(run);
    CHECK(streamed == doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  }
}

TEST_CASE("pretty_json of nested and empty values") {
  const nlohmann::json j = nlohmann::json::parse(R"({"a":[],"b":{},"c":[1,[2,{}],{"d":"x,y:{z}[\"]"}],"e":-3})");
  std::string out;
  pretty_json(j.dump(), 0, out);
  CHECK(out == j.dump(2));
  // Escaped backslashes right before a closing quote, escaped quotes, control characters, deep
  // nesting that outgrows the first buffer estimate, and appending after existing text.
  nlohmann::json deep = nlohmann::json::parse(R"({"k":"x\\","m":"\\\"q","n":"\u0001\t","o":[[[[[[[[[[[[1]]]]]]]]]]]]})");
  for (int i = 0; i < 40; ++i) deep = nlohmann::json{{"w", deep}, {"v", {1, "a\\\"b"}}};
  std::string appended = "prefix";
  pretty_json(deep.dump(), 0, appended);
  CHECK(appended == "prefix" + deep.dump(2));
}

TEST_CASE("the fanout hands every observation once to every sink, in plan order for small runs, off the loop") {
  for (const bool background : {true, false}) {
    for (const std::uint64_t limit : {std::uint64_t{0}, std::uint64_t{1000}}) {
      CAPTURE(background);
      CAPTURE(limit);
      Collect a, b;
      Failing bad;
      SinkFanout::Options fo;
      fo.planned = 500;
      fo.reorder_limit = limit;
      fo.background = background;
      fo.batch = 16;
      fo.max_pending = 64;  // forces the feeder to wait for the worker now and then
      SinkFanout fanout({&a, &bad, &b}, fo);
      const RunRecord run = record(500);
      fanout.begin(run);
      std::vector<std::uint64_t> order(500);
      for (std::uint64_t i = 0; i < order.size(); ++i) order[i] = i;
      std::mt19937 rng(5);
      std::shuffle(order.begin(), order.end(), rng);  // completion order differs from plan order
      for (const auto i : order) fanout.add(i, observation(static_cast<int>(i)));
      fanout.end(run);
      CHECK(fanout.error(&bad) != nullptr);
      CHECK(fanout.error(&a) == nullptr);
      for (Collect* c : {&a, &b}) {
        CHECK(c->begun == run.run_id);
        CHECK(c->ended == run.run_id);
        REQUIRE(c->names.size() == 500);
        CHECK(std::set<std::string>(c->names.begin(), c->names.end()).size() == 500);
        CHECK(c->same_thread);
        if (background) CHECK(c->thread != std::this_thread::get_id());
        for (std::size_t k = 0; k < 500; k += 97) {
          const auto i = limit > 0 ? k : order[k];
          CHECK(c->names[k] == "n" + std::to_string(i) + ".example");
          CHECK(c->texts[k] == canonical_dump(observation_json(observation(static_cast<int>(i)), run.run_id)));
        }
      }
    }
  }
}

TEST_CASE("the fanout encodes only when some sink wants the text") {
  for (const bool with_reader : {false, true}) {
    CAPTURE(with_reader);
    TextBlind blind;
    Collect reader;
    std::vector<ObservationSink*> sinks{&blind};
    if (with_reader) sinks.push_back(&reader);
    SinkFanout::Options fo;
    fo.planned = 3;
    SinkFanout fanout(sinks, fo);
    const RunRecord run = record(3);
    fanout.begin(run);
    for (int i = 0; i < 3; ++i) fanout.add(static_cast<std::uint64_t>(i), observation(i));
    fanout.end(run);
    REQUIRE(blind.texts.size() == 3);
    CHECK(fanout.encoded_fast() == (with_reader ? 3u : 0u));
    for (int i = 0; i < 3; ++i) {
      const std::string text = canonical_dump(observation_json(observation(i), run.run_id));
      CHECK(blind.texts[static_cast<std::size_t>(i)] == (with_reader ? text : std::string()));
      if (with_reader) CHECK(reader.texts[static_cast<std::size_t>(i)] == text);
    }
  }
}

TEST_CASE("LedgerRunAppender: dropped before finish the ledger is unchanged; finished it equals append_run") {
  TempDir dir;
  LedgerStore store(LedgerPaths{dir.path() / "ledger"}, LedgerStore::Mode::read_write, "test.example/stream");
  bool created = false;
  const auto key = store.load_or_create_key(&created);
  std::vector<Observation> obs;
  for (int i = 0; i < 20; ++i) obs.push_back(observation(i));
  const RunRecord first = record(20);
  store.append_run(make_run_leaves(first, obs), key);
  const auto size_before = store.size();
  {
    LedgerRunAppender appender(store, key);
    ObservationLeafEncoder encoder("x");
    for (const auto& o : obs) appender.add(encoder.encode(o), index_row_of(o, 0));
  }  // no finish(): rolled back
  CHECK(store.size() == size_before);
  CHECK(verify_ledger(store, key.public_key()).ok);

  const RunRecord second = record(20);
  const RunLeaves leaves = make_run_leaves(second, obs);
  LedgerRunAppender appender(store, key);
  CHECK(appender.first_index() == size_before);
  for (std::size_t i = 1; i < leaves.leaves.size(); ++i) appender.add(leaves.leaves[i], leaves.rows[i - 1]);
  const AppendResult a = appender.finish(leaves.leaves[0], second.run_id);
  CHECK(a.first_index == size_before);
  CHECK(a.size == size_before + 21);
  CHECK(store.leaf(size_before) == leaves.leaves[0]);
  CHECK(store.leaf(size_before + 5) == leaves.leaves[5]);
  const auto v = verify_ledger(store, key.public_key());
  CHECK_MESSAGE(v.ok, v.failure);
  CHECK(v.index_rows == 40);
}
