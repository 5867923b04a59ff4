#include "witness/add_checkpoint.h"

#include <fmt/format.h>

#include <charconv>
#include <optional>
#include <vector>

#include "crypto/encoding.h"
#include "ledger/signed_note.h"
#include "model/decimal.h"
#include "tlog/cosignature.h"

namespace dnswitness {
namespace {

WitnessResponse answer(int status, std::string body) {
  WitnessResponse r;
  r.status = status;
  r.body = std::move(body);
  if (!r.body.empty() && r.body.back() != '\n') r.body += '\n';
  return r;
}

// A decimal size as the spec writes it: digits only, no leading zero, fits 64 bits.
std::optional<std::uint64_t> decimal(std::string_view s) { return parse_canonical_decimal(s); }

std::optional<Hash> hash_line(std::string_view line) {
  const auto bytes = base64_decode(line);
  if (!bytes || bytes->size() != Hash{}.size()) return std::nullopt;
  Hash h;
  std::copy(bytes->begin(), bytes->end(), h.begin());
  return h;
}

struct Request {
  std::uint64_t old_size = 0;
  std::vector<Hash> proof;
  std::string note;
};

// Splits the body; nullopt with `why` when it is not of the spec's form.
std::optional<Request> parse_request(std::string_view body, std::string& why) {
  Request r;
  const auto next_line = [&](std::string_view& line) {
    const auto nl = body.find('\n');
    if (nl == std::string_view::npos) return false;
    line = body.substr(0, nl);
    body.remove_prefix(nl + 1);
    return true;
  };
  std::string_view line;
  if (!next_line(line) || line.substr(0, 4) != "old ") {
    why = "the body must start with a line \"old <size>\"";
    return std::nullopt;
  }
  const auto old_size = decimal(line.substr(4));
  if (!old_size) {
    why = "the old size is not a decimal number";
    return std::nullopt;
  }
  r.old_size = *old_size;
  while (true) {
    if (!next_line(line)) {
      why = "the proof must end with an empty line before the checkpoint";
      return std::nullopt;
    }
    if (line.empty()) break;
    if (r.proof.size() == kMaxProofLines) {
      why = fmt::format("more than {} proof lines", kMaxProofLines);
      return std::nullopt;
    }
    const auto h = hash_line(line);
    if (!h) {
      why = fmt::format("proof line {} is not a base64 SHA-256 hash", r.proof.size() + 1);
      return std::nullopt;
    }
    r.proof.push_back(*h);
  }
  r.note = std::string(body);
  return r;
}

// The first three lines of a checkpoint's text (origin, size, root); extension lines may follow.
struct CheckpointHead {
  std::string origin;
  std::uint64_t size = 0;
  Hash root{};
};

std::optional<CheckpointHead> checkpoint_head(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty() && lines.size() < 3) {
    const auto nl = text.find('\n');
    if (nl == std::string_view::npos) return std::nullopt;
    lines.push_back(text.substr(0, nl));
    text.remove_prefix(nl + 1);
  }
  if (lines.size() < 3 || lines[0].empty()) return std::nullopt;
  const auto size = decimal(lines[1]);
  const auto root = hash_line(lines[2]);
  if (!size || !root) return std::nullopt;
  return CheckpointHead{std::string(lines[0]), *size, *root};
}

}  // namespace

WitnessResponse add_checkpoint(WitnessState& state, std::string_view body, std::uint64_t now_seconds) {
  if (body.size() > kMaxAddCheckpointBody)
    return answer(400, fmt::format("the body is larger than {} bytes", kMaxAddCheckpointBody));
  std::string why;
  const auto req = parse_request(body, why);
  if (!req) return answer(400, why);
  const auto parts = split_note(req->note);
  if (!parts) return answer(400, "the checkpoint is not a signed note");
  const auto head = checkpoint_head(parts->text);
  if (!head) return answer(400, "the checkpoint's text is not origin, size and root");
  if (req->old_size > head->size) return answer(400, "old is larger than the checkpoint's size");

  return state.in_transaction([&]() -> WitnessResponse {
    const auto known = state.log(head->origin);
    if (!known) return answer(404, fmt::format("this witness does not follow the log {}", head->origin));
    const NoteVerifier verifier = parse_verifier_key(known->verifier_key);
    const OpenedNote opened = verify_note(req->note, std::span<const NoteVerifier>(&verifier, 1));
    if (opened.status == NoteStatus::malformed) return answer(400, "the checkpoint is not a well-formed note");
    if (!opened) return answer(403, fmt::format("the checkpoint is not signed by the key of {}", head->origin));
    if (req->old_size != known->size) {
      WitnessResponse r = answer(409, std::to_string(known->size));
      r.content_type = "text/x.tlog.size";
      return r;
    }
    if (req->old_size == 0 && !req->proof.empty()) return answer(422, "a proof from size 0 must be empty");
    if (known->size > 0 && head->size == known->size) {
      if (head->root != known->root || !req->proof.empty())
        return answer(422, fmt::format("the checkpoint has the size this witness holds, {}, but another root",
                                       known->size));
    } else if (known->size > 0 &&
               !verify_consistency(known->size, head->size, known->root, head->root, req->proof)) {
      return answer(422, fmt::format("the consistency proof from size {} to {} does not verify", known->size,
                                     head->size));
    }
    const std::string line = cosign_checkpoint(parts->text, state.name(), state.key(), now_seconds);
    WitnessResponse ok = answer(200, line);
    // The note as received: the log's own signature lines, then this witness's.
    state.store(head->origin, head->size, head->root, req->note + line);
    ok.commit = true;
    return ok;
  });
}

}  // namespace dnswitness
