#include "reports/pdf/fact_cells.h"

#include <algorithm>
#include <cstdlib>
#include <set>

#include "reports/pdf/bundle_view.h"

namespace dnswitness::pdf {
namespace {

using nlohmann::json;

std::string none(Lang L) { return L("記録なし", "not recorded"); }

bool loopback(const json& i) {
  const std::string a = text_or(i, "address");
  return text_or(i, "interface") == "lo" || a.rfind("127.", 0) == 0 || a == "::1";
}

std::string counted(const json& list, const char* key, Lang L) {
  std::vector<std::string> out;
  for (const auto& e : list) {
    const json& v = at(e, key);
    const std::string s = v.is_string() ? v.get<std::string>() : v.dump();
    out.push_back(rt(L("{}（{}件）", "{} ({})"), s, at(e, "observations").is_number() ? at(e, "observations").dump() : "?"));
  }
  return join(out, ", ");
}

}  // namespace

std::string offset_words(std::int64_t ns, Lang L) {
  const char sign = ns < 0 ? '-' : '+';
  const double a = static_cast<double>(std::llabs(ns));
  if (a >= 1e9) return rt(L("{}{:.3f} 秒", "{}{:.3f} s"), sign, a / 1e9);
  return rt(L("{}{:.1f} ミリ秒", "{}{:.1f} ms"), sign, a / 1e6);
}

std::string clock_offset_words(std::int64_t offset_ns, Lang L) {
  const double a = static_cast<double>(std::llabs(offset_ns));
  const std::string size = a >= 1e9 ? rt(L("約{:.1f}秒", "about {:.1f} s"), a / 1e9) : rt(L("{:.1f}ミリ秒", "{:.1f} ms"), a / 1e6);
  if (offset_ns == 0) return L("基準時刻（NTP）と一致", "the same as NTP time");
  return offset_ns < 0 ? rt(L("基準時刻（NTP）より{}進んでいた", "{} ahead of NTP time"), size)
                       : rt(L("基準時刻（NTP）より{}遅れていた", "{} behind NTP time"), size);
}

std::string clock_sentence(const std::string& english, Lang L) {
  if (L.en) return english;
  // "The system clock was 90.001 s ahead of NTP time (server ...)": the figure and the direction
  // are read back from the sentence, which is what the run leaf holds.
  constexpr std::string_view kOff = "The system clock was ";
  if (english.starts_with(kOff)) {
    const char* begin = english.c_str() + kOff.size();
    char* end = nullptr;
    const double seconds = std::strtod(begin, &end);
    const std::string_view rest(end);
    if (end != begin && (rest.starts_with(" s ahead") || rest.starts_with(" s behind")))
      return rt("この実行の時点で、計算機の時計は基準時刻（NTP）より約{:.1f}秒{}いました（許容は0.5秒まで）。この実行で"
                "記録した時刻は、その分ずれています。",
                seconds, rest.starts_with(" s ahead") ? "進んで" : "遅れて");
  }
  if (english.starts_with("No NTP server answered"))
    return "NTPサーバがどれも応答しなかったため、この実行では時計を確認できませんでした（理由は記録のclock.resultsにあります）。";
  if (english.starts_with("The clock was not checked in this run: every NTP server address was asked"))
    return "この実行では時計を確認していません。どのNTPサーバにも3分以内に問い合わせ済みで、サーバはそれより頻繁な問い合わせを"
           "控えるよう求めているためです。";
  if (english.starts_with("The clock was not checked: NTP is switched off"))
    return "時計を確認しない設定（--ntp none）で実行されました。";
  return english;
}

std::string certificate_check_words(const std::string& check, Lang L) {
  if (L.en) return check;
  if (check == "verified (chain and host name)") return "成功（証明書チェーンとホスト名を検証）";
  if (check.starts_with("not enforced (--insecure)"))
    return "検証を強制せず（--insecure、試験用の設定）：" + check.substr(std::string_view("not enforced (--insecure): ").size());
  if (check.starts_with("failed: ")) return "失敗（" + check.substr(8) + "）";
  return check;
}

std::string host_cell(const json& f, Lang L) {
  std::vector<std::string> lines;
  const json& host = at(f, "host");
  if (host.is_object()) {
    lines.push_back(text_or(host, "hostname", "-"));
    lines.push_back(text_or(host, "os", "-"));
  } else {
    lines.push_back(rt(L("計算機：{}", "host: {}"), none(L)));
  }
  const json& tool = at(f, "tool");
  if (tool.is_object()) lines.push_back(rt("dnswitness {} ({})", text_or(tool, "version"), text_or(tool, "commit")));
  if (const std::string h = text_or(f, "config_hash"); !h.empty())
    lines.push_back(rt(L("設定のハッシュ {}…", "settings hash {}…"), h.substr(0, 16)));
  if (const std::string cv = text_or(f, "certificate_verification"); !cv.empty())
    lines.push_back(at(f, "insecure") == true
                        ? std::string(L("証明書の検証：実施せず（--insecure、試験用）", "certificates: NOT checked (--insecure, tests only)"))
                        : std::string(L("証明書の検証：実施", "certificates: checked")));
  if (const std::string ca = text_or(f, "ca_file_sha256"); !ca.empty())
    lines.push_back(rt(L("追加のCA {}…", "extra CA file {}…"), ca.substr(0, 16)));
  return join(lines, "\n");
}

std::string vantage_cell(const json& f, Lang L) {
  const json& v = at(f, "vantage");
  if (!v.is_object()) return none(L);
  std::vector<std::string> lines;
  std::size_t loop = 0;
  for (const auto& i : at(v, "interfaces")) {
    if (loopback(i)) {
      ++loop;
      continue;
    }
    std::string s = text_or(i, "interface") + " " + text_or(i, "address");
    if (at(i, "prefix_length").is_number_integer() && at(i, "prefix_length").get<int>() >= 0)
      s += "/" + at(i, "prefix_length").dump();
    lines.push_back(s);
  }
  if (lines.empty()) lines.push_back(L("（ループバック以外のアドレスなし）", "(no address but loopback)"));
  if (loop) lines.push_back(rt(L("ほかループバック{}件", "and {} loopback"), loop));
  const json& who = at(v, "whoami");
  if (!who.is_array() || who.empty()) {
    lines.push_back(L("外部から見た送信元：問い合わせなし（公開リゾルバを使っていない実行）",
                      "egress seen from outside: not asked (no public resolver in the run)"));
  } else {
    for (const auto& w : who) {
      std::vector<std::string> eg;
      for (const auto& e : at(w, "egress"))
        if (e.is_string()) eg.push_back(e.get<std::string>());
      lines.push_back(rt(L("外部から見た送信元（{}）：{}", "egress seen by {}: {}"), text_or(w, "service"),
                         eg.empty() ? text_or(w, "outcome", "-") : join(eg, ", ")));
    }
  }
  return join(lines, "\n");
}

std::string clock_setting(const json& f, Lang L) {
  const json& c = at(f, "clock");
  if (!c.is_object()) return none(L);
  std::vector<std::string> servers;
  for (const auto& s : at(c, "servers"))
    if (s.is_string()) servers.push_back(s.get<std::string>());
  if (servers.empty()) return L("時計の確認：行わず（NTPを使わない設定）", "clock: not checked (NTP switched off)");
  return rt(L("NTP：{}", "NTP: {}"), join(servers, ", "));
}

std::string clock_cell(const std::vector<const json*>& group, Lang L) {
  if (group.empty() || !at(*group.front(), "clock").is_object()) return none(L);
  std::vector<std::string> lines = {clock_setting(*group.front(), L)};
  std::int64_t lo = 0, hi = 0;
  std::size_t measured = 0;
  std::set<std::string> warnings, notes;
  const json* best = nullptr;
  for (const json* f : group) {
    const json& c = at(*f, "clock");
    if (at(c, "offset_ns").is_number_integer()) {
      const auto o = at(c, "offset_ns").get<std::int64_t>();
      lo = measured == 0 ? o : std::min(lo, o);
      hi = measured == 0 ? o : std::max(hi, o);
      ++measured;
      if (!best) best = &c;
    } else if (const std::string n = text_or(c, "note"); !n.empty()) {
      notes.insert(n);
    }
    for (const auto& w : at(c, "warnings"))
      if (w.is_string()) warnings.insert(w.get<std::string>());
  }
  // offset_ns is the server's clock minus ours: negative when this machine's clock was ahead.
  if (measured == 0) {
    if (!at(at(*group.front(), "clock"), "servers").empty())
      lines.push_back(L("計算機の時計：測定できず", "this machine's clock: not measured"));
  } else if (lo == hi) {
    lines.push_back(rt(L("計算機の時計：{}（{}）", "this machine's clock: {} ({})"), clock_offset_words(lo, L),
                       text_or(*best, "offset_server")));
  } else {
    lines.push_back(rt(L("計算機の時計：{}〜{}（{}回測定）", "this machine's clock: from {} to {} ({} measurements)"),
                       clock_offset_words(hi, L), clock_offset_words(lo, L), measured));
  }
  if (best && at(*best, "delay_ns").is_number_integer())
    lines.push_back(rt(L("往復遅延 {}、NTPの階層 {}", "delay {}, stratum {}"),
                       offset_words(at(*best, "delay_ns").get<std::int64_t>(), L).substr(1),
                       at(*best, "stratum").is_number() ? at(*best, "stratum").dump() : "-"));
  // The record's note says why nothing was measured; with NTP switched off the first line says it.
  if (!at(at(*group.front(), "clock"), "servers").empty())
    for (const auto& n : notes) lines.push_back(rt(L("記録の注記：{}", "note: {}"), clock_sentence(n, L)));
  for (const auto& w : warnings) lines.push_back(rt(L("警告：{}", "warning: {}"), clock_sentence(w, L)));
  return join(lines, "\n");
}

const json& tls_facts(const json& r) {
  const json& h = at(r, "https");
  return h.is_object() ? h : at(r, "tls");
}

std::string resolver_facts_cell(const json& r, Lang L) {
  std::vector<std::string> lines;
  if (const std::string url = text_or(r, "url"); !url.empty()) lines.push_back(url);
  const json& h = tls_facts(r);
  if (h.is_object()) {
    if (!at(h, "tls_versions").empty()) lines.push_back("TLS: " + counted(at(h, "tls_versions"), "tls_version", L));
    if (!at(h, "http_statuses").empty()) lines.push_back("HTTP: " + counted(at(h, "http_statuses"), "http_status", L));
    for (const auto& c : at(h, "certificate_checks"))
      lines.push_back(rt(L("証明書の検証：{}", "certificate check: {}"), certificate_check_words(text_or(c, "certificate_check"), L)));
    if (!at(h, "certificate_chains").empty())
      lines.push_back(L("証明書：下の表", "certificates: table below"));
  }
  const json& a = at(r, "authoritative");
  if (a.is_object()) {
    std::vector<std::string> zones;
    for (const auto& z : at(a, "zones")) zones.push_back(z.get<std::string>());
    lines.push_back(rt(L("ゾーン {} の権威サーバ", "authoritative for {}"), join(zones, ", ")));
    lines.push_back(rt(L("AA付きの回答 {} / {}", "AA set in {} of {} responses"), at(a, "aa").dump(), at(a, "responses").dump()));
  }
  const json& c = at(r, "client_subnet");
  if (c.is_object()) lines.push_back(rt(L("ECS {}：下の表", "ECS {}: table below"), text_or(c, "sent")));
  return lines.empty() ? "-" : join(lines, "\n");
}

std::string certificate_cell(const json& r, Lang L) {
  std::vector<std::string> blocks;
  for (const auto& chain : at(tls_facts(r), "certificate_chains")) {
    std::vector<std::string> lines = {rt(L("（{}件の観測で提示）", "(presented in {} observations)"), at(chain, "observations").dump())};
    std::size_t k = 0;
    for (const auto& cert : at(chain, "certificates")) {
      const std::string fp = text_or(cert, "sha256");
      lines.push_back(rt(L("{}. {}", "{}. {}"), ++k, text_or(cert, "subject", "-")));
      lines.push_back("   SHA-256 " + fp.substr(0, 32));
      if (fp.size() > 32) lines.push_back("           " + fp.substr(32));
      if (const std::string na = text_or(cert, "not_after"); !na.empty())
        lines.push_back(rt(L("   有効期限 {}", "   valid until {}"), jst_of(na)));
    }
    blocks.push_back(join(lines, "\n"));
  }
  return blocks.empty() ? std::string(L("提示なし（接続に失敗）", "none presented (no connection)")) : join(blocks, "\n\n");
}

std::string scope_cell(const json& r, Lang L) {
  const json& c = at(r, "client_subnet");
  std::vector<std::string> lines;
  for (const auto& s : at(c, "scope_prefixes")) {
    const auto p = at(s, "scope_prefix").is_number_integer() ? at(s, "scope_prefix").get<std::int64_t>() : -1;
    const std::string n = at(s, "observations").dump();
    if (p == 0)
      lines.push_back(rt(L("スコープ /0（{}件）：利用者のネットワークによらず同じ回答",
                           "scope /0 ({}): the same answer for every client"), n));
    else
      lines.push_back(rt(L("スコープ /{}（{}件）：この /{} の範囲の利用者向けに選ばれた回答（ネットワークにより異なり得る）",
                           "scope /{} ({}): chosen for clients in this /{} (depends on the client's network)"),
                         p, n, p));
  }
  if (at(c, "responses_without_option").is_number_unsigned() && at(c, "responses_without_option").get<std::uint64_t>() > 0)
    lines.push_back(rt(L("ECSなしの応答（{}件）：伝えた利用者ネットワークによって回答を変えていません（問い合わせ元の所在地に"
                         "よる振り分けの有無は分かりません）",
                         "no ECS in {} response(s): the answer does not depend on the client network sent (whether the "
                         "server picks answers by where the query came from is not known)"),
                       at(c, "responses_without_option").dump()));
  return lines.empty() ? std::string(L("応答なし", "no response")) : join(lines, "\n");
}

}  // namespace dnswitness::pdf
