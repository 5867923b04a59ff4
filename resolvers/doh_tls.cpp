#include "resolvers/doh_tls.h"

#include <fmt/format.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <ctime>
#include <stdexcept>

#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "model/errors.h"
#include "timeutil/timestamp.h"

namespace dnswitness {
namespace {

struct BioDeleter {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

std::string name_text(const X509_NAME* name) {
  if (name == nullptr) return {};
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return {};
  // RFC 2253 order and escaping, UTF-8 kept as UTF-8 (not \XX escapes).
  if (X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) return {};
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

std::string time_text(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return {};
  const std::int64_t seconds = timegm(&tm);
  return format_rfc3339_s(UtcTime{seconds * 1'000'000'000});
}

}  // namespace

TrustAnchors TrustAnchors::from_pem(std::string_view pem, const std::string& path) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) throw std::runtime_error("out of memory reading the CA file");
  TrustAnchors out;
  while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) out.certs_.emplace_back(x);
  // Reading stops at the end of the data (an expected "no start line") or at a damaged block.
  const unsigned long err = ERR_peek_last_error();
  ERR_clear_error();
  if (err != 0 && ERR_GET_REASON(err) != PEM_R_NO_START_LINE)
    throw UsageError(fmt::format("The CA file {} holds a damaged certificate after {} good one(s); give --ca-file "
                                 "a file of PEM CA certificates.",
                                 path, out.certs_.size()));
  if (out.certs_.empty())
    throw UsageError(fmt::format("The CA file {} holds no PEM certificate (-----BEGIN CERTIFICATE-----); give "
                                 "--ca-file a PEM file of CA certificates.",
                                 path));
  return out;
}

void TrustAnchors::add_to(X509_STORE* store) const {
  for (const auto& c : certs_) X509_STORE_add_cert(store, c.get());
  ERR_clear_error();
}

CertificateFacts certificate_facts(X509* cert) {
  CertificateFacts f;
  const int len = i2d_X509(cert, nullptr);
  if (len > 0) {
    Bytes der(static_cast<std::size_t>(len));
    unsigned char* p = der.data();
    i2d_X509(cert, &p);
    f.sha256 = hex_encode(sha256(der));
  }
  f.subject = name_text(X509_get_subject_name(cert));
  f.issuer = name_text(X509_get_issuer_name(cert));
  f.not_before = time_text(X509_get0_notBefore(cert));
  f.not_after = time_text(X509_get0_notAfter(cert));
  return f;
}

std::vector<CertificateFacts> chain_facts(STACK_OF(X509) * chain) {
  std::vector<CertificateFacts> out;
  if (chain == nullptr) return out;
  const int n = sk_X509_num(chain);
  for (int i = 0; i < n; ++i) out.push_back(certificate_facts(sk_X509_value(chain, i)));
  return out;
}

void connection_facts(SSL* ssl, TlsFacts& out) {
  if (ssl == nullptr) return;
  out.tls_version = SSL_get_version(ssl);
  if (const SSL_CIPHER* c = SSL_get_current_cipher(ssl)) out.tls_cipher = SSL_CIPHER_get_name(c);
  out.certificates = chain_facts(SSL_get_peer_cert_chain(ssl));
}

std::string certificate_check_text(SSL* ssl, bool insecure) {
  if (!insecure) return "verified (chain and host name)";
  const long verify = SSL_get_verify_result(ssl);
  const std::string chain = verify == X509_V_OK ? "chain verified" : X509_verify_cert_error_string(verify);
  return "not enforced (--insecure): " + chain + ", host name not checked";
}

void record_handshakes(SSL_CTX* ctx, HandshakeRecord* record) {
  SSL_CTX_set_cert_verify_callback(
      ctx,
      [](X509_STORE_CTX* store_ctx, void* arg) -> int {
        auto* hs = static_cast<HandshakeRecord*>(arg);
        const int ok = X509_verify_cert(store_ctx);
        hs->seen = true;
        hs->verified_chain = ok == 1;
        hs->verify_error = ok == 1 ? std::string()
                                   : X509_verify_cert_error_string(X509_STORE_CTX_get_error(store_ctx));
        hs->chain = chain_facts(X509_STORE_CTX_get0_untrusted(store_ctx));
        if (hs->chain.empty())
          if (X509* leaf = X509_STORE_CTX_get0_cert(store_ctx)) hs->chain.push_back(certificate_facts(leaf));
        return ok;
      },
      record);
}

}  // namespace dnswitness
