#include "ledger/checkpoint.h"

#include <array>
#include <charconv>

#include "crypto/encoding.h"
#include "ledger/merkle.h"
#include "model/decimal.h"

namespace dnswitness {
namespace {

constexpr std::string_view kTlogProofHeader = "c2sp.org/tlog-proof@v1";

std::nullopt_t fail(std::string* why_not, std::string reason) {
  if (why_not != nullptr) *why_not = std::move(reason);
  return std::nullopt;
}

std::optional<std::uint64_t> parse_decimal(std::string_view s) { return parse_canonical_decimal(s); }

// Canonical padded base64 of exactly 32 bytes. The re-encoding check rejects the variants a lenient
// decoder maps to the same bytes (non-zero padding bits), so one hash has one spelling.
std::optional<Hash> parse_hash(std::string_view s) {
  const auto bytes = base64_decode(s);
  if (!bytes || bytes->size() != sizeof(Hash) || base64_encode(*bytes) != s) return std::nullopt;
  Hash h{};
  std::copy(bytes->begin(), bytes->end(), h.begin());
  return h;
}

// Splits off the next '\n'-terminated line; nullopt if there is no terminating newline.
std::optional<std::string_view> take_line(std::string_view& rest) {
  const auto eol = rest.find('\n');
  if (eol == std::string_view::npos) return std::nullopt;
  const auto line = rest.substr(0, eol);
  rest.remove_prefix(eol + 1);
  return line;
}

bool has_control_char(std::string_view s) {
  for (const char c : s)
    if (static_cast<unsigned char>(c) < 0x20) return true;
  return false;
}

}  // namespace

std::string Checkpoint::to_text() const {
  if (origin.empty() || has_control_char(origin))
    throw NoteError("A checkpoint origin must be a non-empty single line; the configured origin is not.");
  return origin + "\n" + std::to_string(size) + "\n" + base64_encode(root) + "\n";
}

std::optional<Checkpoint> Checkpoint::parse(std::string_view text, std::string* why_not) {
  // c2sp.org/tlog-checkpoint: origin line, decimal tree size, base64 root hash.
  std::string_view rest = text;
  const auto origin = take_line(rest);
  const auto size = take_line(rest);
  const auto root = take_line(rest);
  if (!origin || !size || !root) return fail(why_not, "a checkpoint needs three newline-terminated lines");
  if (!rest.empty()) return fail(why_not, "the checkpoint has lines after the root hash");
  if (origin->empty() || has_control_char(*origin)) return fail(why_not, "the checkpoint origin is empty or invalid");
  Checkpoint cp;
  const auto n = parse_decimal(*size);
  if (!n) return fail(why_not, "the checkpoint tree size is not a canonical decimal number");
  const auto h = parse_hash(*root);
  if (!h) return fail(why_not, "the checkpoint root is not the canonical base64 of a 32-byte hash");
  cp.origin = std::string(*origin);
  cp.size = *n;
  cp.root = *h;
  return cp;
}

std::string sign_checkpoint(const Checkpoint& checkpoint, const Ed25519PrivateKey& key) {
  // c2sp.org/tlog-checkpoint: the log's key name is its origin, so a witness can match the two.
  return sign_note(checkpoint.to_text(), checkpoint.origin, key);
}

std::optional<Checkpoint> open_signed_checkpoint(std::string_view note, const NoteVerifier& verifier,
                                                 std::string* why_not) {
  const auto opened = verify_note(note, std::span<const NoteVerifier>(&verifier, 1));
  switch (opened.status) {
    case NoteStatus::ok:
      break;
    case NoteStatus::malformed:
      return fail(why_not, "the signed checkpoint is not a well-formed signed note");
    case NoteStatus::bad_signature:
      return fail(why_not, "the checkpoint's signature by '" + verifier.name + "' does not verify");
    case NoteStatus::no_known_signature:
    case NoteStatus::ambiguous_verifier:
      return fail(why_not, "the checkpoint carries no signature by '" + verifier.name + "'");
  }
  auto cp = Checkpoint::parse(opened.text, why_not);
  if (!cp) return std::nullopt;
  if (cp->origin != verifier.name)
    return fail(why_not, "the checkpoint's origin '" + cp->origin + "' is not the signing key's name '" +
                             verifier.name + "'");
  return cp;
}

std::string TlogProof::to_text() const {
  std::string out;
  // A report makes one per leaf: sized once.
  out.reserve(std::string_view(kTlogProofHeader).size() + 32 + (extra ? 8 + 4 * extra->size() / 3 : 0) +
              inclusion.size() * 45 + 1 + signed_checkpoint.size());
  out += kTlogProofHeader;
  out += '\n';
  if (extra) {
    out += "extra ";
    base64_append(out, *extra);
    out += '\n';
  }
  out += "index ";
  out += std::to_string(index);
  out += '\n';
  for (const Hash& h : inclusion) {
    base64_append(out, h);
    out += '\n';
  }
  out += '\n';
  out += signed_checkpoint;
  return out;
}

std::optional<TlogProof> TlogProof::parse(std::string_view text, std::string* why_not) {
  std::string_view rest = text;
  TlogProof proof;
  const auto header = take_line(rest);
  if (!header || *header != kTlogProofHeader) return fail(why_not, "the proof does not start with c2sp.org/tlog-proof@v1");
  auto line = take_line(rest);
  if (line && line->starts_with("extra ")) {
    auto extra = base64_decode(line->substr(6));
    if (!extra || extra->empty() || base64_encode(*extra) != line->substr(6))
      return fail(why_not, "the proof's extra data is not canonical base64");
    proof.extra = std::move(*extra);
    line = take_line(rest);
  }
  if (!line || !line->starts_with("index ")) return fail(why_not, "the proof has no index line");
  const auto index = parse_decimal(line->substr(6));
  if (!index) return fail(why_not, "the proof's index is not a canonical decimal number");
  proof.index = *index;
  while (true) {
    line = take_line(rest);
    if (!line) return fail(why_not, "the proof has no blank line before its checkpoint");
    if (line->empty()) break;
    const auto h = parse_hash(*line);
    if (!h) return fail(why_not, "a proof hash is not the canonical base64 of 32 bytes");
    // A proof for a 2^64-leaf tree has at most 64 hashes; more is garbage, not a proof.
    if (proof.inclusion.size() == 64) return fail(why_not, "the proof has more than 64 hashes");
    proof.inclusion.push_back(*h);
  }
  if (rest.empty() || rest.back() != '\n') return fail(why_not, "the proof's checkpoint is missing or truncated");
  proof.signed_checkpoint = std::string(rest);
  return proof;
}

std::optional<Checkpoint> verify_tlog_proof(const TlogProof& proof, ByteView entry, const NoteVerifier& verifier,
                                            std::string* why_not) {
  auto cp = open_signed_checkpoint(proof.signed_checkpoint, verifier, why_not);
  if (!cp) return std::nullopt;
  // RFC 9162 §2.1.3.2 against the signed root.
  if (!verify_inclusion(leaf_hash(entry), proof.index, cp->size, proof.inclusion, cp->root))
    return fail(why_not, "the inclusion proof for index " + std::to_string(proof.index) +
                             " does not lead to the checkpoint's root");
  return cp;
}

}  // namespace dnswitness
