// `dnswitness report --out DIR`: the evidence bundle (report.json + report.sha256) for login
// times or a period, and the court PDF typeset from that bundle with its draft evidence description.
// Everything the user gave is checked before the ledger is read, and nothing is written unless the
// whole report was built.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <memory>
#include <optional>

#include "cli/allocator.h"
#include "cli/option_checks.h"
#include "cli/ledger_options.h"
#include "cli/manifest_key.h"
#include "cli/output_file.h"
#include "reports/time_option.h"
#include "config/domain_list.h"
#include "crypto/sha256.h"
#include "crypto/encoding.h"
#include "ledger/queries.h"
#include "ledger/signed_note.h"
#include "model/errors.h"
#include "model/printable.h"
#include "model/target.h"
#include "reports/bundle.h"
#include "reports/evidence_description.h"
#include "reports/file_name.h"
#include "reports/manifest.h"
#include "reports/multi_log_bundle.h"
#include "reports/pdf/bundle_view.h"
#include "reports/pdf/report_pdf.h"
#include "reports/pdf/wording.h"
#include "reports/posts.h"
#include "reports/rdap_bundle.h"
#include "reports/published_evidence_log.h"
#include "reports/verify.h"
#include "tlog/collector_listing.h"
#include "tlog/cosignature.h"
#include "tlog/log_source.h"
#include "tlog/remote_log.h"
#include "tlog/tile_cache.h"

