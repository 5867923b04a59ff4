// `dnswitness report --out DIR`: the evidence bundle (report.json + report.sha256) for login
// times or a period. Everything the user gave is checked before the ledger is read, and nothing is
// written unless the whole bundle was built.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/ledger_options.h"
#include "cli/output_file.h"
#include "config/domain_list.h"
#include "crypto/sha256.h"
#include "crypto/encoding.h"
#include "model/errors.h"
#include "model/target.h"
#include "reports/bundle.h"

namespace dnswitness::cli {
namespace {

struct ReportOptions {
  LedgerOptions ledger;
  std::string out;
  std::string logins;
  std::vector<std::string> at;
  std::string tz;
  std::string preset;
  std::vector<std::string> domains;
  std::vector<std::string> types;
  std::string before = "1h", after = "10m";
  std::string from, until;
  std::vector<std::string> resolvers;
  std::string case_name, operator_name;
  bool force = false;
};

std::string read_small_file(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  std::ifstream in(path, std::ios::binary);
  if (ec || !in)
    throw UsageError(fmt::format("Cannot read the login records file {}; check the path.", path));
  if (size > 64u * 1024 * 1024)
    throw UsageError(fmt::format("The login records file {} is larger than 64 MiB; split it.", path));
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::int64_t duration(const std::string& text, const char* option) {
  const auto d = parse_report_duration(text);
  if (!d || *d <= 0)
    throw UsageError(fmt::format("{} '{}' is not a duration; write it like 90s, 10m, 1h or 2d.", option, text));
  return *d;
}

std::int64_t time_option(const std::string& text, const std::string& tz, const char* option) {
  LoginTimeZone zone;
  if (!tz.empty()) zone = parse_login_time_zone(tz);
  std::string problem;
  const auto t = parse_login_time(normalize_value(text), zone, &problem);
  if (!t)
    throw UsageError(fmt::format("{} '{}' is not a time ({}); write it like 2023-11-21T02:10:15Z.", option, text,
                                 problem));
  return t->ns;
}

// Removes a folder `report` made, on the way out of a failed report (remove() only takes an empty
// folder, so nothing the user put there is touched).
struct RemoveIfEmpty {
  std::filesystem::path dir;
  bool active;
  RemoveIfEmpty(std::filesystem::path d, bool a) : dir(std::move(d)), active(a) {}
  RemoveIfEmpty(const RemoveIfEmpty&) = delete;
  RemoveIfEmpty& operator=(const RemoveIfEmpty&) = delete;
  ~RemoveIfEmpty() {
    if (!active) return;
    std::error_code ec;
    std::filesystem::remove(dir, ec);
  }
};

}  // namespace

Action add_report(CLI::App& app) {
  auto opt = std::make_shared<ReportOptions>();
  CLI::App* sub = app.add_subcommand(
      "report", "Write an evidence bundle (report.json + report.sha256): destination-IP candidates per login time, "
                "with the ledger's leaves, proofs and signed tree heads.");
  sub->footer(
      "Examples:\n"
      "  dnswitness report --logins x-disclosure.txt --case '令和8年(ワ)第123号' --out report-123\n"
      "  dnswitness report --at 2023-11-21T02:10:15Z --at '2023/11/21 11:20:00' --tz JST --out r\n"
      "  dnswitness report --from 2023-11-01T00:00:00Z --until 2023-11-02T00:00:00Z --domains x.com --out r\n"
      "Windows: --before (default 1h) and --after (default 10m) around each login time; 90s, 10m, 1h, 2d.\n"
      "Check a bundle with 'dnswitness verify DIR/report.json' (offline). Schema: docs/report.md.\n"
      "Exit codes: 0 written; 1 the ledger cannot be read or the folder cannot be written; 2 bad usage\n"
      "(nothing written); 4 the ledger contradicts its signed tree heads (run verify-ledger).");
  add_ledger_options(sub, opt->ledger);
  sub->add_option("--out", opt->out, "Folder for report.json and report.sha256 (created if missing)")
      ->required()
      ->option_text("DIR");
  sub->add_option("--logins", opt->logins, "Login records: X's disclosure pasted from Word, CSV, or one time per line")
      ->option_text("FILE");
  sub->add_option("--at", opt->at, "A login time (repeatable)")->option_text("TIME");
  sub->add_option("--tz", opt->tz, "Zone for times written without one: UTC (default), Asia/Tokyo, JST, +09:00")
      ->option_text("TZ");
  sub->add_option("--preset", opt->preset, "Domain preset (default: x)")->option_text("NAME");
  sub->add_option("--domains", opt->domains, "Domains instead of the preset, comma-separated")
      ->delimiter(',')
      ->option_text("DOMAIN,...");
  sub->add_option("--types", opt->types, "Record types, comma-separated (default: A,AAAA)")->delimiter(',')->option_text("TYPE");
  sub->add_option("--before", opt->before, "Window before each login time (default 1h)")->option_text("DURATION");
  sub->add_option("--after", opt->after, "Window after each login time (default 10m)")->option_text("DURATION");
  sub->add_option("--from", opt->from, "Start of a plain period (inclusive)")->option_text("TIME");
  sub->add_option("--until", opt->until, "End of a plain period (inclusive)")->option_text("TIME");
  sub->add_option("--resolver", opt->resolvers, "Only these resolvers (repeatable or comma-separated)")
      ->delimiter(',')
      ->option_text("NAME");
  sub->add_option("--case", opt->case_name, "Case name or number, as it should appear in the report")
      ->option_text("TEXT");
  sub->add_option("--operator", opt->operator_name, "Who runs this ledger (name, firm)")->option_text("TEXT");
  sub->add_flag("--force", opt->force, "Replace a report already in DIR");
  return [opt]() -> int {
    // --- everything the user gave, checked before anything is read or written ---
    ReportRequest req;
    req.tz = opt->tz;
    if (!opt->tz.empty()) (void)parse_login_time_zone(opt->tz);
    if (!opt->logins.empty()) {
      LoginInput in;
      in.kind = "file";
      in.name = std::filesystem::path(opt->logins).filename().string();
      in.content = read_small_file(opt->logins);
      req.inputs.push_back(std::move(in));
    }
    if (!opt->at.empty()) {
      LoginInput in;
      in.kind = "command-line";
      in.name = "--at";
      in.values = opt->at;
      req.inputs.push_back(std::move(in));
    }
    CandidateOptions& o = req.options;
    std::vector<std::string> names = opt->domains;
    if (names.empty()) names = load_preset(opt->preset.empty() ? "x" : opt->preset);
    else if (!opt->preset.empty()) throw UsageError("Give either --preset or --domains, not both.");
    for (const auto& d : names) {
      const NameCheck check = check_domain_name(d);
      if (!check.name) throw UsageError(fmt::format("'{}' is not a domain name: {}.", d, check.problem));
      o.domains.push_back(*check.name);
    }
    o.domains = unique_names(o.domains);
    if (!opt->types.empty()) {
      o.types.clear();
      for (const auto& t : opt->types) {
        const auto code = parse_qtype(t);
        if (!code) throw UsageError(fmt::format("--types '{}' is not a record type; use A or AAAA.", t));
        o.types.push_back(qtype_name(*code));
      }
    }
    o.before_ns = duration(opt->before, "--before");
    o.after_ns = duration(opt->after, "--after");
    o.resolvers = opt->resolvers;
    if (opt->from.empty() != opt->until.empty()) throw UsageError("Give --from and --until together.");
    if (!opt->from.empty()) {
      o.from_ns = time_option(opt->from, opt->tz, "--from");
      o.until_ns = time_option(opt->until, opt->tz, "--until");
      if (*o.from_ns > *o.until_ns) throw UsageError("--from is later than --until; swap them.");
    }
    if (!opt->case_name.empty()) req.case_name = opt->case_name;
    if (!opt->operator_name.empty()) req.operator_name = opt->operator_name;
    // Reads the logins now so an unreadable line stops us before the ledger is opened.
    const auto logins = read_login_inputs(req.inputs, req.tz);
    if (logins.empty() && !o.from_ns)
      throw UsageError("There is nothing to report on: give --logins FILE, --at TIME, or --from and --until.");
    const std::filesystem::path dir(opt->out);
    const auto json_path = dir / "report.json", sum_path = dir / "report.sha256";
    if (!opt->force && (std::filesystem::exists(json_path) || std::filesystem::exists(sum_path)))
      throw UsageError(fmt::format("{} already holds a report; choose another --out folder or add --force to "
                                   "replace it.",
                                   dir.string()));
    if (std::filesystem::exists(dir) && !std::filesystem::is_directory(dir))
      throw UsageError(fmt::format("--out {} is not a folder; choose a folder.", dir.string()));

    // The folder is made before the bundle is built, because the bundle is streamed into a
    // temporary file in it; a folder made here is removed again if the build fails, so a failed
    // report still leaves nothing behind.
    RemoveIfEmpty made_dir{dir, !std::filesystem::exists(dir)};
    try {
      LedgerStore store(ledger_paths(opt->ledger.ledger), LedgerStore::Mode::read_only, {},
                        opt->ledger.lock_timeout_s * 1000);
      req.created_at = utc_now();
      std::error_code ec;
      std::filesystem::create_directories(dir, ec);
      if (ec)
        throw LedgerError(LedgerError::Kind::io, fmt::format("Cannot create the folder {} ({}); check the path and "
                                                             "permissions.",
                                                             dir.string(), ec.message()));
      BundleWritten written;
      {
        OutputFile json_file(json_path);
        OutputFile sum_file(sum_path);
        std::string chunk;
        written = write_bundle(store, req, [&](std::string_view piece) {
          chunk.assign(piece);
          json_file.write(chunk);
        });
        sum_file.write(fmt::format("{}  report.json\n", hex_encode(written.sha256)));
        json_file.commit();
        sum_file.commit();
      }
      made_dir.active = false;
      const BundleStats& stats = written.stats;

      std::cout << fmt::format("Wrote {} ({} bytes) and {}.\n", json_path.string(), written.bytes, sum_path.string())
                << fmt::format("  {} login time(s), {} observation leaves, {} run leaves, {} signed tree heads\n",
                               logins.size(), stats.observation_leaves, stats.run_leaves, stats.checkpoints)
                << fmt::format("  ledger {} (key fingerprint {})\n", store.origin(), written.key_fingerprint);
      const std::size_t warnings = written.table_warnings;
      if (warnings) std::cout << fmt::format("  {} warning(s) in the tables; read them before filing.\n", warnings);
      std::cout << fmt::format("Check it with: dnswitness verify {}\n", json_path.string());
      return kExitOk;
    } catch (const UsageError&) {
      throw;
    } catch (...) {
      return report_current_exception();
    }
  };
}

}  // namespace dnswitness::cli
