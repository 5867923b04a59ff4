#include "tlog/witness_client.h"

#include <fmt/format.h>

#include <charconv>

#include "crypto/encoding.h"
#include "ledger/signed_note.h"
#include "model/errors.h"
#include "model/printable.h"
#include "tsa/http_post.h"

namespace dnswitness {

WitnessEndpoint parse_witness_option(std::string_view text) {
  const auto bad = [&](const std::string& why) {
    return UsageError(fmt::format("--witness '{}' {}; write it as NAME=URL+VKEY, such as w.example.jp/1="
                                  "https://w.example.jp+w.example.jp/1+1a2b3c4d+BXXX...",
                                  printable(text), why));
  };
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) throw bad("names no witness before '='");
  const std::string name(text.substr(0, eq));
  const std::string_view rest = text.substr(eq + 1);
  // VKEY starts with NAME: the URL is what comes before "+NAME+".
  const auto at = rest.rfind("+" + name + "+");
  if (at == std::string_view::npos || at == 0) throw bad("has no URL followed by the witness's key");
  std::string url(rest.substr(0, at));
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) throw bad("has a URL that is not http(s)");
  const std::string vkey(rest.substr(at + 1));
  CosignatureVerifier verifier = [&] {
    try {
      return parse_cosignature_verifier_key(vkey);
    } catch (const NoteError& e) {
      throw bad(fmt::format("has a key that is not a witness's cosignature key ({})", e.what()));
    }
  }();
  if (verifier.name != name) throw bad("has a key of another name");
  return WitnessEndpoint{name, url, vkey, std::move(verifier)};
}

namespace {

// Signature lines are about 150 bytes; a witness with a few keys answers well under this.
constexpr std::size_t kMaxWitnessAnswerBytes = 8192;

std::string request_body(std::uint64_t old_size, const std::vector<Hash>& proof, const std::string& note) {
  std::string body = fmt::format("old {}\n", old_size);
  for (const auto& h : proof) body += base64_encode(ByteView(h.data(), h.size())) + "\n";
  return body + "\n" + note;
}

std::string text_of(const Bytes& b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

}  // namespace

std::optional<PickedCosignature> pick_cosignature_line(const std::string& note, std::string_view answer,
                                                      const CosignatureVerifier& witness) {
  const std::string prefix = "\u2014 " + witness.name + " ";
  while (!answer.empty()) {
    const auto eol = answer.find('\n');
    if (eol == std::string_view::npos) break;  // a last line without its newline is not a line
    const std::string line(answer.substr(0, eol + 1));
    answer.remove_prefix(eol + 1);
    if (!line.starts_with(prefix)) continue;
    const CosignatureCheck check = verify_cosignatures(note + line, std::span<const CosignatureVerifier>(&witness, 1));
    if (!check || check.verified.size() != 1 || check.verified.front().timestamp == 0) continue;
    return PickedCosignature{line, check.verified.front().timestamp};
  }
  return std::nullopt;
}

CosignOutcome request_cosignature(const WitnessEndpoint& witness, const std::string& note, std::uint64_t size,
                                  std::uint64_t old_size, const ProofFrom& proof_from, long timeout_ms) {
  CosignOutcome out;
  const auto parts = split_note(note);
  if (!parts) {
    out.problem = "the checkpoint is not a signed note";
    return out;
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    out.old_size = old_size;
    HttpPost post;
    post.url = witness.url + "/add-checkpoint";
    post.content_type = "text/plain; charset=utf-8";
    std::vector<Hash> proof;
    try {
      if (old_size > 0 && old_size < size) proof = proof_from(old_size);
    } catch (const std::exception& e) {
      out.problem = fmt::format("the consistency proof from size {} could not be made ({})", old_size, e.what());
      return out;
    }
    const std::string body = request_body(old_size, proof, note);
    post.body.assign(body.begin(), body.end());
    const HttpReply reply = post_all({post}, timeout_ms).front();
    if (!reply.transport_ok) {
      out.kind = CosignOutcome::Kind::failed;
      out.problem = fmt::format("the witness {} at {} did not answer ({})", witness.name, witness.url, reply.error);
      return out;
    }
    out.http_status = reply.status;
    const std::string answer = text_of(reply.body);
    if (reply.status == 409 && attempt == 0) {
      std::uint64_t held = 0;
      const std::string_view digits = std::string_view(answer).substr(0, answer.find('\n'));
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), held);
      const bool read = ec == std::errc() && end == digits.data() + digits.size();
      if (read && held <= size) {
        old_size = held;
        continue;
      }
      if (read) {
        out.kind = CosignOutcome::Kind::refused;
        out.witness_size = held;
        out.problem = fmt::format("the witness {} holds a tree of size {}, larger than this tree head ({})",
                                  witness.name, held, size);
        return out;
      }
    }
    if (reply.status != 200) {
      out.kind = reply.status >= 500 ? CosignOutcome::Kind::failed : CosignOutcome::Kind::refused;
      const std::string said = printable(answer.substr(0, answer.find('\n')).substr(0, 200));
      out.problem = fmt::format("the witness {} answered {}{}", witness.name, reply.status,
                                said.empty() ? std::string() : ": " + said);
      return out;
    }
    // The answer is one or more signature lines (tlog-witness allows several, of several types).
    // Exactly one line is kept: the first that is this witness's (name and key ID) and verifies over
    // exactly this checkpoint, with a time. Anything else in the answer is dropped, so what is
    // stored and published is always one well-formed line the log's readers can check.
    if (answer.size() > kMaxWitnessAnswerBytes) {
      out.kind = CosignOutcome::Kind::failed;
      out.problem = fmt::format("the witness {} answered 200 with {} bytes, more than {} for signature lines",
                                witness.name, answer.size(), kMaxWitnessAnswerBytes);
      return out;
    }
    if (auto picked = pick_cosignature_line(note, answer, witness.verifier)) {
      out.kind = CosignOutcome::Kind::cosigned;
      out.line = std::move(picked->line);
      out.timestamp = picked->timestamp;
      return out;
    }
    out.kind = CosignOutcome::Kind::failed;
    out.problem = fmt::format("the witness {} answered 200 without a cosignature that verifies with its key",
                              witness.name);
    return out;
  }
  out.kind = CosignOutcome::Kind::refused;
  out.problem = fmt::format("the witness {} answered 409 twice", witness.name);
  return out;
}

}  // namespace dnswitness
