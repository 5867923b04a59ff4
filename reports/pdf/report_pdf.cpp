#include "reports/pdf/report_pdf.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <optional>
#include <iterator>
#include <set>

#include "model/address.h"
#include "reports/multi_log_bundle.h"
#include "reports/rdap_bundle.h"
#include "reports/rdap_summary.h"
#include "reports/time_checks.h"
#include "reports/pdf/fact_cells.h"
#include "reports/pdf/openssl_steps.h"
#include "reports/pdf/time_wording.h"
#include "reports/pdf/typesetter.h"
#include "reports/pdf/wording.h"
#include "timeutil/timestamp.h"
#include "tlog/cosignature.h"

namespace dnswitness::pdf {
namespace {

using nlohmann::json;

std::string str(const json& j, const char* key) { return text_or(j, key); }

std::uint64_t num(const json& j, const char* key) {
  const json& v = at(j, key);
  return v.is_number_unsigned() ? v.get<std::uint64_t>() : 0;
}

std::vector<std::string> strings(const json& list) {
  std::vector<std::string> out;
  if (list.is_array())
    for (const auto& x : list)
      if (x.is_string()) out.push_back(x.get<std::string>());
  return out;
}

// Any JSON value as short text for a table cell: objects as "key: value" lines (for records other
// parts of the tool add to a run, whose shape this renderer does not know).
std::string plain(const json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object()) {
    std::vector<std::string> lines;
    for (const auto& [k, x] : v.items()) lines.push_back(k + ": " + (x.is_structured() ? x.dump() : plain(x)));
    return join(lines, "\n");
  }
  if (v.is_array()) {
    std::vector<std::string> items;
    for (const auto& x : v) items.push_back(x.is_structured() ? x.dump() : plain(x));
    return join(items, ", ");
  }
  return v.dump();
}

TextStyle body() { return TextStyle{}; }
TextStyle note() {
  TextStyle s;
  s.font = Font::sans;
  s.size = 9.5;
  s.space_after = 5;
  return s;
}
TextStyle title_style() {
  TextStyle s;
  s.font = Font::serif_bold;
  s.size = 20;
  s.space_after = 14;
  return s;
}
// The document's title: the exhibit's, or its technical material's.
std::string title_of(const PdfOptions& o, const Lang& L) {
  return o.document == Document::technical
             ? L("DNS名前解決観測記録報告書　技術資料", "DNS Resolution Observation Report: Technical Material")
             : L("DNS名前解決観測記録報告書", "DNS Resolution Observation Report");
}
TextStyle bullet() {
  TextStyle s;
  s.size = 11;
  s.indent = 6;
  s.first_indent = -12;
  s.space_after = 3;
  return s;
}

class Writer {
 public:
  // `part`: in a report of several logs, the line that heads this log's part ("" for one log).
  // `part_index`: its position in the report's logs (-1 for one log).
  Writer(const BundleView& b, const PdfOptions& o, Typesetter& ts, std::string part = {}, int part_index = -1)
      : b_(b), doc_(b.doc), o_(o), L_{o.english, o.reiwa}, ts_(ts), part_(std::move(part)), part_index_(part_index) {
    for (const auto& f : b.observations) by_leaf_[f.row.leaf_index] = &f;
    // Each stored answer is parsed once, here: the login sections and the appendix repeat addresses.
    for (auto& r : rdap_records_of(at(doc_, "rdap"))) {
      std::string address = r.address, holder = rdap_holder_words(r, L_);
      rdap_.emplace(std::move(address), RdapEntry{std::move(r), std::move(holder)});
    }
  }

  void all() {
    if (technical()) {
      technical_cover();
      logins();
      period();
      stability();
      method();
      carrier_requests();
      rdap_appendix();
      integrity();
      return;
    }
    cover();
    exhibit_logins();
    if (at(at(doc_, "tables"), "logins").empty()) period();
    explanations();
    not_shown();
    signature();
  }

 private:
  const BundleView& b_;
  const json& doc_;
  const PdfOptions& o_;
  Lang L_;
  Typesetter& ts_;
  std::string part_;
  int part_index_;
  std::map<std::uint64_t, const ObservationFacts*> by_leaf_;
  // report --rdap: the stored answers by address, with what the PDF says of each holder.
  struct RdapEntry {
    RdapRecord record;
    std::string holder;
  };
  std::map<std::string, RdapEntry> rdap_;

  std::string both_times(const std::string& t) const { return jst_of(t) + "\n" + utc_of(t); }

  bool technical() const { return o_.document == Document::technical; }
  // A place in the technical material, as the exhibit names it ("技術資料 第3章") and as the technical
  // material names it itself ("第3章").
  std::string tech(const std::string& where) const {
    return technical() ? where : rt(L_("技術資料（{}）の{}", "the technical material ({}), {}"), o_.companion_name, where);
  }
  std::string method_chapter() const { return tech(L_("第3章", "chapter 3")); }
  std::string appendix() const { return tech(L_("付録", "appendix")); }
  // The exhibit's section of login i and the technical material's, by number.
  static std::string exhibit_section(std::size_t i) { return fmt::format("1.{}", i + 1); }
  std::string detail_section(std::size_t i) const { return tech(fmt::format("1.{}", i + 1)); }

  // "2023/11/21\n09:00:00〜09:30:00" within one day, else both times in full (JST).
  static std::string span_of(const std::string& from, const std::string& to) {
    const std::string a = jst_short_of(from), b = jst_short_of(to);
    if (a.size() == 19 && b.size() == 19 && a.compare(0, 10, b, 0, 10) == 0)
      return a.substr(0, 10) + "\n" + (a == b ? a.substr(11) : a.substr(11) + "〜" + b.substr(11));
    return a + "\n〜" + b;
  }

  // Addresses padded to one width, so a wrapped list lines up in columns (the cell is monospaced).
  static std::string aligned(const std::vector<std::string>& addrs) {
    std::size_t w = 0;
    for (const auto& a : addrs) w = std::max(w, a.size());
    std::string out;
    for (std::size_t i = 0; i < addrs.size(); ++i) {
      out += addrs[i];
      if (i + 1 < addrs.size()) out += std::string(w + 2 - addrs[i].size(), ' ');
    }
    return out;
  }
  std::string case_name() const {
    const std::string c = str(doc_, "case");
    return c.empty() ? std::string(L_("（事件名の記載なし）", "(no case name given)")) : c;
  }
  std::string none() const { return L_("記録なし", "not recorded"); }

  void kv(const std::vector<std::pair<std::string, std::string>>& rows, double key_weight = 1.0,
          Font value_font = Font::sans) {
    Table t;
    t.header = false;
    t.size = 10;
    t.columns = {{"", key_weight, Font::sans_bold}, {"", 3.2 - key_weight, value_font}};
    for (const auto& [k, v] : rows) t.rows.push_back({k, v});
    ts_.table(t);
  }

  // The part's heading (a report of several logs) and the document's title.
  void title_block() {
    if (!part_.empty()) ts_.heading(part_, 1);
    ts_.text(title_of(o_, L_), title_style());
  }

  // ---- the technical material's first page: what it is and which exhibit it belongs to ----
  void technical_cover() {
    title_block();
    kv({{L_("事件", "Case"), case_name()},
        {L_("対応する報告書", "The report it belongs to"), o_.companion_name},
        {L_("根拠データ", "Evidence file"),
         rt(L_("{}（{}バイト）\nSHA-256：{}", "{} ({} bytes)\nSHA-256: {}"), o_.bundle_name, b_.file_bytes,
            b_.sha256_hex)}});
    ts_.text(L_("本資料は、報告書の記載の裏付けとなる詳細（ドメインごとの観測結果、回答の安定性、観測の方法と各実行の記録、"
                "署名されたツリーヘッドと、記録の完全性を第三者が確認する手順）を示すものです。"
                "報告書と同じく、すべての数値・アドレス・日時は根拠データから作成しています。",
                "This material gives the details behind the report: what each domain resolved to, how stable the "
                "answers were, how the observations were made with each run's records, the signed tree heads, and "
                "the steps by which anyone can check the records' integrity. Like the report, every figure, address "
                "and time in it is taken from the evidence file."),
             body());
    time_findings();
  }

  // ---- page 1 ----
  void cover() {
    title_block();
    const json& obs = at(doc_, "observations");
    const json& sel = at(doc_, "selection");
    const std::string created = str(doc_, "created_at");
    std::vector<std::pair<std::string, std::string>> rows = {
        {L_("事件", "Case"), case_name()},
        {L_("作成者（観測者）", "Made by (operator)"),
         str(doc_, "operator").empty() ? std::string(L_("（記載なし）", "(not given)")) : str(doc_, "operator")},
        {L_("本書の作成日時", "Report made"),
         jst_of(created) + L_("（観測の日時ではありません）", " (not when the observations were made)")},
        {L_("観測期間", "Observations"),
         str(obs, "first").empty()
             ? std::string(L_("この報告書に観測はありません", "this report holds no observation"))
             : rt(L_("{} から\n{} まで（{}件の観測）", "from {}\nto {} ({} observations)"), jst_of(str(obs, "first")),
                           jst_of(str(obs, "last")), num(obs, "count"))},
        {L_("対象ドメイン", "Domains"),
         join(strings(at(sel, "domains")), L_("、", ", ")) +
             rt(L_("\n（レコード種別：{}。A はIPv4、AAAA はIPv6のアドレス）", "\n(record types: {}; A: IPv4, AAAA: IPv6)"),
                join(strings(at(sel, "types")), ", "))},
        {L_("照合の時間幅", "Window"),
         rt(L_("各ログイン時刻の{}前から{}後まで（理由は2.5）", "from {} before to {} after each login time (why: 2.5)"),
                     window_words(str(sel, "before"), L_), window_words(str(sel, "after"), L_))},
        {L_("技術資料", "Technical material"),
         rt(L_("{}（詳細な表、観測の方法の詳細、署名と証明の確認方法）",
               "{} (the detailed tables, how the observations were made, how to check the signatures and proofs)"),
            o_.companion_name)},
    };
    if (const json& cov = at(doc_, "coverage"); cov.is_object()) {
      std::size_t gaps = 0;
      for (const auto& w : at(cov, "windows")) gaps += at(w, "gaps").size();
      rows.emplace_back(L_("観測の空白", "Gaps without runs"),
                        !at(cov, "interval_seconds").is_number_integer()
                            ? rt(L_("調べていません（実行の間隔が不明。{}）", "not looked for (interval unknown; {})"),
                                 method_chapter())
                        : gaps == 0 ? std::string(L_("なし", "none"))
                                    : rt(L_("{}件（{}「観測の空白」）", "{} ({}, \"Gaps\")"), gaps, method_chapter()));
    }
    if (!at(sel, "resolvers").empty())
      rows.emplace_back(L_("対象リゾルバ", "Resolvers"), join(strings(at(sel, "resolvers")), ", "));
    if (!at(sel, "from").is_null())
      rows.emplace_back(L_("対象期間", "Period"), rt(L_("{} から {} まで", "{} to {}"), jst_of(str(sel, "from")),
                                                              jst_of(str(sel, "until"))));
    rows.emplace_back(L_("時計", "Clock"), clock_line());
    kv(rows);
    time_findings();
    TextStyle hash;
    hash.font = Font::mono;
    hash.size = 9.5;
    hash.space_after = 8;
    ts_.text(rt(L_("根拠データ（{}、{}バイト）のSHA-256：", "SHA-256 of the evidence file ({}, {} bytes):"), o_.bundle_name,
                b_.file_bytes),
             note());
    ts_.text(b_.sha256_hex, hash);
    ts_.text(rt(L_("本書の数値・アドレス・日時はすべて、同じフォルダの根拠データ（{}）から作成しています。"
                   "根拠データは観測の都度電子署名された記録の抜粋で、誰でもオフラインで検証できます（{}）。",
                   "Every figure, address and time in this report is taken from the evidence file beside it ({}), "
                   "an extract of a log signed as the observations were made, which anyone can check offline "
                   "({})."),
                o_.bundle_name, appendix()),
             note());

    const json& tables = at(at(doc_, "tables"), "logins");
    if (tables.empty()) return;
    ts_.heading(L_("ログイン時刻ごとの申立書別紙用の一覧（概要）", "The lists for the petition per login time (summary)"), 2);
    Table t;
    t.size = 9;
    t.columns = {{L_("番号", "No."), 0.35},
                 {L_("ログイン日時", "Login time"), 1.6},
                 {L_("接続元IPアドレス", "Source IP"), 1.7},
                 {L_("申立書別紙用の一覧（443/TCP）", "List for the petition (443/TCP)"), 1.9},
                 {L_("注意", "Notes"), 0.6}};
    for (std::size_t i = 0; i < tables.size(); ++i) {
      const json& l = tables[i];
      const std::string src = at(l, "source_ip").is_string()
                                  ? str(l, "source_ip") + "\n" + source_class_label(str(l, "source_ip_class"), L_)
                                  : std::string(L_("開示なし", "not disclosed"));
      const std::size_t warns = warnings_of(l).size();
      std::string when = both_times(str(l, "time"));
      if (!post_marks(i).empty()) when += L_("\n侵害関連通信", "\ninfringement-related");
      t.rows.push_back({std::to_string(i + 1), when, src, list_summary(i, l),
                        warns ? rt(L_("{}件（{}）", "{} ({})"), warns, exhibit_section(i)) : std::string(L_("なし", "none"))});
    }
    ts_.table(t);
  }

  // One cell of page 1's summary: how many addresses login i's list holds, or why there is none.
  std::string list_summary(std::size_t i, const json& l) const {
    const json& cl = at(l, "carrier_list");
    const std::string status = str(cl, "status");
    if (status == "withheld")
      return rt(L_("作成していません（接続元が{}のため。{}）", "none made (the source is a {}; {})"),
                source_class_label(str(l, "source_ip_class"), L_), exhibit_section(i));
    const std::size_t n = at(cl, "addresses").size();
    const char* family = at(cl, "family") == 4 ? L_("IPv4", "IPv4") : at(cl, "family") == 6 ? L_("IPv6", "IPv6") : "";
    std::string out = n == 0 ? rt(L_("候補なし（{}）", "no candidate ({})"), exhibit_section(i))
                             : rt(L_("{}の候補{}件（{}）", "{} {} candidate(s) ({})"), family, n, exhibit_section(i));
    if (status == "after_only") out += L_("\n参考：ログイン後の観測のみ", "\nfor reference: observed after the login only");
    return out;
  }

