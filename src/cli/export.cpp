// `dnswitness export`: observations of the ledger or of a report as JSON Lines, CSV for Excel,
// pcap, dnstap or RFC 8427 JSON (reports/observation_export.h, docs/export.md).
#include <fmt/format.h>

#include <unistd.h>

#include <fstream>
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
  std::string since, until, run, leaves, report, format = "jsonl", out;
  bool quiet = false;
};

ExportFormat export_format(const std::string& name) {
  if (name == "csv") return ExportFormat::csv;
  if (name == "pcap") return ExportFormat::pcap;
  if (name == "dnstap") return ExportFormat::dnstap;
  if (name == "rfc8427") return ExportFormat::rfc8427;
  return ExportFormat::jsonl;
}

nlohmann::json read_report_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(fmt::format("Cannot read the report {}; check the path.", path));
  auto report = nlohmann::json::parse(in, nullptr, false);
  if (report.is_discarded()) throw UsageError(fmt::format("{} is not JSON; give the report.json of a bundle.", path));
  return report;
}

std::string export_summary(const ExportStats& stats, const ExportSink& sink, const std::string& out) {
  std::string text = fmt::format("dnswitness: exported {} observation(s)", stats.observations);
  if (stats.runs) text += fmt::format(" of {} run(s)", stats.runs);
  if (sink.exchanges()) text += fmt::format(", {} exchange(s)", sink.exchanges());
  if (!out.empty()) text += " to " + out;
  text += ".\n";
  if (sink.exchanges_left_out())
    text += fmt::format("dnswitness: {} exchange(s) left out: no server address to draw them with (a DoH query that "
                        "never connected, or addresses of two families); the JSON Lines export has them.\n",
                        sink.exchanges_left_out());
  return text;
}

}  // namespace

Action add_export(CLI::App& app) {
  auto opt = std::make_shared<ExportOptions>();
  CLI::App* sub = app.add_subcommand(
      "export", "Write observations for other tools: JSON Lines, CSV (Excel), pcap (Wireshark), dnstap, RFC 8427.");
  sub->footer(
      "Formats (docs/export.md describes each field):\n"
      "  jsonl    one observation per line: the leaf's own members plus leaf_index and leaf_hash (without those\n"
      "           two, its canonical form is the exact leaf that was signed)\n"
      "  csv      UTF-8 with a byte-order mark, so that Excel opens Japanese text correctly; times in UTC and JST\n"
      "  pcap     every exchange as IP packets with the recorded bytes, addresses, ports and nanosecond times;\n"
      "           the IP/UDP/TCP headers are drawn, DoH is drawn as DNS over TCP on its port\n"
      "  dnstap   TOOL_QUERY/TOOL_RESPONSE messages as kdig -E writes them (read with dnstap-read, kdig -G)\n"
      "  rfc8427  JSON Lines, one RFC 8427 object per DNS message, as kdig +json prints them\n"
      "Which observations: --since/--until (by the time each was sent), --run, or --leaves; from the ledger, or\n"
      "from a report bundle's report.json with --report (not verified here: run 'dnswitness verify' on it).\n"
      "Examples:\n"
      "  dnswitness export --since 2026-12-01 --until 2026-12-05 --format csv --out observations.csv\n"
      "  dnswitness export --since 1h | jq -r 'select(.outcome != \"answer\") | [.qname, .resolver.name] | @tsv'\n"
      "  dnswitness export --run 1e4910873c5381091814770de671af8a --format pcap --out run.pcap\n"
      "  tshark -r run.pcap -d udp.port==5300,dns -Y dns      # a resolver on a port other than 53\n"
      "  dnswitness export --report bundle/report.json --format dnstap --out report.tap && dnstap-read report.tap\n"
      "Exit codes: 0 written (a summary on stderr); 1 the ledger cannot be read or the file written; 2 bad usage\n"
      "(a time that is not one, --since after --until, a run or leaf the ledger lacks, binary output to a\n"
      "terminal).");
  add_ledger_options(sub, opt->ledger);
  sub->add_option("--since", opt->since, "Observations at or after this time (RFC 3339, a date, 1h ago, now ...)")
      ->option_text("TIME");
  sub->add_option("--until", opt->until, "Observations at or before this time (a date alone: its end)")
      ->option_text("TIME");
  sub->add_option("--run", opt->run, "Every observation of this run instead (its run_id)")->option_text("RUN_ID");
  sub->add_option("--leaves", opt->leaves, "These observation leaves instead: 12, 12-20, 12,15,20-25")
      ->option_text("LIST");
  sub->add_option("--report", opt->report, "Read the observations of this report.json instead of the ledger")
      ->option_text("FILE");
  sub->add_option("--format", opt->format, "jsonl (default), csv, pcap, dnstap or rfc8427")
      ->check(CLI::IsMember({"jsonl", "csv", "pcap", "dnstap", "rfc8427"}))
      ->option_text("FORMAT");
  sub->add_option("--out", opt->out, "Write to FILE (replaced whole, never half-written) instead of standard output")
      ->option_text("FILE");
  sub->add_flag("--quiet,-q", opt->quiet, "No summary on stderr");
  return [opt]() -> int {
    ExportSelection sel;
    if (!opt->run.empty() && (!opt->since.empty() || !opt->until.empty() || !opt->leaves.empty()))
      throw UsageError("--run takes every observation of that run; leave out --since, --until and --leaves with it.");
    sel.run_id = opt->run;
    if (!opt->leaves.empty()) sel.leaves = parse_leaf_ranges(opt->leaves, "--leaves");
    if (!opt->since.empty()) sel.since_ns = parse_time_option(opt->since, "--since");
    if (!opt->until.empty()) sel.until_ns = parse_time_option(opt->until, "--until", TimeBound::end);
    if (sel.since_ns > sel.until_ns) throw UsageError("--since is later than --until; swap them.");
    const ExportFormat format = export_format(opt->format);
    const bool binary = format == ExportFormat::pcap || format == ExportFormat::dnstap;
    if (binary && opt->out.empty() && ::isatty(STDOUT_FILENO))
      throw UsageError(fmt::format("--format {} is binary; write it with --out FILE or redirect standard output.",
                                   opt->format));
    const nlohmann::json report = opt->report.empty() ? nlohmann::json() : read_report_json(opt->report);
    std::optional<OutputFile> file;
    if (!opt->out.empty()) file.emplace(opt->out);
    try {
      auto sink = make_export_sink(format, [&](std::string_view piece) {
        if (file)
          file->write(piece);
        else
          std::cout << piece;
      });
      const auto add = [&](std::uint64_t index, std::string_view leaf, const nlohmann::json& o) {
        sink->add(index, leaf, o);
      };
      ExportStats stats;
      if (!opt->report.empty()) {
        stats = visit_report_observations(report, sel, add);
      } else {
        LedgerStore store(ledger_paths(opt->ledger.ledger), LedgerStore::Mode::read_only, {},
                          opt->ledger.lock_timeout_s * 1000);
        stats = visit_ledger_observations(store, sel, add);
      }
      sink->finish();
      if (file) file->commit();
      std::cout << std::flush;
      if (!std::cout) throw std::runtime_error("Standard output could not be written (a closed pipe or a full disk).");
      if (!opt->quiet) std::cerr << export_summary(stats, *sink, opt->out);
      return kExitOk;
    } catch (...) {
      return report_current_exception();
    }
  };
}

}  // namespace dnswitness::cli
