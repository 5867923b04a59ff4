#include "reports/manifest.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <stdexcept>

#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "model/bytes.h"

namespace dnswitness {
namespace {

constexpr std::string_view kManifestReportName = "report.json";

bool is_lower_hex64(std::string_view s) {
  return s.size() == 64 &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string manifest_sha256_hex(std::string_view bytes) { return hex_encode(sha256(as_bytes(bytes))); }

}  // namespace

std::string manifest_name_problem(std::string_view name) {
  if (name.empty()) return "a file name is empty";
  if (name == "." || name == "..") return fmt::format("'{}' is not a file name", name);
  if (name == kManifestFileName || name == "report.sha256")
    return fmt::format("{} is never listed in the manifest", name);
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    // A folder part would let a manifest point outside the report's folder; a control character
    // (above all a newline) would let one name read as two lines.
    if (c == '/' || c == '\\') return fmt::format("'{}' holds a folder separator", name);
    if (u < 0x20 || u == 0x7f) return "a file name holds a control character";
  }
  return {};
}

std::string manifest_text(std::vector<ManifestEntry> entries) {
  std::sort(entries.begin(), entries.end(),
            [](const ManifestEntry& a, const ManifestEntry& b) { return a.name < b.name; });
  std::string text(kManifestHeader);
  text += '\n';
  bool has_report = false;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const ManifestEntry& e = entries[i];
    if (const std::string why = manifest_name_problem(e.name); !why.empty())
      throw std::invalid_argument("manifest: " + why);
    if (!is_lower_hex64(e.sha256_hex))
      throw std::invalid_argument("manifest: the SHA-256 of " + e.name + " is not 64 lowercase hex digits");
    if (i > 0 && entries[i - 1].name == e.name) throw std::invalid_argument("manifest: " + e.name + " is listed twice");
    has_report = has_report || e.name == kManifestReportName;
    text.append(e.sha256_hex).append("  ").append(e.name).append("\n");
  }
  if (!has_report) throw std::invalid_argument("manifest: report.json is not listed");
  return text;
}

std::optional<std::vector<ManifestEntry>> parse_manifest_text(std::string_view text, std::string* why_not) {
  const auto reject = [&](std::string why) -> std::optional<std::vector<ManifestEntry>> {
    if (why_not) *why_not = std::move(why);
    return std::nullopt;
  };
  const std::string header = std::string(kManifestHeader) + "\n";
  if (!text.starts_with(header)) return reject(fmt::format("its first line is not '{}'", kManifestHeader));
  std::vector<ManifestEntry> entries;
  std::string_view rest = text.substr(header.size());
  for (std::size_t n = 2; !rest.empty(); ++n) {
    const auto eol = rest.find('\n');
    if (eol == std::string_view::npos) return reject(fmt::format("line {} does not end in a newline", n));
    const std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(eol + 1);
    if (line.size() < 67 || line.substr(64, 2) != "  " || !is_lower_hex64(line.substr(0, 64)))
      return reject(fmt::format("line {} is not '<64 lowercase hex>  <file name>'", n));
    entries.push_back({std::string(line.substr(66)), std::string(line.substr(0, 64))});
  }
  if (entries.empty()) return reject("it lists no file");
  std::string written;
  try {
    written = manifest_text(entries);
  } catch (const std::invalid_argument& e) {
    return reject(std::string(e.what()).substr(std::string_view("manifest: ").size()));
  }
  // One way to write each manifest: lines out of order are refused, not re-sorted.
  if (written != text) return reject("its files are not in order of their names");
  return entries;
}

std::string sign_manifest(const std::vector<ManifestEntry>& entries, std::string_view origin,
                          const Ed25519PrivateKey& key) {
  return sign_note(manifest_text(entries), origin, key);
}

ManifestCheck check_manifest(std::string_view note, const NoteVerifier& ledger, std::string_view report_json,
                             const std::function<std::optional<std::string>(const std::string&)>& read,
                             const std::vector<std::string>& must_list) {
  ManifestCheck out;
  const NoteVerifier verifiers[] = {ledger};
  const OpenedNote opened = verify_note(note, verifiers);
  switch (opened.status) {
    case NoteStatus::ok:
      break;
    case NoteStatus::malformed:
      out.failure = "manifest.sig is not a signed note; it is damaged or is not the one report wrote";
      return out;
    case NoteStatus::bad_signature:
      out.failure = "the signature in manifest.sig does not verify with the ledger's key (the manifest was changed "
                    "after it was signed)";
      return out;
    case NoteStatus::no_known_signature:
    case NoteStatus::ambiguous_verifier:
      out.failure = fmt::format("manifest.sig is not signed by this report's ledger key ({}); it was signed by "
                                "another key",
                                ledger.name);
      return out;
  }
  std::string why;
  const auto entries = parse_manifest_text(opened.text, &why);
  if (!entries) {
    out.failure = fmt::format("the signed manifest in manifest.sig cannot be read: {}", why);
    return out;
  }
  std::set<std::string> listed;
  for (const auto& e : *entries) {
    listed.insert(e.name);
    std::optional<std::string> bytes;
    if (e.name == kManifestReportName) bytes = std::string(report_json);
    else bytes = read(e.name);
    if (!bytes) {
      out.failure = fmt::format("manifest.sig lists {}, which is not in the report's folder or cannot be read",
                                e.name);
      return out;
    }
    if (manifest_sha256_hex(*bytes) != e.sha256_hex) {
      out.failure = fmt::format("{} is not the file the report signed (its SHA-256 differs from the one in "
                                "manifest.sig, so it was changed after the report was made)",
                                e.name);
      return out;
    }
    ++out.files;
  }
  for (const auto& name : must_list)
    if (!listed.count(name)) {
      out.failure = fmt::format("{} belongs to the report but is not listed in the signed manifest.sig, so it is "
                                "not a file the report signed",
                                name);
      return out;
    }
  return out;
}

}  // namespace dnswitness
