#include "cli/option_checks.h"
#include "cli/witness_options.h"

#include <fmt/format.h>

#include "model/errors.h"

namespace dnswitness::cli {

void add_witness_options(CLI::App* sub, CosignerCliOptions& o) {
  sub->add_option("--witness", o.witnesses,
                  "A witness to cosign each new checkpoint (c2sp.org/tlog-witness), repeatable: NAME=URL+VKEY, "
                  "URL its submission prefix, VKEY its cosignature key (config: \"witnesses\")")
      ->option_text("NAME=URL+VKEY");
  sub->add_option("--witness-timeout", o.timeout_s,
                  "Time each witness may take to answer: 10s, 1m (default 10 s; config: \"witness_timeout_s\")")
      ->transform(duration_units(DurationBase::seconds))
      ->check(CLI::Range(1, 300))
      ->option_text("DURATION");
}

WitnessTargets witness_targets(const CLI::App* sub, const CosignerCliOptions& o, const SnapshotSettings& settings) {
  WitnessTargets t;
  const std::vector<std::string> texts =
      sub->count("--witness") ? o.witnesses : settings.witnesses.value_or(std::vector<std::string>{});
  for (const auto& text : texts) {
    WitnessEndpoint w = parse_witness_option(text);
    for (const auto& earlier : t.endpoints)
      if (earlier.verifier.key == w.verifier.key)
        throw UsageError(fmt::format("The witness key of '{}' is given twice; name each witness once.", w.name));
    t.endpoints.push_back(std::move(w));
  }
  const int seconds = sub->count("--witness-timeout") ? o.timeout_s : settings.witness_timeout_s.value_or(10);
  t.timeout_ms = 1000L * seconds;
  return t;
}

}  // namespace dnswitness::cli
