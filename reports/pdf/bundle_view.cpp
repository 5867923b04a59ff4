#include "reports/pdf/bundle_view.h"

#include <fmt/format.h>

#include <fstream>
#include <optional>

#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "reports/bundle.h"
#include "reports/multi_log_bundle.h"
#include "reports/resolver_facts.h"
#include "reports/run_facts.h"

namespace dnswitness::pdf {

using nlohmann::json;

std::string text_or(const json& j, const char* key, const std::string& fallback) {
  if (!j.is_object()) return fallback;
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

const json& at(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  const auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

std::vector<BundleView> read_report_views(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("cannot read {}", path.string()));
  // Hashes the bytes as they are read; the parser then reads the same bytes from memory.
  std::string text, sha256_hex;
  {
    Sha256 hasher;
    char block[1 << 16];
    while (in.read(block, sizeof block) || in.gcount() > 0) {
      const auto n = static_cast<std::size_t>(in.gcount());
      hasher.update(ByteView(reinterpret_cast<const std::uint8_t*>(block), n));
      text.append(block, n);
    }
    if (in.bad()) throw std::runtime_error(fmt::format("cannot read {}", path.string()));
    sha256_hex = hex_encode(hasher.finish());
  }
  std::string problem;
  // The leaves of the bundle being parsed; a bundle's object ends after its leaves, and the
  // leaves read so far become its view (one bundle in a single-log report, one per log in a
  // multi-log one, in order).
  std::vector<BundleView> views;
  BundleView current;
  std::optional<ResolverFactsBuilder> resolvers(std::in_place);
  // Each leaf object is reduced as soon as it is parsed, so the document never holds the leaves.
  const json::parser_callback_t keep = [&](int, json::parse_event_t event, json& parsed) {
    if (event != json::parse_event_t::object_end || !parsed.is_object()) return true;
    if (text_or(parsed, "format") == kReportFormat && parsed.contains("leaves")) {
      current.resolvers = resolvers->result();
      views.push_back(std::move(current));
      current = BundleView{};
      resolvers.emplace();
      return true;
    }
    if (!parsed.contains("leaf_hash") || !parsed.contains("data_base64")) return true;
    try {
      const auto index = parsed.at("index").get<std::uint64_t>();
      const auto data = base64_decode(parsed.at("data_base64").get<std::string>());
      if (!data) throw std::invalid_argument("data_base64 is not base64");
      const std::string leaf(reinterpret_cast<const char*>(data->data()), data->size());
      const json j = json::parse(leaf);
      auto row = observation_row_of_json(index, j);
      if (row) {
        ObservationFacts f;
        f.row = std::move(*row);
        f.transport = text_or(j, "transport");
        if (j.contains("resolver")) {
          f.resolver_protocol = text_or(j["resolver"], "protocol");
          const std::string a = text_or(j["resolver"], "address");
          const auto port = j["resolver"].value("port", 0);
          f.resolver_address = a.find(':') != std::string::npos ? fmt::format("[{}]:{}", a, port)
                                                                : fmt::format("{}:{}", a, port);
        }
        current.observations.push_back(std::move(f));
        resolvers->add(index, j);
      } else {
        current.run_records[index] = j;
      }
    } catch (const std::exception& e) {
      if (problem.empty()) problem = e.what();
    }
    return false;
  };
  json doc = json::parse(text, keep, false);
  if (doc.is_discarded() || !doc.is_object()) throw std::runtime_error(fmt::format("{} is not JSON", path.string()));
  const std::string format = text_or(doc, "format");
  if (format == kReportFormat) {
    // The root was the bundle: its view was taken when its object ended, before `doc` was returned.
    if (views.empty()) throw std::runtime_error(fmt::format("{} is not a {} bundle", path.string(), kReportFormat));
    BundleView v = std::move(views.back());
    views.clear();
    v.doc = std::move(doc);
    views.push_back(std::move(v));
  } else if (format == kReportFormatV3) {
    const json& logs = at(doc, "logs");
    if (!logs.is_array() || logs.size() != views.size())
      throw std::runtime_error(fmt::format("the logs of {} cannot be read", path.string()));
    for (std::size_t i = 0; i < views.size(); ++i) {
      views[i].source = text_or(logs[i], "source");
      views[i].vantage = at(logs[i], "vantage");
      views[i].doc = std::move(doc["logs"][i]["bundle"]);
    }
  } else {
    throw std::runtime_error(
        fmt::format("{} is not a {} or {} bundle", path.string(), kReportFormat, kReportFormatV3));
  }
  if (!problem.empty()) throw std::runtime_error(fmt::format("a leaf of {} cannot be read ({})", path.string(), problem));
  for (auto& v : views) {
    v.sha256_hex = sha256_hex;
    v.file_bytes = text.size();
    // The facts with the time cross-checks, which read the tree heads' tokens as well as the leaves.
    v.run_facts = run_facts_of_bundle(v.run_records, at(v.doc, "checkpoints"));
  }
  return views;
}

BundleView read_bundle_view(const std::filesystem::path& path) {
  auto views = read_report_views(path);
  if (views.size() != 1 || !views.front().source.empty())
    throw std::runtime_error(fmt::format("{} is a report of several logs, not a {} bundle", path.string(),
                                         kReportFormat));
  return std::move(views.front());
}

json combined_summary_doc(const std::vector<BundleView>& views) {
  json doc = views.at(0).doc;
  json& obs = doc["observations"];
  json logins = json::array();
  for (const auto& v : views) {
    const json& o = at(v.doc, "observations");
    const std::string first = text_or(o, "first"), last = text_or(o, "last");
    if (!first.empty() && (text_or(obs, "first").empty() || first < text_or(obs, "first"))) obs["first"] = first;
    if (!last.empty() && last > text_or(obs, "last")) obs["last"] = last;
    for (const auto& l : at(at(v.doc, "tables"), "logins")) logins.push_back(l);
  }
  doc["tables"]["logins"] = std::move(logins);
  return doc;
}

}  // namespace dnswitness::pdf
