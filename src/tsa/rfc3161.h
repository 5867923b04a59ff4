#pragma once
// RFC 3161 time-stamp requests and responses, built and checked with OpenSSL's TS API.
//
// Role: the only code that reads or writes TimeStampReq / TimeStampResp bytes. A request carries a
// SHA-256 message imprint, a random 64-bit nonce and certReq=true. A response is checked as it
// arrives (granted status, nonce, imprint, CMS signature, ESS signing-certificate binding, and the
// signer's chain to a trust anchor at the current time with the timeStamping purpose) and again,
// offline, when a ledger or a bundle is verified (the same, without the nonce, with the chain
// checked at the token's own genTime so that a token stays checkable after its TSA certificate
// expires). Every certificate the token carries, and every one of a stored chain, must be one of
// the chain that verified, byte for byte, and a root's self-signature is checked too: nothing
// else looks at those bytes. Pure: no network, no files except the anchor files named.
// Ownership: plain values. Thread-safety: all functions are thread-safe.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/sha256.h"
#include "model/bytes.h"
#include "timeutil/timestamp.h"

namespace dnswitness {

struct TsaRequest {
  Hash imprint{};  // the SHA-256 being time-stamped
  Bytes der;       // TimeStampReq, as POSTed
};

// Throws std::runtime_error if the random generator fails.
TsaRequest make_tsa_request(const Hash& imprint);

// Where TSA certificates may chain to.
struct TsaTrust {
  std::vector<std::string> pem_files;  // --tsa-ca, --ca-file
  std::string pem_text;                // anchors given as PEM text (a stored chain's root)
  bool system = false;                 // also the system's CA store (/etc/ssl/certs)
};

// Throws UsageError naming the file when one cannot be read or holds no PEM certificate.
void check_trust_file(const std::string& path, const std::string& option);

struct TokenCheck {
  // granted: a verified token; rejected: the TSA answered with a failure status; malformed: not a
  // TimeStampResp at all; invalid: a token that does not verify (the reason is in `error`).
  std::string status;
  std::string error;
  std::string gen_time;            // the token's genTime as RFC 3339 with nine fraction digits
  std::optional<UtcTime> gen;      // the same as a time
  // The token's accuracy (seconds, millis, micros) in nanoseconds; nullopt when the token states none.
  std::optional<std::int64_t> accuracy_ns;
  std::string chain_pem;           // granted: signer first, up to the anchor
  std::string signer;              // the signer certificate's subject, one line
  // The same as RFC 4514 text in UTF-8, what `openssl x509 -noout -subject -nameopt
  // RFC2253,-esc_msb` prints after "subject=": the form the list of accredited TSAs names signers in.
  std::string signer_name;
  std::string serial;              // the token's serial number, hex
  std::optional<Hash> imprint;     // the token's message imprint (when it is a SHA-256 one)
};

// Checks a response just received for `request`: the chain is checked at the current time.
TokenCheck check_tsa_response(ByteView response, const TsaRequest& request, const TsaTrust& trust);

// Checks a stored response offline: its imprint must be `expected` (SHA-256), its signature and
// signing-certificate binding must verify, and the signer must chain to `trust` at the token's
// genTime. Certificates in `chain_pem` serve as untrusted intermediates.
TokenCheck verify_stored_token(ByteView response, const Hash& expected, const TsaTrust& trust,
                               const std::string& chain_pem);

// A stored token's genTime and accuracy, read without checking anything else (the report's time
// cross-checks read them from tokens that verify checks on its own). `status` is "granted" when both
// could be read; otherwise `error` says why.
TokenCheck token_time_of(ByteView response);

// The self-signed certificates of a PEM chain (its roots), as PEM text; empty when there is none.
std::string chain_roots_pem(const std::string& chain_pem);
// SHA-256 fingerprints (lower-case hex of the DER) of the certificates in a PEM text, in order.
std::vector<std::string> pem_fingerprints(const std::string& pem);

}  // namespace dnswitness
