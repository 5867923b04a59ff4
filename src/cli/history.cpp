// `dnswitness history DOMAIN...`: which addresses each domain resolved to, when, how often, where.
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/ledger_options.h"
#include "reports/time_option.h"
#include "ledger/history.h"
#include "model/errors.h"
#include "model/printable.h"
#include "model/target.h"
#include "tlog/push_message.h"
#include "tsa/http_post.h"

namespace dnswitness::cli {
namespace {

struct HistoryOptions {
  LedgerOptions ledger;
  std::vector<std::string> domains;
  std::string since, until;
  std::vector<std::string> types;
  std::vector<std::string> resolvers;
  bool json = false;
  std::string collector;
  std::vector<std::string> probes;
};



std::string resolvers_cell(const Binding& b) {
  std::string out;
  for (const auto& [name, n] : b.resolvers) out += fmt::format("{}{}({})", out.empty() ? "" : " ", name, n);
  return out;
}

void print_table(const std::vector<DomainHistory>& histories) {
  for (const auto& h : histories) {
    std::cout << fmt::format("{}: {} observation(s)\n", h.qname, h.observations);
    if (!h.bindings.empty()) {
      std::size_t wa = 7;
      for (const auto& b : h.bindings) wa = std::max(wa, b.address.size());
      std::cout << fmt::format("  {:<5} {:<{}}  {:<50}  {:<50}  {:>6}  {}\n", "TYPE", "ADDRESS", wa,
                               "FIRST SEEN", "LAST SEEN", "COUNT", "RESOLVERS");
      for (const auto& b : h.bindings) {
        const UtcTime first{b.first_ns}, last{b.last_ns};
        std::cout << fmt::format("  {:<5} {:<{}}  {:<50}  {:<50}  {:>6}  {}\n", b.qtype, b.address, wa,
                                 format_utc_display(first) + " " + format_jst_display(first),
                                 format_utc_display(last) + " " + format_jst_display(last), b.count,
                                 resolvers_cell(b));
      }
    }
    if (!h.without_address.empty()) {
      std::string parts;
      for (const auto& [outcome, n] : h.without_address)
        parts += fmt::format("{}{} {}", parts.empty() ? "" : ", ", n, outcome);
      std::cout << fmt::format("  without an address: {}\n", parts);
    }
    if (h.observations == 0) std::cout << "  (no observation in the ledger matches)\n";
  }
}

// history --collector: asks the collector's index (collector/fleet_history.h) and prints each
// probe's answer as the ledger's would be printed.
int collector_history(const HistoryOptions& opt, const HistoryQuery& q) {
  const std::string url = collector_base_url(opt.collector, "--collector");
  nlohmann::json query = {{"format", "dnswitness-history-query/1"},
                          {"domains", q.domains},
                          {"since_ns", q.since_ns ? nlohmann::json(*q.since_ns) : nlohmann::json()},
                          {"until_ns", q.until_ns ? nlohmann::json(*q.until_ns) : nlohmann::json()},
                          {"types", q.types},
                          {"resolvers", q.resolvers},
                          {"probes", opt.probes}};
  HttpPost post;
  post.url = url + "/history";
  post.content_type = "application/json";
  const std::string body = query.dump();
  post.body.assign(body.begin(), body.end());
  const HttpReply reply = post_all({post}, 60000).front();
  const std::string text(reply.body.begin(), reply.body.end());
  if (!reply.transport_ok) {
    std::cerr << fmt::format("dnswitness: the collector {} did not answer ({}).\n", url, printable(reply.error));
    return kExitInternal;
  }
  if (reply.status != 200) {
    std::cerr << fmt::format("dnswitness: the collector {} answered HTTP {} ({}).\n", url, reply.status,
                             printable(text.substr(0, 300)));
    return kExitInternal;
  }
  const auto doc = nlohmann::json::parse(text, nullptr, false);
  if (!doc.is_object() || doc.value("format", "") != "dnswitness-fleet-history/1" || !doc.contains("probes") ||
      !doc["probes"].is_array()) {
    std::cerr << fmt::format("dnswitness: {} did not answer as a dnswitness collector does; check the URL.\n", url);
    return kExitInternal;
  }
  if (opt.json) {
    std::cout << doc.dump(2) << '\n';
    return kExitOk;
  }
  for (const auto& p : doc["probes"]) {
    const auto histories = histories_from_json(p.value("histories", nlohmann::json()));
    if (!histories) {
      std::cerr << fmt::format("dnswitness: {} answered a history that cannot be read.\n", url);
      return kExitInternal;
    }
    std::cout << fmt::format("probe {} ({}):\n", printable(p.value("name", "")), printable(p.value("description", "")));
    print_table(*histories);
  }
  if (doc["probes"].empty()) std::cout << "The collector has no probe of that name.\n";
  return kExitOk;
}

}  // namespace

Action add_history(CLI::App& app) {
  auto opt = std::make_shared<HistoryOptions>();
  CLI::App* sub = app.add_subcommand(
      "history", "Show, per domain, each address seen with first seen, last seen, count and resolvers.");
  sub->footer(
      "Examples:\n"
      "  dnswitness history twitter.com x.com\n"
      "  dnswitness history api.twitter.com --since 2023-11-21T00:00:00+09:00 --until 2023-11-22T00:00:00+09:00\n"
      "  dnswitness history x.com --collector http://collector.example.jp:7390 --probe docomo-tokyo\n"
      "Times are shown in UTC and JST; --since and --until are inclusive.\n"
      "Exit codes: 0 done (even when nothing matches); 1 the ledger cannot be read; 2 bad usage.");
  add_ledger_options(sub, opt->ledger);
  sub->add_option("domains", opt->domains, "Domains to look up")->required()->option_text("DOMAIN...");
  sub->add_option("--since", opt->since,
                  "Only observations at or after this time (2026-12-05T03:00Z, 2026-12-05, 1h, ...)")
      ->option_text("TIME");
  sub->add_option("--until", opt->until, "Only observations at or before this time (a date alone: its end)")
      ->option_text("TIME");
  sub->add_option("--type", opt->types, "Record type, repeatable or comma-separated (default: all)")
      ->delimiter(',')
      ->option_text("TYPE");
  sub->add_option("--resolver", opt->resolvers, "Resolver name, repeatable or comma-separated (default: all)")
      ->delimiter(',')
      ->option_text("NAME");
  sub->add_flag("--json", opt->json, "Print JSON instead of a table");
  sub->add_option("--collector", opt->collector,
                  "Ask a fleet collector's index instead of the ledger: each probe's answer (its index, not "
                  "evidence; make a report for that)")
      ->option_text("URL");
  sub->add_option("--probe", opt->probes, "With --collector: only these probes (repeatable; default all)")
      ->option_text("NAME");
  return [opt]() -> int {
    HistoryQuery q;
    for (const auto& d : opt->domains) {
      const NameCheck check = check_domain_name(d);
      if (!check.name) throw UsageError(fmt::format("'{}' is not a domain name: {}.", d, check.problem));
      q.domains.push_back(*check.name);
    }
    for (const auto& t : opt->types) {
      const auto code = parse_qtype(t);
      if (!code) throw UsageError(fmt::format("--type '{}' is not a record type; use e.g. A or AAAA.", t));
      q.types.push_back(qtype_name(*code));
    }
    q.resolvers = opt->resolvers;
    if (!opt->since.empty()) q.since_ns = parse_time_option(opt->since, "--since");
    if (!opt->until.empty()) q.until_ns = parse_time_option(opt->until, "--until", TimeBound::end);
    if (q.since_ns && q.until_ns && *q.since_ns > *q.until_ns)
      throw UsageError("--since is later than --until; swap them.");
    if (!opt->probes.empty() && opt->collector.empty()) throw UsageError("--probe goes with --collector URL.");
    if (!opt->collector.empty()) {
      if (!opt->ledger.ledger.empty()) throw UsageError("--ledger and --collector: ask one or the other.");
      return collector_history(*opt, q);
    }
    try {
      LedgerStore store(ledger_paths(opt->ledger.ledger), LedgerStore::Mode::read_only, {},
                        opt->ledger.lock_timeout_s * 1000);
      const auto histories = query_history(store, q);
      if (opt->json)
        std::cout << history_json(histories).dump(2) << '\n';
      else
        print_table(histories);
      return kExitOk;
    } catch (...) {
      return report_current_exception();
    }
  };
}

}  // namespace dnswitness::cli