  // Page 1's clock line: the largest clock error the runs' NTP checks found, and the largest
  // difference between a run's end and the RFC 3161 time of its tree head.
  std::string clock_line() const {
    std::optional<std::int64_t> ntp, tsa;
    for (const auto& [leaf, facts] : b_.run_facts) {
      const json& off = at(at(facts, "clock"), "offset_ns");
      if (off.is_number_integer() && (!ntp || std::llabs(off.get<std::int64_t>()) > std::llabs(*ntp)))
        ntp = off.get<std::int64_t>();
      const std::int64_t finished = ns_of(str(facts, "finished_at"));
      for (const auto& tok : at(at(facts, "time_checks"), "tokens")) {
        const std::int64_t gen = ns_of(str(tok, "gen_time"));
        if (gen == 0 || finished == 0) continue;
        if (!tsa || std::llabs(gen - finished) > std::llabs(*tsa)) tsa = gen - finished;
      }
    }
    const std::string ntp_words =
        ntp ? rt(L_("時計のずれ：最大{}（NTP）", "clock error: at most {} (NTP)"), seconds_words(*ntp))
            : std::string(L_("時計のずれ：NTPによる確認の記録なし", "clock error: no NTP check recorded"));
    const std::string tsa_words =
        tsa ? rt(L_("時刻認証との差：最大{}", "difference from the time-stamps: at most {}"), seconds_words(*tsa))
            : std::string(L_("時刻認証との差：タイムスタンプの記録なし", "difference from the time-stamps: none recorded"));
    std::string out = ntp_words + L_("、", "; ") + tsa_words;
    if (ntp && std::llabs(*ntp) >= 500'000'000)
      out += rt(L_("\n（最も大きくずれた実行で、計算機の時計が{}）", "\n(in the run furthest off, this computer's clock was {})"),
                clock_offset_words(*ntp, L_));
    return out;
  }

  // "90.0秒" / "0.004秒": a size in seconds, the sign left to the sentence around it.
  std::string seconds_words(std::int64_t ns) const {
    const double s = static_cast<double>(std::llabs(ns)) / 1e9;
    return s >= 1 ? fmt::format("{:.1f}{}", s, L_("秒", " s")) : fmt::format("{:.3f}{}", s, L_("秒", " s"));
  }

  // Contradictions between the runs' times (reports/time_checks.h), on page 1 so that no reader
  // misses them; each login section repeats those of the runs that touch its window.
  void time_findings() {
    std::vector<std::string> lines;
    for (const auto& [leaf, facts] : b_.run_facts)
      for (const auto& f : at(at(facts, "time_checks"), "findings")) lines.push_back(time_finding_words(facts, f, L_));
    if (lines.empty()) return;
    ts_.text(rt(L_("時刻の矛盾（{}件）：観測した計算機の時計、NTPによる確認、タイムスタンプの時刻、実行の順序が一致しません。"
                   "該当する実行の時刻は、この差の分だけ不確かです。",
                   "Time contradictions ({}): the host clock, the NTP check, the time-stamps and the order of the runs "
                   "do not agree. The times of these runs are uncertain by that much."),
                lines.size()),
             heading3());
    for (const auto& line : lines) ts_.text("・" + line, bullet());
  }

  // ---- chapter 1 ----
  void explanations() {
    ts_.need(300);
    ts_.heading(L_("2　観測の方法と本書の読み方", "2  How the observations were made and how to read this report"), 1);
    ts_.heading(L_("2.1　接続先IPアドレスとは", "2.1  What a destination IP address is"), 2);
    ts_.text(L_("携帯電話会社は、多数の利用者に同じIPアドレスを同時に割り当てています（キャリアグレードNAT）。そのため、"
                "X（旧Twitter）が開示した接続元IPアドレスと日時だけでは契約者を一人に絞り込めず、携帯電話会社は、"
                "利用者がその時刻に接続した先のIPアドレス（接続先IPアドレス）とポート番号（HTTPSの443番）も示すよう求めています。",
                "Mobile carriers share one IPv4 address among many subscribers at once (carrier-grade NAT). The "
                "source IP address and time X discloses therefore do not single out one subscriber, and carriers ask "
                "also for the address the subscriber connected to at that moment (the destination IP address) and "
                "its port (443, HTTPS)."),
             body());
    ts_.text(L_("利用者の端末は、x.com や api.twitter.com などのドメイン名を、DNS（名前解決）によってIPアドレスに変換してから接続します。"
                "本書は、そのドメイン名がログイン時刻の前後にどのIPアドレスに変換されていたかを、継続的な観測の記録から示すものです。",
                "A phone turns domain names such as x.com or api.twitter.com into IP addresses through the DNS before "
                "it connects. This report shows, from observations made continuously, which addresses those names "
                "turned into around each login time."),
             body());
    ts_.text(L_("接続元がIPv4アドレスのログインにはIPv4アドレス（Aレコード）の、IPv6アドレスのログインにはIPv6アドレス（AAAA"
                "レコード）の候補を示します。ただし、利用者の携帯電話網がIPv6のみでNAT64／DNS64を使う場合、事業者の記録では"
                "IPv4の接続先が「64:ff9b::」に続くIPv4アドレスの形（例：64:ff9b::104.244.42.1、RFC 6052）で現れることがあります。",
                "A login from an IPv4 address gets IPv4 (A-record) candidates, one from an IPv6 address IPv6 (AAAA) "
                "ones. Where the user's mobile network is IPv6-only with NAT64/DNS64, the carrier's records may show an "
                "IPv4 destination as the IPv4 address after \"64:ff9b::\" (e.g. 64:ff9b::104.244.42.1, RFC 6052)."),
             body());
    ts_.heading(L_("2.2　候補が複数ある理由", "2.2  Why there are several candidates"), 2);
    ts_.text(L_("大規模なサービスは、利用者からの接続を複数のサーバに分散させるため、一つのドメイン名に複数のIPアドレスを同時に割り当て、"
                "問い合わせのたびに順番や組合せを変えて回答します（負荷分散）。また、問い合わせる場所や使うDNSサーバ（リゾルバ）によって回答が異なることがあります。"
                "そのため、本書は一つの答えではなく、ログイン時刻の前後に観測されたすべてのアドレスを候補として示し、"
                "どのリゾルバがいつ何回その回答をしたかを技術資料に併記します。"
                "時間幅内にアドレスを含む観測がない場合（観測がない場合や、NXDOMAIN・NODATA・エラーのみの場合）は、"
                "時間幅の前後それぞれでアドレスを含む最も近い観測のアドレスを候補とし、その旨と観測までの時間を明記します。"
                "アドレスは数値の順（IPv4、次にIPv6）に並べています。",
                "Large services spread connections over many servers: one name has several addresses at once, given "
                "in changing order and combinations (load balancing), and the answer can depend on where the "
                "question is asked and which DNS resolver is asked. This report therefore lists every address seen "
                "around each login time as a candidate; the technical material adds which resolver gave it, when and how "
                "often. When the "
                "window holds no observation with an address (none at all, or only NXDOMAIN, NODATA or errors), the "
                "candidates are the addresses of the nearest observations with an address on each side of it, and "
                "the report says so and how far they are. Addresses are in numeric order (IPv4, then IPv6)."),
             body());
    ts_.heading(L_("2.3　観測がログイン当時に行われたこと（事後の調査ではないこと）の根拠",
                   "2.3  Why these observations were made at the time of the logins, not afterwards"),
                2);
    ts_.text(rt(L_("各観測は、行われたその時に、作成者の鍵で電子署名される追記専用の記録（マークルツリー方式の台帳）に追加されています。"
                "観測の実行ごとに台帳全体の要約値（ツリーヘッド）に署名しており、後から観測を追加・削除・変更すると、"
                "既に署名した要約値と整合しなくなります。本書の根拠データには、各観測が署名済みの要約値に含まれることの証明と、"
                "古い要約値が新しい要約値に改変なく引き継がれていることの証明が含まれます（{}）。",
                "Each observation was appended, when it was made, to an append-only log (a Merkle-tree ledger) "
                "signed with the operator's key. After every run the operator signs a summary of the whole log (a "
                "tree head); adding, removing or changing an observation later would no longer match the summaries "
                "already signed. The evidence file holds proofs that each observation is in a signed tree head, and "
                "that older tree heads carry on into the newest without change ({})."),
                appendix()),
             body());
    ts_.text(tsa_sentence(), body());
    ts_.heading(L_("2.4　署名が証明すること・しないこと", "2.4  What the signature proves and what it does not"), 2);
    ts_.text(rt(L_("署名は、記録が作成者の鍵を持つ者によって作られ、その後改変されていないことを示します。"
                "ただし、この鍵は作成者自身の鍵であり、電子署名法に基づく認定認証業務の電子証明書ではありません。"
                "したがって、法律上の真正な成立の推定は働かず、記録の信用性は裁判所の自由な心証に委ねられます。"
                "鍵のフィンガープリント（{}）は、作成者から別の経路で受け取ったものと照合してください。",
                "The signature shows that the log was made by whoever holds the operator's key and has not been "
                "changed since. The key is the operator's own, not a certified electronic signature under the "
                "Electronic Signatures Act, so no statutory presumption of authenticity applies; the court weighs "
                "the evidence freely. Compare the key fingerprint ({}) with one obtained from the operator by "
                "another route."),
                appendix()),
             body());
    window_reason();
    method_in_brief();
  }

  // 2.5: why the window reaches back before the login (caches and TTLs) and a little after it.
  void window_reason() {
    const json& sel = at(doc_, "selection");
    ts_.heading(L_("2.5　照合の時間幅をログイン時刻の前後にとる理由", "2.5  Why the window starts before the login time"), 2);
    ts_.text(rt(L_("携帯電話などの端末や、通信事業者のDNSサーバ（リゾルバ）は、一度得た名前解決の結果を、回答に付された有効期間"
                   "（TTL。X（旧Twitter）のドメインでは通常数分から数十分程度）の間、保存して使い回します（キャッシュ）。"
                   "そのため、ログインの際に使われた接続先IPアドレスは、ログイン時刻より前に回答されたものであることがあります。"
                   "本書は、ログイン時刻の{}前から{}後までの観測を照合し、その間に回答されたアドレスを候補としています。"
                   "ログイン後の観測は、ログインの直前に回答が変わっていないことの確認に用います。",
                   "Phones and the carriers' DNS servers (resolvers) keep an answer they have obtained and reuse it for "
                   "as long as the answer allows (its TTL, typically minutes to tens of minutes for X's domains). The "
                   "destination used at a login may therefore have been answered before the login time. This report "
                   "compares the observations from {} before to {} after each login time and takes the addresses "
                   "answered in that span as candidates; those after the login confirm that the answer did not change "
                   "just before it."),
                window_words(str(sel, "before"), L_), window_words(str(sel, "after"), L_)),
             body());
  }

  // 2.6: how the observations were made, in a few plain sentences (the details are in the
  // technical material's chapter 3).
  void method_in_brief() {
    ts_.heading(L_("2.6　観測の方法", "2.6  How the observations were made"), 2);
    std::set<std::string> resolvers, hosts;
    bool ntp = false;
    for (const auto& [leaf, facts] : b_.run_facts) {
      if (at(at(facts, "clock"), "offset_ns").is_number()) ntp = true;
      const std::string h = str(at(facts, "host"), "hostname");
      if (!h.empty()) hosts.insert(h);
    }
    for (const auto& r : strings(at(at(doc_, "selection"), "resolvers"))) resolvers.insert(r);
    for (const auto& f : b_.observations) resolvers.insert(f.row.resolver);
    ts_.text(rt(L_("観測は、作成者の管理する計算機（{}）で dnswitness が自動で行いました。対象ドメインの名前解決を、"
                   "複数のDNSサーバ（{}）に同時に問い合わせ、問い合わせの日時、問い合わせ先、回答（DNSメッセージそのもの）を"
                   "記録しています。本書に含まれる観測の実行は{}回、観測は{}件です。{}"
                   "各実行の記録、問い合わせ先ごとの詳細、観測の空白は{}にあります。",
                   "dnswitness made the observations automatically on a computer the operator runs ({}). It asked "
                   "several DNS servers ({}) at once how the domains resolved, recording when each question was sent, "
                   "to whom, and the answer (the DNS message itself). This report holds {} runs and {} observations. {}"
                   "The records of each run, the details per resolver and any gaps are in {}."),
                hosts.empty() ? std::string(L_("名称の記録なし", "name not recorded")) : join({hosts.begin(), hosts.end()}, L_("、", ", ")),
                join({resolvers.begin(), resolvers.end()}, L_("、", ", ")), b_.run_records.size(),
                b_.observations.size(),
                ntp ? L_("計算機の時計は、実行ごとにNTP（時刻配信サーバ）と照合しています。",
                         "The computer's clock was compared with NTP (time servers) at every run. ")
                    : L_("計算機の時計をNTPと照合した記録はありません。", "No comparison of the clock with NTP is recorded. "),
                method_chapter()),
             body());
  }

  // Chapter 3: what this report does not show, said before anyone else says it.
  void not_shown() {
    ts_.need(200);
    ts_.heading(L_("3　本書が示さないこと", "3  What this report does not show"), 1);
    const std::vector<std::string> items = {
        L_("本書は、利用者の端末が実際に接続した先を直接記録したものではありません。示すのは、同じ時刻に観測した名前解決の"
           "結果から、接続先が一覧のいずれかであったと推認される候補です。",
           "This report does not record where the user's device actually connected. It gives candidates from which "
           "the destination is inferred to have been one of those listed, from how the names resolved at the time."),
        L_("利用者の端末や携帯電話会社のDNSサーバが、本書の問い合わせ先と異なる回答を得ていた可能性（問い合わせる場所や"
           "ネットワークによる回答の違い）を否定するものではありません。",
           "It does not rule out that the user's device or the carrier's DNS servers got answers other than those "
           "the resolvers in this report got (answers can differ by place and network)."),
        L_("端末がDNSを使わずに（端末内に保存されたアドレスなどで）接続した場合の接続先は示しません。",
           "It does not show the destination of a connection the device made without the DNS (from an address "
           "it had stored)."),
        L_("観測の実行がなかった期間（観測の空白）の回答は示しません。空白は本書に記載しています。",
           "It does not show the answers of periods without runs (gaps); the gaps are stated in this report."),
        rdap_.empty()
            ? L_("契約者や投稿者が誰であるかは示しません。接続元IPアドレスがどの事業者のものかも、本書では確認していません。",
                 "It does not show who the subscriber or the poster is, nor does it check which provider a source "
                 "IP belongs to.")
            : L_("契約者や投稿者が誰であるかは示しません。アドレスの保有者はレジストリの登録情報（RDAP）によるもので、"
                 "取得日時の登録を示し、ログイン当時の保有者や実際の利用者を示すものではありません。",
                 "It does not show who the subscriber or the poster is. The holders of addresses are the registries' "
                 "records (RDAP) as of when they were fetched, not the holder at the login nor the actual user."),
        L_("署名、タイムスタンプ、証人の連署は、記録がその時点から改変されていないことを示すもので、DNSサーバの回答の内容が"
           "正しいことを保証するものではありません。",
           "The signatures, time-stamps and cosignatures show that the records have not been changed since their "
           "time; they do not vouch that the DNS servers' answers were right."),
    };
    for (const auto& item : items) ts_.text("・" + item, bullet());
  }

