#pragma once
// The TLS side of DNS over HTTPS and DNS over TLS, in OpenSSL terms: the extra trust anchors of
// --ca-file, and the facts an expert asks about a TLS connection (protocol version, cipher, the
// certificate chain the server presented, whether it verified).
//
// Ownership: TrustAnchors owns its X509 objects (RAII). Thread-safety: TrustAnchors is immutable
// after construction and may be shared; the free functions are pure.
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

#include "model/observation.h"

namespace dnswitness {

struct X509Deleter {
  void operator()(X509* x) const noexcept { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

// Certificates read from a PEM file, added to OpenSSL's default trust store for DoH and DoT connections.
class TrustAnchors {
 public:
  TrustAnchors() = default;
  // Reads the PEM certificates of a file's bytes (`path` names it in messages). Throws UsageError
  // (exit 2) when they hold no PEM certificate or a damaged one.
  static TrustAnchors from_pem(std::string_view pem, const std::string& path);
  bool empty() const { return certs_.empty(); }
  std::size_t size() const { return certs_.size(); }
  // Adds every certificate to the store (duplicates are harmless).
  void add_to(X509_STORE* store) const;

 private:
  std::vector<X509Ptr> certs_;
};

// Fingerprint, names and validity of one certificate.
CertificateFacts certificate_facts(X509* cert);

// The chain as the peer sent it, its own certificate first (client side: SSL_get_peer_cert_chain
// includes the leaf).
std::vector<CertificateFacts> chain_facts(STACK_OF(X509) * chain);

// Protocol version and cipher of an established connection, and the chain the server sent.
void connection_facts(SSL* ssl, TlsFacts& out);

// `certificate_check` of an established connection: "verified (chain and host name)", or with
// --insecure "not enforced (--insecure): <OpenSSL's chain result>, host name not checked".
std::string certificate_check_text(SSL* ssl, bool insecure);

// One TLS connection's certificate verification as OpenSSL saw it during the handshake, kept even
// when it failed: then no later message carries the facts.
struct HandshakeRecord {
  bool seen = false;            // the server got as far as presenting a certificate
  bool verified_chain = false;  // OpenSSL's verification passed (host name included when it was set)
  std::string verify_error;     // OpenSSL's reason when it did not
  std::vector<CertificateFacts> chain;  // as presented, the server's own first
};

// Wraps OpenSSL's own certificate verification of the handshakes made from `ctx` so that `*record`
// keeps what it saw; the verdict stays OpenSSL's. `record` must outlive those handshakes.
void record_handshakes(SSL_CTX* ctx, HandshakeRecord* record);

}  // namespace dnswitness