namespace dnswitness::cli {
namespace {

struct ReportOptions {
  LedgerOptions ledger;
  std::string out;
  std::string logins;
  std::string posts;
  bool next_login = false;
  bool rdap = false;
  std::string rdap_bootstrap;
  std::vector<std::string> at;
  std::string tz;
  std::string preset;
  std::vector<std::string> domains;
  std::vector<std::string> types;
  std::string before = "1h", after = "10m";
  std::string from, until;
  std::string interval;
  std::vector<std::string> resolvers;
  std::string case_name, operator_name;
  bool force = false;
  std::vector<std::string> formats;
  std::string lang = "ja";
  bool fullwidth = false;
  std::string era = "western";
  std::string name;
  std::vector<std::string> logs, log_keys;
  int log_timeout_s = 30;
  bool local = false;
  std::string collector, collector_key;
  std::vector<std::string> probes;
};

// A published log opened for the report: what reads it, and the evidence it gives.
struct OpenedLog {
  std::unique_ptr<LogSource> source;
  std::unique_ptr<RemoteLog> remote;
  std::unique_ptr<PublishedEvidenceLog> log;
};

// `collector_key`: the cosignature key of the collector serving the log, whose signature its run
// summaries carry (empty for a log read from its own publisher).
OpenedLog open_published_log(const std::string& location, const std::string& key, int timeout_s,
                             const std::string& collector_key = {}) {
  OpenedLog o;
  LogSourceOptions so;
  so.timeout_ms = timeout_s * 1000;
  so.timeout_option = "--log-timeout";
  o.source = LogSource::open(location, so);
  if (key.empty()) {
    throw UsageError(fmt::format("A report from a published log needs its verifier key (--log-key): {}, but check "
                                 "it with the log's operator before you trust it.",
                                 advertised_key_clause(*o.source)));
  }
  const NoteVerifier verifier = [&] {
    try {
      return parse_verifier_key(key);
    } catch (const NoteError&) {
      throw UsageError(fmt::format("--log-key '{}' is not a verifier key; copy it again as the log's operator "
                                   "gives it: the log's name+8 hex digits+base64.",
                                   printable(key)));
    }
  }();
  RemoteLogOptions ro;
  // A folder is read where it is; tiles fetched over http(s) are kept for the next report.
  if (location.rfind("http", 0) == 0) ro.cache_root = default_log_cache_root();
  o.remote = RemoteLog::open(*o.source, verifier, ro);
  std::optional<NoteVerifier> summary_signer;
  if (!collector_key.empty()) {
    const CosignatureVerifier c = parse_cosignature_verifier_key(collector_key);
    summary_signer = make_note_verifier(c.name, c.key);
  }
  o.log = std::make_unique<PublishedEvidenceLog>(*o.remote, verifier, std::move(summary_signer));
  return o;
}

inline constexpr const char* kEvidenceDescriptionName = "evidence-description.txt";
inline constexpr const char* kEvidenceDescriptionDocxName = "evidence-description.docx";

std::string sha256_of_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  Sha256 h;
  char block[1 << 16];
  while (in.read(block, sizeof block) || in.gcount() > 0)
    h.update(ByteView(reinterpret_cast<const std::uint8_t*>(block), static_cast<std::size_t>(in.gcount())));
  if (in.bad()) throw std::runtime_error(fmt::format("cannot read back {}", p.string()));
  return hex_encode(h.finish());
}

std::int64_t duration(const std::string& text, const char* option) {
  const auto d = parse_report_duration(text);
  if (!d || *d <= 0)
    throw UsageError(fmt::format("{} '{}' is not a duration; write it like 90s, 10m, 1h or 2d.", option, text));
  return *d;
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
      "  dnswitness report --logins x.txt --case '令和8年(ワ)第123号' --lang en --name case123_report.pdf --out r\n"
      "  dnswitness report --log https://evidence.example.jp/dnswitness/2027 \\\n"
      "      --log-key 'evidence.example.jp/dnswitness/2027+1a2b3c4d+AXXX...' --logins x.txt --out r\n"
      "  dnswitness report --collector http://collector.example.jp:7390 --collector-key 'collector.example.jp/fleet+...' \\\n"
      "      --probe docomo-tokyo --probe au-osaka --logins x.txt --out r\n"
      "  dnswitness report --local --log https://a.example/log --log-key KEY-A --log /srv/b-mirror --log-key KEY-B \\\n"
      "      --logins x.txt --out r\n"
      "  dnswitness report --logins x.txt --posts posts.txt --next-login --case '令和8年(ワ)第123号' --out r\n"
      "Writes report.json, the exhibit PDF for e-filing (A4, fonts embedded, no password, a name the e-filing\n"
      "system accepts; about 10 pages for 5 logins), its technical material (<name>_技術資料.pdf: the detailed\n"
      "tables, the method, the signed tree heads and how to check them), evidence-description.txt and .docx (a\n"
      "draft row of the 証拠説明書 to edit), report.sha256 (all of them) and manifest.sig (the same list, signed\n"
      "with the ledger's key; docs/manifest.md).\n"
      "Posts (--posts): one post a line, its time in any form a login time takes, and its URL anywhere on the\n"
      "line if you like; the last login at or before each post (and with --next-login the first after it) is\n"
      "marked as 侵害関連通信 in the PDF, and verify picks them again from the stored file.\n"
      "Windows: --before (default 1h) and --after (default 10m) around each login time; 90s, 10m, 1h, 2d.\n"
      "Gaps: periods in the windows longer than twice the expected interval between runs with no run are\n"
      "listed (--interval, or the median spacing of the ledger's runs).\n"
      "From a published log (--log; docs/public-log.md): the leaves of each window are found by time, only the\n"
      "tiles and entry bundles needed are fetched (kept under ~/.cache/dnswitness/logs), and every byte is\n"
      "checked against the checkpoint signed by --log-key before it is used; the local ledger is read only with\n"
      "--local. Several --log (each followed by its --log-key), or --log with --local, write a report of several\n"
      "logs (dnswitness-report/3): each log's observations with its own proofs, key and tables.\n"
      "Check a bundle with 'dnswitness verify DIR/report.json' (offline). Schema: docs/report.md.\n"
      "Exit codes: 0 written; 1 the ledger cannot be read, the log's server is down, answered an error or was\n"
      "too slow, or the folder cannot be written; 2 bad usage (nothing written; also no --log-key); 4 the\n"
      "ledger or the log contradicts its signed tree heads (a tile, entry or checkpoint that does not verify).");
  add_ledger_options(sub, opt->ledger);
  sub->add_option("--out", opt->out, "Folder for report.json and report.sha256 (created if missing)")
      ->required()
      ->option_text("DIR");
  sub->add_option("--logins", opt->logins, "Login records: X's disclosure pasted from Word, CSV, or one time per line")
      ->option_text("FILE");
  sub->add_option("--at", opt->at, "A login time (repeatable)")->option_text("TIME");
  sub->add_option("--posts", opt->posts,
                  "The infringing posts' times (with their URLs if you like), one a line: the login just before "
                  "each post is marked as 侵害関連通信")
      ->option_text("FILE");
  sub->add_flag("--next-login", opt->next_login, "With --posts: mark the first login after each post too");
  sub->add_flag("--rdap", opt->rdap,
                "Ask the registries over RDAP who holds each source IP and listed destination; the answers are "
                "kept in report.json with their fetch times (cached under ~/.cache/dnswitness/rdap)");
  sub->add_option("--rdap-bootstrap", opt->rdap_bootstrap,
                  "With --rdap: an RDAP bootstrap file in IANA's format instead of the shipped ones (presets/rdap)")
      ->option_text("FILE");
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
  sub->add_option("--interval", opt->interval,
                  "Expected time between runs, for listing gaps (periods longer than twice it with no run) inside "
                  "the windows. Default: the median spacing of the ledger's runs within 24 h of the windows")
      ->option_text("DURATION");
  sub->add_option("--log", opt->logs,
                  "Draw the report from this published log: an http(s):// URL prefix or a folder written by "
                  "'dnswitness publish' or 'dnswitness mirror' (repeatable; the local ledger is then read only "
                  "with --local)")
      ->option_text("URL");
  sub->add_option("--log-key", opt->log_keys,
                  "The published log's verifier key, name+hex+base64 (from its operator; one per --log, in the "
                  "same order)")
      ->option_text("KEY");
  sub->add_flag("--local", opt->local,
                "With --log: draw on this machine's ledger (or --ledger) too, as one more log of the report");
  sub->add_option("--collector", opt->collector,
                  "Draw the report from the probes of this fleet collector (its URL; each probe is one more log, "
                  "read from the collector's tiles with the probe's own key)")
      ->option_text("URL");
  sub->add_option("--collector-key", opt->collector_key,
                  "The collector's cosignature key (from its operator): each probe's tree must carry its "
                  "cosignature")
      ->option_text("KEY");
  sub->add_option("--probe", opt->probes, "With --collector: only these probes (repeatable; default all)")
      ->option_text("NAME");
  sub->add_option("--log-timeout", opt->log_timeout_s, "Time allowed for each file fetched from --log: 30s, 2m (default 30 s)")
      ->transform(duration_units(DurationBase::seconds))
      ->check(CLI::Range(1, 3600))
      ->option_text("DURATION");
  sub->add_option("--resolver", opt->resolvers, "Only these resolvers (repeatable or comma-separated)")
      ->delimiter(',')
      ->option_text("NAME");
  // Printed on the PDF, in its metadata and in evidence-description.txt: plain UTF-8 text only.
  const CLI::Validator plain_text(
      [](const std::string& v) -> std::string {
        if (is_printable(v)) return {};
        return "holds a control character or bytes that are not UTF-8 (shown escaped: " + printable(v) +
               "); type it as plain text";
      },
      "", "plain text");
  sub->add_option("--case", opt->case_name, "Case name or number, as it should appear in the report")
      ->check(plain_text)
      ->option_text("TEXT");
  sub->add_option("--operator", opt->operator_name, "Who runs this ledger (name, firm)")
      ->check(plain_text)
      ->option_text("TEXT");
  sub->add_flag("--force", opt->force, "Replace a report already in DIR");
  sub->add_option("--format", opt->formats,
                  "What to write: pdf,json (default) or json. The PDF is typeset from report.json and cites its "
                  "SHA-256, so report.json is always written")
      ->delimiter(',')
      ->option_text("pdf,json");
  sub->add_option("--lang", opt->lang, "Language of the PDF and the evidence description: ja (default) or en")
      ->option_text("ja|en");
  sub->add_flag("--fullwidth", opt->fullwidth,
                "Print the address lists meant for the petition's attachment in full-width characters");
  sub->add_option("--era", opt->era,
                  "Dates in the Japanese text (the report's date, the evidence description): western (default, "
                  "2026年12月5日) or reiwa (令和8年12月5日); tables always keep the western year")
      ->check(CLI::IsMember({"western", "reiwa"}))
      ->option_text("western|reiwa");
  sub->add_option("--name", opt->name,
                  "File name of the PDF (at most 50 characters with .pdf; letters, digits, kana, kanji, - and _). "
                  "Default: DNS観測報告書_<case>_<yyyymmdd>.pdf")
      ->option_text("FILE.pdf");
  const auto run = [opt]() -> int {
    // --- everything the user gave, checked before anything is read or written ---
    bool want_pdf = opt->formats.empty();
    for (const auto& f : opt->formats) {
      if (f == "pdf") want_pdf = true;
      else if (f != "json")
        throw UsageError(fmt::format("--format '{}' is not a format; write --format pdf,json or --format json.", f));
    }
    if (!opt->formats.empty() &&
        std::find(opt->formats.begin(), opt->formats.end(), "json") == opt->formats.end())
      throw UsageError("The PDF is made from report.json and cites its SHA-256, so report.json is always written: "
                       "write --format pdf,json (the default) or --format json.");
    if (opt->lang != "ja" && opt->lang != "en")
      throw UsageError(fmt::format("--lang '{}' is not a language of the report; write --lang ja or --lang en.",
                                   opt->lang));
    if (!opt->name.empty()) {
      if (!want_pdf) throw UsageError("--name names the PDF, but --format json writes no PDF; drop one of them.");
      if (const std::string why = filing_name_problem(opt->name); !why.empty())
        throw UsageError(fmt::format("--name '{}' cannot be filed: {}. Choose a shorter name of safe characters "
                                     "ending in .pdf.",
                                     opt->name, why));
    }
    ReportRequest req;
    req.tz = opt->tz;
    if (!opt->tz.empty()) (void)parse_login_time_zone(opt->tz);
    if (!opt->logins.empty()) {
      LoginInput in;
      in.kind = "file";
      // The name goes into report.json, which holds UTF-8 only: a name that is not is kept escaped.
      in.name = printable(std::filesystem::path(opt->logins).filename().string());
      in.content = read_logins_text(opt->logins);
      req.inputs.push_back(std::move(in));
    }
    if (!opt->posts.empty()) {
      // Read like a login file (a regular file of bounded size), and parsed now so that a bad line
      // stops us before the ledger is opened.
      PostsInput p;
      p.name = printable(std::filesystem::path(opt->posts).filename().string());
      p.content = read_logins_text(opt->posts);
      p.first_after = opt->next_login;
      (void)parse_posts(p.content, opt->tz.empty() ? LoginTimeZone{} : parse_login_time_zone(opt->tz), p.name);
      req.posts = std::move(p);
    } else if (opt->next_login) {
      throw UsageError("--next-login marks the login after each post; give the posts with --posts FILE too.");
    }
    if (!opt->rdap_bootstrap.empty() && !opt->rdap)
      throw UsageError("--rdap-bootstrap names the registries to ask with --rdap; add --rdap, or leave it out.");
    if (opt->rdap) {
      // The bootstrap is read now, so a broken file stops us before the ledger is opened.
      auto bootstrap = std::make_shared<RdapBootstrap>();
      if (opt->rdap_bootstrap.empty()) *bootstrap = load_shipped_rdap_bootstrap();
      else bootstrap->add_file(std::filesystem::path(opt->rdap_bootstrap));
      req.rdap = [bootstrap](const nlohmann::json& tables) {
        const std::vector<std::string> addresses = rdap_addresses_of(tables);
        RdapLookupOptions options;
        options.cache_dir = default_rdap_cache_dir();
        std::cerr << fmt::format("dnswitness: asking the registries over RDAP who holds {} address(es)...\n",
                                 addresses.size());
        const std::vector<RdapRecord> records = lookup_rdap(addresses, *bootstrap, options);
        std::size_t answered = 0, cached = 0, failed = 0;
        for (const auto& r : records) {
          if (r.outcome == RdapOutcome::answer) ++answered;
          else if (r.outcome != RdapOutcome::not_looked_up) ++failed;
          cached += r.from_cache;
        }
        std::cerr << fmt::format("dnswitness: RDAP: {} answered ({} from the cache), {} failed, {} not looked up "
                                 "(addresses no registry assigns)\n",
                                 answered, cached, failed, records.size() - answered - failed);
        return rdap_member(records, *bootstrap);
      };
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
    if (!opt->interval.empty()) req.interval_ns = duration(opt->interval, "--interval");
    if (opt->from.empty() != opt->until.empty()) throw UsageError("Give --from and --until together.");
    if (!opt->from.empty()) {
      o.from_ns = parse_time_option(opt->from, "--from", TimeBound::start, opt->tz);
      o.until_ns = parse_time_option(opt->until, "--until", TimeBound::end, opt->tz);
      if (*o.from_ns > *o.until_ns) throw UsageError("--from is later than --until; swap them.");
    }
    // --collector: each probe it lists (or --probe names) becomes one more --log, with its own key.
    std::map<std::size_t, ListedProbe> collector_logs;
    CollectorListing listing;
    if (!opt->collector.empty()) {
      if (opt->log_keys.size() != opt->logs.size())
        throw UsageError("With --collector, give each --log its --log-key.");
      LogSourceOptions so;
      so.timeout_ms = opt->log_timeout_s * 1000;
      so.timeout_option = "--log-timeout";
      listing = read_collector_listing(opt->collector, so);
      if (opt->collector_key.empty())
        throw UsageError(fmt::format("A report from a collector needs its cosignature key (--collector-key): the "
                                     "collector advertises {}, but check it with its operator before you trust it.",
                                     listing.cosignature_key.empty() ? std::string("none")
                                                                     : printable(listing.cosignature_key)));
      (void)collector_cosignature_problem("", opt->collector_key);  // refuses a key that is not one, now
      for (const auto& p : select_probes(listing, opt->probes)) {
        collector_logs[opt->logs.size()] = p;
        opt->logs.push_back(p.location);
        opt->log_keys.push_back(p.verifier_key);
      }
    } else if (!opt->collector_key.empty() || !opt->probes.empty()) {
      throw UsageError("--collector-key and --probe go with --collector URL.");
    }
    if (!opt->logs.empty()) {
      if (!opt->ledger.ledger.empty() && !opt->local)
        throw UsageError("--ledger with --log: add --local to draw on that ledger as well as the published log(s), "
                         "or leave --ledger out.");
      if (opt->log_keys.size() > opt->logs.size())
        throw UsageError(fmt::format("{} --log-key for {} --log: give one key per log, each after its --log.",
                                     opt->log_keys.size(), opt->logs.size()));
      if (opt->log_keys.size() < opt->logs.size() && opt->logs.size() > 1)
        throw UsageError(fmt::format("{} --log-key for {} --log: give one key per log, each after its --log, as the "
                                     "logs' operators give them.",
                                     opt->log_keys.size(), opt->logs.size()));
      for (std::size_t i = 0; i < opt->logs.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
          if (opt->logs[i] == opt->logs[j])
            throw UsageError(fmt::format("--log {} is given twice; give each log once.", opt->logs[i]));
    } else if (!opt->log_keys.empty()) {
      throw UsageError("--log-key is the key of a published log; give the log with --log URL too.");
    } else if (opt->local) {
      throw UsageError("--local adds this machine's ledger to published logs; give them with --log, or leave --local "
                       "out (the ledger is read anyway).");
    }
    if (!opt->case_name.empty()) req.case_name = opt->case_name;
    if (!opt->operator_name.empty()) req.operator_name = opt->operator_name;
    // Reads the logins now so an unreadable line stops us before the ledger is opened.
    const auto logins = read_login_inputs(req.inputs, req.tz);
    if (logins.empty() && !o.from_ns)
      throw UsageError("There is nothing to report on: give --logins FILE, --at TIME, or --from and --until.");
    const std::filesystem::path dir(opt->out);
    const auto json_path = dir / "report.json", sum_path = dir / "report.sha256";
    const auto description_path = dir / kEvidenceDescriptionName;
    const auto docx_path = dir / kEvidenceDescriptionDocxName;
    const auto manifest_path = dir / kManifestFileName;
    if (!opt->force && (std::filesystem::exists(json_path) || std::filesystem::exists(sum_path) ||
                        std::filesystem::exists(manifest_path) ||
                        (!opt->name.empty() && std::filesystem::exists(dir / opt->name))))
      throw UsageError(fmt::format("{} already holds a report; choose another --out folder or add --force to "
                                   "replace it.",
                                   dir.string()));
    if (std::filesystem::exists(dir) && !std::filesystem::is_directory(dir))
      throw UsageError(fmt::format("--out {} is not a folder; choose a folder.", dir.string()));

    // The folder is made before the bundle is built, because the bundle is streamed into a
    // temporary file in it; a folder made here is removed again if the build fails, so a failed
    // report still leaves nothing behind.
    std::vector<std::string> replaced;
    if (opt->force && std::filesystem::exists(sum_path)) {
      std::ifstream in(sum_path);
      const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      replaced = sha256_listed_names(text);
    }
    RemoveIfEmpty made_dir{dir, !std::filesystem::exists(dir)};
    try {
      // A resolver named wrong would select nothing and write a report with no observation in it.
      const auto check_resolvers = [&](const std::vector<std::string>& known, const char* what) {
        for (const auto& r : o.resolvers)
          if (std::find(known.begin(), known.end(), r) == known.end())
            throw UsageError(fmt::format("--resolver '{}' names no resolver of {}; it has {}.", r, what,
                                         known.empty() ? std::string("no observations yet")
                                                       : fmt::format("{}", fmt::join(known, ", "))));
      };
      // The logs the report draws on: this machine's ledger (without --log, or with --local) first,
      // then each --log in the order given.
      std::optional<LedgerStore> store;
      std::unique_ptr<LedgerEvidenceLog> ledger_log;
      std::vector<OpenedLog> published;
      std::vector<LogPart> parts;
      ManifestKey manifest_key;
      if (opt->logs.empty() || opt->local) {
        store.emplace(ledger_paths(opt->ledger.ledger), LedgerStore::Mode::read_only, std::string{},
                      opt->ledger.lock_timeout_s * 1000);
        if (!o.resolvers.empty() && opt->logs.empty()) check_resolvers(recorded_resolvers(*store), "this ledger");
        ledger_log = std::make_unique<LedgerEvidenceLog>(*store);
        parts.push_back({kLocalLedgerSource, ledger_log.get(), nullptr});
        // The key is read before anything is written: report.json states whether its manifest is signed.
        if (opt->logs.empty()) manifest_key = load_manifest_key(*store);
      }
      for (std::size_t i = 0; i < opt->logs.size(); ++i) {
        const bool from_collector = collector_logs.count(i) != 0;
        published.push_back(open_published_log(opt->logs[i], i < opt->log_keys.size() ? opt->log_keys[i] : "",
                                               opt->log_timeout_s, from_collector ? opt->collector_key : ""));
        parts.push_back({published.back().source->location(), published.back().log.get(), nullptr});
        if (const auto c = collector_logs.find(i); c != collector_logs.end()) {
          const std::string note = published.back().remote->signed_checkpoint();
          std::string why;
          const auto reg = open_probe_registration(c->second.registration, opt->collector_key, why);
          if (!reg || reg->name != c->second.name || reg->verifier_key != opt->log_keys[i] ||
              reg->description != c->second.description)
            throw RemoteLogError(RemoteLogError::Kind::tampered,
                                 fmt::format("The collector's list names the probe {} without a registration signed by "
                                             "--collector-key ({}).",
                                             c->second.name, why.empty() ? "it differs from the list" : why));
          if (const std::string problem = collector_cosignature_problem(note, opt->collector_key); !problem.empty())
            throw RemoteLogError(RemoteLogError::Kind::tampered,
                                 fmt::format("The probe {}'s checkpoint at {} is not cosigned by the collector's key "
                                             "--collector-key ({}).",
                                             c->second.name, c->second.location, problem));
          parts.back().vantage = {{"probe", c->second.name},
                                  {"description", c->second.description},
                                  {"collector", opt->collector},
                                  {"collector_cosignature_key", opt->collector_key},
                                  {"cosigned_checkpoint", note},
                                  {"registration", c->second.registration}};
        }
      }
      // One log twice (the ledger and its own published copy, or a log and its mirror) would count
      // its observations twice.
      const auto named = [](const LogPart& p) {
        return p.source == kLocalLedgerSource ? std::string("this machine's ledger") : "--log " + p.source;
      };
      for (std::size_t i = 0; i < parts.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
          if (parts[i].log->origin() == parts[j].log->origin())
            throw UsageError(fmt::format("{} and {} are the same log ({}); give each log once.", named(parts[j]),
                                         named(parts[i]), parts[i].log->origin()));
      if (parts.size() > 1)
        manifest_key.unsigned_because = fmt::format("it draws on {} logs, each proving its own observations with its "
                                                    "own key, and no one key signs for all of them",
                                                    parts.size());
      else if (!published.empty())
        manifest_key.unsigned_because =
            fmt::format("it was drawn from the published log {}, whose signing key is not on this machine",
                        published.front().source->location());
      const bool multi = parts.size() > 1;
      req.created_at = utc_now();
      req.manifest_signed = manifest_key.key.has_value();
      std::error_code ec;
      std::filesystem::create_directories(dir, ec);
      if (ec)
        throw LedgerError(LedgerError::Kind::io, fmt::format("Cannot create the folder {} ({}); check the path and "
                                                             "permissions.",
                                                             dir.string(), ec.message()));
      BundleWritten written;
      std::vector<BundleWritten> per_log;
      std::filesystem::path pdf_path, technical_path;
      pdf::PdfWritten pdf_written, technical_written;
      {
        OutputFile json_file(json_path);
        OutputFile sum_file(sum_path);
        const auto to_file = [&](std::string_view piece) { json_file.write(piece); };
        if (multi) {
          const MultiLogWritten m = write_multi_log_bundle(parts, req, to_file);
          written.bytes = m.bytes;
          written.sha256 = m.sha256;
          per_log = m.parts;
          for (const auto& p : m.parts) {
            written.stats.observation_leaves += p.stats.observation_leaves;
            written.stats.run_leaves += p.stats.run_leaves;
            written.stats.checkpoints += p.stats.checkpoints;
            written.table_warnings += p.table_warnings;
          }
        } else {
          written = write_bundle(*parts.front().log, req, to_file);
          per_log = {written};
        }
        if (!published.empty() && !o.resolvers.empty()) {
          std::vector<std::string> seen = store ? recorded_resolvers(*store) : std::vector<std::string>{};
          for (const auto& p : published)
            for (const auto& r : p.log->resolvers_seen()) seen.push_back(r);
          std::sort(seen.begin(), seen.end());
          seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
          check_resolvers(seen, multi ? "the logs near the windows" : "the log near the windows");
        }
        std::string sums = fmt::format("{}  report.json\n", hex_encode(written.sha256));
        std::vector<ManifestEntry> manifest{{"report.json", hex_encode(written.sha256)}};
        std::optional<OutputFile> pdf_file, technical_file;
        std::optional<OutputFile> description_file, docx_file;
        if (want_pdf) {
          // The PDF is typeset from the bundle just written, read back from its file, so every
          // figure in it is the bundle's.
          const std::vector<pdf::BundleView> views = pdf::read_report_views(json_file.flushed_temp());
          if (views.size() != parts.size() || views.front().sha256_hex != hex_encode(written.sha256))
            throw std::runtime_error("report.json read back differs from what was written");
          const bool english = opt->lang == "en";
          const std::string created = pdf::text_or(views.front().doc, "created_at");
          const std::string name = !opt->name.empty()
                                       ? opt->name
                                       : default_report_file_name(opt->case_name, pdf::yyyymmdd_of(created), english);
          const std::string technical_name = technical_file_name(name, english);
          pdf_path = dir / name;
          technical_path = dir / technical_name;
          for (const auto& p : {pdf_path, technical_path})
            if (!opt->force && std::filesystem::exists(p))
              throw UsageError(fmt::format("{} already exists; choose another --out folder or add --force to replace "
                                           "it.",
                                           p.string()));
          pdf::PdfOptions po;
          po.english = english;
          po.fullwidth = opt->fullwidth;
          po.reiwa = opt->era == "reiwa";
          po.pdf_name = name;
          po.companion_name = technical_name;
          pdf_file.emplace(pdf_path);
          pdf_written = pdf::render_report_pdf(views, po, pdf_file->flushed_fd());
          // The technical material: the same bundle, the detailed chapters, the carriers' known
          // requests (presets/) and the integrity appendix.
          pdf::PdfOptions to = po;
          to.document = pdf::Document::technical;
          to.pdf_name = technical_name;
          to.companion_name = name;
          to.carriers = load_carrier_requests();
          technical_file.emplace(technical_path);
          technical_written = pdf::render_report_pdf(views, to, technical_file->flushed_fd());
          const nlohmann::json summary = multi ? pdf::combined_summary_doc(views) : views.front().doc;
          const DescribedFiles described{name, sha256_of_file(pdf_file->flushed_temp()), technical_name,
                                         sha256_of_file(technical_file->flushed_temp())};
          const EvidenceDescription description = evidence_description(summary, described, english, po.reiwa);
          description_file.emplace(description_path);
          description_file->write(evidence_description_text(description, english));
          docx_file.emplace(docx_path);
          const auto made = parse_rfc3339(created);
          docx_file->write(evidence_description_docx(
              description, english, made ? static_cast<std::time_t>(made->ns / 1'000'000'000) : 0));
          manifest.push_back({name, described.exhibit_sha256_hex});
          manifest.push_back({technical_name, described.technical_sha256_hex});
          manifest.push_back({kEvidenceDescriptionName, sha256_of_file(description_file->flushed_temp())});
          manifest.push_back({kEvidenceDescriptionDocxName, sha256_of_file(docx_file->flushed_temp())});
          // report.sha256 in sha256sum's form: report.json first, then the files in the order written.
          for (std::size_t k = 1; k < manifest.size(); ++k)
            sums += fmt::format("{}  {}\n", manifest[k].sha256_hex, manifest[k].name);
        }
        sum_file.write(sums);
        // The manifest lists exactly what report.sha256 lists, signed (reports/manifest.h).
        std::optional<OutputFile> manifest_file;
        if (manifest_key.key) {
          manifest_file.emplace(manifest_path);
          manifest_file->write(sign_manifest(manifest, parts.front().log->origin(), *manifest_key.key));
        }
        json_file.commit();
        if (pdf_file) pdf_file->commit();
        if (technical_file) technical_file->commit();
        if (description_file) description_file->commit();
        if (docx_file) docx_file->commit();
        sum_file.commit();
        if (manifest_file) manifest_file->commit();
      }
      // --force over a signed report with an unsigned one: its manifest.sig names the old files.
      if (!manifest_key.key) {
        std::error_code gone;
        std::filesystem::remove(manifest_path, gone);
      }
      made_dir.active = false;
      // --force: files the replaced report listed and this one did not (a PDF of another date or
      // name) would sit beside the new report unlisted; they go with the report they belonged to.
      for (const auto& old : replaced) {
        const bool kept = old == "report.json" ||
                          (want_pdf && (old == kEvidenceDescriptionName || old == kEvidenceDescriptionDocxName ||
                                        old == pdf_path.filename().string() ||
                                        old == technical_path.filename().string()));
        std::error_code gone;
        if (!kept && old.find('/') == std::string::npos && old != "." && old != "..")
          std::filesystem::remove(dir / old, gone);
      }
      const BundleStats& stats = written.stats;

      std::cout << fmt::format("Wrote {} ({} bytes{}) and {}.\n", json_path.string(), written.bytes,
                               multi ? fmt::format(", {} logs, {}", parts.size(), kReportFormatV3) : "",
                               sum_path.string())
                << fmt::format("  {} login time(s), {} observation leaves, {} run leaves, {} signed tree heads\n",
                               logins.size(), stats.observation_leaves, stats.run_leaves, stats.checkpoints);
      for (std::size_t i = 0; i < parts.size(); ++i) {
        const bool local = parts[i].source == kLocalLedgerSource && store;
        std::cout << fmt::format("  {} {} (key fingerprint {}){}\n", local ? "ledger" : "log", parts[i].log->origin(),
                                 per_log.at(i).key_fingerprint,
                                 multi ? fmt::format(": {} observation leaves", per_log.at(i).stats.observation_leaves)
                                       : "");
        if (!local) {
          const OpenedLog& p = published.at(store ? i - 1 : i);
          const RemoteLogStats rs = p.remote->stats();
          std::cout << fmt::format("    read from {}: {} requests, {} bytes fetched, {} files from the cache, {} "
                                   "entry bundles, {} run summaries\n",
                                   p.source->location(), rs.requests, rs.bytes_fetched, rs.cache_hits,
                                   rs.bundles_read, p.log->summaries_read());
        }
      }
      if (want_pdf)
        std::cout << fmt::format("Wrote {} (the exhibit: {} pages, {} bytes),\n  {} (the technical material: {} "
                                 "pages, {} bytes)\n  and {}, {} (drafts of the evidence description's row).\n",
                                 pdf_path.string(), pdf_written.pages, std::filesystem::file_size(pdf_path),
                                 technical_path.string(), technical_written.pages,
                                 std::filesystem::file_size(technical_path), description_path.string(),
                                 (dir / kEvidenceDescriptionDocxName).string());
      if (manifest_key.key)
        std::cout << fmt::format("Wrote {}: the SHA-256 of every file above, signed with the ledger's key.\n",
                                 manifest_path.string());
      else
        std::cerr << fmt::format("dnswitness: warning: the report is not signed as a whole ({}); its PDF and "
                                 "evidence description are covered only by report.sha256, which anyone can "
                                 "recompute, and verify will say so.{}\n",
                                 manifest_key.unsigned_because,
                                 published.empty() ? " Make the report as the user who runs the ledger to sign it."
                                                   : "");
      const std::size_t warnings = written.table_warnings;
      if (warnings) std::cout << fmt::format("  {} warning(s) in the tables; read them before filing.\n", warnings);
      std::cout << fmt::format("Check it with: dnswitness verify {}\n", json_path.string());
      return kExitOk;
    } catch (const UsageError&) {
      throw;
    } catch (const RemoteLogError& e) {
      std::cerr << "dnswitness: " << printable(e.what()) << '\n';
      return e.exit_code();
    } catch (const LogFetchError& e) {
      std::cerr << "dnswitness: " << printable(e.what()) << '\n';
      return kExitInternal;
    } catch (...) {
      return report_current_exception();
    }
  };
  return [run]() -> int { return on_huge_pages(run); };
}

}  // namespace dnswitness::cli
