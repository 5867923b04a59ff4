// `dnswitness events`: the binding changes (and delayed runs, clock steps, --on-change problems) recorded
// by watch, in ledger order.
#include <fmt/format.h>

#include <cmath>
#include <iostream>

#include "cli/ledger_options.h"
#include "reports/time_option.h"
#include "ledger/events.h"
#include "model/errors.h"

namespace dnswitness::cli {
namespace {

struct EventsOptions {
  LedgerOptions ledger;
  std::string since, until;
  bool json = false;
};

std::string addresses(const nlohmann::json& a) {
  std::string out;
  if (a.is_array())
    for (const auto& s : a)
      if (s.is_string()) out += (out.empty() ? "" : " ") + s.get<std::string>();
  return out.empty() ? "(none)" : out;
}

void print_table(const std::vector<ListedEvent>& events) {
  if (events.empty()) {
    std::cout << "No event in the ledger matches.\n";
    return;
  }
  for (const auto& e : events) {
    const UtcTime t{e.time_ns};
    const auto& j = e.event;
    const std::string when = format_utc_display(t) + " " + format_jst_display(t);
    if (j.value("event", "") == "binding_change") {
      std::cout << fmt::format("{}  change   {} {} at {}: {} -> {}  (leaf {})\n", when, j.value("qname", "?"),
                               j.value("qtype", "?"), j.value("resolver", "?"),
                               addresses(j.contains("previous") ? j["previous"].value("addresses", nlohmann::json()) : nlohmann::json()),
                               addresses(j.contains("current") ? j["current"].value("addresses", nlohmann::json()) : nlohmann::json()),
                               e.leaf_index);
    } else if (j.value("event", "") == "delayed_run") {
      std::cout << fmt::format("{}  delayed  {} run(s) missed since {}: {}  (leaf {})\n", when,
                               j.value("missed_runs", std::uint64_t{0}), j.value("scheduled_at", "?"),
                               j.value("reason", "?"), e.leaf_index);
    } else if (j.value("event", "") == "clock_step" && j.contains("step_ns") && j["step_ns"].is_number_integer()) {
      std::cout << fmt::format("{}  clock    the wall clock was stepped {} by {:.3f} s  (leaf {})\n", when,
                               j.value("direction", "?"),
                               std::abs(static_cast<double>(j["step_ns"].get<std::int64_t>())) / 1e9, e.leaf_index);
    } else if (j.value("event", "") == "on_change_problems") {
      std::cout << fmt::format("{}  hooks    --on-change: {} dropped (queue full), {} timed out, {} failed since {}  "
                               "(leaf {})\n",
                               when, j.value("dropped", std::uint64_t{0}), j.value("timed_out", std::uint64_t{0}),
                               j.value("failed", std::uint64_t{0}), j.value("since", "?"), e.leaf_index);
    } else {
      std::cout << fmt::format("{}  {}  (leaf {})\n", when, j.value("event", "?"), e.leaf_index);
    }
  }
}

}  // namespace

Action add_events(CLI::App& app) {
  auto opt = std::make_shared<EventsOptions>();
  CLI::App* sub = app.add_subcommand(
      "events", "List the address changes (and delayed runs, clock steps, --on-change problems) that 'watch' "
      "recorded in the ledger.");
  sub->footer(
      "Examples:\n"
      "  dnswitness events --since 2026-11-01T00:00:00+09:00\n"
      "  dnswitness events --json | jq '.[] | select(.qname == \"api.x.com\")'\n"
      "A change is a (domain, type, resolver) whose address set differs from that resolver's previous answer;\n"
      "timeouts and errors are not changes. Times are shown in UTC and JST; --since and --until are inclusive.\n"
      "Exit codes: 0 done (even when nothing matches); 1 the ledger cannot be read; 2 bad usage.");
  add_ledger_options(sub, opt->ledger);
  sub->add_option("--since", opt->since, "Only events at or after this time (2026-12-05T03:00Z, 2026-12-05, 1h, ...)")
      ->option_text("TIME");
  sub->add_option("--until", opt->until, "Only events at or before this time (a date alone: its end)")->option_text("TIME");
  sub->add_flag("--json", opt->json, "Print a JSON array of the event records (with leaf_index)");
  return [opt]() -> int {
    std::optional<std::int64_t> since, until;
    if (!opt->since.empty()) since = parse_time_option(opt->since, "--since");
    if (!opt->until.empty()) until = parse_time_option(opt->until, "--until", TimeBound::end);
    if (since && until && *since > *until) throw UsageError("--since is later than --until; swap them.");
    try {
      LedgerStore store(ledger_paths(opt->ledger.ledger), LedgerStore::Mode::read_only, {},
                        opt->ledger.lock_timeout_s * 1000);
      const auto events = list_events(store, since, until);
      if (opt->json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& e : events) {
          nlohmann::json j = e.event;
          j["leaf_index"] = e.leaf_index;
          out.push_back(std::move(j));
        }
        std::cout << out.dump(2) << '\n';
      } else {
        print_table(events);
      }
      return kExitOk;
    } catch (...) {
      return report_current_exception();
    }
  };
}

}  // namespace dnswitness::cli