  // The operator's signature block: the date, the name, and room for the seal (記名押印).
  void signature() {
    ts_.need(160);
    TextStyle end = body();
    end.space_before = 12;
    ts_.text(L_("以上", "End of report"), end);
    TextStyle block = body();
    block.indent = ts_.body_width() * 0.42;
    block.space_before = 10;
    block.line_spacing = 1.6;
    const std::string op = str(doc_, "operator");
    ts_.text(rt(L_("{}\n作成者（観測者）\n住所\n氏名　{}　　　　　　　　　印", "{}\nMade by (operator)\nAddress\nName  {}"
                   "          (signature)"),
                date_of(str(doc_, "created_at"), L_), op.empty() ? std::string("　　　　　　　　") : op),
             block);
  }

  std::string tsa_sentence() const {
    const auto tokens = timestamp_tokens();
    if (tokens.empty())
      return L_("本書の根拠データには、第三者の時刻認証局（RFC 3161）によるタイムスタンプは含まれていません（記録なし）。"
                "観測の時刻は、作成者の計算機の時計と署名された記録に基づきます。",
                "The evidence file holds no time-stamp from a third-party time-stamping authority (RFC 3161): not "
                "recorded. The observation times rest on the operator's clock and the signed log.");
    bool all_accredited = true;
    std::string earliest;
    for (const auto& [where, t] : tokens) {
      all_accredited = all_accredited && at(t, "accredited").is_boolean() && at(t, "accredited").get<bool>();
      const std::string g = str(t, "gen_time");
      if (!g.empty() && (earliest.empty() || ns_of(g) < ns_of(earliest))) earliest = g;
    }
    std::string out = rt(L_("本書の根拠データには、第三者の時刻認証局（RFC 3161）によるタイムスタンプが{}件含まれ、"
                            "署名された要約値がそれぞれの時刻までに存在したことを示します（最も早いもの：{}。付録）。",
                            "The evidence file holds {} time-stamp token(s) from a time-stamping authority (RFC "
                            "3161), showing that the signed tree heads existed by their times (earliest: {}; "
                            "appendix)."),
                         tokens.size(), earliest.empty() ? "-" : jst_of(earliest));
    if (!all_accredited)
      out += L_("なお、総務大臣の認定を受けた時刻認証業務によるものではないタイムスタンプが含まれます。",
                " Some of them are not from a time-stamping service accredited by the Minister of Internal Affairs.");
    return out;
  }

  // Time-stamp tokens: those of the tree heads (checkpoints[].timestamps), and any a run record
  // or the bundle carries under another name: (where, token).
  std::vector<std::pair<std::string, json>> timestamp_tokens() const {
    std::vector<std::pair<std::string, json>> out;
    for (const auto& cp : at(doc_, "checkpoints"))
      for (const auto& t : at(cp, "timestamps"))
        out.emplace_back(rt(L_("ツリーヘッド {}", "tree head {}"), num(cp, "size")), t);
    static constexpr const char* kKeys[] = {"timestamps", "timestamp_tokens", "time_stamp_tokens", "rfc3161", "tsa"};
    const auto add = [&](const json& v, const std::string& where) {
      if (v.is_array())
        for (const auto& x : v) out.emplace_back(where, x);
      else if (!v.is_null())
        out.emplace_back(where, v);
    };
    for (const char* k : kKeys) add(at(doc_, k), L_("報告書", "report"));
    for (const auto& [leaf, run] : b_.run_records)
      for (const char* k : kKeys) add(at(run, k), rt(L_("実行 {}", "run {}"), str(run, "run_id").substr(0, 8)));
    return out;
  }

  // A token for a table cell: who, whether accredited, when; the DER and certificates by size only.
  std::string token_text(const json& t) const {
    if (!t.is_object()) return plain(t);
    std::vector<std::string> lines;
    if (!str(t, "tsa_url").empty()) lines.push_back("TSA: " + str(t, "tsa_url"));
    if (at(t, "accredited").is_boolean())
      lines.push_back(at(t, "accredited").get<bool>()
                          ? L_("総務大臣認定の時刻認証業務", "accredited (Minister of Internal Affairs)")
                          : L_("総務大臣認定の時刻認証業務ではない", "not an accredited time-stamping service"));
    if (!str(t, "gen_time").empty())
      lines.push_back(rt(L_("時刻：{}／{}", "time: {} / {}"), jst_of(str(t, "gen_time")), utc_of(str(t, "gen_time"))));
    // The token's bytes and certificates stay in the evidence file; the known members are named in
    // words, an unknown one by its field name.
    const auto label = [&](const std::string& k) -> std::string {
      if (k == "token_base64") return L_("トークン（DER、base64）", "token (DER, base64)");
      if (k == "chain_pem") return L_("証明書チェーン（PEM）", "certificate chain (PEM)");
      return k;
    };
    for (const auto& [k, v] : t.items()) {
      if (k == "tsa_url" || k == "accredited" || k == "gen_time") continue;
      if (v.is_string() && (k.ends_with("_base64") || k.ends_with("_pem") || v.get<std::string>().size() > 120))
        lines.push_back(rt(L_("{}：{}文字（根拠データ内）", "{}: {} characters (in the evidence file)"), label(k),
                           v.get<std::string>().size()));
      else
        lines.push_back(label(k) + L_("：", ": ") + (v.is_structured() ? v.dump() : plain(v)));
    }
    return join(lines, "\n");
  }

  // ---- chapter 2 ----
  void logins() {
    const json& tables = at(at(doc_, "tables"), "logins");
    if (tables.empty()) return;
    const json& records = at(at(doc_, "logins"), "records");
    ts_.new_page();
    ts_.heading(L_("1　ログイン時刻ごとの観測の詳細", "1  What was observed around each login time, in detail"), 1);
    ts_.text(L_("ログイン時刻は、開示資料の記載（UTC）と日本時間（JST、UTC+9時間）を併記します。「時間幅」はログイン時刻の前後の照合範囲です。"
                "表の日時は各観測そのものの日時です。",
                "Login times are given in UTC as disclosed and in Japan Standard Time (JST, UTC+9). The window is "
                "the range around the login time that is compared. Times in the tables are the observations' own."),
             note());
    for (std::size_t i = 0; i < tables.size(); ++i) one_login(i, tables[i], i < records.size() ? records[i] : json());
  }

  void one_login(std::size_t i, const json& l, const json& record) {
    if (i > 0) ts_.need(300);
    ts_.heading(rt(L_("1.{}　ログイン{}：{}", "1.{}  Login {}: {}"), i + 1, i + 1, jst_of(str(l, "time"))), 2);
    kv(login_rows(i, l, record), 1.3);
    login_tables(l);
    // Warnings.
    ts_.text(L_("注意事項", "Warnings"), heading3());
    const auto warns = warnings_of(l);
    if (warns.empty()) ts_.text(L_("特にありません。", "None."), note());
    for (const auto& w : warns) ts_.text("・" + w, bullet());
  }

  // The exhibit's chapter 1: per login, its facts, the list a carrier can use and the warnings; the
  // tables behind the list are in the technical material.
  void exhibit_logins() {
    const json& tables = at(at(doc_, "tables"), "logins");
    if (tables.empty()) return;
    const json& records = at(at(doc_, "logins"), "records");
    ts_.need(400);
    ts_.heading(L_("1　ログイン時刻ごとの接続先IPアドレス", "1  Destination IP addresses per login time"), 1);
    ts_.text(L_("ログイン時刻は、開示資料の記載（UTC）と日本時間（JST、UTC+9時間）を併記します。各ログインについて、"
                "携帯電話会社等への照会に使える接続先IPアドレスの一覧を、申立書の別紙にそのまま写せる形で示します。",
                "Login times are given in UTC as disclosed and in Japan Standard Time (JST, UTC+9). For each login, "
                "the list of destination IP addresses usable in a request to the carrier is given in a form that can "
                "be copied into the petition's attachment as it is."),
             note());
    posts_table();
    for (std::size_t i = 0; i < tables.size(); ++i) {
      const json& l = tables[i];
      const json& record = i < records.size() ? records[i] : json();
      if (i > 0) ts_.need(260);
      ts_.heading(rt(L_("1.{}　ログイン{}：{}", "1.{}  Login {}: {}"), i + 1, i + 1, jst_of(str(l, "time"))), 2);
      kv(login_rows(i, l, record), 1.3);
      carrier_box(i, l);
      const auto warns = warnings_of(l);
      if (!warns.empty()) {
        ts_.text(L_("注意事項", "Warnings"), heading3());
        for (const auto& w : warns) ts_.text("・" + w, bullet());
      }
      ts_.text(rt(L_("ドメインごとの観測、前後の観測との間隔、前後24時間のアドレスの変化は{}にあります。",
                     "What each domain resolved to, the nearest observations and the changes within 24 hours are in "
                     "{}."),
                  detail_section(i)),
               note());
    }
  }

  // What login i is to the posts of report --posts: 「投稿1（…）の直前のログイン」, one line per post.
  std::vector<std::string> post_marks(std::size_t i) const {
    std::vector<std::string> out;
    const json& recs = at(at(doc_, "posts"), "records");
    for (std::size_t k = 0; k < recs.size(); ++k) {
      const auto is = [&](const char* key) {
        const json& v = at(recs[k], key);
        return v.is_number_unsigned() && v.get<std::size_t>() == i;
      };
      const std::string post = rt(L_("投稿{}（{}）", "post {} ({})"), k + 1, jst_of(str(recs[k], "time")));
      if (is("last_login_before")) out.push_back(rt(L_("{}の直前のログイン", "the last login before {}"), post));
      if (is("first_login_after")) out.push_back(rt(L_("{}の直後のログイン", "the first login after {}"), post));
    }
    return out;
  }

  // The exhibit's table of posts and the logins picked for them (report --posts).
  void posts_table() {
    const json& p = at(doc_, "posts");
    const json& recs = at(p, "records");
    if (recs.empty()) return;
    const bool after = at(p, "first_after").is_boolean() && at(p, "first_after").get<bool>();
    const json& tables = at(at(doc_, "tables"), "logins");
    ts_.text(L_("投稿と侵害関連通信（ログイン）の対応", "Posts and the logins related to them"), heading3());
    ts_.text(after ? L_("各投稿の直前のログインと直後のログインを、開示資料のログインから選んでいます（改正プロバイダ責任制限法の"
                        "侵害関連通信）。",
                        "For each post, the last login before it and the first after it, from the disclosed logins.")
                   : L_("各投稿の直前のログインを、開示資料のログインから選んでいます（改正プロバイダ責任制限法の侵害関連通信）。",
                        "For each post, the last login before it, from the disclosed logins."),
             note());
    const auto login_cell = [&](const json& v, bool before) {
      if (!v.is_number_unsigned() || v.get<std::size_t>() >= tables.size())
        return std::string(before ? L_("なし（これより前のログインは開示資料にありません）", "none (no earlier login disclosed)")
                                  : L_("なし（これより後のログインは開示資料にありません）", "none (no later login disclosed)"));
      const std::size_t n = v.get<std::size_t>();
      return rt(L_("ログイン{}（{}）\n{}", "login {} ({})\n{}"), n + 1, exhibit_section(n), jst_of(str(tables[n], "time")));
    };
    Table t;
    t.size = 9;
    t.columns = {{L_("投稿", "Post"), 0.45}, {L_("投稿日時・URL", "Time and URL"), 2.2, Font::sans},
                 {L_("直前のログイン", "Last login before"), 1.5}};
    if (after) t.columns.push_back({L_("直後のログイン", "First login after"), 1.5});
    for (std::size_t k = 0; k < recs.size(); ++k) {
      const json& r = recs[k];
      std::string when = jst_of(str(r, "time"));
      if (at(r, "url").is_string()) when += "\n" + str(r, "url");
      std::vector<std::string> row = {std::to_string(k + 1), when, login_cell(at(r, "last_login_before"), true)};
      if (after) row.push_back(login_cell(at(r, "first_login_after"), false));
      t.rows.push_back(std::move(row));
    }
    ts_.table(t);
  }

  // The facts of one login, in both documents.
  std::vector<std::pair<std::string, std::string>> login_rows(std::size_t i, const json& l, const json& record) const {
    std::vector<std::pair<std::string, std::string>> rows = {
        {L_("ログイン日時（UTC）", "Login time (UTC)"), utc_of(str(l, "time"))},
        {L_("ログイン日時（日本時間）", "Login time (JST)"), jst_of(str(l, "time"))},
    };
    if (const auto marks = post_marks(i); !marks.empty())
      rows.emplace_back(L_("侵害関連通信", "Infringement-related"), join(marks, "\n"));
    if (!str(record, "time_text").empty())
      rows.emplace_back(L_("開示資料（甲第○号証）の記載", "As written in the disclosure (Exhibit ...)"),
                        str(record, "time_text"));
    if (at(l, "source_ip").is_string()) {
      const bool usable = at(l, "usable_for_carrier_request").is_boolean() && at(l, "usable_for_carrier_request").get<bool>();
      rows.emplace_back(L_("接続元IPアドレス", "Source IP"),
                        fmt::format("{}\n{}{}", str(l, "source_ip"), source_class_label(str(l, "source_ip_class"), L_),
                                    usable ? L_("（携帯電話会社等への照会に使用可能）", " (usable for a carrier request)")
                                           : L_("（携帯電話会社等への照会には使用できません）",
                                                " (cannot be used for a carrier request)")));
    } else {
      rows.emplace_back(L_("接続元IPアドレス", "Source IP"), L_("開示資料に記載なし", "not in the disclosure"));
    }
    if (const auto it = rdap_.find(str(l, "source_ip")); it != rdap_.end())
      rows.emplace_back(L_("接続元の保有者（RDAP）", "Source IP holder (RDAP)"), it->second.holder);
    if (!str(record, "account").empty()) rows.emplace_back(L_("アカウントID", "Account ID"), str(record, "account"));
    rows.emplace_back(L_("時間幅", "Window"), rt(L_("{} から\n{} まで", "{} to\n{}"), jst_of(str(at(l, "window"), "from")),
                                                          jst_of(str(at(l, "window"), "until"))));
    return rows;
  }

