#include "ledger/key_access.h"

#include <sys/stat.h>

#include <iostream>
#include <mutex>
#include <set>

#include <fmt/format.h>

namespace dnswitness {

std::vector<std::string> check_key_access(const LedgerPaths& paths) {
  std::vector<std::string> warnings;
  struct stat st {};
  const std::string dir = paths.keys_dir().string();
  if (::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    const unsigned mode = st.st_mode & 07777;
    if ((mode & 002) != 0 && (mode & S_ISVTX) == 0)
      throw LedgerError(LedgerError::Kind::usage,
                        fmt::format("The key folder {} has mode {:04o}, so any user could replace the signing key; "
                                    "nothing is signed until you run 'chmod 700 {}' and check that keys/ledger.key "
                                    "is still yours.",
                                    dir, mode, dir));
    if ((mode & 077) != 0)
      warnings.push_back(fmt::format("the key folder {} has mode {:04o}, so other users can look into it; run "
                                     "'chmod 700 {}'",
                                     dir, mode, dir));
  }
  const std::string key = paths.private_key().string();
  if (::stat(key.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
    const unsigned mode = st.st_mode & 07777;
    if ((mode & 002) != 0)
      throw LedgerError(LedgerError::Kind::usage,
                        fmt::format("The private key {} has mode {:04o}, so any user could replace it; nothing is "
                                    "signed until you run 'chmod 600 {}' and check that the key is still yours.",
                                    key, mode, key));
    if ((mode & 077) != 0)
      warnings.push_back(fmt::format("the private key {} has mode {:04o}, so other users may {} it; run 'chmod 600 "
                                     "{}' (and treat the key as possibly copied)",
                                     key, mode, (mode & 020) != 0 ? "read or change" : "read", key));
  }
  return warnings;
}

void warn_about_key_access(const LedgerPaths& paths) {
  static std::mutex mutex;
  static std::set<std::string> already;
  const auto warnings = check_key_access(paths);
  const std::lock_guard<std::mutex> lock(mutex);
  for (const auto& w : warnings)
    if (already.insert(w).second) std::cerr << "dnswitness: warning: " << w << ".\n";
}

}  // namespace dnswitness
