#include "tsa/rfc3161.h"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <memory>

#include "crypto/encoding.h"
#include "model/errors.h"
#include "timeutil/timestamp.h"

namespace dnswitness {
namespace {

template <auto Fn>
struct Free {
  template <typename T>
  void operator()(T* p) const noexcept {
    Fn(p);
  }
};
using ReqPtr = std::unique_ptr<TS_REQ, Free<TS_REQ_free>>;
using RespPtr = std::unique_ptr<TS_RESP, Free<TS_RESP_free>>;
using ImprintPtr = std::unique_ptr<TS_MSG_IMPRINT, Free<TS_MSG_IMPRINT_free>>;
using AlgorPtr = std::unique_ptr<X509_ALGOR, Free<X509_ALGOR_free>>;
using IntPtr = std::unique_ptr<ASN1_INTEGER, Free<ASN1_INTEGER_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Free<BN_free>>;
using BioPtr = std::unique_ptr<BIO, Free<BIO_free_all>>;
using CertPtr = std::unique_ptr<X509, Free<X509_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Free<X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Free<X509_STORE_CTX_free>>;
using VerifyCtxPtr = std::unique_ptr<TS_VERIFY_CTX, Free<TS_VERIFY_CTX_free>>;
void free_certs(STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); }
using CertsPtr = std::unique_ptr<STACK_OF(X509), Free<free_certs>>;

// OpenSSL's error queue as one line (and emptied), for the `error` of a failed check.
std::string openssl_errors() {
  std::string out;
  const char* data = nullptr;
  int flags = 0;
  while (const unsigned long e = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) {
    if (!out.empty()) out += "; ";
    const char* reason = ERR_reason_error_string(e);
    out += reason ? reason : fmt::format("OpenSSL error {:#x}", e);
    if ((flags & ERR_TXT_STRING) && data && *data) out += fmt::format(" ({})", data);
  }
  return out.empty() ? "no reason given by OpenSSL" : out;
}

CertsPtr read_pem_certs(std::string_view pem) {
  CertsPtr out(sk_X509_new_null());
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!out || !bio) throw std::bad_alloc();
  while (X509* c = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) sk_X509_push(out.get(), c);
  ERR_clear_error();  // the loop ends on "no start line"
  return out;
}

// PEM_read_bio_X509 stops at the first block it cannot read, so a damaged certificate would drop
// itself and every one after it without a word: the blocks are counted to notice.
std::size_t pem_blocks(std::string_view pem) {
  std::size_t n = 0;
  for (auto at = pem.find("-----BEGIN CERTIFICATE-----"); at != std::string_view::npos;
       at = pem.find("-----BEGIN CERTIFICATE-----", at + 1))
    ++n;
  return n;
}

Bytes cert_der(X509* c) {
  unsigned char* der = nullptr;
  const int n = i2d_X509(c, &der);
  if (n <= 0) throw std::bad_alloc();
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

// A certificate the token or the stored chain carries that is not, byte for byte, one of the
// chain that verified: nothing checks such bytes (OpenSSL takes what it needs from elsewhere and
// ignores the rest), so a change there would pass unseen unless it is refused outright.
std::optional<std::string> stray_certificate(STACK_OF(X509) * carried, STACK_OF(X509) * chain, const char* where) {
  std::vector<Bytes> verified;
  for (int i = 0; i < sk_X509_num(chain); ++i) verified.push_back(cert_der(sk_X509_value(chain, i)));
  for (int i = 0; carried && i < sk_X509_num(carried); ++i) {
    const Bytes der = cert_der(sk_X509_value(carried, i));
    if (std::find(verified.begin(), verified.end(), der) == verified.end())
      return fmt::format("certificate {} {} is not one of the certificate chain that verified (its bytes differ)", i,
                         where);
  }
  return std::nullopt;
}

std::string cert_pem(X509* c) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), c) != 1) throw std::bad_alloc();
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string subject_line(X509* c, unsigned long flags = XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) throw std::bad_alloc();
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(c), 0, flags);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