  // The technical material's tables of one login: candidates per domain and type, the nearest
  // observations on each side, the changes within 24 hours.
  void login_tables(const json& l) {
    // Candidates per domain and type. Addresses seen alike (same first and last time, count and
    // resolvers: typically every address of one answer) share a row, their list wrapping.
    Table t;
    t.size = 9;
    t.columns = {{L_("ドメイン／種別", "Domain / type"), 1.15},
                 {L_("IPアドレス", "Addresses"), 2.35, Font::mono},
                 {L_("時間幅内の観測（日本時間）", "Seen in the window (JST)"), 1.3},
                 {L_("回数", "Count"), 0.45},
                 {L_("リゾルバ別の回数", "Per resolver"), 0.85}};
    for (const auto& d : at(l, "domains")) {
      const std::string what = str(d, "qname") + "\n" + str(d, "qtype");
      const json& w = at(d, "window");
      bool first = true;
      const auto cell_name = [&]() {
        const std::string s = first ? what : "";
        first = false;
        return s;
      };
      std::vector<std::pair<std::string, std::vector<std::string>>> groups;  // stats text -> addresses
      std::map<std::string, std::size_t> group_of;
      std::map<std::string, std::vector<std::string>> cells;
      for (const auto& a : at(w, "addresses")) {
        std::vector<std::string> per;
        for (const auto& [r, c] : at(a, "resolvers").items()) per.push_back(fmt::format("{} {}", r, plain(c)));
        const std::string seen = span_of(str(a, "first_seen"), str(a, "last_seen"));
        const std::string key = seen + "|" + std::to_string(num(a, "count")) + "|" + join(per, "\n");
        auto [it, fresh] = group_of.emplace(key, groups.size());
        if (fresh) {
          groups.push_back({key, {}});
          cells[key] = {seen, std::to_string(num(a, "count")), join(per, "\n")};
        }
        groups[it->second].second.push_back(str(a, "address"));
      }
      for (auto& [key, addrs] : groups) sort_addresses(addrs);
      for (const auto& [key, addrs] : groups)
        t.rows.push_back({cell_name(), aligned(addrs), cells[key][0], cells[key][1], cells[key][2]});
      for (const auto& [outcome, c] : at(w, "without_address").items())
        t.rows.push_back({cell_name(), rt(L_("（{}）", "({})"), outcome_label(outcome, L_)), "", plain(c), ""});
      // Where the candidates came from when the window holds no address: the nearest observations
      // with one on each side (nearest_with_address; bundles made before it existed filled this
      // only for an empty window, from before/after).
      const json& nearest = at(d, "nearest_with_address");
      const bool fallback = nearest.is_object() || num(w, "observations") == 0;
      if (num(w, "observations") == 0 && at(at(d, "before"), "by_resolver").empty() &&
          at(at(d, "after"), "by_resolver").empty()) {
        t.rows.push_back({cell_name(), L_("（この種別の観測なし）", "(no observation of this type)"), "", "0", ""});
      } else if (fallback) {
        for (const auto* side : {"before", "after"}) {
          const json& s = nearest.is_object() ? at(nearest, side) : at(d, side);
          const bool before = std::string_view(side) == "before";
          if (at(s, "by_resolver").empty()) {
            t.rows.push_back({cell_name(), before ? L_("（アドレスのある直前の観測なし）", "(no earlier observation with an address)")
                                                  : L_("（アドレスのある直後の観測なし）", "(no later observation with an address)"),
                              "", "", ""});
            continue;
          }
          for (const auto& r : at(s, "by_resolver")) {
            const std::string gap = duration_words(static_cast<std::int64_t>(num(r, "gap_seconds")) * 1'000'000'000, L_);
            auto addrs = strings(at(r, "addresses"));
            sort_addresses(addrs);
            t.rows.push_back({cell_name(),
                              (before ? L_("時間幅外・アドレスのある直前の観測：\n", "outside the window, nearest with an address, before:\n")
                                      : L_("時間幅外・アドレスのある直後の観測：\n", "outside the window, nearest with an address, after:\n")) +
                                  (addrs.empty() ? outcome_label(str(r, "outcome"), L_) : aligned(addrs)),
                              jst_short_of(str(r, "time")) + "\n" +
                                  (before ? rt(L_("（{}前）", "({} before)"), gap) : rt(L_("（{}後）", "({} after)"), gap)),
                              "1", str(r, "resolver")});
          }
        }
      }
      if (first) t.rows.push_back({cell_name(), L_("（観測なし）", "(no observation)"), "", "0", ""});
    }
    ts_.text(L_("ドメインごとの観測結果", "What each domain resolved to"), heading3());
    ts_.table(t);

    // Nearest observations on each side.
    Table n;
    n.size = 9;
    n.columns = {{L_("ドメイン／種別", "Domain / type"), 1.2},
                 {L_("ログイン時刻以前で最も近い観測", "Nearest observation at or before"), 2},
                 {L_("ログイン時刻より後で最も近い観測", "Nearest observation after"), 2}};
    for (const auto& d : at(l, "domains")) {
      const auto side = [&](const char* k, bool before) {
        const json& s = at(d, k);
        if (at(s, "by_resolver").empty()) return std::string(none());
        const std::int64_t gap = at(s, "gap_ns").is_number() ? at(s, "gap_ns").get<std::int64_t>() : 0;
        std::vector<std::string> who;
        for (const auto& r : at(s, "by_resolver")) who.push_back(str(r, "resolver"));
        return rt(before ? L_("{}（{}前）\nリゾルバ：{}", "{} ({} before)\nresolvers: {}")
                                  : L_("{}（{}後）\nリゾルバ：{}", "{} ({} after)\nresolvers: {}"),
                           jst_of(str(at(s, "by_resolver")[0], "time")), duration_words(gap, L_), join(who, ", "));
      };
      n.rows.push_back({str(d, "qname") + " " + str(d, "qtype"), side("before", true), side("after", false)});
    }
    ts_.text(L_("前後の観測との間隔", "Nearest observations on each side"), heading3());
    ts_.table(n);

    // Address changes within 24 hours, as what was added and removed.
    Table c;
    c.size = 9;
    c.columns = {{L_("ドメイン／種別", "Domain / type"), 1.1},
                 {L_("リゾルバ", "Resolver"), 0.6},
                 {L_("変化の前後の観測（日本時間）", "Observations either side (JST)"), 1.4},
                 {L_("加わったアドレス", "Added"), 1.45, Font::mono},
                 {L_("なくなったアドレス", "Removed"), 1.45, Font::mono}};
    for (const auto& d : at(l, "domains"))
      for (const auto& ch : at(at(d, "changes_24h"), "changes")) {
        const auto b = strings(at(ch, "before")), a = strings(at(ch, "after"));
        std::vector<std::string> added, removed;
        for (const auto& x : a)
          if (std::find(b.begin(), b.end(), x) == b.end()) added.push_back(x);
        for (const auto& x : b)
          if (std::find(a.begin(), a.end(), x) == a.end()) removed.push_back(x);
        c.rows.push_back({str(d, "qname") + " " + str(d, "qtype"), str(ch, "resolver"),
                          jst_short_of(str(ch, "before_time")) + L_(" と\n", " and\n") + jst_short_of(str(ch, "after_time")),
                          added.empty() ? "-" : join(added, "  "), removed.empty() ? "-" : join(removed, "  ")});
      }
    ts_.text(L_("ログイン時刻の前後24時間のアドレスの変化", "Address changes within 24 hours"), heading3());
    if (c.rows.empty())
      ts_.text(L_("前後24時間の観測では、各リゾルバの回答したアドレスの組合せに変化はありませんでした。",
                  "Within 24 hours either side, no resolver's answer changed its set of addresses."),
               note());
    else
      ts_.table(c);
  }

  // The list to copy into the petition's attachment (tables' carrier_list, reports/carrier_list.h):
  // the candidates of the login's own family from the login hosts, one address a line, or in
  // columns when there are many (the box would otherwise run over pages).
  void carrier_box(std::size_t i, const json& l) {
    const json& cl = at(l, "carrier_list");
    const std::string status = str(cl, "status");
    std::string title = L_("申立書別紙用の一覧（接続先IPアドレス・ポート番号443・TCP）",
                           "For the petition's attachment (destination IP addresses, port 443, TCP)");
    if (status == "after_only") title += L_("　参考：ログイン後の観測のみ", " (for reference: observed only after the login)");
    ts_.text(title, heading3());
    if (status == "withheld") {
      ts_.text(rt(L_("接続元IPアドレス {} は{}であり、携帯電話会社等への照会に使えないため、このログインの一覧は作成していません"
                     "（候補のアドレスは{}のとおりです）。",
                     "The source IP {} is a {} and cannot be used in a request to a carrier, so no list is made for "
                     "this login (the candidates are in {})."),
                  str(l, "source_ip"), source_class_label(str(l, "source_ip_class"), L_), detail_section(i)),
               note());
      return;
    }
    std::string copy = rt(L_("ログイン日時（日本時間）：{}\nログイン日時（UTC）　　：{}\n", "Login time (JST): {}\nLogin time (UTC): {}\n"),
                          jst_of(str(l, "time")), utc_of(str(l, "time")));
    if (at(l, "source_ip").is_string()) copy += rt(L_("接続元IPアドレス：{}\n", "Source IP: {}\n"), str(l, "source_ip"));
    copy += L_("接続先ポート番号：443\n接続先IPアドレス：\n", "Destination port: 443\nDestination IP addresses:\n");
    bool outside = false, special = false;
    const std::string items_text = address_columns(at(cl, "addresses"), outside, special);
    copy += items_text.empty() ? std::string(L_("  （候補なし）\n", "  (none)\n")) : items_text;
    while (!copy.empty() && copy.back() == '\n') copy.pop_back();
    TextStyle box;
    box.font = Font::mono;
    box.size = 10;
    box.boxed = true;
    box.space_after = 4;
    ts_.text(o_.fullwidth ? fullwidth(copy) : copy, box);
    const json& family = at(cl, "family");
    if (family == 4)
      ts_.text(technical() ? L_("接続元がIPv4アドレスのため、Aレコード（IPv4）の候補のみを示します。利用者の携帯電話網がIPv6のみで"
                                "NAT64／DNS64を使う場合、事業者の記録では同じ接続先が「64:ff9b::」に続くIPv4アドレスの形（例："
                                "64:ff9b::104.244.42.1、RFC 6052）で現れることがあります。",
                                "The source IP is IPv4, so only A-record (IPv4) candidates are listed. Where the user's mobile "
                                "network is IPv6-only with NAT64/DNS64, the carrier's records may show the same destination as "
                                "the IPv4 address after \"64:ff9b::\" (e.g. 64:ff9b::104.244.42.1, RFC 6052).")
                           : L_("接続元がIPv4アドレスのため、Aレコード（IPv4）の候補のみを示します（NAT64の場合は2.1）。",
                                "The source IP is IPv4, so only A-record (IPv4) candidates are listed (for NAT64, see 2.1)."),
               note());
    else if (family == 6)
      ts_.text(L_("接続元がIPv6アドレスのため、AAAAレコード（IPv6）の候補のみを示します（IPv4のアドレスは、この接続の接続先では"
                  "ありえません）。",
                  "The source IP is IPv6, so only AAAA-record (IPv6) candidates are listed (an IPv4 address cannot be "
                  "the destination of this connection)."),
               note());
    else
      ts_.text(L_("接続元IPアドレスの記載がないため、IPv4とIPv6の両方の候補を示します。",
                  "No source IP is given, so both IPv4 and IPv6 candidates are listed."),
               note());
    rdap_destinations(at(cl, "addresses"));
    if (status == "after_only")
      ts_.text(L_("このログイン時刻以前に、これらの名前のアドレスを含む観測が本書にありません。一覧はログイン後の観測だけに基づく"
                  "参考です。",
                  "No observation of these names with an address at or before the login time is in this report; the "
                  "list rests on observations after the login only and is for reference."),
               note());
    if (outside)
      ts_.text(L_("* 印：時間幅内にアドレスを含む観測がなかったため、前後それぞれでアドレスを含む最も近い観測（時間幅外）の"
                  "アドレスを示したものです（2.2）。",
                  "*: no observation inside the window held an address, so the address is from the nearest "
                  "observation with an address on either side, outside the window (2.2)."),
               note());
    if (special)
      ts_.text(L_("† 印：文書用・私用など特殊用途のアドレス（RFC 6890）です。インターネット上の実在の接続先ではない可能性が"
                  "高く、照会に用いる前に確認が必要です。",
                  "†: a special-purpose address (documentation, private use, ...; RFC 6890). It is most likely not a "
                  "real destination on the Internet; check it before using it in a request."),
               note());
    const json& others = at(cl, "other_hosts");
    if (!others.empty()) {
      // For reference only, and the table above has them all: a long list is cut short here.
      constexpr std::size_t kShown = 20;
      bool o_outside = false, o_special = false;
      std::string rest = L_("参考：ログイン以外の通信に使われるホスト（t.co、s.twitter.com等）の候補\n",
                            "For reference: hosts used for other than the login (t.co, s.twitter.com, ...)\n");
      json shown = json::array();
      for (std::size_t k = 0; k < others.size() && k < kShown; ++k) shown.push_back(others[k]);
      rest += address_columns(shown, o_outside, o_special);
      if (others.size() > kShown)
        rest += rt(L_("  ほか{}件（{}のとおり）\n", "  and {} more (in {})\n"), others.size() - kShown, detail_section(i));
      while (!rest.empty() && rest.back() == '\n') rest.pop_back();
      TextStyle small = box;
      small.size = 8.5;
      ts_.text(o_.fullwidth ? fullwidth(rest) : rest, small);
    }
  }

  // Who holds a list's addresses (report --rdap): one line per holder, with how many addresses.
  void rdap_destinations(const json& list) {
    if (rdap_.empty()) return;
    std::vector<std::pair<std::string, std::vector<std::string>>> holders;
    for (const auto& a : list) {
      const auto it = rdap_.find(str(a, "address"));
      if (it == rdap_.end()) continue;
      const std::string& words = it->second.holder;
      auto h = std::find_if(holders.begin(), holders.end(), [&](const auto& x) { return x.first == words; });
      if (h == holders.end()) holders.push_back({words, {str(a, "address")}});
      else h->second.push_back(str(a, "address"));
    }
    for (const auto& [words, addrs] : holders)
      ts_.text(rt(L_("接続先の保有者（RDAP）：{}：{}", "Destination holder (RDAP): {}: {}"), words,
                  addrs.size() == 1 ? addrs.front()
                                    : rt(L_("{} ほか{}件", "{} and {} more"), addrs.front(), addrs.size() - 1)),
               note());
  }

  // The technical material's appendix of the RDAP answers: per address the holder, the network and
  // where and when the answer was fetched.
  void rdap_appendix() {
    if (rdap_.empty()) return;
    ts_.need(250);
    ts_.heading(L_("付録　RDAPによるアドレスの保有者", "Appendix  Who holds the addresses (RDAP)"), 1);
    ts_.text(L_("接続元IPアドレスと一覧の接続先IPアドレスについて、地域インターネットレジストリ等がRDAP（RFC 9083）で公開する"
                "登録情報を照会した結果です。回答そのものと取得日時は根拠データに保存されています。登録情報は保有者を示すもので、"
                "実際の利用者を示すものではありません。",
                "What the regional Internet registries publish over RDAP (RFC 9083) for the source IPs and the listed "
                "destinations. The answers themselves and when they were fetched are kept in the evidence file. A "
                "registration names the holder, not the user."),
             note());
    Table t;
    t.size = 8.5;
    t.columns = {{L_("アドレス", "Address"), 1.2, Font::mono},
                 {L_("保有者", "Holder"), 1.8},
                 {L_("ネットワーク", "Network"), 1.2},
                 {L_("取得日時・照会先", "Fetched, from"), 1.8}};
    for (const auto& [address, entry] : rdap_) {
      const RdapRecord& r = entry.record;
      const RdapSummary sum = summarize_rdap_ip_network(r.body, r.final_url.empty() ? r.url : r.final_url);
      std::string network = "-";
      if (r.outcome == RdapOutcome::answer && sum.ok)
        network = sum.handle + (sum.cidrs.empty() ? "" : "\n" + join(sum.cidrs, ", ")) +
                  (sum.country.empty() ? "" : "\n" + sum.country);
      const std::string from = r.url.empty() ? std::string("-")
                                             : jst_of(format_rfc3339_ns(r.fetched_at)) + "\n" +
                                                   (r.final_url.empty() ? r.url : r.final_url);
      t.rows.push_back({address, entry.holder, network, from});
    }
    ts_.table(t);
  }

  // Candidate addresses ({address, basis, special}) in numeric order, "*" after one seen outside
  // the window, "†" after a special-purpose one; one a line up to 16, else in columns.
  std::string address_columns(const json& list, bool& outside, bool& special) const {
    std::vector<std::string> items;
    std::size_t widest = 0;
    // Columns in the monospaced box: "†" is three bytes and one column wide.
    const auto width = [](const std::string& t) { return t.size() - (t.ends_with("†") ? 2 : 0); };
    std::vector<const json*> sorted;
    for (const auto& a : list) sorted.push_back(&a);
    std::sort(sorted.begin(), sorted.end(),
              [](const json* x, const json* y) { return address_less(str(*x, "address"), str(*y, "address")); });
    for (const json* a : sorted) {
      const bool in = str(*a, "basis") == "seen in the window";
      const bool odd = at(*a, "special").is_string();
      outside = outside || !in;
      special = special || odd;
      items.push_back(str(*a, "address") + (in ? "" : "*") + (odd ? "†" : ""));
      widest = std::max(widest, width(items.back()));
    }
    // About 80 half-width characters fit a line of the box; full-width ones take two.
    const std::size_t per_line =
        items.size() <= 16 ? 1 : std::max<std::size_t>(1, std::min<std::size_t>(5, (o_.fullwidth ? 40 : 80) / (widest + 2)));
    std::string out;
    for (std::size_t k = 0; k < items.size(); ++k) {
      std::string cell = items[k];
      if ((k + 1) % per_line != 0 && k + 1 < items.size()) cell += std::string(widest + 2 - width(cell), ' ');
      out += ((k % per_line) == 0 ? "  " : "") + cell + (((k + 1) % per_line == 0 || k + 1 == items.size()) ? "\n" : "");
    }
    return out;
  }

  TextStyle heading3() {
    ts_.need(60);  // a sub-heading stays with what follows it
    TextStyle s;
    s.font = Font::sans_bold;
    s.size = 11;
    s.space_before = 8;
    s.space_after = 4;
    return s;
  }

  // The table's warnings, said again from the same fields in the report's language, with the
  // domains that share one warning named together (the bundle repeats a sentence per domain).
  std::vector<std::string> warnings_of(const json& l) const {
    std::vector<std::string> out;
    if (at(l, "source_ip").is_string() && at(l, "usable_for_carrier_request").is_boolean()) {
      if (!at(l, "usable_for_carrier_request").get<bool>())
        out.push_back(rt(L_("接続元IPアドレス {} は{}であり、携帯電話会社等への照会には使用できません。",
                            "The source IP {} is a {}: it cannot be used for a carrier request."),
                         str(l, "source_ip"), source_class_label(str(l, "source_ip_class"), L_)));
      else if (str(l, "source_ip_class") == "public_ipv6")
        out.push_back(rt(L_("接続元IPアドレス {} はIPv6アドレスです。照会先によっては接続先IPアドレスが不要な場合があります。",
                            "The source IP {} is IPv6: the carrier may not need a destination IP."),
                         str(l, "source_ip")));
    }
    const json& sel = at(doc_, "selection");
    const std::int64_t before_ns = at(sel, "before_ns").is_number() ? at(sel, "before_ns").get<std::int64_t>() : 0;
    const std::int64_t after_ns = at(sel, "after_ns").is_number() ? at(sel, "after_ns").get<std::int64_t>() : 0;
    std::vector<std::pair<std::string, std::vector<std::string>>> groups;  // sentence -> domains
    const auto add = [&](const std::string& sentence, const std::string& what) {
      auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == sentence; });
      if (it == groups.end()) groups.push_back({sentence, {what}});
      else it->second.push_back(what);
    };
    for (const auto& d : at(l, "domains")) {
      const std::string what = str(d, "qname") + L_("（", " (") + str(d, "qtype") + L_("）", ")");
      const auto gap = [&](const char* k) {
        const json& g = at(at(d, k), "gap_ns");
        return g.is_number() ? g.get<std::int64_t>() : -1;
      };
      if (gap("before") < 0)
        add(L_("ログイン時刻以前の観測が本書にないもの", "No observation at or before the login time in this report"), what);
      else if (gap("before") > before_ns)
        add(rt(L_("ログイン時刻以前で最も近い観測が{}前で、時間幅（前{}）の外にあるもの",
                  "The nearest observation before the login time is {} earlier, outside the {} window"),
               duration_words(gap("before"), L_), window_words(str(sel, "before"), L_)),
            what);
      if (gap("after") < 0)
        add(L_("ログイン時刻より後の観測が本書にないもの", "No observation after the login time in this report"), what);
      else if (gap("after") > after_ns)
        add(rt(L_("ログイン時刻より後で最も近い観測が{}後で、時間幅（後{}）の外にあるもの",
                  "The nearest observation after the login time is {} later, outside the {} window"),
               duration_words(gap("after"), L_), window_words(str(sel, "after"), L_)),
            what);
      if (num(at(d, "window"), "observations") == 0)
        add(L_("時間幅内に観測がなく、候補を前後それぞれでアドレスを含む最も近い観測から取っているもの",
               "No observation inside the window; the candidates come from the nearest observations with an "
               "address on each side"),
            what);
      else if (at(d, "nearest_with_address").is_object())
        add(L_("時間幅内の観測にアドレスがなく（NXDOMAIN・NODATA・エラーのみ）、候補を前後それぞれでアドレスを含む最も近い観測から取っているもの",
               "The window's observations hold no address (only NXDOMAIN, NODATA or errors); the candidates come "
               "from the nearest observations with an address on each side"),
            what);
      // One change seen from several resolvers is one change: the count is the most changes any one
      // resolver saw, with the number of resolvers that saw any.
      std::map<std::string, std::size_t> per_resolver;
      for (const auto& c : at(at(d, "changes_24h"), "changes")) ++per_resolver[str(c, "resolver")];
      std::size_t most = 0;
      for (const auto& [resolver, n] : per_resolver) most = std::max(most, n);
      if (most)
        add(L_("ログイン時刻の前後24時間にアドレスの組合せが変化したもの（回数）",
               "The address set changed within 24 hours of the login (times)"),
            what + (per_resolver.size() > 1 ? rt(L_(" {}回（{}つの問い合わせ先で観測）", " {} (seen from {} resolvers)"),
                                                 most, per_resolver.size())
                                            : rt(L_(" {}回", " {}"), most)));
    }
    // A sentence true of every domain and type says so, instead of naming each of them.
    const std::size_t all = at(l, "domains").size();
    for (const auto& [sentence, whats] : groups)
      out.push_back(sentence + L_("：", ": ") +
                    (all > 1 && whats.size() == all ? std::string(L_("対象のすべてのドメイン・種別", "every domain and type"))
                                                    : join(whats, L_("、", ", "))));
    // Coverage gaps overlapping this login's window (found from the whole ledger, chapter 4).
    const std::int64_t t = ns_of(str(l, "time"));
    // Time contradictions of the runs touching the window (as tables.logins[].warnings has them).
    for (const auto& [leaf, facts] : b_.run_facts)
      if (run_touches(facts, t - before_ns, t + after_ns))
        for (const auto& f : at(at(facts, "time_checks"), "findings")) out.push_back(time_finding_words(facts, f, L_));
    for (const auto& w : at(at(doc_, "coverage"), "windows"))
      for (const auto& g : at(w, "gaps"))
        if (ns_of(str(g, "from")) < t + after_ns && ns_of(str(g, "until")) > t - before_ns)
          out.push_back(rt(L_("時間幅の中に、観測の実行が{}なかった期間（観測の空白）があります：{} から {} まで（{}）。",
                              "Inside the window, no run was made for {}: from {} to {} ({})."),
                           duration_words(static_cast<std::int64_t>(num(g, "seconds")) * 1'000'000'000, L_),
                           jst_of(str(g, "from")), jst_of(str(g, "until")), method_chapter()));
    if (at(at(l, "union"), "addresses").empty())
      out.push_back(L_("接続先IPアドレスの候補がありません。対象ドメイン・リゾルバについて、時間幅内にもその前後にも、アドレスを含む観測が台帳にありません。",
                       "No destination-IP candidate at all: the ledger holds no observation with an address for the "
                       "selected domains and resolvers, inside the window or on either side of it."));
    return out;
  }

