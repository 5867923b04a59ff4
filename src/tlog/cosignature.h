#pragma once
// Witness cosignatures on checkpoints (c2sp.org/tlog-cosignature, "cosignature/v1", signature type
// 0x04): the signature line a witness adds to a log's checkpoint to say "as of this time, this is the
// largest tree I have seen for this origin, consistent with every earlier one".
//
//   — <witness name> base64(4-byte key ID || 8-byte big-endian POSIX seconds || 64-byte Ed25519 sig)
//
// The signed message is "cosignature/v1\ntime <seconds>\n" followed by the whole checkpoint text
// (with its final newline); the key ID is SHA-256(name || 0x0A || 0x04 || public key)[:4].
//
// Role: parse witness verifier keys, check the cosignature lines of a note, and make them (tests, and
// the witness side of issue 18). The log's own signature is checked elsewhere (ledger/checkpoint.h);
// a note may carry both, and lines of other types or unknown keys are ignored here, as the spec says.
// Which witnesses, and how many, a reader requires is policy, left to the caller.
// Ownership: plain values. Thread-safety: all functions are thread-safe.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/ed25519.h"
#include "ledger/signed_note.h"

namespace dnswitness {

inline constexpr std::uint8_t kNoteSigTypeCosignatureV1 = 0x04;
inline constexpr std::size_t kCosignatureBlobBytes = 4 + 8 + 64;

struct CosignatureVerifier {
  std::string name;
  std::uint32_t key_id = 0;
  Ed25519PublicKey key;
};

// First 4 bytes, big-endian, of SHA-256(name || 0x0A || 0x04 || 32-byte public key).
std::uint32_t cosignature_key_id(std::string_view name, const Ed25519PublicKey& key);
CosignatureVerifier make_cosignature_verifier(std::string_view name, const Ed25519PublicKey& key);  // throws NoteError
// "<name>+<hex8 key ID>+<base64(0x04 || public key)>".
std::string format_cosignature_verifier_key(std::string_view name, const Ed25519PublicKey& key);
// Parses the form above; throws NoteError (one sentence) on a bad name, another signature type, a
// key that is not 32 bytes, or a key ID that does not match the key.
CosignatureVerifier parse_cosignature_verifier_key(std::string_view vkey);

// The exact bytes a witness signs for `checkpoint_text` at `timestamp`.
std::string cosignature_message(std::string_view checkpoint_text, std::uint64_t timestamp);
// One signature line ("— name base64\n") cosigning `checkpoint_text` at `timestamp`; append it to the
// note. Throws NoteError on a bad name or a text that does not end in a newline.
std::string cosign_checkpoint(std::string_view checkpoint_text, std::string_view name, const Ed25519PrivateKey& key,
                              std::uint64_t timestamp);

enum class CosignatureStatus {
  ok,             // every line from a known witness verified (possibly none were present)
  malformed,      // not a signed note, or a known witness's line is not a 76-byte cosignature
  bad_signature,  // a known witness's cosignature does not verify
};

struct VerifiedCosignature {
  std::string name;
  std::uint32_t key_id = 0;
  std::uint64_t timestamp = 0;  // POSIX seconds, as the witness signed it
};

struct CosignatureCheck {
  CosignatureStatus status = CosignatureStatus::malformed;
  std::string text;                          // the note's signed text (the checkpoint); set when ok
  std::vector<VerifiedCosignature> verified;  // known witnesses that cosigned, in note order
  std::vector<NoteSignatureId> ignored;       // lines of unknown (name, key ID): other types, other witnesses
  std::string problem;                        // one sentence when status != ok
  explicit operator bool() const noexcept { return status == CosignatureStatus::ok; }
};

// Checks the cosignature lines of `note` from the known `witnesses`. Unknown (name, key ID) pairs are
// ignored; a known witness whose line fails makes the whole note fail (c2sp.org/signed-note). Never
// throws on malformed input. It does not check the log's own signature.
CosignatureCheck verify_cosignatures(std::string_view note, std::span<const CosignatureVerifier> witnesses);

}  // namespace dnswitness
