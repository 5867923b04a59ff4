#include "ledger/signed_note.h"

#include <algorithm>
#include <optional>

#include "crypto/encoding.h"
#include "crypto/sha256.h"

namespace dnswitness {
namespace {

// U+2014 EM DASH and a space open every signature line.
constexpr std::string_view kSigPrefix = "\xE2\x80\x94 ";

// Strict UTF-8 (RFC 3629): rejects overlong forms, surrogates and code points above U+10FFFF.
// Returns the code point at s[i] and advances i, or nullopt.
std::optional<char32_t> next_code_point(std::string_view s, std::size_t& i) {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(s[k]); };
  const std::uint8_t b0 = byte(i);
  std::size_t len = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1FU;
    min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0FU;
    min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07U;
    min = 0x10000;
  } else {
    return std::nullopt;
  }
  if (s.size() - i < len) return std::nullopt;
  for (std::size_t k = 1; k < len; ++k) {
    const std::uint8_t b = byte(i + k);
    if ((b & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  i += len;
  return cp;
}

// Unicode White_Space (what Go's unicode.IsSpace and the spec's "Unicode spaces" mean).
bool is_unicode_space(char32_t c) {
  return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

// c2sp.org/signed-note "Format": valid UTF-8 and no ASCII control character other than newline.
bool is_clean_text(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto cp = next_code_point(s, i);
    if (!cp || (*cp < 0x20 && *cp != '\n')) return false;
  }
  return true;
}

std::string hex8(std::uint32_t id) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(8, '0');
  for (int k = 7; k >= 0; --k, id >>= 4) out[static_cast<std::size_t>(k)] = digits[id & 0xF];
  return out;
}

std::optional<std::uint32_t> parse_hex8(std::string_view s) {
  if (s.size() != 8) return std::nullopt;
  const auto bytes = hex_decode(s);
  if (!bytes) return std::nullopt;
  std::uint32_t id = 0;
  for (const auto b : *bytes) id = (id << 8) | b;
  return id;
}

std::uint32_t be32(ByteView b) {
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
}

void require_key_name(std::string_view name) {
  if (!is_valid_key_name(name))
    throw NoteError("The key name '" + std::string(name) +
                    "' cannot sign notes: it must be non-empty UTF-8 without spaces, '+' or control characters.");
}

}  // namespace

bool is_valid_key_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size();) {
    const auto cp = next_code_point(name, i);
    if (!cp || *cp < 0x20 || *cp == 0x7F || *cp == '+' || is_unicode_space(*cp)) return false;
  }
  return true;
}

std::uint32_t note_key_id(std::string_view key_name, const Ed25519PublicKey& key) {
  // c2sp.org/signed-note "Signatures": key ID = SHA-256(name || 0x0A || type || public key)[:4].
  Sha256 h;
  const Hash digest =
      h.update(as_bytes(key_name)).update(std::uint8_t{0x0A}).update(kNoteSigTypeEd25519).update(key.raw()).finish();
  return be32(digest);
}

NoteVerifier make_note_verifier(std::string_view key_name, const Ed25519PublicKey& key) {
  require_key_name(key_name);
  return NoteVerifier{std::string(key_name), note_key_id(key_name, key), key};
}

std::string format_verifier_key(std::string_view key_name, const Ed25519PublicKey& key) {
  require_key_name(key_name);
  Bytes typed;
  typed.reserve(1 + key.raw().size());
  typed.push_back(kNoteSigTypeEd25519);
  typed.insert(typed.end(), key.raw().begin(), key.raw().end());
  return std::string(key_name) + "+" + hex8(note_key_id(key_name, key)) + "+" + base64_encode(typed);
}

NoteVerifier parse_verifier_key(std::string_view vkey) {
  // Key names cannot contain '+', so the first two '+' delimit the fields.
  const auto p1 = vkey.find('+');
  const auto p2 = p1 == std::string_view::npos ? p1 : vkey.find('+', p1 + 1);
  if (p2 == std::string_view::npos)
    throw NoteError("A verifier key must read <name>+<8 hex digits>+<base64 key>; check the configured key string.");
  const auto name = vkey.substr(0, p1);
  const auto id = parse_hex8(vkey.substr(p1 + 1, p2 - p1 - 1));
  const auto typed = base64_decode(vkey.substr(p2 + 1));
  if (!is_valid_key_name(name) || !id || !typed)
    throw NoteError("A verifier key must read <name>+<8 hex digits>+<base64 key>; check the configured key string.");
  if (typed->size() != 33 || (*typed)[0] != kNoteSigTypeEd25519)
    throw NoteError("The verifier key for '" + std::string(name) +
                    "' is not an Ed25519 key (type 0x01, 32 bytes); check the configured key string.");
  const auto key = Ed25519PublicKey::from_raw(ByteView(*typed).subspan(1));
  if (note_key_id(name, key) != *id)
    throw NoteError("The verifier key for '" + std::string(name) +
                    "' has a key ID that does not match its key; the key string was altered or mistyped.");
  return NoteVerifier{std::string(name), *id, key};
}

