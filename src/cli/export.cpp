// `dnswitness export`: the ledger's observations as JSON Lines or as CSV for Excel
// (reports/observation_export.h, docs/export.md).
#include <fmt/format.h>

#include <iostream>
#include <optional>

#include "cli/commands.h"
#include "cli/ledger_options.h"
#include "cli/output_file.h"
#include "model/errors.h"
#include "reports/observation_export.h"
#include "reports/time_option.h"

namespace dnswitness::cli {
namespace {

struct ExportOptions {
  LedgerOptions ledger;
  std::string since, until, run, format = "jsonl", out;
  bool quiet = false;
};

}  // namespace

Action add_export(CLI::App& app) {
  auto opt = std::make_shared<ExportOptions>();
  CLI::App* sub = app.add_subcommand(
      "export", "Write the ledger's observations as JSON Lines or as CSV (for Excel), over a time range or one run.");
  sub->footer(
      "jsonl: one observation per line, the leaf's own members plus leaf_index and leaf_hash (without those two,\n"
      "its canonical form is the exact leaf that was signed). csv: UTF-8 with a byte-order mark, so that Excel\n"
      "opens Japanese text correctly; one row per observation, times in UTC (RFC 3339) and JST. Both in leaf\n"
      "order. docs/export.md describes every field and column.\n"
      "Examples:\n"
      "  dnswitness export --since 2026-12-01 --until 2026-12-05 --format csv --out observations.csv\n"
      "  dnswitness export --since 1h | jq -r 'select(.outcome != \"answer\") | [.qname, .resolver.name] | @tsv'\n"
      "  dnswitness export --run 1e4910873c5381091814770de671af8a\n"
      "Exit codes: 0 written (a summary on stderr); 1 the ledger cannot be read or the file written; 2 bad usage\n"
      "(a time that is not one, --since after --until, a run the ledger lacks).");
  add_ledger_options(sub, opt->ledger);
  sub->add_option("--since", opt->since, "Observations at or after this time (RFC 3339, a date, 1h ago, now ...)")
      ->option_text("TIME");
  sub->add_option("--until", opt->until, "Observations at or before this time (a date alone: its end)")
      ->option_text("TIME");
  sub->add_option("--run", opt->run, "Every observation of this run instead (its run_id)")->option_text("RUN_ID");
  sub->add_option("--format", opt->format, "jsonl (default) or csv")
      ->check(CLI::IsMember({"jsonl", "csv"}))
      ->option_text("FORMAT");
  sub->add_option("--out", opt->out, "Write to FILE (replaced whole, never half-written) instead of standard output")
      ->option_text("FILE");
  sub->add_flag("--quiet,-q", opt->quiet, "No summary on stderr");
  return [opt]() -> int {
    ExportSelection sel;
    if (!opt->run.empty() && (!opt->since.empty() || !opt->until.empty()))
      throw UsageError("--run takes every observation of that run; leave out --since and --until with it.");
    sel.run_id = opt->run;
    if (!opt->since.empty()) sel.since_ns = parse_time_option(opt->since, "--since");
    if (!opt->until.empty()) sel.until_ns = parse_time_option(opt->until, "--until", TimeBound::end);
    if (sel.since_ns > sel.until_ns) throw UsageError("--since is later than --until; swap them.");
    const ExportFormat format = opt->format == "csv" ? ExportFormat::csv : ExportFormat::jsonl;
    std::optional<OutputFile> file;
    if (!opt->out.empty()) file.emplace(opt->out);
    try {
      LedgerStore store(ledger_paths(opt->ledger.ledger), LedgerStore::Mode::read_only, {},
                        opt->ledger.lock_timeout_s * 1000);
      const ExportStats stats = export_observations(store, sel, format, [&](std::string_view piece) {
        if (file)
          file->write(piece);
        else
          std::cout << piece;
      });
      if (file) file->commit();
      std::cout << std::flush;
      if (!opt->quiet)
        std::cerr << fmt::format("dnswitness: exported {} observation(s) of {} run(s){}.\n", stats.observations,
                                 stats.runs, opt->out.empty() ? "" : " to " + opt->out);
      return kExitOk;
    } catch (...) {
      return report_current_exception();
    }
  };
}

}  // namespace dnswitness::cli
