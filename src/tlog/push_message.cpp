#include "tlog/push_message.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "crypto/encoding.h"
#include "model/bytes.h"
#include "model/errors.h"
#include "model/printable.h"
#include "tlog/tiles.h"

namespace dnswitness {

std::string collector_base_url(const std::string& text, std::string_view option) {
  std::string url = text;
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (!url.starts_with("http://") && !url.starts_with("https://"))
    throw UsageError(fmt::format("{}{}'{}' is not a collector's URL; give it as http://HOST:PORT or https://HOST.",
                                 option, option.empty() ? "" : " ", printable(text)));
  return url;
}

std::string push_body(const PushRequest& request) {
  nlohmann::json proof = nlohmann::json::array();
  for (const auto& h : request.proof) proof.push_back(base64_encode(ByteView(h.data(), h.size())));
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& e : request.entries) entries.push_back(base64_encode(as_bytes(e)));
  const nlohmann::json j = {{"format", kPushFormat},
                            {"old", request.old_size},
                            {"proof", std::move(proof)},
                            {"checkpoint", request.checkpoint},
                            {"entries", std::move(entries)}};
  return j.dump();
}

std::optional<PushRequest> parse_push(std::string_view body, std::string& why) {
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || j.value("format", "") != kPushFormat) {
    why = fmt::format("the body is not a {} JSON object", kPushFormat);
    return std::nullopt;
  }
  PushRequest r;
  const auto old = j.find("old");
  const auto proof = j.find("proof");
  const auto checkpoint = j.find("checkpoint");
  const auto entries = j.find("entries");
  if (old == j.end() || !old->is_number_unsigned() || proof == j.end() || !proof->is_array() ||
      checkpoint == j.end() || !checkpoint->is_string() || entries == j.end() || !entries->is_array()) {
    why = "the body lacks old (a number), proof (a list), checkpoint (a note) or entries (a list)";
    return std::nullopt;
  }
  r.old_size = old->get<std::uint64_t>();
  r.checkpoint = checkpoint->get<std::string>();
  if (proof->size() > kMaxPushProofHashes || entries->size() > kMaxPushEntries) {
    why = fmt::format("a push holds at most {} proof hashes and {} entries", kMaxPushProofHashes, kMaxPushEntries);
    return std::nullopt;
  }
  for (const auto& p : *proof) {
    const auto b = p.is_string() ? base64_decode(p.get<std::string>()) : std::nullopt;
    if (!b || b->size() != 32) {
      why = "a proof hash is not 32 bytes in base64";
      return std::nullopt;
    }
    Hash h{};
    std::copy(b->begin(), b->end(), h.begin());
    r.proof.push_back(h);
  }
  for (const auto& e : *entries) {
    const auto b = e.is_string() ? base64_decode(e.get<std::string>()) : std::nullopt;
    if (!b || b->size() > kMaxEntryBytes) {
      why = fmt::format("entry {} is not base64 of at most {} bytes", r.entries.size(), kMaxEntryBytes);
      return std::nullopt;
    }
    r.entries.emplace_back(b->begin(), b->end());
  }
  return r;
}

}  // namespace dnswitness
