#include "crypto/sha256.h"

#include <openssl/err.h>
#include <openssl/evp.h>

namespace dnswitness {
namespace {

// Fetched once per process: in OpenSSL 3 passing EVP_sha256() to every EVP_DigestInit_ex would do an
// implicit provider lookup (with locking) per message. The pointer is immutable and shared.
const EVP_MD* sha256_md() {
  struct MdFree {
    void operator()(EVP_MD* md) const noexcept { EVP_MD_free(md); }
  };
  static const std::unique_ptr<EVP_MD, MdFree> md{EVP_MD_fetch(nullptr, "SHA256", nullptr)};
  if (!md) {
    ERR_clear_error();
    throw CryptoError("OpenSSL could not provide SHA-256; check the OpenSSL installation and its provider configuration.");
  }
  return md.get();
}

[[noreturn]] void fail(const char* what) {
  ERR_clear_error();
  throw CryptoError(what);
}

}  // namespace

void Sha256::CtxDeleter::operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_) fail("OpenSSL could not allocate a SHA-256 context; the process is probably out of memory.");
  reset();
}

void Sha256::reset() {
  if (EVP_DigestInit_ex2(ctx_.get(), sha256_md(), nullptr) != 1)
    fail("OpenSSL could not start a SHA-256 computation; check the OpenSSL installation.");
}

Sha256& Sha256::update(ByteView data) {
  if (!data.empty() && EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1)
    fail("OpenSSL failed while computing SHA-256; check the OpenSSL installation.");
  return *this;
}

Sha256& Sha256::update(std::uint8_t byte) { return update(ByteView(&byte, 1)); }

Hash Sha256::finish() {
  Hash out{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), out.data(), &len) != 1 || len != out.size())
    fail("OpenSSL failed while finishing SHA-256; check the OpenSSL installation.");
  reset();
  return out;
}

Hash sha256(ByteView data) {
  thread_local Sha256 hasher;
  return hasher.update(data).finish();
}

}  // namespace dnswitness
