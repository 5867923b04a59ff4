#include "config/resolver_list.h"

#include <fmt/format.h>

#include "config/input_file.h"
#include "model/errors.h"
#include "model/resolver_spec.h"

namespace dnswitness {

std::vector<std::string> parse_resolver_list(const std::string& text, const std::string& source) {
  std::vector<std::string> specs;
  std::size_t line_no = 0, start = 0;
  while (start < text.size()) {
    const auto eol = text.find('\n', start);
    std::string line = text.substr(start, eol == std::string::npos ? std::string::npos : eol - start);
    start = eol == std::string::npos ? text.size() : eol + 1;
    ++line_no;
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    line = line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
    try {
      (void)parse_resolver_spec(line);
    } catch (const UsageError& e) {
      throw UsageError(fmt::format("{} line {}: {}", source, line_no, e.what()));
    }
    specs.push_back(std::move(line));
  }
  if (specs.empty())
    throw UsageError(fmt::format("{} names no resolver (only blank lines and comments); give one spec a line, such "
                                 "as knot=127.0.0.1:5300.",
                                 source));
  return specs;
}

std::vector<std::string> load_resolver_list(const std::string& path) {
  return parse_resolver_list(read_input_file(path, "resolvers file", kMaxResolverListBytes), path);
}

}  // namespace dnswitness
