#include "cli/publish_step.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <iostream>

#include "cli/commands.h"
#include "tlog/witnessing.h"

namespace dnswitness::cli {

PublishResult publish_to_folder(LedgerStore& store, const std::string& dir, std::ostream* progress) {
  PublishOptions o;
  o.dir = dir;
  if (progress)
    o.progress = [progress](std::uint64_t done, std::uint64_t total) {
      *progress << fmt::format("publishing: {} of {} leaves\n", done, total) << std::flush;
    };
  return publish_ledger(store, o);
}

std::string publish_summary(const std::string& origin, const std::string& dir, const PublishResult& r) {
  if (r.size == r.published_size && r.files_written == 0)
    return fmt::format("{} already holds {} at size {}; nothing new to publish.", dir, origin, r.size);
  // The same tree, but tokens granted since the last publish, run heads the folder lacked or a new log.json.
  if (r.size == r.published_size)
    return fmt::format("{} already holds {} at size {}; updated {} files (cosignatures, time-stamp lists, run "
                       "heads, log.json), {} already there.",
                       dir, origin, r.size, r.files_written, r.files_present);
  std::string text = fmt::format("Published {} at size {} (was {}) to {}: {} files written, {} already there.", origin,
                                 r.size, r.published_size, dir, r.files_written, r.files_present);
  if (r.summaries_skipped)
    text += " The new runs got no summary (dnswitness/runs/): the ledger's private key cannot be read here, so a "
            "report from this folder reads every entry bundle near a login time, which is slower.";
  return text;
}

WitnessingSummary ask_witnesses(LedgerStore& store, const WitnessTargets& witnesses, bool quiet, std::ostream& out) {
  WitnessingSummary summary;
  if (witnesses.endpoints.empty()) return summary;
  const WitnessingResult r = witness_newest_tree_head(store, witnesses.endpoints, witnesses.timeout_ms);
  const auto messages = witnessing_messages(r);
  for (std::size_t i = 0; i < r.attempts.size(); ++i) {
    const bool ok = r.attempts[i].status == kCosigned || r.attempts[i].status == kCosignSuperseded;
    if (!ok) ++summary.not_cosigned;
    if (is_inconsistent_refusal(r.attempts[i])) ++summary.inconsistent;
    if (!ok || !quiet) out << "dnswitness: " << messages[i] << "\n";
  }
  if (!quiet && !r.already.empty())
    out << fmt::format("dnswitness: already cosigned at size {} by {}.\n", r.size, fmt::join(r.already, ", "));
  return summary;
}

void publish_after_run(LedgerStore& store, const std::string& dir, const WitnessTargets& witnesses, bool quiet) {
  try {
    ask_witnesses(store, witnesses, quiet, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << fmt::format("dnswitness: WARNING: asking the witnesses failed: {} The next run asks again.\n",
                             e.what());
  }
  try {
    const PublishResult r = publish_to_folder(store, dir, nullptr);
    if (!quiet) std::cerr << "dnswitness: " << publish_summary(store.origin(), dir, r) << "\n";
  } catch (const std::exception& e) {
    std::cerr << fmt::format("dnswitness: WARNING: publishing to {} failed: {} The run is recorded; the next run "
                             "publishes again.\n",
                             dir, e.what());
  }
}

int publish_exit_code(const PublishError& e) {
  switch (e.kind()) {
    case PublishError::Kind::usage:
      return kExitUsage;
    case PublishError::Kind::fork:
      return kExitTampered;
    case PublishError::Kind::io:
      break;
  }
  return kExitInternal;
}

}  // namespace dnswitness::cli