StorePtr make_store(const TsaTrust& trust) {
  StorePtr store(X509_STORE_new());
  if (!store) throw std::bad_alloc();
  if (trust.system) X509_STORE_set_default_paths(store.get());
  for (const auto& f : trust.pem_files)
    if (X509_STORE_load_file(store.get(), f.c_str()) != 1)
      throw UsageError(fmt::format("Cannot read the certificates in {}; give a PEM file of CA certificates.", f));
  const CertsPtr anchors = read_pem_certs(trust.pem_text);
  for (int i = 0; i < sk_X509_num(anchors.get()); ++i) X509_STORE_add_cert(store.get(), sk_X509_value(anchors.get(), i));
  ERR_clear_error();
  return store;
}

// GeneralizedTime as RFC 3161 §2.4.2 requires it: YYYYMMDDhhmmss[.s+]Z.
std::optional<UtcTime> parse_gen_time(const ASN1_GENERALIZEDTIME* t) {
  if (!t) return std::nullopt;
  const std::string s(reinterpret_cast<const char*>(ASN1_STRING_get0_data(t)),
                      static_cast<std::size_t>(ASN1_STRING_length(t)));
  if (s.size() < 15 || s.back() != 'Z') return std::nullopt;
  for (std::size_t i = 0; i < 14; ++i)
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  const auto num = [&s](std::size_t at, std::size_t n) { return std::stoll(s.substr(at, n)); };
  const std::int64_t y = num(0, 4), mo = num(4, 2), d = num(6, 2), h = num(8, 2), mi = num(10, 2), se = num(12, 2);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return std::nullopt;
  std::int64_t frac_ns = 0;
  if (s.size() > 15) {
    if (s[14] != '.' || s.size() < 17 || s.size() > 25) return std::nullopt;
    std::int64_t scale = 100000000;
    for (std::size_t i = 15; i + 1 < s.size(); ++i, scale /= 10) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      frac_ns += (s[i] - '0') * scale;
    }
  }
  const std::int64_t secs =
      days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 + mi * 60 + se;
  return UtcTime{secs * 1'000'000'000 + frac_ns};
}

std::string hex_of(const ASN1_INTEGER* i) {
  if (!i) return {};
  BnPtr bn(ASN1_INTEGER_to_BN(i, nullptr));
  if (!bn) return {};
  char* h = BN_bn2hex(bn.get());
  std::string out = h ? h : "";
  OPENSSL_free(h);
  return out;
}

std::string status_text(TS_STATUS_INFO* info) {
  const long code = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(info));
  static const char* const names[] = {"granted", "grantedWithMods", "rejection", "waiting", "revocationWarning",
                                      "revocationNotification"};
  std::string out = code >= 0 && code <= 5 ? names[code] : fmt::format("status {}", code);
  if (const auto* texts = TS_STATUS_INFO_get0_text(info)) {
    for (int i = 0; i < sk_ASN1_UTF8STRING_num(texts); ++i) {
      const ASN1_UTF8STRING* t = sk_ASN1_UTF8STRING_value(texts, i);
      out += fmt::format(": {}", std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(t)),
                                             static_cast<std::size_t>(ASN1_STRING_length(t))));
    }
  }
  if (const ASN1_BIT_STRING* fi = TS_STATUS_INFO_get0_failure_info(info)) {
    static const char* const bits[] = {"badAlg", "", "badRequest", "", "", "badDataFormat", "", "", "", "", "", "",
                                       "", "", "timeNotAvailable", "unacceptedPolicy", "unacceptedExtension",
                                       "addInfoNotAvailable", "", "", "", "", "", "", "", "systemFailure"};
    for (int b = 0; b < 26; ++b)
      if (*bits[b] && ASN1_BIT_STRING_get_bit(fi, b)) out += fmt::format(" ({})", bits[b]);
  }
  return out;
}

