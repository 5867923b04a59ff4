#pragma once
// C2SP signed notes (c2sp.org/signed-note) with Ed25519 signatures (signature type 0x01).
//
// Role: the envelope of every tree head the ledger signs, in the format witnesses and mirrors of the
// transparency-log ecosystem understand (golang.org/x/mod/sumdb/note is the reference).
//
//   <text, one or more lines each ending in \n>
//   <blank line>
//   — <key name> <base64(4-byte big-endian key ID || 64-byte signature)>\n   (one per signature)
//
// Ownership: plain values; verifiers are borrowed for the duration of a call.
// Thread-safety: all functions are thread-safe (const inputs only).
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/ed25519.h"
#include "model/bytes.h"

namespace dnswitness {

// A note or key name that cannot be signed or parsed as given (a programming or configuration
// error, not a verification failure).
class NoteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The signature type byte for Ed25519 in key IDs and verifier keys (c2sp.org/signed-note).
inline constexpr std::uint8_t kNoteSigTypeEd25519 = 0x01;
// Verifiers must accept at least 16 signatures; beyond this many a note is rejected as malformed so
// a hostile note cannot make us verify forever (same limit as the Go reference).
inline constexpr std::size_t kMaxNoteSignatures = 100;

// Non-empty, valid UTF-8, no Unicode white space, no '+', no control character.
bool is_valid_key_name(std::string_view name);

// First 4 bytes, big-endian, of SHA-256(key name || 0x0A || 0x01 || 32-byte public key).
std::uint32_t note_key_id(std::string_view key_name, const Ed25519PublicKey& key);

// A trusted key: the name and ID a signature line must carry, and the key that must verify it.
struct NoteVerifier {
  std::string name;
  std::uint32_t key_id = 0;
  Ed25519PublicKey key;
};

NoteVerifier make_note_verifier(std::string_view key_name, const Ed25519PublicKey& key);  // throws NoteError
// "<name>+<hex8 key ID>+<base64(0x01 || public key)>", the form operators copy into configs.
std::string format_verifier_key(std::string_view key_name, const Ed25519PublicKey& key);  // throws NoteError
// Parses the form above; throws NoteError on a bad name, a key ID that does not match the key, a
// signature type other than Ed25519 or a key that is not 32 bytes.
NoteVerifier parse_verifier_key(std::string_view vkey);

// Signs `text` (which must end in '\n', be valid UTF-8 and contain no control character other than
// '\n') with `key` under `key_name`, and returns the whole note. Throws NoteError on a bad text or
// key name.
std::string sign_note(std::string_view text, std::string_view key_name, const Ed25519PrivateKey& key);

enum class NoteStatus {
  ok,                  // at least one known key verified, no known key failed
  malformed,           // not a note (encoding, layout, signature line syntax, too many signatures)
  bad_signature,       // a signature line of a known (name, ID) failed to verify
  no_known_signature,  // well-formed, but no signature from any known key
  ambiguous_verifier,  // two different trusted keys share a (name, ID) used by a signature line
};

struct NoteSignatureId {
  std::string name;
  std::uint32_t key_id = 0;
  bool operator==(const NoteSignatureId&) const = default;
};

struct OpenedNote {
  NoteStatus status = NoteStatus::malformed;
  std::string text;                       // the signed text; only filled when status == ok
  std::vector<NoteSignatureId> verified;  // known keys that verified, each once, in note order
  std::vector<NoteSignatureId> ignored;   // signatures from unknown (name, ID) pairs
  explicit operator bool() const noexcept { return status == NoteStatus::ok; }
};

// A note taken apart before any signature is checked, for readers of other signature types
// (tlog/cosignature.h): the signed text (with its final '\n') and each signature line's key name,
// key ID and the rest of its decoded blob. nullopt when `note` is not a well-formed note by the rules
// verify_note applies (encoding, layout, line syntax, at most kMaxNoteSignatures lines).
struct NoteSignatureLine {
  std::string name;
  std::uint32_t key_id = 0;
  Bytes rest;  // the blob after the 4-byte key ID
};
struct NoteParts {
  std::string text;
  std::vector<NoteSignatureLine> lines;
};
std::optional<NoteParts> split_note(std::string_view note);

// The note with only the signature lines of `key_name`, byte for byte (a cosigned checkpoint
// without its witnesses' lines: the log's own note as it signed it). nullopt when `note` is not a
// well-formed note (split_note) or has no line of that name.
std::optional<std::string> note_signed_by(std::string_view note, std::string_view key_name);

// Verifies a note against trusted keys (c2sp.org/signed-note "Signatures"): unknown (name, ID) pairs
// are ignored, every line from a known key must verify, and at least one must. Never throws on
// malformed input.
OpenedNote verify_note(std::string_view note, std::span<const NoteVerifier> verifiers);

}  // namespace dnswitness
