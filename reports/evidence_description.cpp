#include "reports/evidence_description.h"

#include <fmt/format.h>

#include <set>

#include "model/printable.h"
#include "reports/pdf/bundle_view.h"
#include "reports/pdf/wording.h"

namespace dnswitness {

using nlohmann::json;
using pdf::Lang;
using pdf::rt;

EvidenceDescription evidence_description(const json& b, const std::string& pdf_name, bool english, bool reiwa) {
  const Lang L{english, reiwa};
  EvidenceDescription d;
  const std::string case_name = pdf::text_or(b, "case");
  const std::string op = pdf::text_or(b, "operator");
  const json& obs = b.value("observations", json::object());
  const std::string first = pdf::text_or(obs, "first"), last = pdf::text_or(obs, "last");
  std::vector<std::string> domains;
  if (b.contains("selection") && b["selection"].contains("domains") && b["selection"]["domains"].is_array())
    for (const auto& x : b["selection"]["domains"])
      if (x.is_string()) domains.push_back(x.get<std::string>());
  std::string domain_list;
  for (std::size_t i = 0; i < domains.size(); ++i) domain_list += (i ? (english ? ", " : "、") : "") + domains[i];
  std::size_t logins = 0, candidates = 0;
  std::string login_first, login_last;
  std::set<std::string> all_addresses;
  if (b.contains("tables") && b["tables"].contains("logins"))
    for (const auto& l : b["tables"]["logins"]) {
      ++logins;
      const std::string t = pdf::text_or(l, "time");
      if (login_first.empty()) login_first = t;
      login_last = t;
      if (l.contains("union") && l["union"].contains("addresses"))
        for (const auto& a : l["union"]["addresses"]) all_addresses.insert(pdf::text_or(a, "address"));
    }
  candidates = all_addresses.size();

  d.fields.emplace_back(L("号証", "Exhibit"), L("甲第　　号証", "Exhibit No. __"));
  d.fields.emplace_back(L("標目", "Title"), case_name.empty()
                                                ? std::string(L("DNS名前解決観測記録報告書", "DNS resolution observation report"))
                                                : fmt::format("{}（{}）", L("DNS名前解決観測記録報告書",
                                                                           "DNS resolution observation report"),
                                                              case_name));
  d.fields.emplace_back(L("原本・写しの別", "Original or copy"),
                        L("原本（電子データとして作成された報告書。ファイル名 ", "Original (a report made as an electronic file, ") +
                            pdf_name + L("）", ")"));
  std::string made = pdf::date_of(pdf::text_or(b, "created_at"), L);
  if (!first.empty())
    made += rt(L("（観測期間：{} から {} まで。本書の作成日とは別）", " (observations made from {} to {}; not the report's date)"),
                        pdf::jst_of(first), pdf::jst_of(last));
  d.fields.emplace_back(L("作成年月日", "Date made"), made);
  d.fields.emplace_back(L("作成者", "Made by"), op.empty() ? std::string(L("（作成者を記入してください）", "(fill in who made it)")) : op);
  std::string purpose;
  if (logins > 0) {
    const std::string period = logins == 1 ? pdf::jst_of(login_first)
                                           : rt(L("{} から {} まで", "{} to {}"), pdf::jst_of(login_first),
                                                         pdf::jst_of(login_last));
    purpose = rt(
        L("X（旧Twitter）が開示したログイン日時（{}件、{}）の前後において、{}の名前解決の結果（接続先IPアドレス）が本書記載のとおりであったこと（接続先IPアドレスの候補 計{}件）、"
          "及びその観測記録が観測の都度、作成者の電子署名付きの記録に追記され、その後改変されていないこと。",
          "That around the login times X disclosed ({} time(s), {}), the domains {} resolved to the destination IP "
          "addresses set out in this report ({} candidate address(es) in all), and that these observations were "
          "appended to a log signed by the operator as they were made and have not been changed since."),
        logins, period, domain_list, candidates);
  } else {
    purpose = rt(L("{}の名前解決の結果（IPアドレス）が本書記載の期間において本書記載のとおりであったこと、及びその観測記録が観測の都度、作成者の電子署名付きの記録に追記され、その後改変されていないこと。",
                            "That the domains {} resolved to the IP addresses set out in this report during the period "
                            "it covers, and that these observations were appended to a log signed by the operator as "
                            "they were made and have not been changed since."),
                          domain_list);
  }
  d.fields.emplace_back(L("立証趣旨", "Purpose of proof"), purpose);
  return d;
}

std::string evidence_description_text(const EvidenceDescription& d, bool english) {
  const Lang L{english};
  std::string out = L("証拠説明書（案）\n\n", "Evidence description (draft)\n\n");
  // The values quote the case name and the report's file names: a control character in them is
  // shown as an escape, never written into the text a lawyer pastes into a filing.
  for (const auto& [label, value] : d.fields)
    out += fmt::format("{}{}{}\n\n", label, L("：", ": "), printable(value, true));
  out += L("※ dnswitness が報告書の記録から作成した下書きです。提出前に内容を確認し、必要に応じて修正してください。\n",
           "Note: a draft made by dnswitness from the report's records. Check and edit it before filing.\n");
  return out;
}

}  // namespace dnswitness