// Parses the response and fills what can be read without trust; returns it, or nullptr with
// `out.status`/`out.error` set.
RespPtr open_response(ByteView response, TokenCheck& out) {
  const unsigned char* p = response.data();
  RespPtr resp(d2i_TS_RESP(nullptr, &p, static_cast<long>(response.size())));
  if (!resp || p != response.data() + response.size()) {
    ERR_clear_error();
    out.status = "malformed";
    out.error = response.empty() ? "the answer was empty, not an RFC 3161 time-stamp response"
                                 : fmt::format("the answer ({} bytes) is not an RFC 3161 time-stamp response",
                                               response.size());
    return nullptr;
  }
  TS_STATUS_INFO* info = TS_RESP_get_status_info(resp.get());
  const long code = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(info));
  if (code != 0 && code != 1) {
    out.status = "rejected";
    out.error = "the TSA refused: " + status_text(info);
    return nullptr;
  }
  TS_TST_INFO* tst = TS_RESP_get_tst_info(resp.get());
  if (!tst || !TS_RESP_get_token(resp.get())) {
    out.status = "malformed";
    out.error = "the response says granted but carries no time-stamp token";
    return nullptr;
  }
  out.gen = parse_gen_time(TS_TST_INFO_get_time(tst));
  if (!out.gen) {
    out.status = "invalid";
    out.error = "the token's time (genTime) cannot be read";
    return nullptr;
  }
  out.gen_time = format_rfc3339_ns(*out.gen);
  if (const TS_ACCURACY* acc = TS_TST_INFO_get_accuracy(tst)) {
    const auto part = [](const ASN1_INTEGER* i) { return i ? static_cast<std::int64_t>(ASN1_INTEGER_get(i)) : 0; };
    out.accuracy_ns = part(TS_ACCURACY_get_seconds(acc)) * 1'000'000'000 + part(TS_ACCURACY_get_millis(acc)) * 1'000'000 +
                      part(TS_ACCURACY_get_micros(acc)) * 1'000;
  }
  out.serial = hex_of(TS_TST_INFO_get_serial(tst));
  TS_MSG_IMPRINT* mi = TS_TST_INFO_get_msg_imprint(tst);
  const X509_ALGOR* alg = TS_MSG_IMPRINT_get_algo(mi);
  const ASN1_OCTET_STRING* msg = TS_MSG_IMPRINT_get_msg(mi);
  if (alg && OBJ_obj2nid(alg->algorithm) == NID_sha256 && msg && ASN1_STRING_length(msg) == 32) {
    Hash h{};
    std::memcpy(h.data(), ASN1_STRING_get0_data(msg), 32);
    out.imprint = h;
  }
  return resp;
}

