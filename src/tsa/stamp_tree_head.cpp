#include "tsa/stamp_tree_head.h"

#include <fmt/format.h>

#include "ledger/checkpoint.h"
#include "tsa/http_post.h"
#include "tsa/rfc3161.h"

namespace dnswitness {

Hash tree_head_imprint(const std::string& origin, std::uint64_t size, const Hash& root) {
  return sha256(as_bytes(Checkpoint{origin, size, root}.to_text()));
}

std::vector<StampResult> stamp_tree_head(LedgerStore& store, std::uint64_t size, const Hash& root,
                                         const std::vector<TsaTarget>& targets, long timeout_ms) {
  if (targets.empty()) return {};
  const Hash imprint = tree_head_imprint(store.origin(), size, root);
  std::vector<TsaRequest> requests;
  std::vector<HttpPost> posts;
  for (const auto& t : targets) {
    requests.push_back(make_tsa_request(imprint));
    posts.push_back(HttpPost{t.url, requests.back().der, t.user, t.password, t.cert, t.key, t.https_ca});
  }
  const std::string requested_at = format_rfc3339_ns(utc_now());
  const std::vector<HttpReply> replies = post_all(posts, timeout_ms);

  std::vector<StampResult> out;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const HttpReply& r = replies[i];
    StampResult s;
    s.row.size = size;
    s.row.tsa_url = targets[i].url;
    s.row.accredited = targets[i].accredited;
    s.row.requested_at = requested_at;
    if (!r.transport_ok) {
      s.row.status = "unreachable";
      s.row.error = r.error;
    } else if (r.status != 200) {
      s.row.status = "http_error";
      s.row.error = fmt::format("HTTP {}{}", r.status, r.content_type.empty() ? "" : " (" + r.content_type + ")");
      s.row.response = r.body;
    } else {
      s.row.response = r.body;
      const TokenCheck c = check_tsa_response(r.body, requests[i], targets[i].trust);
      s.row.status = c.status;
      s.row.error = c.error;
      if (c.status == "malformed" && r.content_type != "application/timestamp-reply")
        s.row.error += fmt::format(" (content type '{}')", r.content_type);
      if (c.status == "granted") {
        s.row.gen_time = c.gen_time;
        s.row.chain_pem = c.chain_pem;
        s.signer = c.signer;
      }
    }
    out.push_back(std::move(s));
  }
  std::vector<TimestampRow> rows;
  for (const auto& s : out) rows.push_back(s.row);
  insert_timestamps(store.db(), rows);
  for (std::size_t i = 0; i < rows.size(); ++i) out[i].row.id = rows[i].id;
  return out;
}

}  // namespace dnswitness
