// `dnswitness push URL`: sends the ledger's new run heads and their entries to a fleet collector
// (tlog/push_client.h, docs/fleet.md). `watch --push URL` does the same after every run.
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.h"
#include "cli/ledger_options.h"
#include "cli/push_step.h"
#include "model/errors.h"
#include "model/printable.h"
#include "tlog/push_message.h"

namespace dnswitness::cli {
namespace {

struct PushCommandOptions {
  LedgerOptions ledger;
  std::string url;
  int timeout_s = 30;
  bool quiet = false;
};

}  // namespace

std::string push_summary(const std::string& url, const PushOutcome& o) {
  if (o.kind != PushOutcome::Kind::pushed) return o.problem;
  if (o.run_heads_pushed == 0)
    return fmt::format("The collector {} already holds this ledger's {} leaves; nothing new to push.", url,
                       o.ledger_size);
  return fmt::format("Pushed {} run(s) to the collector {}: it holds {} leaves now, as this ledger (it held {}).",
                     o.run_heads_pushed, url, o.to, o.from);
}

int push_exit_code(const PushOutcome& o) {
  switch (o.kind) {
    case PushOutcome::Kind::pushed:
      return kExitOk;
    case PushOutcome::Kind::refused:
      return kExitTampered;
    case PushOutcome::Kind::failed:
      break;
  }
  return kExitInternal;
}

void push_after_run(LedgerStore& store, const std::string& url, bool quiet) {
  try {
    const PushOutcome o = push_ledger(store, url, kPushTimeoutMs);
    if (o.kind != PushOutcome::Kind::pushed)
      std::cerr << "dnswitness: warning: " << printable(o.problem) << " The run is recorded.\n";
    else if (!quiet)
      std::cerr << "dnswitness: " << push_summary(url, o) << '\n';
  } catch (const std::exception& e) {
    std::cerr << "dnswitness: warning: the push to " << url << " failed: " << printable(e.what())
              << " The run is recorded.\n";
  }
}

Action add_push(CLI::App& app) {
  auto opt = std::make_shared<PushCommandOptions>();
  CLI::App* sub = app.add_subcommand(
      "push", "Send the ledger's new runs to a fleet collector (the probe's side of 'collector serve').");
  sub->footer(
      "Sends every run the collector lacks, oldest first, each as its entries, the run's signed tree head and a\n"
      "consistency proof from what the collector holds (docs/fleet.md). The collector accepts them only if the\n"
      "tree head is signed by the key it registered for this probe ('collector add-probe ... --key', the key\n"
      "'dnswitness keygen --show' prints). A probe that was offline sends its whole backlog; sending again\n"
      "changes nothing. 'watch --push URL' pushes after every run. What happened is kept for 'status'.\n"
      "  dnswitness push http://collector.example.jp:7390\n"
      "Exit codes: 0 the collector holds everything; 1 the collector or the network failed (try again later,\n"
      "nothing is lost); 2 bad usage; 4 the collector refused: this probe is not registered, or it holds\n"
      "another tree for this log (a fork or a rolled-back ledger, kept there as evidence).");
  add_ledger_options(sub, opt->ledger);
  sub->add_option("url", opt->url, "The collector's base URL: http://HOST:PORT or https://HOST")->required();
  sub->add_option("--timeout", opt->timeout_s, "Seconds each request may take (default 30)")
      ->check(CLI::Range(1, 3600))
      ->option_text("SECONDS");
  sub->add_flag("--quiet,-q", opt->quiet, "Print only problems (for cron)");
  return [opt]() -> int {
    try {
      LedgerStore store(ledger_paths(opt->ledger.ledger), LedgerStore::Mode::read_only, std::string(),
                        opt->ledger.lock_timeout_s * 1000);
      const bool progress = !opt->quiet;
      const PushOutcome o = push_ledger(store, opt->url, opt->timeout_s * 1000L,
                                        [&](std::uint64_t done, std::uint64_t total) {
                                          if (progress && total >= 20 && (done % 10 == 0 || done == total))
                                            std::cerr << fmt::format("pushing: {}/{} runs\n", done, total);
                                        });
      const std::string url = collector_base_url(opt->url);
      if (o.kind != PushOutcome::Kind::pushed)
        std::cerr << "dnswitness: " << printable(o.problem) << '\n';
      else if (!opt->quiet)
        std::cout << push_summary(url, o) << '\n';
      return push_exit_code(o);
    } catch (...) {
      return report_current_exception();
    }
  };
}

}  // namespace dnswitness::cli
