#include "tlog/push_client.h"

#include <fmt/format.h>

#include <charconv>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "ledger/queries.h"
#include "model/errors.h"
#include "model/printable.h"
#include "model/safe_file.h"
#include "timeutil/timestamp.h"
#include "tlog/push_message.h"
#include "tsa/http_post.h"

namespace dnswitness {
namespace {

// Entries and bytes a push carries at most; a run larger than this cannot be pushed (none is:
// a run of the largest preset is a few hundred leaves).
constexpr std::size_t kMaxBodyToSend = kMaxPushBody / 2;
constexpr int kMaxResyncs = 3;

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string answer_text(const HttpReply& r) {
  return printable(trimmed(std::string(r.body.begin(), r.body.begin() + static_cast<std::ptrdiff_t>(
                                                                             std::min<std::size_t>(r.body.size(), 300)))));
}

void write_state(const std::filesystem::path& dir, const std::string& url, const PushState& s) {
  auto all = read_push_states(dir);
  all[url] = s;
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [u, st] : all)
    j[u] = {{"collector_size", st.collector_size}, {"ledger_size", st.ledger_size},
            {"last_attempt_at", st.last_attempt_at}, {"last_success_at", st.last_success_at},
            {"ok", st.ok}, {"problem", st.problem}};
  try {
    SafeFile f(dir / kPushStateFile, SafeFileOptions::shared());
    f.write(j.dump(2) + "\n");
    f.commit();
  } catch (const std::exception&) {
    // The state is for `status` only; the next push writes it again.
  }
}

struct Posted {
  HttpReply reply;
  std::size_t body_bytes = 0;
};

Posted post_push(const std::string& url, const PushRequest& req, long timeout_ms) {
  HttpPost post;
  post.url = url + "/push";
  post.content_type = "application/json";
  const std::string body = push_body(req);
  post.body.assign(body.begin(), body.end());
  return {post_all({post}, timeout_ms).front(), body.size()};
}

}  // namespace

std::map<std::string, PushState> read_push_states(const std::filesystem::path& ledger_dir) {
  std::map<std::string, PushState> out;
  std::ifstream in(ledger_dir / kPushStateFile);
  if (!in) return out;
  std::stringstream text;
  text << in.rdbuf();
  const auto j = nlohmann::json::parse(text.str(), nullptr, false);
  if (!j.is_object()) return out;
  for (const auto& [url, v] : j.items()) {
    if (!v.is_object()) continue;
    PushState s;
    s.collector_size = v.value("collector_size", std::uint64_t{0});
    s.ledger_size = v.value("ledger_size", std::uint64_t{0});
    s.last_attempt_at = v.value("last_attempt_at", "");
    s.last_success_at = v.value("last_success_at", "");
    s.ok = v.value("ok", false);
    s.problem = v.value("problem", "");
    out[url] = s;
  }
  return out;
}

