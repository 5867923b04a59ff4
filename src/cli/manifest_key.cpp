#include "cli/manifest_key.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "ledger/key_access.h"

namespace dnswitness::cli {

ManifestKey load_manifest_key(const LedgerStore& store) {
  ManifestKey out;
  const LedgerPaths& paths = store.paths();
  const std::string file = paths.private_key().string();
  // Opening is the only honest test of "may read" (access() answers for the real, not the
  // effective user, and root reads whatever the mode says).
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    const int err = errno;
    if (err != ENOENT && err != EACCES && err != EPERM && err != ENOTDIR)
      throw LedgerError(LedgerError::Kind::io, fmt::format("Cannot open the ledger's private key {} ({}); check the "
                                                           "file and its folder.",
                                                           file, std::strerror(err)));
    out.unsigned_because = err == ENOENT || err == ENOTDIR
                               ? fmt::format("there is no private key at {}", file)
                               : fmt::format("the private key {} cannot be read by this user", file);
    return out;
  }
  ::close(fd);
  warn_about_key_access(paths);  // throws when others could have replaced the key
  Ed25519PrivateKey key = Ed25519PrivateKey::load_pem_file(paths.private_key());
  const auto bound = store.bound_public_key();
  if (!bound || !(*bound == key.public_key()))
    throw LedgerError(LedgerError::Kind::usage,
                      fmt::format("{} is not the key this ledger was signed with{}; restore the original key file, "
                                  "then make the report again.",
                                  file, bound ? fmt::format(" (fingerprint {})", bound->fingerprint()) : ""));
  out.key.emplace(std::move(key));
  return out;
}

}  // namespace dnswitness::cli
