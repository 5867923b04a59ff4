#include "reports/evidence_description.h"

#include <fmt/format.h>

#include <set>

#include "model/printable.h"
#include "reports/docx_package.h"
#include "reports/pdf/bundle_view.h"
#include "reports/pdf/wording.h"

namespace dnswitness {

using nlohmann::json;
using pdf::Lang;
using pdf::rt;

EvidenceDescription evidence_description(const json& b, const DescribedFiles& files, bool english, bool reiwa) {
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
  // The logins a carrier can be asked about: a usable source and a list resting on observations
  // before the login (not withheld, not 'after only').
  std::vector<std::string> usable_times;
  std::size_t logins = 0;
  std::set<std::string> listed;
  if (b.contains("tables") && b["tables"].contains("logins"))
    for (const auto& l : b["tables"]["logins"]) {
      ++logins;
      const json& cl = l.value("carrier_list", json::object());
      const bool usable = l.value("usable_for_carrier_request", false) && cl.value("status", "") == "listed" &&
                          cl.contains("addresses") && cl["addresses"].is_array() && !cl["addresses"].empty();
      if (!usable) continue;
      usable_times.push_back(pdf::jst_of(pdf::text_or(l, "time")));
      for (const auto& a : cl["addresses"]) listed.insert(pdf::text_or(a, "address"));
    }

  d.fields.emplace_back(L("号証", "Exhibit"), L("甲第　　号証", "Exhibit No. __"));
  d.fields.emplace_back(L("標目", "Title"), case_name.empty()
                                                ? std::string(L("DNS名前解決観測記録報告書", "DNS resolution observation report"))
                                                : fmt::format("{}（{}）", L("DNS名前解決観測記録報告書",
                                                                           "DNS resolution observation report"),
                                                              case_name));
  d.fields.emplace_back(L("原本・写しの別", "Original or copy"), L("原本（電磁的記録）", "Original (electronic record)"));
  std::string made = pdf::date_of(pdf::text_or(b, "created_at"), L);
  if (!first.empty())
    made += rt(L("（ただし観測は{}から{}まで（日本時間）に行ったもの）", " (the observations were made from {} to {} JST)"),
               pdf::jst_of(first), pdf::jst_of(last));
  d.fields.emplace_back(L("作成年月日", "Date made"), made);
  d.fields.emplace_back(L("作成者", "Made by"), op.empty() ? std::string(L("（観測を行い本書を作成した者の氏名を記入してください）",
                                                                          "(fill in the name of the person who made the "
                                                                          "observations and this report)"))
                                                           : op);
  std::string purpose;
  if (!usable_times.empty()) {
    std::string times;
    for (std::size_t i = 0; i < usable_times.size(); ++i) times += (i ? L("、", "; ") : "") + usable_times[i];
    purpose = rt(L("X（旧Twitter）が開示したログインのうち、接続元IPアドレスを携帯電話会社等への照会に使えるもの（{}件：{}）"
                   "について、その時刻の前後に{}の名前解決を継続的に観測した結果、ログインの接続先IPアドレスは本書の各一覧に"
                   "記載したアドレス（計{}件）のいずれかであったと推認されること、及びその観測記録が観測の都度、作成者の電子署名"
                   "付きの記録に追記され、その後改変されていないこと。",
                   "That for the logins X disclosed whose source IP can be used in a request to a carrier ({}: {}), the "
                   "continuous observation of how {} resolved around those times shows that each login's destination "
                   "IP address is inferred to have been one of the addresses in this report's list for it ({} in "
                   "all), and that these observations were appended to a log signed by the operator as they were "
                   "made and have not been changed since."),
                 usable_times.size(), times, domain_list, listed.size());
  } else if (logins > 0) {
    purpose = rt(L("X（旧Twitter）が開示したログイン（{}件）の前後における{}の名前解決の結果が本書記載のとおりであったこと"
                   "（いずれのログインも接続元IPアドレスが照会に使えないか、候補がないため、接続先の一覧はありません）、"
                   "及びその観測記録が観測の都度、作成者の電子署名付きの記録に追記され、その後改変されていないこと。",
                   "That around the logins X disclosed ({}), the domains {} resolved as set out in this report (no "
                   "login has a usable source IP with candidates, so no list of destinations is given), and that "
                   "these observations were appended to a log signed by the operator as they were made and have not "
                   "been changed since."),
                 logins, domain_list);
  } else {
    purpose = rt(L("{}の名前解決の結果（IPアドレス）が本書記載の期間において本書記載のとおりであったこと、及びその観測記録が観測の都度、作成者の電子署名付きの記録に追記され、その後改変されていないこと。",
                            "That the domains {} resolved to the IP addresses set out in this report during the period "
                            "it covers, and that these observations were appended to a log signed by the operator as "
                            "they were made and have not been changed since."),
                          domain_list);
  }
  d.fields.emplace_back(L("立証趣旨", "Purpose of proof"), purpose);
  std::string remarks = rt(L("ファイル名：{}\nSHA-256：{}", "File: {}\nSHA-256: {}"), files.exhibit_name,
                           files.exhibit_sha256_hex);
  if (!files.technical_name.empty())
    remarks += rt(L("\n附属の技術資料：{}\nSHA-256：{}", "\nTechnical material: {}\nSHA-256: {}"), files.technical_name,
                  files.technical_sha256_hex);
  remarks += L("\n根拠データ：report.json（dnswitness verify で検証可能）",
               "\nEvidence file: report.json (checked with dnswitness verify)");
  d.fields.emplace_back(L("備考", "Remarks"), remarks);
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

namespace {

// A paragraph per line of `text`, in Mincho (the face Japanese court papers use) at `half_points`.
std::string docx_paragraphs(const std::string& text, int half_points, bool bold = false) {
  std::string out;
  std::size_t begin = 0;
  while (true) {
    const std::size_t end = text.find('\n', begin);
    const std::string line = text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
    out += fmt::format(
        "<w:p><w:r><w:rPr><w:rFonts w:ascii=\"MS Mincho\" w:hAnsi=\"MS Mincho\" w:eastAsia=\"MS Mincho\"/>{}"
        "<w:sz w:val=\"{}\"/></w:rPr><w:t xml:space=\"preserve\">{}</w:t></w:r></w:p>",
        bold ? "<w:b/>" : "", half_points, xml_escaped(line));
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  return out;
}

}  // namespace

std::string evidence_description_docx(const EvidenceDescription& d, bool english, std::time_t mtime) {
  const Lang L{english};
  // Column widths in twentieths of a point over the 257 mm of a landscape A4 line (14570 twips):
  // the purpose of proof gets the most room.
  static constexpr int kWidths[] = {1100, 2000, 1300, 2000, 1400, 4500, 2270};
  std::string body = docx_paragraphs(L("証拠説明書（案）", "Evidence description (draft)"), 28, true);
  body += "<w:tbl><w:tblPr><w:tblW w:w=\"14570\" w:type=\"dxa\"/><w:tblBorders>";
  for (const char* side : {"top", "left", "bottom", "right", "insideH", "insideV"})
    body += fmt::format("<w:{} w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>", side);
  body += "</w:tblBorders><w:tblLayout w:type=\"fixed\"/></w:tblPr><w:tblGrid>";
  const std::size_t n = d.fields.size();
  const auto width = [&](std::size_t i) { return n == std::size(kWidths) ? kWidths[i] : static_cast<int>(14570 / n); };
  for (std::size_t i = 0; i < n; ++i) body += fmt::format("<w:gridCol w:w=\"{}\"/>", width(i));
  body += "</w:tblGrid>";
  for (const bool header : {true, false}) {
    body += header ? "<w:tr><w:trPr><w:tblHeader/></w:trPr>" : "<w:tr>";
    for (std::size_t i = 0; i < n; ++i) {
      // Control characters in the case name or file names are shown as escapes, as in the .txt.
      const std::string text = header ? d.fields[i].first : printable(d.fields[i].second, true);
      body += fmt::format("<w:tc><w:tcPr><w:tcW w:w=\"{}\" w:type=\"dxa\"/></w:tcPr>{}</w:tc>", width(i),
                          docx_paragraphs(text, header ? 20 : 18, header));
    }
    body += "</w:tr>";
  }
  body += "</w:tbl>";
  body += docx_paragraphs(L("※ dnswitness が報告書の記録から作成した下書きです。提出前に内容を確認し、必要に応じて修正してください。",
                            "Note: a draft made by dnswitness from the report's records. Check and edit it before "
                            "filing."),
                          18);
  const char* landscape =
      "<w:sectPr><w:pgSz w:w=\"16838\" w:h=\"11906\" w:orient=\"landscape\"/>"
      "<w:pgMar w:top=\"1134\" w:right=\"1134\" w:bottom=\"1134\" w:left=\"1134\" w:header=\"0\" "
      "w:footer=\"0\" w:gutter=\"0\"/></w:sectPr>";
  return docx_package(body, landscape, mtime);
}

}  // namespace dnswitness
