// `dnswitness resolve-snapshot`: resolve the targets against every resolver once, now.
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include "cli/commands.h"
#include "cli/ledger_options.h"
#include "cli/output_file.h"
#include "cli/snapshot_options.h"
#include "cli/tsa_options.h"
#include "config/snapshot_settings.h"
#include "ledger/leaves.h"
#include "ledger/store.h"
#include "model/errors.h"
#include "model/printable.h"
#include "model/record_json.h"
#include "model/target.h"
#include "cli/snapshot_output.h"
#include "scheduler/json_sink.h"
#include "scheduler/record_snapshot.h"
#include "scheduler/snapshot.h"

namespace dnswitness::cli {
namespace {

struct Options {
  SnapshotCliOptions run;
  bool json = false;
  bool jsonl = false;
  std::string out;
  bool quiet = false;
  bool no_progress = false;
  LedgerOptions ledger;
  bool no_ledger = false;
  bool new_ledger = false;
  std::string origin;
  TsaOptions tsa;
};

// The NTP rule's memory (clock/ntp_state.h) lives in the ledger folder. A --no-ledger run uses
// the folder when it exists and creates nothing; without one the rule holds within the run only.
std::filesystem::path ntp_state_file(const LedgerStore* store, const std::string& ledger_flag) {
  if (store) return store->paths().dir / "ntp-state.json";
  try {
    const auto dir = ledger_paths(ledger_flag).dir;
    std::error_code ec;
    if (std::filesystem::is_directory(dir, ec)) return dir / "ntp-state.json";
  } catch (...) {
    // No usable ledger location: nothing to remember across runs.
  }
  return {};
}

}  // namespace

Action add_resolve_snapshot(CLI::App& app) {
  auto opt = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("resolve-snapshot",
                                     "Resolve the target domains against every resolver once, now, and record "
                                     "each answer with its raw DNS bytes.");
  sub->footer(
      "Examples:\n"
      "  dnswitness resolve-snapshot                       # preset x, A and AAAA, default resolvers\n"
      "  dnswitness resolve-snapshot --resolver lab=127.0.0.1:5300 --domains x.com,t.co\n"
      "  dnswitness resolve-snapshot --resolver tcp://[::1]:5300 --json --out snapshot.json\n"
      "  dnswitness resolve-snapshot --resolver lab=127.0.0.1:5300 --jsonl x.com t.co | jq -c 'select(.kind == \"observation\") | .addresses'\n"
      "  dnswitness resolve-snapshot --resolver google=8.8.8.8 --resolver authoritative --client-subnet docomo\n"
      "  dnswitness resolve-snapshot --resolver lab=https://localhost:8443/dns-query --ca-file lab-ca.pem\n"
      "\n"
      "Default resolvers: system (from /etc/resolv.conf), google=8.8.8.8, cloudflare=1.1.1.1, quad9=9.9.9.9,\n"
      "google-doh=https://dns.google/dns-query, cloudflare-doh=https://cloudflare-dns.com/dns-query,\n"
      "iij-doh=https://public.dns.iij.jp/dns-query.\n"
      "Each run also checks the clock with one SNTP query per NTP server address (never more often than\n"
      "every 3 minutes per address; --ntp none or DNSWITNESS_NTP=none skips it), and asks the whoami\n"
      "names of Google, Cloudflare and OpenDNS for the egress address, but only when that service is one\n"
      "of the run's resolvers.\n"
      "Exit codes: 0 at least one DNS response arrived; 3 none did (the run is still reported);\n"
      "2 bad usage or config (nothing is sent or written); 1 internal failure, or the run could not be\n"
      "appended to the ledger (the ledger is then unchanged).\n"
      "Each run is appended to the ledger (see --ledger) with a signed tree head, unless --no-ledger.\n"
      "With --tsa, the tree head is then time-stamped (RFC 3161) by each TSA named; a TSA that fails is\n"
      "recorded and asked again on the next run, and never changes the exit code.\n" +
      std::string(kConfigFilesHelp));
  add_config_options(sub, opt->run, "JSON file with the same settings, repeatable (a later one wins)");
  add_snapshot_options(sub, opt->run);
  sub->add_flag("--json", opt->json,
                "Print the snapshot as one JSON document (docs/json-schema.md) instead of the table; with --out, "
                "write it to FILE and keep the table");
  sub->add_flag("--jsonl", opt->jsonl,
                "Stream one JSON object per line as each observation completes, the run record last; with --out, "
                "to FILE and keep the table");
  sub->add_option("--out", opt->out, "Where --json or --jsonl goes instead of standard output")->option_text("FILE");
  sub->add_flag("--quiet,-q", opt->quiet, "Do not print the table");
  sub->add_flag("--no-progress", opt->no_progress,
                "Do not show the progress line (names done, queries/s, failures, ETA) that a terminal otherwise "
                "gets on stderr");
  add_ledger_options(sub, opt->ledger);
  sub->add_flag("--no-ledger", opt->no_ledger, "Only print; do not append the run to the ledger");
  add_origin_option(sub, opt->origin);
  sub->add_flag("--new-ledger", opt->new_ledger,
                "Start a new ledger (new key and origin) on purpose: the old database and keys/ are moved to "
                "<ledger>/retired-<time>/, never deleted");
  add_tsa_options(sub, opt->tsa);

  return [opt, sub]() -> int {
    SnapshotSettings settings = snapshot_settings(opt->run, sub);
    SnapshotSettings tsa_cli;
    tsa_options_to_settings(sub, opt->tsa, tsa_cli);
    settings.override_with(tsa_cli);
    SnapshotPlan plan = make_plan(settings);
    if (opt->run.verbose) plan.engine.trace = trace_to_stderr;
    if (opt->no_ledger && (sub->count("--tsa") || sub->count("--tsa-accredited")))
      throw UsageError("--tsa time-stamps the ledger's signed tree head, so it cannot be combined with --no-ledger.");
    const std::vector<TsaTarget> tsas = opt->no_ledger ? std::vector<TsaTarget>{} : tsa_targets(sub, opt->tsa, settings);

    if (opt->json && opt->jsonl) throw UsageError("--json and --jsonl are two forms of one output; choose one.");
    if (!opt->out.empty() && !opt->json && !opt->jsonl)
      throw UsageError("--out names where --json or --jsonl goes; add one of them.");
    const bool to_stdout = (opt->json || opt->jsonl) && opt->out.empty();

    // Open the output before any query is sent, so a bad path costs nothing. The document (--json)
    // appears whole or not at all; the stream (--jsonl) grows line by line for a reader following it.
    std::unique_ptr<OutputFile> json_out;
    std::ofstream jsonl_out;
    if (opt->json && !opt->out.empty()) json_out = std::make_unique<OutputFile>(opt->out);
    if (opt->jsonl && !opt->out.empty()) {
      jsonl_out.open(opt->out, std::ios::binary | std::ios::trunc);
      if (!jsonl_out)
        throw UsageError(fmt::format("Cannot write to {}; check that its folder exists and is writable.", opt->out));
    }

    // Open the ledger (and make its key on first use) before any query is sent, for the same reason.
    std::unique_ptr<LedgerStore> store;
    std::optional<Ed25519PrivateKey> key;
    if (opt->no_ledger && opt->new_ledger)
      throw UsageError("--new-ledger starts a new ledger and cannot be combined with --no-ledger; drop one of them.");
    if (!opt->no_ledger) {
      try {
        if (opt->new_ledger) retire_ledger_for_new_start(ledger_paths(opt->ledger.ledger));
        store = std::make_unique<LedgerStore>(ledger_paths(opt->ledger.ledger), LedgerStore::Mode::read_write,
                                              opt->origin, opt->ledger.lock_timeout_s * 1000);
        bool created = false;
        key.emplace(store->load_or_create_key(&created));
        if (created)
          std::cerr << fmt::format(
              "dnswitness: created a new signing key for the ledger {} (fingerprint {}); back up {}.\n",
              store->paths().dir.string(), key->public_key().fingerprint(), store->paths().private_key().string());
      } catch (...) {
        return report_current_exception();
      }
    } else if (!opt->origin.empty()) {
      throw UsageError("--origin names a new ledger and cannot be combined with --no-ledger; drop one of them.");
    }
    plan.ntp.state_file = ntp_state_file(store.get(), opt->ledger.ledger);

    // The outputs, each a sink fed as observations complete (nothing holds the whole run).
    std::vector<std::unique_ptr<ObservationSink>> outputs;
    if (opt->json) {
      if (json_out) {
        outputs.push_back(std::make_unique<JsonSink>([out = json_out.get()](std::string_view b) { out->write(b); }));
      } else {
        outputs.push_back(std::make_unique<JsonSink>([](std::string_view b) {
          std::cout.write(b.data(), static_cast<std::streamsize>(b.size()));
        }));
      }
    }
    if (opt->jsonl) {
      std::ostream* stream = jsonl_out.is_open() ? static_cast<std::ostream*>(&jsonl_out) : &std::cout;
      outputs.push_back(std::make_unique<JsonLinesSink>([stream](std::string_view line) {
        stream->write(line.data(), static_cast<std::streamsize>(line.size()));
        stream->flush();
        if (!*stream) throw std::runtime_error("The --jsonl output could not be written (a closed pipe or a full disk).");
      }));
    }
    if (!opt->quiet && !to_stdout) outputs.push_back(std::make_unique<TableSink>(plan, std::cout));
    ProgressLine progress(plan, !opt->no_progress && !opt->run.verbose);  // -v lines would break it

    RecordOptions record;
    record.ledger = store.get();
    record.key = key ? &*key : nullptr;
    for (auto& o : outputs) record.sinks.push_back(o.get());
    if (progress.active()) record.on_progress = [&progress](const RunProgress& p) { progress.update(p); };

    boost::asio::io_context io;
    RunSummary summary;
    try {
      summary = record_snapshot(io, plan, std::move(record));
    } catch (const LedgerError&) {
      progress.finish();
      return report_current_exception();  // the ledger could not be opened for writing: nothing was sent
    }
    progress.finish();

    int ledger_rc = kExitOk;
    if (store) {
      try {
        if (summary.ledger_error) std::rethrow_exception(summary.ledger_error);
        const AppendResult& appended = summary.appended.value();
        if (!opt->quiet)
          std::cerr << fmt::format("dnswitness: run {} recorded in the ledger {}: leaves {}-{}, signed tree size {}.\n",
                                   summary.run.run_id, store->paths().dir.string(), appended.first_index,
                                   appended.size - 1, appended.size);
        stamp_after_run(*store, appended.note, tsas, opt->quiet);
        if (summary.shrunk > 0)
          std::cerr << fmt::format(
              "dnswitness: {} observation(s) were too large for one ledger entry and were recorded without "
              "their raw DNS bytes (see their ledger_note).\n",
              summary.shrunk);
      } catch (...) {
        ledger_rc = report_current_exception();
      }
    }
    for (const auto& e : summary.sink_errors)
      if (e) std::rethrow_exception(e);  // --json or the table failed: an internal error (exit 1)
    if (json_out) json_out->commit();
    if (summary.run.authoritative)
      for (const auto& problem : summary.run.authoritative->problems) std::cerr << "dnswitness: " << printable(problem) << "\n";
    if (summary.run.clock)
      for (const auto& w : summary.run.clock->warnings) std::cerr << "dnswitness: warning: " << w << "\n";
    if (ledger_rc != kExitOk) return ledger_rc;
    if (!summary.any_response()) {
      std::cerr << "dnswitness: no resolver gave any DNS response; check the resolver addresses and the network.\n";
      return kExitNoResponse;
    }
    return kExitOk;
  };
}

}  // namespace dnswitness::cli