std::string sign_note(std::string_view text, std::string_view key_name, const Ed25519PrivateKey& key) {
  require_key_name(key_name);
  if (text.empty() || text.back() != '\n')
    throw NoteError("A signed note's text must end in a newline; the text to sign does not.");
  if (!is_clean_text(text))
    throw NoteError("A signed note's text must be UTF-8 without control characters other than newline; the text to sign is not.");
  const Ed25519Signature sig = key.sign(as_bytes(text));
  const std::uint32_t id = note_key_id(key_name, key.public_key());
  Bytes blob{static_cast<std::uint8_t>(id >> 24), static_cast<std::uint8_t>(id >> 16),
             static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id)};
  blob.insert(blob.end(), sig.begin(), sig.end());

  std::string note;
  note.reserve(text.size() + 1 + kSigPrefix.size() + key_name.size() + 1 + 96 + 1);
  note.append(text).append("\n").append(kSigPrefix).append(key_name).append(" ").append(base64_encode(blob)).append("\n");
  return note;
}

std::optional<NoteParts> split_note(std::string_view note) {
  if (!is_clean_text(note)) return std::nullopt;
  const auto split = note.rfind("\n\n");
  if (split == std::string_view::npos) return std::nullopt;
  NoteParts parts;
  parts.text = std::string(note.substr(0, split + 1));
  std::string_view sigs = note.substr(split + 2);
  if (sigs.empty() || sigs.back() != '\n') return std::nullopt;
  while (!sigs.empty()) {
    const auto eol = sigs.find('\n');
    std::string_view line = sigs.substr(0, eol);
    sigs.remove_prefix(eol + 1);
    if (parts.lines.size() == kMaxNoteSignatures || !line.starts_with(kSigPrefix)) return std::nullopt;
    line.remove_prefix(kSigPrefix.size());
    const auto space = line.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    const auto name = line.substr(0, space);
    auto blob = base64_decode(line.substr(space + 1));
    if (!is_valid_key_name(name) || !blob || blob->size() < 5) return std::nullopt;
    const std::uint32_t id = be32(*blob);
    blob->erase(blob->begin(), blob->begin() + 4);
    parts.lines.push_back(NoteSignatureLine{std::string(name), id, std::move(*blob)});
  }
  return parts;
}

std::optional<std::string> note_signed_by(std::string_view note, std::string_view key_name) {
  if (!split_note(note)) return std::nullopt;
  const auto split = note.rfind("\n\n");
  std::string out(note.substr(0, split + 2));
  const std::size_t text_size = out.size();
  std::string_view sigs = note.substr(split + 2);
  const std::string prefix = std::string(kSigPrefix) + std::string(key_name) + " ";
  while (!sigs.empty()) {
    const auto eol = sigs.find('\n');
    const std::string_view line = sigs.substr(0, eol + 1);
    sigs.remove_prefix(eol + 1);
    if (line.starts_with(prefix)) out += line;
  }
  if (out.size() == text_size) return std::nullopt;
  return out;
}

OpenedNote verify_note(std::string_view note, std::span<const NoteVerifier> verifiers) {
  OpenedNote out;
  const auto reject = [&out](NoteStatus status) {
    out.status = status;
    out.text.clear();
    return out;
  };
  if (!is_clean_text(note)) return reject(NoteStatus::malformed);
  // The text is separated from the signatures by the last blank line (the text may contain blank
  // lines; signature lines never are blank).
  const auto split = note.rfind("\n\n");
  if (split == std::string_view::npos) return reject(NoteStatus::malformed);
  const std::string_view text = note.substr(0, split + 1);  // includes its final '\n'
  std::string_view sigs = note.substr(split + 2);
  if (sigs.empty() || sigs.back() != '\n') return reject(NoteStatus::malformed);

  std::size_t count = 0;
  bool known_failed = false;
  bool ambiguous = false;
  while (!sigs.empty()) {
    const auto eol = sigs.find('\n');  // exists: sigs ends in '\n'
    std::string_view line = sigs.substr(0, eol);
    sigs.remove_prefix(eol + 1);
    if (++count > kMaxNoteSignatures) return reject(NoteStatus::malformed);
    if (!line.starts_with(kSigPrefix)) return reject(NoteStatus::malformed);
    line.remove_prefix(kSigPrefix.size());
    const auto space = line.find(' ');
    if (space == std::string_view::npos) return reject(NoteStatus::malformed);
    const auto name = line.substr(0, space);
    const auto blob = base64_decode(line.substr(space + 1));  // strict: a second space fails here
    if (!is_valid_key_name(name) || !blob || blob->size() < 5) return reject(NoteStatus::malformed);
    const NoteSignatureId sid{std::string(name), be32(*blob)};
    const ByteView sig = ByteView(*blob).subspan(4);

    const NoteVerifier* match = nullptr;
    for (const auto& v : verifiers) {
      if (v.name != sid.name || v.key_id != sid.key_id) continue;
      if (match != nullptr && !(match->key == v.key)) ambiguous = true;
      match = &v;
    }
    if (match == nullptr) {
      // Unknown (name, ID): ignored by the spec, even if the name or the ID alone is known.
      if (std::find(out.ignored.begin(), out.ignored.end(), sid) == out.ignored.end()) out.ignored.push_back(sid);
      continue;
    }
    if (ambiguous) continue;
    // A known key's signature must verify (c2sp.org/signed-note): every line is checked, so a
    // duplicate line carrying a bad signature is not skipped.
    if (!match->key.verify(as_bytes(text), sig)) {
      known_failed = true;
      continue;
    }
    if (std::find(out.verified.begin(), out.verified.end(), sid) == out.verified.end()) out.verified.push_back(sid);
  }
  if (ambiguous) return reject(NoteStatus::ambiguous_verifier);
  if (known_failed) return reject(NoteStatus::bad_signature);
  if (out.verified.empty()) return reject(NoteStatus::no_known_signature);
  out.status = NoteStatus::ok;
  out.text = std::string(text);
  return out;
}

}  // namespace dnswitness