// Signature, ESS binding and chain (at `at`, or now), then the chain itself for storage.
void verify_token(TS_RESP* resp, const Hash& imprint, const TsaTrust& trust, const std::string& chain_pem,
                  std::optional<UtcTime> at, TokenCheck& out) {
  if (pem_blocks(chain_pem) != static_cast<std::size_t>(sk_X509_num(read_pem_certs(chain_pem).get()))) {
    out.status = "invalid";
    out.error = "a certificate of its stored chain cannot be read";
    return;
  }
  StorePtr store = make_store(trust);
  if (at) X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store.get()), static_cast<time_t>(at->ns / 1'000'000'000));
  // A root's own signature is not needed to trust it, so OpenSSL skips it unless asked. A root
  // taken from the token's own chain is checked: a changed byte in it then fails, instead of only
  // yielding another fingerprint (anchors from files are the reader's own choice).
  if (!trust.pem_text.empty())
    X509_VERIFY_PARAM_set_flags(X509_STORE_get0_param(store.get()), X509_V_FLAG_CHECK_SS_SIGNATURE);
  X509_STORE* store_raw = store.get();
  VerifyCtxPtr ctx(TS_VERIFY_CTX_new());
  if (!ctx) throw std::bad_alloc();
  TS_VERIFY_CTX_set_flags(ctx.get(), TS_VFY_VERSION | TS_VFY_SIGNATURE | TS_VFY_IMPRINT);
  auto* buf = static_cast<unsigned char*>(OPENSSL_malloc(imprint.size()));
  if (!buf) throw std::bad_alloc();
  std::memcpy(buf, imprint.data(), imprint.size());
  TS_VERIFY_CTX_set_imprint(ctx.get(), buf, static_cast<long>(imprint.size()));
  TS_VERIFY_CTX_set_store(ctx.get(), store.release());
  TS_VERIFY_CTX_set_certs(ctx.get(), read_pem_certs(chain_pem).release());
  if (TS_RESP_verify_response(ctx.get(), resp) != 1) {
    out.status = "invalid";
    out.error = "the token does not verify: " + openssl_errors();
    return;
  }
  // The chain OpenSSL just accepted, rebuilt for the ledger: signer first, anchor last.
  PKCS7* token = TS_RESP_get_token(resp);
  CertsPtr extra = read_pem_certs(chain_pem);
  STACK_OF(X509)* signers = PKCS7_get0_signers(token, extra.get(), 0);
  if (!signers || sk_X509_num(signers) != 1) {
    sk_X509_free(signers);
    out.status = "invalid";
    out.error = "the token's signer certificate cannot be found";
    return;
  }
  X509* signer = sk_X509_value(signers, 0);
  sk_X509_free(signers);
  STACK_OF(X509)* token_certs = token->d.sign ? token->d.sign->cert : nullptr;
  for (int i = 0; token_certs && i < sk_X509_num(token_certs); ++i) {
    X509* c = sk_X509_value(token_certs, i);
    X509_up_ref(c);
    sk_X509_push(extra.get(), c);
  }
  StoreCtxPtr sctx(X509_STORE_CTX_new());
  if (!sctx || X509_STORE_CTX_init(sctx.get(), store_raw, signer, extra.get()) != 1) throw std::bad_alloc();
  X509_STORE_CTX_set_purpose(sctx.get(), X509_PURPOSE_TIMESTAMP_SIGN);
  if (X509_verify_cert(sctx.get()) != 1) {
    out.status = "invalid";
    out.error = fmt::format("the TSA certificate chain does not verify: {}",
                            X509_verify_cert_error_string(X509_STORE_CTX_get_error(sctx.get())));
    ERR_clear_error();
    return;
  }
  STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(sctx.get());
  const CertsPtr stored = read_pem_certs(chain_pem);
  auto stray = stray_certificate(token_certs, chain, "embedded in the token");
  if (!stray) stray = stray_certificate(stored.get(), chain, "of its stored chain");
  if (stray) {
    out.status = "invalid";
    out.error = *stray;
    ERR_clear_error();
    return;
  }
  out.chain_pem.clear();
  for (int i = 0; i < sk_X509_num(chain); ++i) out.chain_pem += cert_pem(sk_X509_value(chain, i));
  out.signer = subject_line(signer);
  out.signer_name = subject_line(signer, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  out.status = "granted";
  out.error.clear();
  ERR_clear_error();  // nothing of this check may linger for the next OpenSSL caller
}

std::string b64(const Hash& h) { return base64_encode(h); }

}  // namespace

TsaRequest make_tsa_request(const Hash& imprint) {
  TsaRequest out;
  out.imprint = imprint;
  ReqPtr req(TS_REQ_new());
  ImprintPtr mi(TS_MSG_IMPRINT_new());
  AlgorPtr alg(X509_ALGOR_new());
  if (!req || !mi || !alg) throw std::bad_alloc();
  X509_ALGOR_set0(alg.get(), OBJ_nid2obj(NID_sha256), V_ASN1_NULL, nullptr);
  std::uint8_t nonce_bytes[8] = {};
  if (RAND_bytes(nonce_bytes, sizeof nonce_bytes) != 1) throw std::runtime_error("the system random generator failed");
  nonce_bytes[0] |= 0x01;  // never zero, and always 8 bytes long
  BnPtr bn(BN_bin2bn(nonce_bytes, sizeof nonce_bytes, nullptr));
  IntPtr nonce(bn ? BN_to_ASN1_INTEGER(bn.get(), nullptr) : nullptr);
  if (!nonce || TS_REQ_set_version(req.get(), 1) != 1 || TS_MSG_IMPRINT_set_algo(mi.get(), alg.get()) != 1 ||
      TS_MSG_IMPRINT_set_msg(mi.get(), const_cast<unsigned char*>(imprint.data()), static_cast<int>(imprint.size())) !=
          1 ||
      TS_REQ_set_msg_imprint(req.get(), mi.get()) != 1 || TS_REQ_set_nonce(req.get(), nonce.get()) != 1 ||
      TS_REQ_set_cert_req(req.get(), 1) != 1)
    throw std::runtime_error("OpenSSL could not build a time-stamp request: " + openssl_errors());
  unsigned char* der = nullptr;
  const int n = i2d_TS_REQ(req.get(), &der);
  if (n <= 0) throw std::runtime_error("OpenSSL could not encode a time-stamp request: " + openssl_errors());
  out.der.assign(der, der + n);
  OPENSSL_free(der);
  return out;
}