  // ---- the plain period (--from/--until) ----
  void period() {
    const json& p = at(at(doc_, "tables"), "period");
    if (p.is_null()) return;
    ts_.need(200);
    ts_.heading(rt(L_("対象期間の観測（{} から {} まで）", "Observations in the period ({} to {})"),
                            jst_of(str(p, "from")), jst_of(str(p, "until"))),
                1);
    Table t;
    t.size = 9;
    t.columns = {{L_("ドメイン／種別", "Domain / type"), 1.3},
                 {L_("IPアドレス", "Address"), 1.7, Font::mono},
                 {L_("最初の観測（日本時間）", "First seen (JST)"), 1.3},
                 {L_("最後の観測（日本時間）", "Last seen (JST)"), 1.3},
                 {L_("回数", "Count"), 0.5}};
    for (const auto& d : at(p, "domains")) {
      bool first = true;
      for (const auto& a : at(d, "addresses")) {
        t.rows.push_back({first ? str(d, "qname") + "\n" + str(d, "qtype") : "", str(a, "address"),
                          jst_short_of(str(a, "first_seen")), jst_short_of(str(a, "last_seen")),
                          std::to_string(num(a, "count"))});
        first = false;
      }
      for (const auto& [outcome, c] : at(d, "without_address").items()) {
        t.rows.push_back({first ? str(d, "qname") + "\n" + str(d, "qtype") : "",
                          rt(L_("（アドレスなし：{}）", "(no address: {})"), outcome_label(outcome, L_)), "", "",
                          plain(c)});
        first = false;
      }
      if (first) t.rows.push_back({str(d, "qname") + "\n" + str(d, "qtype"), L_("（観測なし）", "(none)"), "", "", "0"});
    }
    ts_.table(t);
  }

  // ---- chapter 3: stability over every observation in the bundle ----
  void stability() {
    ts_.new_page();
    ts_.heading(L_("2　観測期間を通じた回答の安定性", "2  How stable the answers were"), 1);
    ts_.text(L_("本書に含まれるすべての観測について、ドメイン・種別ごとに、回答されたアドレスの組合せが何通りあり、"
                "同じリゾルバの連続する回答の間で何回変化したかを示します。変化が少ないほど、ログイン時刻の前後で同じアドレスが使われていた可能性が高いといえます。",
                "For every observation in this report, per domain and type: how many different sets of addresses "
                "were answered, and how often one resolver's consecutive answers changed. The fewer the changes, "
                "the likelier the same addresses were in use around the login times."),
             body());
    struct Stat {
      std::size_t n = 0, answers = 0, changes = 0;
      std::int64_t first = 0, last = 0;
      std::set<std::vector<std::string>> sets;
      std::map<std::string, std::size_t, bool (*)(const std::string&, const std::string&)> per_address{address_less};
      std::map<std::string, std::vector<std::pair<std::int64_t, std::vector<std::string>>>> by_resolver;
    };
    std::map<std::pair<std::string, std::string>, Stat> stats;
    for (const auto& f : b_.observations) {
      Stat& s = stats[{f.row.qname, f.row.qtype}];
      if (s.n == 0 || f.row.time_ns < s.first) s.first = f.row.time_ns;
      if (s.n == 0 || f.row.time_ns > s.last) s.last = f.row.time_ns;
      ++s.n;
      if (f.row.outcome != "answer") continue;
      ++s.answers;
      s.sets.insert(f.row.addresses);
      for (const auto& a : f.row.addresses) ++s.per_address[a];
      s.by_resolver[f.row.resolver].emplace_back(f.row.time_ns, f.row.addresses);
    }
    if (stats.empty()) {
      ts_.text(L_("本書には観測が含まれていません。", "This report holds no observation."), body());
      return;
    }
    Table t;
    t.size = 9;
    t.columns = {{L_("ドメイン／種別", "Domain / type"), 1.15},
                 {L_("観測の回数と期間（日本時間）", "Observations and period (JST)"), 1.45},
                 {L_("組合せ", "Sets"), 0.5},
                 {L_("変化", "Changes"), 0.5},
                 {L_("アドレス（回答に含まれた回数／回答の数）", "Addresses (answers holding them / answers)"), 2.4, Font::mono}};
    constexpr std::size_t kShown = 60;
    // In the order the report selected them, then anything else the bundle holds.
    std::vector<std::pair<std::string, std::string>> order;
    for (const auto& q : strings(at(at(doc_, "selection"), "domains")))
      for (const auto& ty : strings(at(at(doc_, "selection"), "types")))
        if (stats.count({q, ty})) order.emplace_back(q, ty);
    for (const auto& [key, st] : stats)
      if (std::find(order.begin(), order.end(), key) == order.end()) order.push_back(key);
    for (const auto& key : order) {
      Stat& st = stats[key];
      for (auto& [r, seq] : st.by_resolver) {
        std::sort(seq.begin(), seq.end());
        for (std::size_t k = 1; k < seq.size(); ++k) st.changes += seq[k].second != seq[k - 1].second;
      }
      std::string addrs;
      std::size_t k = 0;
      for (const auto& [a, c] : st.per_address) {
        if (k == kShown) {
          addrs += rt(L_("\nほか{}件", "\n{} more"), st.per_address.size() - kShown);
          break;
        }
        addrs += fmt::format("{}{} ({}/{})", k ? "  " : "", a, c, st.answers);
        ++k;
      }
      t.rows.push_back({key.first + "\n" + key.second,
                        rt(L_("{}回（回答あり{}回）\n{} から\n{} まで", "{} ({} answers)\n{} to\n{}"), st.n, st.answers,
                           jst_short_of(format_ns(st.first)), jst_short_of(format_ns(st.last))),
                        std::to_string(st.sets.size()), std::to_string(st.changes), addrs.empty() ? "-" : addrs});
    }
    ts_.table(t);
  }

