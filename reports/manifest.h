#pragma once
// The signed manifest of a report bundle (manifest.sig beside report.sha256): a C2SP signed note,
// signed with the ledger's Ed25519 key under the ledger's origin (the same key and key name as its
// checkpoints), whose text gives the SHA-256 of every file `report` wrote. Format: docs/manifest.md.
//
//   dnswitness report manifest v1\n
//   <64 lowercase hex>  <file name>\n        one line per file, sorted by name (bytes), report.json among them
//   \n
//   — <origin> <base64(key ID || signature)>\n
//
// Role: report.sha256 is a checksum anyone can recompute; this note makes changing the PDF or the
// evidence description after the fact need the ledger's private key. The lines are in sha256sum
// format so that `sha256sum -c` checks them once the signature is checked.
// Ownership: plain values. Thread-safety: all functions are thread-safe.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/ed25519.h"
#include "ledger/signed_note.h"

namespace dnswitness {

inline constexpr std::string_view kManifestHeader = "dnswitness report manifest v1";
inline constexpr const char* kManifestFileName = "manifest.sig";
// What report.json's "manifest_signature" holds when `report` signed its manifest.
inline constexpr const char* kManifestSignedValue = "manifest.sig";

struct ManifestEntry {
  std::string name;        // a file name in the report's folder (no folder part)
  std::string sha256_hex;  // 64 lowercase hex digits

  bool operator==(const ManifestEntry&) const = default;
};

// The exact text that is signed: the header line, then the entries sorted by name. Throws
// std::invalid_argument when an entry could not be written back unambiguously (see
// manifest_name_problem), a hash is not 64 lowercase hex digits, a name repeats, or report.json is
// not among them.
std::string manifest_text(std::vector<ManifestEntry> entries);

// Why `name` cannot be listed ("" when it can): empty, ".", "..", a '/' or '\', a control
// character, or one of the two files that are not listed (manifest.sig, report.sha256).
std::string manifest_name_problem(std::string_view name);

// Strict reading of a manifest text: exactly the bytes manifest_text would write for the entries it
// holds. nullopt with the reason in *why_not otherwise.
std::optional<std::vector<ManifestEntry>> parse_manifest_text(std::string_view text, std::string* why_not = nullptr);

// manifest_text(entries), signed as a note under `origin` with `key`. Throws NoteError on a bad
// origin, std::invalid_argument as manifest_text.
std::string sign_manifest(const std::vector<ManifestEntry>& entries, std::string_view origin,
                          const Ed25519PrivateKey& key);

struct ManifestCheck {
  std::string failure;  // one sentence without a full stop, naming the file; empty when it verified
  std::size_t files = 0;  // entries checked
  explicit operator bool() const noexcept { return failure.empty(); }
};

// Checks a manifest.sig: signed by `ledger` (the report's own key under its origin), strictly in the
// format above, report.json's line matching `report_json`, every other line matching the bytes
// `read(name)` returns (nullopt: the file cannot be read), and every name in `must_list` (the
// bundle's other files found in its folder or named by report.sha256) listed.
ManifestCheck check_manifest(std::string_view note, const NoteVerifier& ledger, std::string_view report_json,
                             const std::function<std::optional<std::string>(const std::string&)>& read,
                             const std::vector<std::string>& must_list);

}  // namespace dnswitness
