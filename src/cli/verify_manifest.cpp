#include "cli/verify_manifest.h"

#include <fmt/format.h>

#include <fstream>
#include <optional>

#include "ledger/signed_note.h"
#include "reports/manifest.h"

namespace dnswitness::cli {
namespace {

// A file beside the report, whole; nullopt when it is missing or cannot be read.
std::optional<std::string> read_beside_report(const std::filesystem::path& p) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(p, ec)) return std::nullopt;
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::string s;
  char block[1 << 16];
  while (in.read(block, sizeof block) || in.gcount() > 0) s.append(block, static_cast<std::size_t>(in.gcount()));
  if (in.bad()) return std::nullopt;
  return s;
}

}  // namespace

ManifestOutcome verify_manifest_beside(const std::filesystem::path& report, std::string_view text,
                                       const BundleVerification& bundle, const std::vector<std::string>& must_list) {
  ManifestOutcome out;
  const std::filesystem::path dir = report.parent_path();
  const std::filesystem::path sig_path = dir / kManifestFileName;
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::symlink_status(sig_path, ec))) {
    if (!bundle.logs.empty()) {
      out.summary = "manifest.sig: none (a report drawn from several logs is signed by each log, not as a whole)";
      out.warning = "the report draws on several logs, so it is not signed as a whole: its PDF and evidence "
                    "description are covered only by report.sha256, which anyone can recompute";
    } else if (bundle.manifest_signed.value_or(false)) {
      out.failure = "manifest.sig is missing: report.json says the report signed its manifest, so the signature "
                    "was removed or the bundle is incomplete";
    } else if (bundle.manifest_signed) {
      out.summary = "manifest.sig: none (the report was made without the ledger's private key)";
      out.warning = "the report was made without the ledger's private key, so it is not signed as a whole: its "
                    "PDF and evidence description are covered only by report.sha256, which anyone can recompute";
    } else {
      out.summary = "manifest.sig: none (the bundle was made before reports were signed as a whole)";
      out.warning = "the bundle was made by a dnswitness that did not sign reports as a whole (no manifest.sig): "
                    "its PDF and evidence description are covered only by report.sha256, which anyone can recompute";
    }
    return out;
  }
  if (!bundle.logs.empty()) {
    out.failure = "manifest.sig sits beside a report drawn from several logs, which no one key signs as a whole";
    return out;
  }
  const auto note = read_beside_report(sig_path);
  if (!note) {
    out.failure = "manifest.sig beside the report cannot be read";
    return out;
  }
  std::optional<NoteVerifier> ledger;
  try {
    ledger.emplace(parse_verifier_key(bundle.verifier_key));
  } catch (const NoteError&) {
    out.failure = "the bundle's verifier key cannot be read";  // verify_bundle checked it; never expected
    return out;
  }
  const ManifestCheck check = check_manifest(
      *note, *ledger, text, [&](const std::string& name) { return read_beside_report(dir / name); }, must_list);
  if (!check) {
    out.failure = check.failure;
    return out;
  }
  out.summary = fmt::format("manifest.sig: signed with the ledger's key; its {} file(s) match and every file of "
                            "the report is listed",
                            check.files);
  return out;
}

}  // namespace dnswitness::cli
