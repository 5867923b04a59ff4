// The shared run options of resolve-snapshot and watch (see snapshot_options.h).
#include "cli/option_checks.h"
#include "cli/snapshot_options.h"

#include <fmt/format.h>

#include <iostream>

#include "config/config_sources.h"
#include "config/domain_list.h"
#include "config/resolver_list.h"
#include "model/errors.h"
#include "model/printable.h"

namespace dnswitness::cli {

void add_config_options(CLI::App* sub, SnapshotCliOptions& o, const std::string& help) {
  sub->add_option("--config", o.config, help)->option_text("FILE");
  sub->add_flag("--no-default-config", o.no_default_config,
                "Read no default config file (/etc/dnswitness/config.json, ~/.config/dnswitness/config.json)");
}

void add_snapshot_options(CLI::App* sub, SnapshotCliOptions& o) {
  sub->add_option("--preset", o.preset, "Named domain list (default: x, the X/Twitter domains)")->option_text("NAME");
  sub->add_option("--domains", o.domains, "Domains to resolve, comma-separated")->delimiter(',')->option_text("A,B,...");
  sub->add_option("--domains-file", o.domains_file,
                  "File with one domain a line ('#' comments); - reads standard input (resolve-snapshot)")
      ->option_text("FILE");
  sub->add_option("NAME", o.names, "Domains to resolve, as dig takes them (with --domains: both)")
      ->option_text("NAME...");
  sub->add_option("--types", o.types, "Record types, comma-separated (default: A,AAAA)")
      ->delimiter(',')
      ->option_text("A,AAAA");
  sub->add_option("--resolver", o.resolvers,
                  "Resolver [NAME=]SPEC, repeatable; SPEC is HOST[:PORT], udp://HOST[:PORT], "
                  "tcp://HOST[:PORT] (IPv6 as [::1]:5300), https://HOST[:PORT]/PATH (DNS over HTTPS), "
                  "tls://HOST[:PORT] (DNS over TLS, port 853), system, "
                  "or authoritative (the domains' own name servers, found through the other resolvers and asked "
                  "directly)")
      ->option_text("SPEC");
  sub->add_option("--resolvers-file", o.resolvers_file,
                  "File of resolver specs, one a line as --resolver takes them ('#' comments); with --resolver: both")
      ->option_text("FILE");
  sub->add_option("--resolv-conf", o.resolv_conf, "resolv.conf read for 'system' (default: /etc/resolv.conf)")
      ->option_text("FILE");
  sub->add_option("--timeout", o.timeout_ms, "Time to wait for each attempt: 500ms, 2s (a bare number is milliseconds; default 2000)")
      ->transform(duration_units(DurationBase::milliseconds))
      ->check(CLI::Range(10, 60000))
      ->option_text("DURATION");
  sub->add_option("--retries", o.retries, "Extra attempts after a timeout or network error (default: 1)")
      ->check(CLI::Range(0, 10))
      ->option_text("N");
  sub->add_option("--concurrency,--max-in-flight", o.max_in_flight,
                  "Queries outstanding at once per resolver (default: 100); fewer when the resolver starts "
                  "losing queries")
      ->check(CLI::Range(1, 10000))
      ->option_text("N");
  sub->add_option("--qps", o.qps, "New queries a second per resolver (default: 0, no limit)")
      ->check(CLI::Range(0, 10000000))
      ->option_text("N");
  sub->add_option("--client-subnet", o.client_subnets,
                  "With --resolver authoritative: ask each server once per client subnet (EDNS Client "
                  "Subnet, RFC 7871), to see what subscribers of that network are given; PREFIX such as "
                  "49.96.0.0/12, or a carrier preset: docomo, au, softbank, rakuten (presets/client-subnets.conf, "
                  "check its sources). Repeatable")
      ->option_text("PREFIX");
  sub->add_option("--authoritative-port", o.authoritative_port,
                  "Port on which authoritative servers are asked (default: 53). For test labs only, whose "
                  "servers listen on other ports; recorded in the run")
      ->check(CLI::Range(1, 65535))
      ->option_text("N");
  sub->add_flag("-v,--verbose", o.verbose,
                "Say on stderr, as they happen: each retry, each truncated answer asked again over TCP, each TLS "
                "handshake (DoT) or TLS failure");
  sub->add_flag("--insecure", o.insecure,
                "For tests only: accept DNS-over-HTTPS and DNS-over-TLS servers whose certificate does not verify "
                "(recorded in the run)");
  sub->add_option("--ca-file", o.ca_file,
                  "PEM file of extra trust anchors for DoH and DoT servers and TSAs (added to the system's CAs; its "
                  "SHA-256 is recorded in the run)")
      ->option_text("FILE");
  sub->add_option("--ntp", o.ntp,
                  "NTP server HOST[:PORT] to check the clock against, repeatable (default: ntp.nict.jp, then "
                  "ntp.jst.mfeed.ad.jp; each address at most every 3 minutes); 'none' skips the check")
      ->option_text("HOST");
}

SnapshotSettings snapshot_settings(const SnapshotCliOptions& o, const CLI::App* sub) {
  SnapshotSettings settings = load_config_files(o.config, !o.no_default_config);
  SnapshotSettings cli;
  if (sub->count("--preset")) cli.preset = o.preset;
  for (const std::string& name : o.names)
    if (name.ends_with(".json") || name.ends_with(".jsonl"))
      throw UsageError(fmt::format("'{}' looks like a file name, not a domain to ask; --json and --jsonl are switches "
                                   "now: write to a file with --json --out {} (or --jsonl --out {}).",
                                   name, name, name));
  if (sub->count("--domains") || !o.names.empty()) {
    std::vector<std::string> domains = o.domains;
    domains.insert(domains.end(), o.names.begin(), o.names.end());
    cli.domains = domains;
  }
  if (sub->count("--domains-file") && o.domains_file == "-") {
    // Read once, here: a long-running watch re-reads its list on SIGHUP, which standard input cannot give.
    if (sub->get_name() == "watch")
      throw UsageError("watch re-reads its domain list on SIGHUP, so --domains-file - (standard input) cannot be "
                       "used with it; give a file.");
    std::string text;
    char block[1 << 16];
    while (std::cin.read(block, sizeof block) || std::cin.gcount() > 0) {
      text.append(block, static_cast<std::size_t>(std::cin.gcount()));
      if (static_cast<long long>(text.size()) > kMaxDomainListBytes)
        throw UsageError(fmt::format("The domain list on standard input is larger than {} bytes; split it.",
                                     kMaxDomainListBytes));
    }
    auto names = parse_domain_list(text, "standard input");
    if (names.empty()) throw UsageError("The domain list on standard input names no domain.");
    std::vector<std::string> domains = cli.domains.value_or(std::vector<std::string>{});
    domains.insert(domains.end(), names.begin(), names.end());
    cli.domains = domains;
  } else if (sub->count("--domains-file")) {
    cli.domains_file = o.domains_file;
  }
  if (sub->count("--types")) cli.types = o.types;
  if (sub->count("--resolver") || sub->count("--resolvers-file")) {
    std::vector<std::string> resolvers = o.resolvers;
    // Read each time the settings are made, so watch takes an edited file on SIGHUP.
    if (sub->count("--resolvers-file"))
      for (auto& spec : load_resolver_list(o.resolvers_file)) resolvers.push_back(std::move(spec));
    cli.resolvers = resolvers;
  }
  if (sub->count("--resolv-conf")) cli.resolv_conf = o.resolv_conf;
  if (sub->count("--timeout")) cli.timeout_ms = o.timeout_ms;
  if (sub->count("--retries")) cli.retries = o.retries;
  if (sub->count("--concurrency")) cli.max_in_flight = o.max_in_flight;
  if (sub->count("--qps")) cli.qps = o.qps;
  if (sub->count("--client-subnet")) cli.client_subnets = o.client_subnets;
  if (sub->count("--authoritative-port")) cli.authoritative_port = o.authoritative_port;
  if (sub->count("--ca-file")) cli.ca_file = o.ca_file;
  if (o.insecure) cli.insecure = true;
  if (sub->count("--ntp")) cli.ntp = o.ntp;
  settings.override_with(cli);
  return settings;
}

void trace_to_stderr(const std::string& line) { std::cerr << "dnswitness: " << printable(line) << '\n'; }

}  // namespace dnswitness::cli
