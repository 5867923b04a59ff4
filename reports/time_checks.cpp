#include "reports/time_checks.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>

#include "crypto/encoding.h"
#include "timeutil/timestamp.h"
#include "tsa/rfc3161.h"

namespace dnswitness {
namespace {

using nlohmann::json;

std::optional<std::int64_t> tc_time(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return std::nullopt;
  const auto t = parse_rfc3339(j[key].get<std::string>());
  if (!t) return std::nullopt;
  return t->ns;
}

std::string tc_seconds(std::int64_t ns) { return fmt::format("{:.3f}", static_cast<double>(ns) / 1e9); }

std::string tc_text(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

// The token's accuracy in nanoseconds, read from its own bytes (null when it states none or
// cannot be read: verify has already refused a token that does not verify).
json tc_accuracy(const json& token) {
  const std::string b64 = tc_text(token, "token_base64");
  const auto der = base64_decode(b64);
  if (!der) return nullptr;
  const TokenCheck c = token_time_of(*der);
  if (c.status != "granted" || !c.accuracy_ns) return nullptr;
  return *c.accuracy_ns;
}

}  // namespace

json time_checks_of(const json& run, std::uint64_t run_leaf, const json* previous, const json& tokens) {
  json findings = json::array();
  const auto started = tc_time(run, "started_at");
  const auto finished = tc_time(run, "finished_at");

  if (started && finished && *finished < *started)
    findings.push_back(
        {{"check", "finish_before_start"},
         {"started_at", run["started_at"]},
         {"finished_at", run["finished_at"]},
         {"by_ns", *started - *finished},
         {"warning", fmt::format("The run finished at {}, before it started at {} ({} s earlier) by the host clock: "
                                 "the clock was set back during the run.",
                                 tc_text(run, "finished_at"), tc_text(run, "started_at"),
                                 tc_seconds(*started - *finished))}});

  // The NTP offset is server time minus host time: negative when the host clock is ahead.
  if (run.is_object() && run.contains("clock") && run["clock"].is_object()) {
    const json& c = run["clock"];
    if (c.contains("offset_ns") && c["offset_ns"].is_number_integer()) {
      const std::int64_t off = c["offset_ns"].get<std::int64_t>();
      if (std::llabs(off) > kClockOffsetLimitNs)
        findings.push_back(
            {{"check", "clock_offset"},
             {"offset_ns", off},
             {"server", c.value("offset_server", json())},
             {"warning", fmt::format("The NTP check found the host clock {} s {} NTP time (server {}), more than the "
                                     "{} s the time cross-checks allow.",
                                     tc_seconds(std::llabs(off)), off < 0 ? "ahead of" : "behind",
                                     tc_text(c, "offset_server"), kClockOffsetLimitNs / 1'000'000'000)}});
    }
  }

  json checked_tokens = tokens.is_array() ? json::array() : json();
  if (tokens.is_array())
    for (const auto& t : tokens) {
      const json accuracy = tc_accuracy(t);
      checked_tokens.push_back({{"tsa_url", t.value("tsa_url", json())},
                                {"gen_time", t.value("gen_time", json())},
                                {"accuracy_ns", accuracy}});
      const auto gen = tc_time(t, "gen_time");
      if (!gen || !finished) continue;
      const std::int64_t acc = accuracy.is_number_integer() ? accuracy.get<std::int64_t>() : 0;
      if (*gen >= *finished - acc - kTimeToleranceNs) continue;
      findings.push_back(
          {{"check", "tsa_before_run"},
           {"tsa_url", t.value("tsa_url", json())},
           {"gen_time", t["gen_time"]},
           {"accuracy_ns", accuracy},
           {"finished_at", run["finished_at"]},
           {"by_ns", *finished - *gen},
           {"warning",
            fmt::format("The RFC 3161 time-stamp from {} dates the run's tree head at {}, before the run finished at "
                        "{} by the host clock ({} s earlier), more than the token's accuracy ({}) and the {} s "
                        "tolerance allow: the host clock was ahead of the TSA's.",
                        tc_text(t, "tsa_url"), tc_text(t, "gen_time"), tc_text(run, "finished_at"),
                        tc_seconds(*finished - *gen),
                        accuracy.is_number_integer() ? tc_seconds(acc) + " s" : std::string("none stated"),
                        kTimeToleranceNs / 1'000'000'000)}});
    }

  json order;
  if (previous) {
    const auto p_started = tc_time(*previous, "started_at");
    const auto p_finished = tc_time(*previous, "finished_at");
    order = {{"checked", true},
             {"previous_run_id", previous->value("run_id", json())},
             {"previous_started_at", previous->value("started_at", json())},
             {"previous_finished_at", previous->value("finished_at", json())}};
    if (started && p_started && p_finished && *started < *p_finished - kTimeToleranceNs) {
      const bool before_start = *started < *p_started;
      const std::int64_t by = before_start ? *p_started - *started : *p_finished - *started;
      findings.push_back(
          {{"check", "out_of_order"},
           {"started_at", run["started_at"]},
           {"previous_run_id", previous->value("run_id", json())},
           {"previous_started_at", (*previous)["started_at"]},
           {"previous_finished_at", (*previous)["finished_at"]},
           {"before_previous_start", before_start},
           {"by_ns", by},
           {"warning",
            before_start
                ? fmt::format("The run started at {}, before the previous run in the ledger ({}) started at {} ({} s "
                              "earlier): the runs are out of order, so the host clock went back between them.",
                              tc_text(run, "started_at"), previous->value("run_id", ""),
                              tc_text(*previous, "started_at"), tc_seconds(by))
                : fmt::format("The run started at {}, before the previous run in the ledger ({}) finished at {} ({} "
                              "s earlier): the runs are out of order, so they overlapped or the host clock went back "
                              "between them.",
                              tc_text(run, "started_at"), previous->value("run_id", ""),
                              tc_text(*previous, "finished_at"), tc_seconds(by))}});
    }
  } else {
    order = {{"checked", false},
             {"why", run_leaf == 0 ? "it is the ledger's first run"
                                   : "the run before it in the ledger is not in this bundle"}};
  }

  return {{"tolerance_ns", kTimeToleranceNs},
          {"offset_limit_ns", kClockOffsetLimitNs},
          {"order", std::move(order)},
          {"tokens", std::move(checked_tokens)},
          {"findings", std::move(findings)}};
}

bool run_touches(const json& facts, std::int64_t from_ns, std::int64_t to_ns) {
  const auto a = tc_time(facts, "started_at"), b = tc_time(facts, "finished_at");
  if (!a || !b) return false;
  return std::min(*a, *b) <= to_ns && std::max(*a, *b) >= from_ns;
}

void add_time_warnings_to_logins(json& tables, const std::map<std::uint64_t, json>& run_facts, std::int64_t before_ns,
                                 std::int64_t after_ns) {
  if (!tables.is_object() || !tables.contains("logins")) return;
  for (auto& login : tables["logins"]) {
    const auto t = tc_time(login, "time");
    if (!t) continue;
    for (const auto& [leaf, facts] : run_facts) {
      const json* checks = facts.contains("time_checks") ? &facts["time_checks"] : nullptr;
      if (!checks || !checks->contains("findings") || (*checks)["findings"].empty()) continue;
      if (!run_touches(facts, *t - before_ns, *t + after_ns)) continue;
      for (const auto& f : (*checks)["findings"])
        login["warnings"].push_back(fmt::format("Run {} (started {}): {}", tc_text(facts, "run_id"),
                                                tc_text(facts, "started_at"), tc_text(f, "warning")));
    }
  }
}

}  // namespace dnswitness
