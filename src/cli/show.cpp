// `dnswitness show`: stored exchanges as dig prints them (reports/exports/show_text.h).
#include <fmt/format.h>

#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "cli/ledger_options.h"
#include "model/errors.h"
#include "reports/exports/show_text.h"
#include "reports/observation_export.h"

namespace dnswitness::cli {
namespace {

struct ShowOptions {
  LedgerOptions ledger;
  std::vector<std::string> leaves;
  std::string run, report;
  bool query = false;
};

}  // namespace

Action add_show(CLI::App& app) {
  auto opt = std::make_shared<ShowOptions>();
  CLI::App* sub = app.add_subcommand("show", "Print stored DNS exchanges as dig does, with their times and ends.");
  sub->footer(
      "Each observation: a line naming the leaf, the question, the resolver and the outcome; then each exchange\n"
      "(a retried or truncated query has several, earliest first) with its transport, our end and the server's,\n"
      "the time it was sent (UTC and JST) and its round trip, and the response as dig prints it: header, flags,\n"
      "EDNS options (client subnet, NSID ...), question, answer, authority and additional sections.\n"
      "Leaf numbers are those of history, export --format jsonl (leaf_index) and report.json.\n"
      "Examples:\n"
      "  dnswitness show 1234\n"
      "  dnswitness show 1200-1210 --query\n"
      "  dnswitness show --run 1e4910873c5381091814770de671af8a | less\n"
      "  dnswitness show --report bundle/report.json 1234\n"
      "Exit codes: 0 shown; 1 the ledger cannot be read; 2 bad usage (a leaf the ledger lacks or that is not an\n"
      "observation, nothing selected).");
  add_ledger_options(sub, opt->ledger);
  sub->add_option("leaves", opt->leaves, "Observation leaves: 1234, 1200-1210, 12,15")->option_text("LEAF...");
  sub->add_option("--run", opt->run, "Every observation of this run (its run_id)")->option_text("RUN_ID");
  sub->add_option("--report", opt->report, "Read the observations of this report.json instead of the ledger")
      ->option_text("FILE");
  sub->add_flag("--query", opt->query, "Print each query message too, before its response");
  return [opt]() -> int {
    ExportSelection sel;
    for (const std::string& item : opt->leaves) {
      const auto ranges = parse_leaf_ranges(item, "show");
      sel.leaves.insert(sel.leaves.end(), ranges.begin(), ranges.end());
    }
    sel.run_id = opt->run;
    if (sel.leaves.empty() == sel.run_id.empty() && opt->report.empty())
      throw UsageError("Name the observations to show: leaf numbers (show 1234) or --run RUN_ID, not both.");
    if (!sel.run_id.empty() && !opt->report.empty())
      throw UsageError("--run reads a ledger; with --report, name leaves of the report (or none for all of them).");
    try {
      bool first = true;
      const auto print = [&](std::uint64_t index, std::string_view, const nlohmann::json& o) {
        std::cout << (first ? "" : "\n") << show_observation_text(index, o, opt->query);
        first = false;
      };
      ExportStats stats;
      if (!opt->report.empty()) {
        std::ifstream in(opt->report, std::ios::binary);
        if (!in) throw UsageError(fmt::format("Cannot read the report {}; check the path.", opt->report));
        const auto report = nlohmann::json::parse(in, nullptr, false);
        stats = visit_report_observations(report, sel, print);
        if (!sel.leaves.empty() && stats.observations == 0)
          throw UsageError("The report holds none of those leaves; its observation leaves are in report.json.");
      } else {
        LedgerStore store(ledger_paths(opt->ledger.ledger), LedgerStore::Mode::read_only, {},
                          opt->ledger.lock_timeout_s * 1000);
        stats = visit_ledger_observations(store, sel, print);
      }
      std::cout << std::flush;
      return kExitOk;
    } catch (...) {
      return report_current_exception();
    }
  };
}

}  // namespace dnswitness::cli