PushOutcome push_ledger(LedgerStore& store, const std::string& url_in, long timeout_ms,
                        const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  const std::string url = collector_base_url(url_in);
  const std::filesystem::path dir = store.paths().dir;
  PushState state = read_push_states(dir)[url];
  state.last_attempt_at = format_rfc3339_s(utc_now());
  LedgerReader reader(store);
  const CheckpointRow newest = reader.newest();
  PushOutcome out;
  out.ledger_size = state.ledger_size = newest.size;
  out.from = out.to = state.collector_size;
  std::uint64_t held = state.collector_size;
  const auto finish = [&](PushOutcome::Kind kind, std::string problem) {
    out.kind = kind;
    out.problem = std::move(problem);
    out.to = state.collector_size = held;
    state.ok = kind == PushOutcome::Kind::pushed;
    state.problem = out.problem;
    if (state.ok) state.last_success_at = state.last_attempt_at;
    write_state(dir, url, state);
    return out;
  };
  // An answer that is not 200 or 409: what it means for the probe.
  const auto stop_on = [&](const HttpReply& r) {
    out.http_status = r.status;
    if (!r.transport_ok)
      return finish(PushOutcome::Kind::failed, fmt::format("The collector {} did not answer ({}); the backlog is "
                                                           "pushed next time.",
                                                           url, printable(r.error)));
    if (r.status == 403 || r.status == 422)
      return finish(PushOutcome::Kind::refused,
                    fmt::format("The collector {} refused the push (HTTP {}: {}).", url, r.status, answer_text(r)));
    return finish(PushOutcome::Kind::failed, fmt::format("The collector {} answered HTTP {} ({}); the backlog is "
                                                         "pushed next time.",
                                                         url, r.status, answer_text(r)));
  };

  int resyncs = 0;
  while (true) {
    // The run heads the collector lacks, oldest first.
    std::vector<std::uint64_t> heads;
    {
      Stmt s(store.db(), "SELECT size FROM checkpoints WHERE size > ?1 ORDER BY size");
      s.bind(1, static_cast<std::int64_t>(held));
      while (s.step("reading the tree heads to push")) heads.push_back(static_cast<std::uint64_t>(s.i64(0)));
    }
    std::uint64_t done = 0;
    bool resync = false;
    for (const std::uint64_t size : heads) {
      const auto head = reader.checkpoint(size);
      if (!head) throw LedgerError(LedgerError::Kind::integrity, fmt::format("tree head {} vanished", size));
      PushRequest req;
      req.old_size = held;
      req.checkpoint = head->note;
      if (size - held > kMaxPushEntries)
        return finish(PushOutcome::Kind::failed,
                      fmt::format("The run ending at size {} has {} leaves, more than one push carries ({}).", size,
                                  size - held, kMaxPushEntries));
      std::size_t bytes = 0;
      for (std::uint64_t i = held; i < size; ++i) {
        req.entries.push_back(reader.leaf(i));
        bytes += req.entries.back().size();
      }
      if (bytes * 4 / 3 > kMaxBodyToSend)
        return finish(PushOutcome::Kind::failed,
                      fmt::format("The run ending at size {} holds {} bytes, more than one push carries.", size, bytes));
      if (held > 0) req.proof = reader.consistency_proof(held, size);
      const Posted p = post_push(url, req, timeout_ms);
      ++out.requests;
      if (p.reply.transport_ok && p.reply.status == 200) {
        held = size;
        ++out.run_heads_pushed;
        if (progress) progress(++done, heads.size());
        continue;
      }
      if (p.reply.transport_ok && p.reply.status == 409) {
        std::uint64_t said = 0;
        const std::string text = trimmed(std::string(p.reply.body.begin(), p.reply.body.end()));
        const auto parsed = std::from_chars(text.data(), text.data() + text.size(), said);
        if (parsed.ec != std::errc() || parsed.ptr != text.data() + text.size() || ++resyncs > kMaxResyncs)
          return stop_on(p.reply);
        if (out.run_heads_pushed == 0) out.from = said;
        held = said;
        resync = true;
        break;
      }
      return stop_on(p.reply);
    }
    if (resync && held < newest.size) continue;
    break;
  }
  // Level (or the collector holds more): offer the newest tree head, which the collector checks
  // against what it holds at that size.
  if (out.run_heads_pushed == 0 || held > newest.size) {
    PushRequest req;
    req.old_size = held;
    req.checkpoint = newest.note;
    const Posted p = post_push(url, req, timeout_ms);
    ++out.requests;
    if (!p.reply.transport_ok || p.reply.status != 200) return stop_on(p.reply);
    if (held > newest.size)
      return finish(PushOutcome::Kind::refused,
                    fmt::format("The collector {} holds {} leaves of this log, more than this ledger's {}: this "
                                "ledger was rolled back or replaced. Restore it from its backup.",
                                url, held, newest.size));
    held = newest.size;
  }
  return finish(PushOutcome::Kind::pushed, "");
}

}  // namespace dnswitness
