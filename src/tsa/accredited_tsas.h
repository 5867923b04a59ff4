#pragma once
// The list of accredited (総務大臣認定) time-stamping services that `dnswitness verify` decides
// "accredited" by: presets/accredited-tsas.json, shipped and dated, or a file the reader names
// with --accredited-tsas. A token is accredited only when its chain verified to a root the reader
// gave with --tsa-ca AND its signer's subject is one of a service's `signers` here; the
// `accredited` a bundle carries is a claim that verify compares with this decision, never trusts
// (docs/report.md, "Time-stamps").
// Role: read the file strictly (unknown keys, missing fields and empty names are errors, so a
// typo cannot silently make a list that matches nothing) and match a signer. Ownership: plain
// values. Thread-safety: thread-safe.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace dnswitness {

struct AccreditedService {
  std::string operator_name, service;
  std::vector<std::string> signers;  // signer subjects as RFC 4514 text (TokenCheck::signer_name)
};

struct AccreditedTsaList {
  std::string path;                   // where it was read from, for messages
  std::string source_url, taken;      // the list's source and the date it was taken (YYYY-MM-DD)
  std::vector<AccreditedService> services;
};

// The file's name in the presets folders (config/domain_list.h, preset_dirs()).
inline constexpr const char* kAccreditedTsaFile = "accredited-tsas.json";

// Throws UsageError naming `source` and the first problem.
AccreditedTsaList parse_accredited_tsas(const std::string& text, const std::string& source);

// Reads `path`, or when it is empty the first accredited-tsas.json of the presets folders.
// Throws UsageError when the file cannot be read, is not a list, or none is installed.
AccreditedTsaList load_accredited_tsas(const std::filesystem::path& path);

// The service one of whose signers is exactly `signer_name`; nullptr when none is.
const AccreditedService* accredited_service(const AccreditedTsaList& list, const std::string& signer_name);

}  // namespace dnswitness
