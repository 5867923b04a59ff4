#include "tsa/tsa_settings.h"

#include <fmt/format.h>

#include <fstream>
#include <set>

#include "model/errors.h"

namespace dnswitness {
namespace {

std::string text(const nlohmann::json& v, const std::string& what, const std::string& source) {
  if (!v.is_string() || v.get<std::string>().empty())
    throw UsageError(fmt::format("In {}, '{}' must be a non-empty string.", source, what));
  return v.get<std::string>();
}

std::vector<std::string> files(const nlohmann::json& v, const std::string& what, const std::string& source) {
  if (v.is_string()) return {text(v, what, source)};
  std::vector<std::string> out;
  if (!v.is_array()) throw UsageError(fmt::format("In {}, '{}' must be a file name or a list of them.", source, what));
  for (const auto& f : v) out.push_back(text(f, what, source));
  return out;
}

void readable(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(fmt::format("Cannot read {} ({}); check the path and its permissions.", path, what));
}

std::string read_password(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw UsageError(fmt::format("Cannot read the TSA password file {}; check the path and its permissions.", path));
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty())
    throw UsageError(fmt::format("The TSA password file {} is empty; put the password on its first line.", path));
  return line;
}

}  // namespace

std::vector<TsaServer> parse_tsa_servers(const nlohmann::json& value, const std::string& source) {
  if (!value.is_array())
    throw UsageError(fmt::format("In {}, 'tsa' must be a list of TSA URLs or objects with a \"url\".", source));
  std::vector<TsaServer> out;
  for (const auto& item : value) {
    TsaServer s;
    if (item.is_string()) {
      s.url = text(item, "tsa", source);
    } else if (item.is_object()) {
      for (const auto& [k, v] : item.items()) {
        if (k == "url") s.url = text(v, "tsa.url", source);
        else if (k == "accredited") {
          if (!v.is_boolean()) throw UsageError(fmt::format("In {}, 'tsa.accredited' must be true or false.", source));
          s.accredited = v.get<bool>();
        } else if (k == "user") s.user = text(v, "tsa.user", source);
        else if (k == "password_file") s.password_file = text(v, "tsa.password_file", source);
        else if (k == "cert") s.cert = text(v, "tsa.cert", source);
        else if (k == "key") s.key = text(v, "tsa.key", source);
        else if (k == "tsa_ca") s.tsa_ca = files(v, "tsa.tsa_ca", source);
        else
          throw UsageError(fmt::format("In {}, a 'tsa' entry has an unknown setting '{}'; known: url, accredited, "
                                       "user, password_file, cert, key, tsa_ca.",
                                       source, k));
      }
      if (s.url.empty()) throw UsageError(fmt::format("In {}, every 'tsa' entry needs a \"url\".", source));
    } else {
      throw UsageError(fmt::format("In {}, 'tsa' must be a list of TSA URLs or objects with a \"url\".", source));
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<TsaTarget> make_tsa_targets(const std::vector<TsaServer>& servers, const std::vector<std::string>& tsa_ca,
                                        const std::optional<std::string>& ca_file) {
  for (const auto& f : tsa_ca) check_trust_file(f, "--tsa-ca");
  if (ca_file) check_trust_file(*ca_file, "--ca-file");
  std::vector<TsaTarget> out;
  std::set<std::string> seen;
  for (const auto& s : servers) {
    if (s.url.rfind("http://", 0) != 0 && s.url.rfind("https://", 0) != 0)
      throw UsageError(fmt::format("The TSA address '{}' is not an http:// or https:// URL; give it as the "
                                   "service documents it, e.g. http://timestamp.digicert.com.",
                                   s.url));
    if (!seen.insert(s.url).second)
      throw UsageError(fmt::format("The TSA {} is named twice; name each TSA once.", s.url));
    if (s.user.empty() != s.password_file.empty())
      throw UsageError(fmt::format("The TSA {} has {} without {}; HTTP Basic needs both --tsa-user and "
                                   "--tsa-password-file (or user and password_file in the config file).",
                                   s.url, s.user.empty() ? "a password file" : "a user", s.user.empty() ? "a user" : "a password file"));
    if (!s.key.empty() && s.cert.empty())
      throw UsageError(fmt::format("The TSA {} has a client key without a client certificate; add --tsa-cert.", s.url));
    TsaTarget t;
    t.url = s.url;
    t.accredited = s.accredited;
    t.user = s.user;
    if (!s.password_file.empty()) t.password = read_password(s.password_file);
    if (!s.cert.empty()) readable(s.cert, "the TSA client certificate");
    if (!s.key.empty()) readable(s.key, "the TSA client key");
    t.cert = s.cert;
    t.key = s.key;
    for (const auto& f : s.tsa_ca) check_trust_file(f, "tsa_ca");
    t.trust.system = true;
    t.trust.pem_files = tsa_ca;
    t.trust.pem_files.insert(t.trust.pem_files.end(), s.tsa_ca.begin(), s.tsa_ca.end());
    if (ca_file) {
      t.trust.pem_files.push_back(*ca_file);
      t.https_ca.push_back(*ca_file);
    }
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace dnswitness
