#pragma once
// The ledger's signed tree head: a c2sp.org/tlog-checkpoint inside a c2sp.org/signed-note, and the
// offline inclusion proof of c2sp.org/tlog-proof (draft) that a report carries per leaf.
//
//   <origin>\n<tree size in decimal>\n<base64 root hash>\n
//
// Role: the frozen text formats of what the log signs and what a verifier checks offline. Parsing
// is strict because these bytes are evidence: exactly one way to write each value is accepted.
// Ownership: plain values. Thread-safety: all functions are thread-safe.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/ed25519.h"
#include "ledger/signed_note.h"
#include "model/bytes.h"

namespace dnswitness {

struct Checkpoint {
  std::string origin;  // unique log name; also the signing key's name
  std::uint64_t size = 0;
  Hash root{};

  // Exactly "origin\nsize\nbase64(root)\n". Throws NoteError if the origin is empty or contains a
  // control character (it could not be parsed back).
  [[nodiscard]] std::string to_text() const;
  // Strict: exactly three lines; size in canonical decimal (no sign, no leading zero, fits 64 bits);
  // root in canonical padded base64 of exactly 32 bytes. Extension lines, which the spec allows, are
  // rejected: this log never writes them, so their presence means the text is not ours.
  static std::optional<Checkpoint> parse(std::string_view text, std::string* why_not = nullptr);

  bool operator==(const Checkpoint&) const = default;
};

// The signed note of the checkpoint, signed under key name == origin. Throws NoteError if the
// origin is not a valid key name (no spaces, no '+').
std::string sign_checkpoint(const Checkpoint& checkpoint, const Ed25519PrivateKey& key);
// The checkpoint if `note` is signed by `verifier` (whose name must equal the origin) and its text
// parses strictly; nullopt otherwise, with a reason in *why_not when given.
std::optional<Checkpoint> open_signed_checkpoint(std::string_view note, const NoteVerifier& verifier,
                                                 std::string* why_not = nullptr);

// c2sp.org/tlog-proof@v1:
//   c2sp.org/tlog-proof@v1\n
//   [extra <base64>\n]            optional, opaque to us
//   index <N>\n
//   <base64 hash>\n ...           inclusion proof, leaf to root (possibly none)
//   \n
//   <signed checkpoint note>
struct TlogProof {
  std::uint64_t index = 0;
  std::vector<Hash> inclusion;
  std::string signed_checkpoint;
  std::optional<Bytes> extra;

  [[nodiscard]] std::string to_text() const;
  // Strict on the framing and every hash; the checkpoint note is kept verbatim (it is checked by
  // verify_tlog_proof, which needs the trusted key).
  static std::optional<TlogProof> parse(std::string_view text, std::string* why_not = nullptr);

  bool operator==(const TlogProof&) const = default;
};

// What an offline verifier does: hash the entry as a leaf, check the checkpoint's signature, then
// the inclusion proof against its root. Returns the checkpoint on success.
std::optional<Checkpoint> verify_tlog_proof(const TlogProof& proof, ByteView entry, const NoteVerifier& verifier,
                                            std::string* why_not = nullptr);

}  // namespace dnswitness