void check_trust_file(const std::string& path, const std::string& option) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw UsageError(fmt::format("Cannot read {} given with {}; check the path.", path, option));
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (sk_X509_num(read_pem_certs(text).get()) == 0)
    throw UsageError(fmt::format("{} given with {} holds no PEM certificate (-----BEGIN CERTIFICATE-----); give the "
                                 "CA certificate file the service publishes, converted to PEM.",
                                 path, option));
}

TokenCheck check_tsa_response(ByteView response, const TsaRequest& request, const TsaTrust& trust) {
  TokenCheck out;
  RespPtr resp = open_response(response, out);
  if (!resp) return out;
  if (!out.imprint || *out.imprint != request.imprint) {
    out.status = "invalid";
    out.error = fmt::format("the token is for another message imprint ({}), not the SHA-256 {} that was sent",
                            out.imprint ? b64(*out.imprint) : "not SHA-256", b64(request.imprint));
    return out;
  }
  const unsigned char* p = request.der.data();
  ReqPtr req(d2i_TS_REQ(nullptr, &p, static_cast<long>(request.der.size())));
  if (!req) throw std::runtime_error("a time-stamp request cannot be read back: " + openssl_errors());
  const ASN1_INTEGER* sent = TS_REQ_get_nonce(req.get());
  const ASN1_INTEGER* got = TS_TST_INFO_get_nonce(TS_RESP_get_tst_info(resp.get()));
  if (!got || ASN1_INTEGER_cmp(sent, got) != 0) {
    out.status = "invalid";
    out.error = "the token does not carry the nonce of the request (a replayed or misdirected answer)";
    return out;
  }
  verify_token(resp.get(), request.imprint, trust, {}, std::nullopt, out);
  return out;
}

TokenCheck verify_stored_token(ByteView response, const Hash& expected, const TsaTrust& trust,
                               const std::string& chain_pem) {
  TokenCheck out;
  RespPtr resp = open_response(response, out);
  if (!resp) return out;
  if (!out.imprint || *out.imprint != expected) {
    out.status = "invalid";
    out.error = fmt::format("its message imprint is {}, but the SHA-256 of the tree head's text is {}",
                            out.imprint ? b64(*out.imprint) : "not a SHA-256", b64(expected));
    return out;
  }
  verify_token(resp.get(), expected, trust, chain_pem, out.gen, out);
  return out;
}

TokenCheck token_time_of(ByteView response) {
  TokenCheck out;
  if (open_response(response, out)) out.status = "granted";
  return out;
}

std::string chain_roots_pem(const std::string& chain_pem) {
  const CertsPtr certs = read_pem_certs(chain_pem);
  std::string out;
  for (int i = 0; i < sk_X509_num(certs.get()); ++i) {
    X509* c = sk_X509_value(certs.get(), i);
    if (X509_check_issued(c, c) == X509_V_OK) out += cert_pem(c);
  }
  ERR_clear_error();
  return out;
}

std::vector<std::string> pem_fingerprints(const std::string& pem) {
  const CertsPtr certs = read_pem_certs(pem);
  std::vector<std::string> out;
  for (int i = 0; i < sk_X509_num(certs.get()); ++i) {
    unsigned char md[32];
    unsigned int n = 0;
    X509_digest(sk_X509_value(certs.get(), i), EVP_sha256(), md, &n);
    out.push_back(hex_encode(ByteView(md, n)));
  }
  return out;
}

}  // namespace dnswitness
