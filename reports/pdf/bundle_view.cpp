#include "reports/pdf/bundle_view.h"

#include <fmt/format.h>

#include <fstream>

#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "reports/bundle.h"
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

BundleView read_bundle_view(const std::filesystem::path& path) {
  BundleView v;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("cannot read {}", path.string()));
  // Hashes the bytes as they are read; the parser then reads the same bytes from memory.
  std::string text;
  {
    Sha256 hasher;
    char block[1 << 16];
    while (in.read(block, sizeof block) || in.gcount() > 0) {
      const auto n = static_cast<std::size_t>(in.gcount());
      hasher.update(ByteView(reinterpret_cast<const std::uint8_t*>(block), n));
      text.append(block, n);
    }
    if (in.bad()) throw std::runtime_error(fmt::format("cannot read {}", path.string()));
    v.sha256_hex = hex_encode(hasher.finish());
    v.file_bytes = text.size();
  }
  std::string problem;
  ResolverFactsBuilder resolvers;
  // Each leaf object is reduced as soon as it is parsed, so the document never holds the leaves.
  const json::parser_callback_t keep = [&](int, json::parse_event_t event, json& parsed) {
    if (event != json::parse_event_t::object_end || !parsed.is_object() || !parsed.contains("leaf_hash") ||
        !parsed.contains("data_base64"))
      return true;
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
        v.observations.push_back(std::move(f));
        resolvers.add(index, j);
      } else {
        v.run_records[index] = j;
      }
    } catch (const std::exception& e) {
      if (problem.empty()) problem = e.what();
    }
    return false;
  };
  v.doc = json::parse(text, keep, false);
  if (v.doc.is_discarded() || !v.doc.is_object())
    throw std::runtime_error(fmt::format("{} is not JSON", path.string()));
  if (text_or(v.doc, "format") != kReportFormat)
    throw std::runtime_error(fmt::format("{} is not a {} bundle", path.string(), kReportFormat));
  v.resolvers = resolvers.result();
  // The facts with the time cross-checks, which read the tree heads' tokens as well as the leaves.
  v.run_facts = run_facts_of_bundle(v.run_records, at(v.doc, "checkpoints"));
  if (!problem.empty()) throw std::runtime_error(fmt::format("a leaf of {} cannot be read ({})", path.string(), problem));
  return v;
}

}  // namespace dnswitness::pdf
