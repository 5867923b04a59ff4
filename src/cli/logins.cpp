// `dnswitness logins FILE`: show what was understood from a login records file, so a lawyer can
// check it before a report is made from it. Reads the whole file first: on any unreadable line
// nothing goes to stdout.
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <string_view>
#include <type_traits>
#include <map>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "model/printable.h"
#include "model/errors.h"
#include "reports/logins.h"
#include "reports/source_ip.h"

namespace dnswitness::cli {
namespace {

struct LoginsOptions {
  std::string file;
  std::string tz;
  bool json = false;
};

struct Summary {
  std::map<std::string, std::size_t> by_account;  // "(none)" for records without an account
  std::map<SourceIpClass, std::size_t> by_class;
  std::size_t without_ip = 0;
  std::size_t not_usable = 0;
  std::size_t ipv6 = 0;
};

Summary summarize(const LoginImport& in) {
  Summary s;
  for (const auto& r : in.records) {
    ++s.by_account[r.account.value_or("(none)")];
    if (!r.source_ip) {
      ++s.without_ip;
      continue;
    }
    const auto c = classify_source_ip(*r.source_ip);
    ++s.by_class[c.cls];
    if (!c.usable_for_carrier_request) ++s.not_usable;
    if (c.cls == SourceIpClass::public_ipv6) ++s.ipv6;
  }
  return s;
}

// The table holds text from the file (accounts, the file's name): every line is printed through
// printable() so a control character in a disclosure cannot reach the terminal. Line by line, so a
// large file's table is never held in memory twice.
struct PrintableOut {
  template <typename T>
  PrintableOut& operator<<(const T& piece) {
    if constexpr (std::is_convertible_v<const T&, std::string_view>) {
      std::cout << printable(std::string_view(piece), true);
    } else {
      std::cout << piece;
    }
    return *this;
  }
};

void print_text(const LoginImport& in, const std::string& file) {
  const Summary s = summarize(in);
  PrintableOut out;
  out << fmt::format("{}: {} login record(s); read as {}: {}.\n", file, in.records.size(),
                           login_format_name(in.format), in.detected_because);
  // Said only when some time really had no zone of its own.
  const auto unzoned = std::count_if(in.records.begin(), in.records.end(), [](const LoginRecord& r) { return !r.zone_written; });
  if (unzoned > 0)
    out << fmt::format("{} of {} time(s) were written without a zone and were read as {}.\n", unzoned,
                       in.records.size(), in.zone.name);
  out << "\n";

  std::size_t wip = 9, wacc = 7;
  bool any_port = false;
  for (const auto& r : in.records) {
    wip = std::max(wip, r.source_ip.value_or("-").size());
    wacc = std::max(wacc, r.account.value_or("-").size());
    any_port = any_port || r.source_port.has_value();
  }
  const std::string port_head = any_port ? fmt::format("{:>5}  ", "PORT") : "";
  out << fmt::format("{:>6}  {:<24}  {:<24}  {:<{}}  {}{:<{}}  {}\n", "LINE", "UTC", "JST", "SOURCE IP", wip,
                           port_head, "ACCOUNT", wacc, "SOURCE IP CLASS");
  for (const auto& r : in.records) {
    std::string cls = "-";
    if (r.source_ip) {
      const auto c = classify_source_ip(*r.source_ip);
      cls = std::string(source_ip_class_label(c.cls));
      if (!c.usable_for_carrier_request) cls += " - NOT USABLE";
    }
    const std::string port =
        any_port ? fmt::format("{:>5}  ", r.source_port ? std::to_string(*r.source_port) : "-") : "";
    out << fmt::format("{:>6}  {:<24}  {:<24}  {:<{}}  {}{:<{}}  {}\n", r.line, format_utc_display(r.at),
                             format_jst_display(r.at), r.source_ip.value_or("-"), wip, port, r.account.value_or("-"),
                             wacc, cls);
  }

  out << "\nBy account:\n";
  for (const auto& [account, n] : s.by_account) out << fmt::format("  {:<{}}  {:>6}\n", account, wacc, n);
  out << "By source IP class:\n";
  for (const auto& [cls, n] : s.by_class)
    out << fmt::format("  {:<26}  {:>6}\n", source_ip_class_label(cls), n);
  if (s.without_ip) out << fmt::format("  {:<26}  {:>6}\n", "no source IP", s.without_ip);
  if (in.duplicates) out << fmt::format("Duplicates dropped: {}\n", in.duplicates);

  if (s.not_usable) {
    out << fmt::format("\n{} record(s) have a source IP that a carrier cannot look up:\n", s.not_usable);
    for (const auto& r : in.records) {
      if (!r.source_ip) continue;
      const auto c = classify_source_ip(*r.source_ip);
      if (!c.usable_for_carrier_request)
        out << fmt::format("  line {} ({}): {}: {}\n", r.line, format_utc_display(r.at), c.address, c.reason);
    }
  }
  if (s.ipv6)
    out << fmt::format(
        "\n{} record(s) have a public IPv6 source: the carrier may find the subscriber without a destination IP.\n",
        s.ipv6);
  // Notes about the reading (lines skipped, records dropped) are not part of the table: on stderr,
  // so a script reading the table never takes them for data.
  for (const auto& w : in.warnings) std::cerr << "dnswitness: note: " << printable(w, true) << '\n';
}

nlohmann::json to_json(const LoginImport& in, const std::string& file) {
  const Summary s = summarize(in);
  nlohmann::json records = nlohmann::json::array();
  for (const auto& r : in.records) records.push_back(login_record_json(r));
  nlohmann::json by_account = nlohmann::json::object(), by_class = nlohmann::json::object();
  for (const auto& [account, n] : s.by_account) by_account[account] = n;
  for (const auto& [cls, n] : s.by_class) by_class[std::string(source_ip_class_name(cls))] = n;
  if (s.without_ip) by_class["none"] = s.without_ip;
  return {{"file", file},
          {"format", login_format_name(in.format)},
          {"detected_because", in.detected_because},
          {"time_zone", in.zone.name},
          {"time_zone_offset_seconds", in.zone.offset_seconds},
          {"records", records},
          {"duplicates", in.duplicates},
          {"warnings", in.warnings},
          {"summary",
           {{"records", in.records.size()},
            {"by_account", by_account},
            {"by_source_ip_class", by_class},
            {"not_usable_for_carrier_request", s.not_usable}}}};
}

}  // namespace

Action add_logins(CLI::App& app) {
  auto opt = std::make_shared<LoginsOptions>();
  CLI::App* sub = app.add_subcommand(
      "logins", "Show the login records read from a file (X's disclosure pasted from Word, CSV, or one time per "
                "line), with UTC and JST times and source-IP checks.");
  sub->footer(
      "Examples:\n"
      "  dnswitness logins x-disclosure.txt\n"
      "  dnswitness logins logins.csv --tz Asia/Tokyo --json\n"
      "Times written without a zone are read in --tz (default UTC); a zone written with the time, such as\n"
      "2023/11/21 11:10:15(JST) or 2023-11-21T02:10:15.000Z, always wins. See docs/logins.md.\n"
      "Exit codes: 0 read; 2 a line could not be read (nothing is printed on stdout) or bad usage.");
  sub->add_option("file", opt->file, "Login records file")->required()->option_text("FILE");
  sub->add_option("--tz", opt->tz, "Zone for times written without one: UTC (default), Asia/Tokyo, JST, +09:00")
      ->option_text("TZ");
  sub->add_flag("--json", opt->json, "Print JSON instead of a table");
  return [opt]() -> int {
    LoginParseOptions options;
    if (!opt->tz.empty()) options.zone = parse_login_time_zone(opt->tz);
    const LoginImport in = read_logins_file(opt->file, options);
    if (opt->json)
      std::cout << to_json(in, opt->file).dump(2) << '\n';
    else
      print_text(in, opt->file);
    return kExitOk;
  };
}

}  // namespace dnswitness::cli
