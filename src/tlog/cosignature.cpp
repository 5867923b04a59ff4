#include "tlog/cosignature.h"

#include <fmt/format.h>

#include <algorithm>

#include "crypto/encoding.h"
#include "crypto/sha256.h"

namespace dnswitness {
namespace {

std::string cosig_hex8(std::uint32_t id) { return fmt::format("{:08x}", id); }

void require_cosigner_name(std::string_view name) {
  if (!is_valid_key_name(name))
    throw NoteError(fmt::format("The witness name '{}' is not a valid key name: it must be non-empty UTF-8 without "
                                "spaces, '+' or control characters.",
                                name));
}

void put_be(Bytes& out, std::uint64_t v, int bytes) {
  for (int k = bytes - 1; k >= 0; --k) out.push_back(static_cast<std::uint8_t>(v >> (8 * k)));
}

}  // namespace

std::uint32_t cosignature_key_id(std::string_view name, const Ed25519PublicKey& key) {
  Sha256 h;
  const Hash d =
      h.update(as_bytes(name)).update(std::uint8_t{0x0A}).update(kNoteSigTypeCosignatureV1).update(key.raw()).finish();
  return (std::uint32_t{d[0]} << 24) | (std::uint32_t{d[1]} << 16) | (std::uint32_t{d[2]} << 8) | d[3];
}

CosignatureVerifier make_cosignature_verifier(std::string_view name, const Ed25519PublicKey& key) {
  require_cosigner_name(name);
  return CosignatureVerifier{std::string(name), cosignature_key_id(name, key), key};
}

std::string format_cosignature_verifier_key(std::string_view name, const Ed25519PublicKey& key) {
  require_cosigner_name(name);
  Bytes typed{kNoteSigTypeCosignatureV1};
  typed.insert(typed.end(), key.raw().begin(), key.raw().end());
  return fmt::format("{}+{}+{}", name, cosig_hex8(cosignature_key_id(name, key)), base64_encode(typed));
}

CosignatureVerifier parse_cosignature_verifier_key(std::string_view vkey) {
  const auto p1 = vkey.find('+');
  const auto p2 = p1 == std::string_view::npos ? p1 : vkey.find('+', p1 + 1);
  const auto bad = [] {
    return NoteError("A witness verifier key must read <name>+<8 hex digits>+<base64 key>; check the key string.");
  };
  if (p2 == std::string_view::npos) throw bad();
  const auto name = vkey.substr(0, p1);
  const auto id = hex_decode(vkey.substr(p1 + 1, p2 - p1 - 1));
  const auto typed = base64_decode(vkey.substr(p2 + 1));
  if (!is_valid_key_name(name) || !id || id->size() != 4 || !typed) throw bad();
  if (typed->size() != 33 || (*typed)[0] != kNoteSigTypeCosignatureV1)
    throw NoteError(fmt::format("The witness key for '{}' is not a cosignature/v1 key (type 0x04, 32 bytes); check "
                                "the key string.",
                                name));
  const auto key = Ed25519PublicKey::from_raw(ByteView(*typed).subspan(1));
  const std::uint32_t want = (std::uint32_t{(*id)[0]} << 24) | (std::uint32_t{(*id)[1]} << 16) |
                             (std::uint32_t{(*id)[2]} << 8) | (*id)[3];
  if (cosignature_key_id(name, key) != want)
    throw NoteError(fmt::format("The witness key for '{}' has a key ID that does not match its key; the key string "
                                "was altered or mistyped.",
                                name));
  return CosignatureVerifier{std::string(name), want, key};
}

std::string cosignature_message(std::string_view checkpoint_text, std::uint64_t timestamp) {
  return fmt::format("cosignature/v1\ntime {}\n{}", timestamp, checkpoint_text);
}

std::string cosign_checkpoint(std::string_view checkpoint_text, std::string_view name, const Ed25519PrivateKey& key,
                              std::uint64_t timestamp) {
  require_cosigner_name(name);
  if (checkpoint_text.empty() || checkpoint_text.back() != '\n')
    throw NoteError("A checkpoint to cosign must end in a newline; this one does not.");
  const auto sig = key.sign(as_bytes(cosignature_message(checkpoint_text, timestamp)));
  Bytes blob;
  put_be(blob, cosignature_key_id(name, key.public_key()), 4);
  put_be(blob, timestamp, 8);
  blob.insert(blob.end(), sig.begin(), sig.end());
  return fmt::format("\xE2\x80\x94 {} {}\n", name, base64_encode(blob));
}

CosignatureCheck verify_cosignatures(std::string_view note, std::span<const CosignatureVerifier> witnesses) {
  CosignatureCheck out;
  const auto parts = split_note(note);
  if (!parts) {
    out.problem = "The note is not a well-formed signed note.";
    return out;
  }
  for (const auto& line : parts->lines) {
    const auto match = std::find_if(witnesses.begin(), witnesses.end(), [&](const CosignatureVerifier& w) {
      return w.name == line.name && w.key_id == line.key_id;
    });
    if (match == witnesses.end()) {
      const NoteSignatureId sid{line.name, line.key_id};
      if (std::find(out.ignored.begin(), out.ignored.end(), sid) == out.ignored.end()) out.ignored.push_back(sid);
      continue;
    }
    // A known key ID is type 0x04 by construction (the type is hashed into it), so a line of another
    // length is a broken cosignature, not another kind of signature.
    if (line.rest.size() != kCosignatureBlobBytes - 4) {
      out.status = CosignatureStatus::malformed;
      out.problem = fmt::format("The cosignature by {} is not {} bytes long.", line.name, kCosignatureBlobBytes);
      out.verified.clear();
      return out;
    }
    std::uint64_t ts = 0;
    for (int k = 0; k < 8; ++k) ts = (ts << 8) | line.rest[static_cast<std::size_t>(k)];
    if (!match->key.verify(as_bytes(cosignature_message(parts->text, ts)), ByteView(line.rest).subspan(8))) {
      out.status = CosignatureStatus::bad_signature;
      out.problem = fmt::format("The cosignature by {} does not verify over this checkpoint.", line.name);
      out.verified.clear();
      return out;
    }
    out.verified.push_back(VerifiedCosignature{line.name, line.key_id, ts});
  }
  out.status = CosignatureStatus::ok;
  out.text = parts->text;
  return out;
}

}  // namespace dnswitness
