#include "reports/pdf/time_wording.h"

#include <fmt/format.h>

namespace dnswitness::pdf {
namespace {

using nlohmann::json;

std::string tw_text(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string("-");
}

std::string tw_seconds(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return "-";
  return fmt::format("{:.3f}", j[key].get<double>() / 1e9);
}

}  // namespace

std::string time_finding_words(const json& facts, const json& f, Lang L_) {
  const std::string check = tw_text(f, "check");
  std::string what;
  if (check == "finish_before_start") {
    what = rt(L_("実行の終了時刻 {} が開始時刻 {} より{}秒前になっています。実行中に計算機の時計が戻されたことを示します。",
                 "The run finished at {}, before it started at {} ({} s earlier) by the host clock: the clock was "
                 "set back during the run."),
              jst_of(tw_text(f, "finished_at")), jst_of(tw_text(f, "started_at")), tw_seconds(f, "by_ns"));
  } else if (check == "clock_offset") {
    const bool ahead = f.contains("offset_ns") && f["offset_ns"].is_number() && f["offset_ns"].get<double>() < 0;
    json abs = f;
    if (ahead) abs["offset_ns"] = -f["offset_ns"].get<double>();
    what = rt(L_("NTPによる時計の確認で、計算機の時計がNTPの時刻より{}秒{}いました（サーバ {}）。時刻の照合で許容する1秒を超えています。",
                 "The NTP check found the host clock {} s {} NTP time (server {}), more than the 1 s the time "
                 "cross-checks allow."),
              tw_seconds(abs, "offset_ns"), ahead ? L_("進んで", "ahead of") : L_("遅れて", "behind"),
              tw_text(f, "server"));
  } else if (check == "tsa_before_run") {
    const std::string acc = f.contains("accuracy_ns") && f["accuracy_ns"].is_number()
                                ? tw_seconds(f, "accuracy_ns") + L_("秒", " s")
                                : std::string(L_("記載なし", "none stated"));
    what = rt(L_("{} のタイムスタンプ（RFC 3161）の時刻 {} が、計算機の時計による実行の終了時刻 {} より{}秒前で、"
                 "トークンの精度（{}）と許容幅2秒を超えています。計算機の時計が時刻認証局の時計より進んでいたことを示します。",
                 "The RFC 3161 time-stamp from {} dates the run's tree head at {}, before the run finished at {} by "
                 "the host clock ({} s earlier), more than the token's accuracy ({}) and the 2 s tolerance allow: "
                 "the host clock was ahead of the TSA's."),
              tw_text(f, "tsa_url"), jst_of(tw_text(f, "gen_time")), jst_of(tw_text(f, "finished_at")),
              tw_seconds(f, "by_ns"), acc);
  } else if (check == "out_of_order") {
    const bool before_start = f.value("before_previous_start", false);
    what = before_start
               ? rt(L_("この実行の開始時刻 {} が、台帳で一つ前の実行（{}）の開始時刻 {} より{}秒前です。"
                       "実行の順序が時刻と矛盾しており、実行の間に計算機の時計が戻されたことを示します。",
                       "The run started at {}, before the previous run in the ledger ({}) started at {} ({} s "
                       "earlier): the runs are out of order, so the host clock went back between them."),
                    jst_of(tw_text(f, "started_at")), tw_text(f, "previous_run_id"),
                    jst_of(tw_text(f, "previous_started_at")), tw_seconds(f, "by_ns"))
               : rt(L_("この実行の開始時刻 {} が、台帳で一つ前の実行（{}）の終了時刻 {} より{}秒前です。"
                       "実行の順序が時刻と矛盾しており、実行が重なったか、実行の間に計算機の時計が戻されたことを示します。",
                       "The run started at {}, before the previous run in the ledger ({}) finished at {} ({} s "
                       "earlier): the runs are out of order, so they overlapped or the host clock went back between "
                       "them."),
                    jst_of(tw_text(f, "started_at")), tw_text(f, "previous_run_id"),
                    jst_of(tw_text(f, "previous_finished_at")), tw_seconds(f, "by_ns"));
  } else {
    what = tw_text(f, "warning");  // a check this version does not know: the bundle's own sentence
  }
  return rt(L_("{} 開始の実行（{}）：{}", "Run started {} ({}): {}"), jst_of(tw_text(facts, "started_at")),
            tw_text(facts, "run_id"), what);
}

}  // namespace dnswitness::pdf
