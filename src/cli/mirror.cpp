// `dnswitness mirror URL --to DIR`: copies a log published as static tiles, incrementally, checking
// every byte against the log's signed checkpoint and refusing a log that rewinds or forks.
#include <fmt/format.h>

#include <iostream>

#include "cli/option_checks.h"
#include "cli/commands.h"
#include "model/errors.h"
#include "model/printable.h"
#include "tlog/mirror.h"

namespace dnswitness::cli {
namespace {

struct MirrorCliOptions {
  std::string source;
  std::string to;
  std::string log_key;
  int timeout_s = 30;
  bool quiet = false;
};

}  // namespace

Action add_mirror(CLI::App& app) {
  auto opt = std::make_shared<MirrorCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "mirror", "Copy a public evidence log (static tiles) into a folder, checking it, and keep the copy up to date.");
  sub->footer(
      "The log is read from URL (http:// or https://, the part before /checkpoint) or from a local folder.\n"
      "The first time, give the log's verifier key with --log-key: get it from the log's operator (its\n"
      "log.json advertises one, but a server can advertise anything). Later runs use the key kept in\n"
      "FOLDER/.mirror.json and fetch only what was added since the last run. Every tile and entry is\n"
      "checked against the log's signed checkpoint before anything is written; the checkpoint is\n"
      "written last, so an interrupted mirror is still a valid log. A log that shows a smaller tree\n"
      "(rewind) or another history (fork) is refused, and both signed checkpoints are kept in\n"
      "FOLDER/fork-evidence/<UTC time>/. The folder can be served like the original (docs/public-log.md).\n"
      "Example: dnswitness mirror https://evidence.example.jp/dnswitness/2027 --to /srv/mirror \\\n"
      "           --log-key 'evidence.example.jp/dnswitness/2027+1a2b3c4d+AXXX...'\n"
      "Exit codes: 0 the mirror holds the log's newest checkpoint; 1 the server is down, answered an\n"
      "error, was too slow, sent too much, or a file could not be written; 2 bad usage (no key on a\n"
      "first mirror, another key than the mirror's); 4 the log's checkpoint, tiles or entries do not\n"
      "verify, or the log rewound or forked (nothing copied; evidence kept).");
  sub->add_option("URL", opt->source, "The log's URL prefix (http://, https://), or its local folder")->required();
  sub->add_option("--to", opt->to, "The mirror folder (new, empty, or an earlier mirror of this log)")
      ->required()
      ->option_text("FOLDER");
  sub->add_option("--log-key", opt->log_key,
                  "The log's verifier key, name+hex+base64 (required the first time; must match later)")
      ->option_text("KEY");
  sub->add_option("--timeout", opt->timeout_s, "Time allowed for each file fetched: 30s, 2m (default 30 s)")
      ->transform(duration_units(DurationBase::seconds))
      ->check(CLI::Range(1, 3600))
      ->option_text("DURATION");
  sub->add_flag("--quiet,-q", opt->quiet, "Print only warnings and problems (for cron)");
  return [opt]() -> int {
    MirrorOptions m;
    m.source = opt->source;
    m.dir = opt->to;
    if (!opt->log_key.empty()) m.log_key = opt->log_key;
    m.fetch.timeout_ms = opt->timeout_s * 1000;
    // Progress for long copies only, in tenths, so a cron log stays short.
    m.progress = [quiet = opt->quiet](std::uint64_t done, std::uint64_t total) {
      if (quiet || total < 100) return;
      const std::uint64_t step = total / 10;
      if (done % step == 0 || done == total)
        std::cerr << fmt::format("dnswitness: mirror: {}/{} tiles and entry bundles fetched and checked\n", done,
                                 total);
    };
    try {
      const MirrorResult r = mirror_log(m);
      for (const auto& w : r.warnings) std::cerr << fmt::format("dnswitness: warning: {}.\n", printable(w));
      if (!opt->quiet) {
        if (r.size == r.held_size && r.files_written == 0)
          std::cout << fmt::format("The mirror {} is up to date: {} holds {} entries.\n", opt->to, r.origin, r.size);
        else
          std::cout << fmt::format("Mirrored {} from {} to {}: {} entries (was {}), {} files written, {} requests, "
                                   "{} bytes fetched.\n",
                                   r.origin, opt->source, opt->to, r.size, r.held_size, r.files_written, r.requests,
                                   r.bytes_fetched);
      }
      return kExitOk;
    } catch (const MirrorRefused& e) {
      std::cerr << "dnswitness: " << printable(e.what()) << '\n';
      return kExitTampered;
    } catch (const LogFetchError& e) {
      std::cerr << "dnswitness: " << printable(e.what()) << '\n';
      return kExitInternal;
    } catch (const std::filesystem::filesystem_error& e) {
      std::cerr << fmt::format("dnswitness: cannot write the mirror {}: {}; check the folder and free space.\n",
                               opt->to, printable(e.code().message()));
      return kExitInternal;
    }
  };
}

}  // namespace dnswitness::cli