  static std::string format_ns(std::int64_t ns);

  // A resolver protocol or transport as a reader knows it: UDP, TCP, DoH, DoT, the zones' own servers.
  std::string protocol_label(std::string p) const {
    if (p == "doh") return "DoH";
    if (p == "dot") return "DoT";
    if (p == "authoritative") return L_("権威サーバ", "authoritative");
    for (auto& c : p) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return p;
  }

  // ---- chapter 4: method ----
  void method() {
    ts_.need(250);
    ts_.heading(L_("3　観測の方法", "3  How the observations were made"), 1);
    ts_.text(L_("観測は dnswitness が自動で行い、各問い合わせについて送信日時、問い合わせ先、回答（DNSメッセージそのもの）を記録しています。"
                "以下は本書に含まれる観測の実行の記録から抜き出したものです。",
                "dnswitness made the observations automatically, recording for every query when it was sent, to "
                "which resolver, and the answer (the DNS message itself). The following is taken from the records "
                "of the runs this report includes."),
             body());
    const json& tool = at(doc_, "tool");
    std::set<std::string> versions;
    for (const auto& [leaf, run] : b_.run_records)
      versions.insert(fmt::format("{} {}", str(at(run, "tool"), "version"), str(at(run, "tool"), "commit")));
    kv({{L_("本書を作成したツール", "Report made by"),
         fmt::format("{} {} ({})", str(tool, "name"), str(tool, "version"), str(tool, "commit"))},
        {L_("観測したツール", "Observed with"), versions.empty() ? none() : join({versions.begin(), versions.end()}, "\n")}});

    // Resolvers: from the run records, with what the observations show.
    ts_.text(L_("問い合わせ先（リゾルバ）", "Resolvers asked"), heading3());
    std::map<std::string, json> resolvers;
    for (const auto& [leaf, run] : b_.run_records)
      for (const auto& r : at(run, "resolvers"))
        if (r.is_object()) resolvers.emplace(str(r, "name"), r);
    std::map<std::string, std::map<std::string, std::size_t>> outcomes;
    std::map<std::string, std::set<std::string>> transports;
    for (const auto& f : b_.observations) {
      ++outcomes[f.row.resolver][f.row.outcome];
      transports[f.row.resolver].insert(f.transport);
      if (!resolvers.count(f.row.resolver))
        resolvers[f.row.resolver] = {{"name", f.row.resolver}, {"protocol", f.resolver_protocol}};
    }
    // Resolvers no run record lists (each authoritative server and client-subnet view): their
    // address as the observation leaves give it.
    for (const auto& facts : b_.resolvers)
      if (auto it = resolvers.find(str(facts, "name")); it != resolvers.end() && !it->second.contains("address"))
        for (const char* k : {"address", "port"})
          if (facts.contains(k)) it->second[k] = facts[k];
    Table r;
    r.size = 9;
    r.columns = {{L_("名前", "Name"), 0.9},
                 {L_("アドレス", "Address"), 1.4, Font::mono},
                 {L_("方式", "Protocol"), 0.8},
                 {L_("本書の観測の結果", "Outcomes of this report's observations"), 1.8},
                 {L_("その他の記録", "Other facts"), 1.3}};
    std::map<std::string, const json*> facts_of;  // from the observation leaves (bundle_view.h)
    for (const auto& f : b_.resolvers) facts_of[str(f, "name")] = &f;
    for (const auto& [name, spec] : resolvers) {
      std::string addr = str(spec, "address");
      if (at(spec, "port").is_number())
        addr = addr.find(':') != std::string::npos ? fmt::format("[{}]:{}", addr, num(spec, "port"))
                                                   : fmt::format("{}:{}", addr, num(spec, "port"));
      std::vector<std::string> outs;
      for (const auto& [o, c] : outcomes[name]) outs.push_back(fmt::format("{} {}", outcome_label(o, L_), c));
      std::vector<std::string> other;
      for (const auto& [k, v] : spec.items())
        if (k != "name" && k != "address" && k != "port" && k != "protocol" && k != "url") other.push_back(k + ": " + plain(v));
      if (const auto it = facts_of.find(name); it != facts_of.end()) other.push_back(resolver_facts_cell(*it->second, L_));
      else if (!str(spec, "url").empty()) other.push_back(str(spec, "url"));
      std::vector<std::string> tr;
      for (const auto& t : transports[name]) tr.push_back(protocol_label(t));
      r.rows.push_back({name, addr.empty() ? "-" : addr,
                        protocol_label(str(spec, "protocol")) + (tr.empty() ? "" : "\n(" + join(tr, ", ") + ")"),
                        outs.empty() ? "-" : join(outs, "\n"), other.empty() ? "-" : join(other, "\n")});
    }
    ts_.table(r);
    tls_and_authoritative();

    // Where and on which clock.
    ts_.text(L_("観測地点と時計", "Where, and on which clock"), heading3());
    Table v;
    v.size = 9;
    v.columns = {{L_("実行の開始（日本時間）", "Runs started (JST)"), 1.3},
                 {L_("観測した計算機", "Host"), 1.3},
                 {L_("観測地点（ネットワーク）", "Vantage point"), 1.5},
                 {L_("時計のずれ（NTP）", "Clock offset (NTP)"), 1.5}};
    // Consecutive runs with the same host, vantage point and clock share a row.
    std::string last_key, first_start, last_start;
    std::size_t same = 0;
    std::vector<std::string> cells;
    const auto flush = [&] {
      if (same == 0) return;
      const std::string when = same == 1 ? jst_short_of(first_start)
                                         : rt(L_("{} から\n{} まで（{}回）", "{} to\n{} ({} runs)"), jst_short_of(first_start),
                                              jst_short_of(last_start), same);
      v.rows.push_back({when, cells[0], cells[1], cells[2]});
    };
    // The facts as the run leaves say them (run_facts_of over each decoded leaf); the clock's
    // offset differs from run to run, so a row gives its range.
    std::vector<const json*> group;
    for (const auto& [leaf, facts] : b_.run_facts) {
      std::vector<std::string> c = {host_cell(facts, L_), vantage_cell(facts, L_), clock_setting(facts, L_)};
      const std::string key = join(c, "\x1f");
      if (key != last_key || same == 0) {
        if (same) cells[2] = clock_cell(group, L_);
        flush();
        last_key = key;
        cells = c;
        group.clear();
        first_start = str(facts, "started_at");
        same = 0;
      }
      group.push_back(&facts);
      last_start = str(facts, "started_at");
      ++same;
    }
    if (same) cells[2] = clock_cell(group, L_);
    flush();
    ts_.table(v);
    ts_.text(L_("「記録なし」は、その事実がこの観測の記録に含まれていないことを意味します（推測で補っていません）。"
                "観測の時刻は観測した計算機の時計によります。",
                "\"not recorded\": the fact is not in the records of these runs (nothing is filled in by guess). "
                "Observation times are those of the observing host's clock."),
             note());

    // Runs and coverage.
    ts_.text(L_("観測の実行と空白", "Runs and gaps between them"), heading3());
    Table runs;
    runs.size = 9;
    runs.columns = {{L_("開始（日本時間）", "Started (JST)"), 1.3},
                    {L_("終了（日本時間）", "Finished (JST)"), 1.3},
                    {L_("問い合わせ数", "Queries"), 0.7},
                    {L_("結果の内訳", "Outcomes"), 1.5},
                    {L_("前の実行との間隔", "Gap since previous"), 0.9}};
    std::int64_t previous = 0, largest = 0;
    for (const auto& [leaf, run] : b_.run_records) {
      std::vector<std::string> outs;
      for (const auto& [o, c] : at(run, "outcomes").items()) outs.push_back(fmt::format("{} {}", outcome_label(o, L_), plain(c)));
      const std::int64_t started = ns_of(str(run, "started_at"));
      const std::string gap = previous ? duration_words(started - previous, L_) : "-";
      if (previous) largest = std::max(largest, started - previous);
      previous = started;
      runs.rows.push_back({jst_short_of(str(run, "started_at")), jst_short_of(str(run, "finished_at")),
                           std::to_string(num(run, "observation_count")), outs.empty() ? "-" : join(outs, "\n"), gap});
    }
    ts_.table(runs);
    ts_.text(rt(L_("本書に含まれる実行は{}回で、連続する実行の間隔は最大{}です。本書は、各対象期間の前から後までの"
                            "すべての実行の記録と、対象期間に重なる実行のすべての観測を含んでおり、一つでも欠ければ "
                            "dnswitness verify が検出します（観測を選んで除いたものではありません）。",
                            "This report includes {} run(s); the largest gap between consecutive ones is {}. It holds "
                            "the record of every run from before each window to after it and every observation of the "
                            "runs that overlap a window; dnswitness verify detects any one missing (observations were "
                            "not picked)."),
                         b_.run_records.size(), largest ? duration_words(largest, L_) : "-"),
             note());
    coverage_gaps();
    selection_disclosure();

    // Failures.
    ts_.text(L_("失敗した問い合わせ", "Queries that failed"), heading3());
    Table f;
    f.size = 9;
    f.columns = {{L_("日時（日本時間）", "Time (JST)"), 1.3}, {L_("ドメイン／種別", "Domain / type"), 1.4},
                 {L_("リゾルバ", "Resolver"), 0.9}, {L_("結果", "Outcome"), 1.4}};
    for (const auto& o : b_.observations)
      if (o.row.outcome != "answer" && o.row.outcome != "nodata")
        f.rows.push_back({jst_short_of(format_ns(o.row.time_ns)), o.row.qname + " " + o.row.qtype, o.row.resolver,
                          outcome_label(o.row.outcome, L_)});
    if (f.rows.empty())
      ts_.text(L_("本書に含まれる観測に、失敗した問い合わせ（応答なし、サーバ障害など）はありません。"
                  "該当レコードなし(NODATA)は、そのドメインにその種別のアドレスがないという回答であり、失敗ではありません。",
                  "No query in this report failed (no timeout, server failure, ...). NODATA is an answer (the name "
                  "has no address of that type), not a failure."),
               note());
    else
      ts_.table(f);
  }

  // DoH certificates, and the zones' own servers with their client-subnet views (from the
  // observation leaves, reports/resolver_facts.h).
  void tls_and_authoritative() {
    Table certs;
    certs.size = 8.5;
    certs.columns = {{L_("リゾルバ", "Resolver"), 0.8},
                     {L_("TLS／HTTP", "TLS / HTTP"), 1.1},
                     {L_("サーバ証明書（チェーン、SHA-256）", "Server certificates (chain, SHA-256)"), 2.6, Font::mono}};
    Table auth;
    auth.size = 8.5;
    auth.columns = {{L_("権威サーバ", "Authoritative server"), 1.3},
                    {L_("AAフラグ", "AA flag"), 0.7},
                    {L_("送ったクライアントサブネット", "Client subnet sent"), 0.9},
                    {L_("返されたスコープとその意味", "Scope returned and what it means"), 1.7},
                    {L_("回答されたアドレス", "Addresses answered"), 1.2, Font::mono}};
    for (const auto& f : b_.resolvers) {
      const json& h = tls_facts(f);
      if (h.is_object()) {
        std::vector<std::string> lines;
        for (const auto& v : at(h, "tls_versions")) lines.push_back(str(v, "tls_version"));
        for (const auto& v : at(h, "tls_ciphers")) lines.push_back(str(v, "tls_cipher"));
        for (const auto& v : at(h, "http_statuses")) lines.push_back("HTTP " + at(v, "http_status").dump());
        for (const auto& v : at(h, "certificate_checks"))
          lines.push_back(certificate_check_words(str(v, "certificate_check"), L_));
        certs.rows.push_back({str(f, "name"), lines.empty() ? "-" : join(lines, "\n"), certificate_cell(f, L_)});
      }
      const json& a = at(f, "authoritative");
      if (a.is_object()) {
        const json& c = at(f, "client_subnet");
        std::vector<std::string> answered;
        for (const auto& x : at(c, "answers"))
          answered.push_back(str(x, "qname") + " " + str(x, "qtype") + "\n" + join(strings(at(x, "addresses")), "\n"));
        auth.rows.push_back(
            {str(f, "name"), rt(L_("{} / {} の応答", "{} of {} responses"), at(a, "aa").dump(), at(a, "responses").dump()),
             c.is_object() ? str(c, "sent") + (str(c, "preset").empty()
                                                    ? std::string()
                                                    : rt(L_("\n（プリセット「{}」。この範囲がその事業者のものかは本書では"
                                                            "確認していません）",
                                                            "\n(preset \"{}\"; that this block is that carrier's is not "
                                                            "checked by this report)"),
                                                         str(c, "preset")))
                           : std::string(L_("なし", "none")),
             c.is_object() ? scope_cell(f, L_) : std::string("-"), answered.empty() ? "-" : join(answered, "\n")});
      }
    }
    if (!certs.rows.empty()) {
      ts_.text(L_("暗号化したDNS（DoH・DoT）とサーバ証明書", "DNS over HTTPS and TLS: encryption and server certificates"),
               heading3());
      ts_.text(L_("HTTPS（DoH）またはTLS（DoT）で問い合わせたリゾルバについて、暗号化通信（TLS）の方式、HTTPの応答コード（DoHのみ）、"
                  "相手のサーバが提示した証明書を記録しています。"
                  "証明書のSHA-256は、そのリゾルバの運営者が公開している証明書と照合できます"
                  "（openssl の x509 コマンドが表示するSHA-256のフィンガープリントから「:」を除いたもの。手順は docs/report.md）。"
                  "証明書の検証に成功した通信では、このリゾルバとの間の通信路の途中で回答が書き換えられていないことが"
                  "暗号技術により確認されています（リゾルバ自身が返した回答の内容が正しいことまでは示しません）。",
                  "For resolvers asked over HTTPS (DoH) or TLS (DoT) the report records the encryption (TLS), the HTTP "
                  "status (DoH only) and the "
                  "certificates the server presented. Their SHA-256 can be compared with the operator's published "
                  "certificate (what openssl x509 -noout -fingerprint -sha256 prints, without colons). Where the "
                  "certificate was verified, cryptography confirms that the answers were not altered on the way "
                  "between the resolver and this machine (not that the resolver's own answers are right)."),
               note());
      ts_.table(certs);
    }
    if (!auth.rows.empty()) {
      ts_.text(L_("権威サーバとクライアントサブネット（ECS）", "Authoritative servers and client subnets (ECS)"), heading3());
      ts_.text(L_("ドメインの管理者自身が運用するDNSサーバ（権威サーバ）に直接問い合わせた結果です。AAフラグは、回答がそのゾーンの管理者のデータによる"
                  "正式な回答であることを示します。クライアントサブネット（ECS）は、利用者のネットワーク（携帯電話会社のアドレス帯など）を伝えて問い合わせたもので、"
                  "返されたスコープが /0 なら回答は利用者のネットワークによらず同じであり、/N（Nは1以上）なら、その範囲のネットワークの利用者向けに選ばれた回答です"
                  "（別のネットワークの利用者には別のアドレスが回答され得ます）。",
                  "These are the answers of the zone's own servers (authoritative servers), asked directly. The AA "
                  "flag shows that the answer is the zone owner's own data. A client subnet (ECS) tells the server "
                  "the client's network (e.g. a carrier's address block): a returned scope of /0 means the answer is "
                  "the same whatever the client's network; /N (N at least 1) means it was chosen for clients in that "
                  "network (clients elsewhere may be given other addresses)."),
               note());
      ts_.table(auth);
    }
  }

  // Periods in the windows with no run for more than twice the expected interval (coverage in
  // the bundle, found from the whole ledger when the report was made).
  void coverage_gaps() {
    const json& c = at(doc_, "coverage");
    if (!c.is_object()) return;
    ts_.text(L_("観測の空白（実行のなかった期間）", "Gaps: periods without any run"), heading3());
    if (!at(c, "interval_seconds").is_number_integer()) {
      ts_.text(L_("実行の間隔が分からないため（対象期間の前後24時間の実行が3回未満）、空白は調べていません"
                  "（--interval で間隔を指定すると調べます）。",
                  "The interval between runs is not known (fewer than three runs within 24 hours of the windows), so "
                  "gaps were not looked for (give --interval)."),
               note());
      return;
    }
    const std::int64_t interval = at(c, "interval_seconds").get<std::int64_t>() * 1'000'000'000;
    const bool given = str(c, "interval_source") == "--interval";
    ts_.text(rt(L_("観測は通常{}ごとに実行されています（{}）。その2倍の{}を超えて一度も実行がなかった期間を、本書の対象期間"
                   "（各ログイン時刻の前後の時間幅と指定された期間）の中から挙げます。この期間には観測がないため、その間にアドレスが"
                   "変わったかどうかはこの記録からは分かりません。空白は、本書に含まれる実行の記録（各対象期間の前後のすべての"
                   "実行）から求めたもので、dnswitness verify で誰でも同じ結果を求め直せます。",
                   "Runs are normally made every {} ({}). Below are the periods inside this report's windows (each "
                   "login time's window and any period given) in which no run at all was made for more than twice "
                   "that, {}. There are no observations in them, so this record cannot tell whether the addresses "
                   "changed then. The gaps were found from the run records this report holds (every run around "
                   "each window), so anyone can derive them again with dnswitness verify."),
                duration_words(interval, L_),
                given ? std::string(L_("作成者の指定による", "as the operator gave it"))
                      : std::string(L_("台帳の実行の間隔の中央値による", "the median spacing of the ledger's runs")),
                duration_words(2 * interval, L_)),
             note());
    Table g;
    g.size = 9;
    g.columns = {{L_("対象期間（日本時間）", "Window (JST)"), 1.5},
                 {L_("空白の始まり（日本時間）", "Gap from (JST)"), 1.3},
                 {L_("空白の終わり（日本時間）", "Gap until (JST)"), 1.3},
                 {L_("長さ", "Length"), 0.7}};
    for (const auto& w : at(c, "windows"))
      for (const auto& gap : at(w, "gaps")) {
        const auto edge = [&](const char* k, const char* t) {
          const std::string when = jst_short_of(str(gap, t));
          return str(gap, k) == "window" ? when + L_("\n（対象期間の端）", "\n(window edge)") : when + L_("\n（実行）", "\n(a run)");
        };
        g.rows.push_back({span_of(str(w, "from"), str(w, "until")), edge("from_edge", "from"), edge("until_edge", "until"),
                          duration_words(static_cast<std::int64_t>(num(gap, "seconds")) * 1'000'000'000, L_)});
      }
    if (g.rows.empty())
      ts_.text(rt(L_("本書の対象期間に、{}を超える空白はありません。", "No gap longer than {} in this report's windows."),
                  duration_words(2 * interval, L_)),
               note());
    else
      ts_.table(g);
  }

  // What the selection (--resolver, --domains, --types) left out, per window, from tables.selection:
  // a report filtered to some resolvers must not read as "no change" when one it left out saw one.
  void selection_disclosure() {
    const json& tables = at(doc_, "tables");
    if (!tables.is_object() || !tables.contains("selection")) return;
    ts_.text(L_("選択の範囲（本書が表から除いた観測）", "Selection: what this report's tables leave out"), heading3());
    Table t;
    t.size = 8.5;
    t.columns = {{L_("対象期間（日本時間）", "Window (JST)"), 1.4},
                 {L_("実行", "Runs"), 0.45},
                 {L_("観測（表に使用／全体）", "Observations (in tables / all)"), 0.9},
                 {L_("除いたリゾルバ・ドメイン・種類", "Resolvers, domains, types left out"), 1.6},
                 {L_("除いた観測だけに見えるもの", "Seen only in what was left out"), 1.6}};
    const auto listed = [](const json& a) {
      std::vector<std::string> v;
      for (const auto& x : a) v.push_back(x.get<std::string>());
      return v.empty() ? std::string("-") : join(v, ", ");
    };
    for (const auto& w : at(at(tables, "selection"), "windows")) {
      const json& ex = at(w, "excluded");
      std::vector<std::string> left = {listed(at(ex, "resolvers")), listed(at(ex, "domains")), listed(at(ex, "types"))};
      std::vector<std::string> seen;
      for (const auto& a : at(w, "addresses_only_in_excluded"))
        seen.push_back(rt(L_("{} {}: {}（{}）", "{} {}: {} ({})"), str(a, "qname"), str(a, "qtype"), str(a, "address"),
                          listed(at(a, "resolvers"))));
      for (const auto& c : at(w, "changes_only_in_excluded"))
        seen.push_back(rt(L_("{} {}: {} が {} に変更を観測", "{} {}: {} saw a change at {}"), str(c, "qname"),
                          str(c, "qtype"), str(c, "resolver"), jst_short_of(str(c, "after_time"))));
      t.rows.push_back({span_of(str(w, "from"), str(w, "until")), std::to_string(num(w, "runs")),
                        rt("{} / {}", num(w, "included_observations"), num(w, "observations")), join(left, "\n"),
                        seen.empty() ? L_("なし", "nothing") : join(seen, "\n")});
    }
    ts_.table(t);
    ts_.text(L_("除いた観測も本書に含まれており、表に使った観測にないアドレスや変更が除いた観測にあれば、右の欄と各ログインの注意に"
                "記載しています。",
                "The observations left out are in this report too; any address or change they show that the ones in "
                "the tables do not is listed on the right and in each login's warnings."),
             note());
  }

  // ---- appendix: what each carrier has been known to ask for (data from presets/) ----
  void carrier_requests() {
    if (!o_.carriers || o_.carriers->carriers.empty()) return;
    const CarrierRequests& c = *o_.carriers;
    ts_.need(250);
    const std::string as_of = date_of(c.as_of + "T00:00:00+09:00", L_);  // a date in Japan
    ts_.heading(rt(L_("付録　{}（{}時点）", "Appendix  What each carrier has been known to ask for (as of {1})"), c.title,
                   as_of),
                1);
    ts_.text(rt(L_("発信者情報開示の照会で各携帯電話会社が求めてきた事項を、公開されている解説（各行の出典）から{}時点でまとめた"
                   "ものです。実務は変わり得るため、照会の前に出典と当該事件での事業者の回答を確認してください。この一覧は本書の"
                   "観測記録の一部ではなく、署名の対象外の参考情報です（{}）。",
                   "What each mobile carrier has asked for in requests for subscriber information, taken from public "
                   "explanations (the sources in each row) as of {}. Practice changes: check the sources, and the "
                   "carrier's answer in the case at hand, before relying on a row. This list is not part of the "
                   "observation records and is not covered by their signatures ({})."),
                as_of, std::filesystem::path(c.file).filename().string()),
             note());
    Table t;
    t.size = 9;
    t.columns = {{L_("事業者", "Carrier"), 0.7}, {L_("求められてきた事項", "What it has asked for"), 2.2},
                 {L_("出典", "Sources"), 1.1, Font::mono}};
    for (const auto& r : c.carriers)
      t.rows.push_back({r.carrier, o_.english && !r.asks_en.empty() ? r.asks_en : r.asks_ja,
                        r.sources.empty() ? std::string("-") : join(r.sources, "\n")});
    ts_.table(t);
  }

  // ---- appendix: integrity ----
  void integrity() {
    ts_.new_page();
    ts_.heading(L_("付録　記録の完全性を確認する方法", "Appendix  Checking the records' integrity"), 1);
    const json& ledger = at(doc_, "ledger");
    kv({{L_("根拠データ", "Evidence file"), rt("{}\n{} {}", o_.bundle_name, b_.file_bytes, L_("バイト", "bytes"))},
        {L_("台帳の名前", "Ledger"), str(ledger, "origin")}});
    TextStyle hash;
    hash.font = Font::mono;
    hash.size = 9;
    hash.space_after = 6;
    hash.indent = 8;
    ts_.text(L_("根拠データのSHA-256", "SHA-256 of the evidence file"), heading3());
    ts_.text(b_.sha256_hex, hash);
    ts_.text(L_("公開鍵のフィンガープリント（SHA-256）", "Key fingerprint (SHA-256)"), heading3());
    ts_.text(str(ledger, "key_fingerprint_sha256"), hash);
    ts_.text(L_("検証鍵（署名付きノート形式）", "Verifier key (signed-note form)"), heading3());
    ts_.text(str(ledger, "verifier_key"), hash);
    ts_.text(L_("フィンガープリントは、作成者から別の経路（書面、電話など）で受け取ったものと照合してください。"
                "一致すれば、以下の署名はその作成者の鍵によるものです。",
                "Compare the fingerprint with one obtained from the operator by another route (on paper, by "
                "phone). If they match, the signatures below were made with that operator's key."),
             note());

    ts_.text(L_("署名されたツリーヘッド（台帳の要約値）", "Signed tree heads"), heading3());
    std::map<std::uint64_t, const json*> run_by_end;
    for (const auto& r : at(doc_, "runs")) run_by_end[num(r, "end")] = &r;
    Table t;
    t.size = 8.5;
    t.columns = {{L_("大きさ", "Size"), 0.6}, {L_("ルートハッシュ", "Root hash"), 2.3, Font::mono},
                 {L_("署名した時", "Signed with"), 1.8}};
    const std::uint64_t newest = num(ledger, "newest_size");
    for (const auto& cp : at(doc_, "checkpoints")) {
      const std::uint64_t size = num(cp, "size");
      std::string when;
      if (const auto it = run_by_end.find(size); it != run_by_end.end()) {
        const auto rec = b_.run_records.find(num(*it->second, "run_leaf"));
        when = rt(L_("実行の直後\n{}", "right after the run\n{}"),
                           rec == b_.run_records.end() ? "-" : jst_of(str(rec->second, "finished_at")));
      }
      for (const auto& tok : at(cp, "timestamps"))
        when += (when.empty() ? "" : "\n") + rt(L_("時刻認証：{}", "time-stamped: {}"), jst_of(str(tok, "gen_time")));
      if (const auto& cos = at(cp, "cosignatures"); cos.is_array() && !cos.empty())
        when += (when.empty() ? "" : "\n") + rt(L_("証人の連署：{}件", "cosigned by {} witness(es)"), cos.size());
      if (size == newest) when += (when.empty() ? "" : "\n") + std::string(L_("最新（本書の証明の基準）", "newest (all proofs lead here)"));
      t.rows.push_back({std::to_string(size), str(cp, "root"), when.empty() ? "-" : when});
    }
    ts_.table(t);

    ts_.text(L_("RFC 3161 タイムスタンプトークン", "RFC 3161 time-stamp tokens"), heading3());
    const auto tokens = timestamp_tokens();
    if (tokens.empty()) {
      ts_.text(L_("記録なし：この根拠データにはタイムスタンプトークンが含まれていません。",
                  "Not recorded: this evidence file holds no time-stamp token."),
               note());
    } else {
      Table tt;
      tt.size = 8.5;
      tt.columns = {{L_("対象", "For"), 0.8}, {L_("内容", "Content"), 3.2}};
      for (const auto& [where, token] : tokens) tt.rows.push_back({where, token_text(token)});
      ts_.table(tt);
    }

    witness_section(newest);

    ts_.text(L_("確認の手順", "How to check"), heading3());
    ts_.text(L_("1. ファイルが改変されていないこと（報告書と同じフォルダで実行）：",
                "1. That the files are unchanged (run in the report's folder):"),
             note());
    TextStyle code;
    code.font = Font::mono;
    code.size = 8;
    code.boxed = true;
    code.space_after = 6;
    ts_.text("sha256sum -c report.sha256\ndnswitness verify " + o_.bundle_name, code);
    ts_.text(L_("2. dnswitness を使わずに、openssl で署名と証明を確認する手順（docs/report.md と同じ。R に根拠データ、N に確認する葉の番号を指定）：",
                "2. Checking the signature and a proof with openssl, without dnswitness (as in docs/report.md; set R to "
                "the evidence file and N to a leaf's position):"),
             note());
    if (part_index_ >= 0) {
      // A report of several logs holds this log's bundle at logs[K].bundle: the steps read it alone.
      ts_.text(rt(L_("この部のログの根拠データは report.json の logs[{}].bundle にあります。取り出して R に指定します：",
                     "This part's log is logs[{}].bundle of report.json; take it out and set R to it:"),
                  part_index_),
               note());
      ts_.text(fmt::format("jq '.logs[{0}].bundle' {1} > log{0}.json; R=log{0}.json", part_index_, o_.bundle_name),
               code);
    }
    std::string steps = kOpensslSteps;
    if (!steps.empty() && steps.front() == '\n') steps.erase(0, 1);
    while (!steps.empty() && steps.back() == '\n') steps.pop_back();
    ts_.text(steps, code);
    if (!tokens.empty()) {
      ts_.text(L_("3. タイムスタンプトークンを openssl で確認する手順（K にツリーヘッドの位置、TSA-ROOT.pem に時刻認証局が公表するルート証明書）：",
                  "3. Checking a time-stamp token with openssl (K: the tree head's position; TSA-ROOT.pem: the root "
                  "certificate the TSA publishes):"),
               note());
      ts_.text("jq -r '.checkpoints[K].note' \"$R\" | head -n 3 > text\n"
               "jq -r '.checkpoints[K].timestamps[0].token_base64' \"$R\" | base64 -d > token.tsr\n"
               "openssl ts -verify -data text -in token.tsr -CAfile TSA-ROOT.pem",
               code);
    }
    ts_.text(L_("期待される出力：フィンガープリント、「Signature Verified Successfully」、「leaf hash …」、「leaf N is in the signed tree (root …)」。",
                "Expected output: the fingerprint, \"Signature Verified Successfully\", \"leaf hash ...\" and \"leaf N "
                "is in the signed tree (root ...)\"."),
             note());
  }

  // The witnesses' cosignatures of the newest tree head (checkpoints[].cosignatures,
  // docs/report.md): what a witness is, what its cosignature proves and does not, and each one's
  // name, key fingerprint and time. Each line is checked here with the key the bundle names; one that
  // fails is shown as such (verify rejects such a bundle).
  void witness_section(std::uint64_t newest) {
    ts_.text(L_("証人（ウィットネス）による連署", "Witness cosignatures"), heading3());
    ts_.text(L_("証人（ウィットネス）とは、ログの運営者から独立した第三者で、ログごとに自分が見た最大のツリーを記録し、"
                "新しいツリーヘッドがそれまでのツリーを書き換えずに追記しただけのもの（整合性証明で確認）である場合に限り、"
                "自分の鍵と自分の時刻で連署するものです。連署は、その時刻にこの証人に示されたログが一つだけであり、"
                "運営者が内容の異なる二つの版（分岐）を使い分けたり、過去の記録を書き換えたりしていないことを示します。"
                "連署は、観測の内容そのものが正しいことや、証人が観測を確かめたことを示すものではありません。"
                "本書の古いツリーヘッドはすべて最新のツリーヘッドとの整合性が証明されているため、最新のツリーヘッドへの連署は"
                "それらにも及びます。",
                "A witness is a party independent of the log's operator that remembers, for each log, the largest tree "
                "it has seen, and cosigns a new tree head with its own key and its own time only when a consistency "
                "proof shows that it extends that tree without rewriting it. A cosignature shows that, at its time, "
                "this witness was shown a single version of the log: the operator did not keep two versions (a fork) "
                "nor rewrite earlier records. It does not show that the observations are true, nor that the witness "
                "checked them. Every older tree head in this report is proved consistent with the newest, so a "
                "cosignature of the newest covers them too."),
             note());
    const nlohmann::json* newest_cp = nullptr;
    for (const auto& cp : at(doc_, "checkpoints"))
      if (num(cp, "size") == newest) newest_cp = &cp;
    const nlohmann::json& cos = newest_cp ? at(*newest_cp, "cosignatures") : at(doc_, "no-such-member");
    if (!cos.is_array() || cos.empty()) {
      ts_.text(L_("記録なし：最新のツリーヘッドには証人の連署がありません（連署を受けた後に記録された実行があるか、"
                  "証人に送られていません）。",
                  "Not recorded: the newest tree head carries no witness cosignature (runs were recorded after the "
                  "last one cosigned, or none was sent to witnesses)."),
               note());
      return;
    }
    Table t;
    t.size = 8.5;
    t.columns = {{L_("証人", "Witness"), 1.2},
                 {L_("鍵のフィンガープリント（SHA-256）", "Key fingerprint (SHA-256)"), 2.2, Font::mono},
                 {rt(L_("最新のツリーヘッド（大きさ {}）に連署した時刻", "Cosigned the newest tree head (size {}) at"),
                     newest),
                  1.4}};
    const std::string note_text = str(*newest_cp, "note");
    for (const auto& c : cos) {
      const std::string vkey = str(c, "verifier_key");
      try {
        const CosignatureVerifier v = parse_cosignature_verifier_key(vkey);
        const CosignatureCheck check =
            verify_cosignatures(note_text + str(c, "line"), std::span<const CosignatureVerifier>(&v, 1));
        const std::string when =
            check && check.verified.size() == 1 && check.verified.front().timestamp > 0 &&
                    check.verified.front().timestamp <= 253402300799  // 9999-12-31T23:59:59Z
                ? both_times(format_rfc3339_ns(
                      UtcTime{static_cast<std::int64_t>(check.verified.front().timestamp) * 1'000'000'000}))
                : std::string(L_("検証できません", "does not verify"));
        t.rows.push_back({v.name, v.key.fingerprint(), when});
      } catch (const std::exception&) {
        t.rows.push_back({vkey, "-", L_("検証できません", "does not verify")});
      }
    }
    ts_.table(t);
    ts_.text(L_("誰の連署を信頼するかは読む人が決めます。信頼する証人の鍵を記した方針ファイルを用いて "
                "dnswitness verify --policy で確認できます（docs/witness.md）。",
                "Whose cosignatures to trust is the reader's decision: 'dnswitness verify --policy' checks them with "
                "a policy file of the witnesses' keys the reader trusts (docs/witness.md)."),
             note());
  }
};

std::string Writer::format_ns(std::int64_t ns) { return format_rfc3339_ns(UtcTime{ns}); }

}  // namespace

namespace {

Metadata metadata_of(const BundleView& bundle, const PdfOptions& o, const Lang& L) {
  const std::string case_name = text_or(bundle.doc, "case");
  const std::string title = title_of(o, L);
  Metadata meta;
  meta.title = case_name.empty() ? title : fmt::format("{}（{}）", title, case_name);
  meta.author = text_or(bundle.doc, "operator");
  meta.subject = L("X（旧Twitter）のドメインの名前解決の観測記録", "Observations of how X's domains resolved");
  // The bundle's SHA-256 in the metadata ties this PDF to its report.json.
  meta.keywords = fmt::format("report.json SHA-256 {}", bundle.sha256_hex);
  const json& tool = at(bundle.doc, "tool");
  meta.creator = fmt::format("{} {}", text_or(tool, "name", "dnswitness"), text_or(tool, "version"));
  if (const auto t = parse_rfc3339(text_or(bundle.doc, "created_at"))) meta.create_date = format_rfc3339_s(*t);
  return meta;
}

void set_running_text(Typesetter& ts, const BundleView& bundle, const PdfOptions& o, const Lang& L) {
  const std::string case_name = text_or(bundle.doc, "case");
  const std::string title = title_of(o, L);
  ts.set_running_text(case_name.empty() ? title : rt(L("事件：{}", "Case: {}"), case_name),
                      fmt::format("{}　{}", title, date_of(text_or(bundle.doc, "created_at"), L)));
}

std::string source_words(const std::string& source, const Lang& L) {
  return source == kLocalLedgerSource
             ? std::string(L("本書を作成した機械の台帳", "the ledger of the machine that made this report"))
             : source;
}

// What a log is, in a cell: the probe and the collector's description of it, or its origin.
std::string vantage_name(const BundleView& v, const Lang& L) {
  if (v.vantage.is_object())
    return rt(L("{}（{}、収集サーバの登録による）", "{} ({}, as the collector registered it)"),
              text_or(v.vantage, "probe"), text_or(v.vantage, "description"));
  return text_or(at(v.doc, "ledger"), "origin");
}

// The source addresses the sites that echo them saw for this log's runs (whoami), distinct.
std::string egress_of(const BundleView& v, const Lang& L) {
  std::set<std::string> seen;
  for (const auto& [leaf, facts] : v.run_facts)
    for (const auto& w : at(at(facts, "vantage"), "whoami"))
      for (const auto& e : at(w, "egress"))
        if (e.is_string()) seen.insert(e.get<std::string>());
  if (seen.empty()) return L("不明（確認していない実行）", "unknown (not asked in these runs)");
  return join(std::vector<std::string>(seen.begin(), seen.end()), "\n");
}

// Per login, side by side: each log's vantage, its egress and the addresses of its list for the
// carrier, and in words whether the vantages agree.
void vantage_comparison(Typesetter& ts, const std::vector<BundleView>& logs, const Lang& L) {
  const json& first = at(at(logs.front().doc, "tables"), "logins");
  if (!first.is_array() || first.empty()) return;
  ts.heading(L("観測点ごとの比較", "The vantage points compared"), 1);
  TextStyle body;
  body.size = 10;
  ts.text(L("ログインごとに、各ログ（観測点）が接続先として記録した候補を並べます。観測点によって答えが異なるのは、"
            "名前解決の答えが問い合わせた場所やネットワークによって変わることがあるためです。各観測点の説明は"
            "収集サーバに登録された記載であり、送信元は外部のサイトが見たアドレスです。",
            "For each login, the candidates each log (vantage point) recorded are set side by side. Vantage "
            "points may differ because the answer to a name lookup can depend on where and from which network "
            "it is asked. Each vantage's description is what the collector registered; the egress is the "
            "address outside sites saw."),
          body);
  for (std::size_t i = 0; i < first.size(); ++i) {
    ts.heading(rt(L("ログイン{}：{}", "Login {}: {}"), i + 1, jst_of(text_or(first[i], "time"))), 2);
    Table t;
    t.size = 8.5;
    t.columns = {{L("部", "Part"), 0.4, Font::sans},
                 {L("観測点", "Vantage"), 1.6, Font::sans},
                 {L("外部から見た送信元", "Egress"), 1.2, Font::mono},
                 {L("接続先の候補", "Candidates"), 2.6, Font::mono}};
    std::vector<std::set<std::string>> sets;
    for (std::size_t k = 0; k < logs.size(); ++k) {
      const json& tables = at(at(logs[k].doc, "tables"), "logins");
      std::set<std::string> addresses;
      if (tables.is_array() && i < tables.size())
        for (const auto& a : at(at(tables[i], "carrier_list"), "addresses")) addresses.insert(text_or(a, "address"));
      sets.push_back(addresses);
      t.rows.push_back({std::to_string(k + 1), vantage_name(logs[k], L), egress_of(logs[k], L),
                        addresses.empty() ? std::string(L("なし", "none"))
                                          : join(std::vector<std::string>(addresses.begin(), addresses.end()), "\n")});
    }
    ts.table(t);
    std::set<std::string> common = sets.front(), all;
    for (const auto& s : sets) {
      std::set<std::string> both;
      std::set_intersection(common.begin(), common.end(), s.begin(), s.end(), std::inserter(both, both.end()));
      common = std::move(both);
      all.insert(s.begin(), s.end());
    }
    const bool same = std::all_of(sets.begin(), sets.end(), [&](const auto& s) { return s == sets.front(); });
    ts.text(same ? std::string(L("すべての観測点で同じ候補でした。", "Every vantage point gave the same candidates."))
                 : rt(L("観測点によって候補が異なります（すべてに共通：{}件、いずれかに現れたもの：{}件）。",
                        "The vantage points differ (common to all: {}; seen by any: {})."),
                      common.size(), all.size()),
            body);
  }
}

}  // namespace

PdfWritten render_report_pdf(const BundleView& bundle, const PdfOptions& options, int out_fd) {
  const Lang L{options.english, options.reiwa};
  Typesetter ts(out_fd, PageSetup{}, metadata_of(bundle, options, L), options.english ? "en" : "ja-jp");
  set_running_text(ts, bundle, options, L);
  Writer(bundle, options, ts).all();
  ts.finish();
  return {ts.pages()};
}

PdfWritten render_report_pdf(const std::vector<BundleView>& logs, const PdfOptions& options, int out_fd) {
  if (logs.size() == 1 && logs.front().source.empty()) return render_report_pdf(logs.front(), options, out_fd);
  const Lang L{options.english, options.reiwa};
  Typesetter ts(out_fd, PageSetup{}, metadata_of(logs.at(0), options, L), options.english ? "en" : "ja-jp");
  set_running_text(ts, logs.front(), options, L);
  // An opening page that names every log, then one part per log: each part is the whole report
  // for that log's observations, proved by that log's own signed tree heads.
  ts.text(title_of(options, L), title_style());
  ts.heading(L("本書が用いるログ", "The logs this report draws on"), 1);
  TextStyle body;
  body.size = 11;
  ts.text(rt(L("本書は、次の{}つのログ（観測記録を署名付きで追記していく記録簿）の観測から作成したものです。"
               "各部は一つのログの観測だけを扱い、その観測はそのログ自身の鍵で署名されたツリーヘッドによって"
               "証明されます。ログごとに観測した場所・方法が異なることがあるため、各部は別々にお読みください。",
               "This report is made from the observations of the following {} logs (records to which signed "
               "observations are only ever appended). Each part covers the observations of one log only, proved "
               "by tree heads signed with that log's own key. The logs may have observed from different places "
               "and in different ways, so read each part on its own."),
             logs.size()),
          body);
  Table t;
  t.size = 9;
  t.columns = {{L("部", "Part"), 0.4, Font::sans},
               {L("ログ（観測点）", "Log (vantage)"), 1.6, Font::sans},
               {L("取得元", "Read from"), 1.6, Font::mono},
               {L("鍵フィンガープリント（SHA-256）", "Key fingerprint (SHA-256)"), 2.2, Font::mono},
               {L("観測件数", "Observations"), 0.7, Font::sans}};
  for (std::size_t i = 0; i < logs.size(); ++i) {
    const json& ledger = at(logs[i].doc, "ledger");
    const json& obs = at(logs[i].doc, "observations");
    t.rows.push_back({std::to_string(i + 1), vantage_name(logs[i], L), source_words(logs[i].source, L),
                      text_or(ledger, "key_fingerprint_sha256"),
                      std::to_string(obs.is_object() ? obs.value("count", 0) : 0)});
  }
  ts.table(t);
  vantage_comparison(ts, logs, L);
  for (std::size_t i = 0; i < logs.size(); ++i) {
    ts.new_page();
    const json& ledger = at(logs[i].doc, "ledger");
    Writer(logs[i], options, ts,
           rt(L("第{}部（全{}部）　ログ {}（取得元：{}）", "Part {} of {}: log {} (read from {})"), i + 1, logs.size(),
              text_or(ledger, "origin"), source_words(logs[i].source, L)),
           static_cast<int>(i))
        .all();
  }
  ts.finish();
  return {ts.pages()};
}

}  // namespace dnswitness::pdf
