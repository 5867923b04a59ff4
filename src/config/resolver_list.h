#pragma once
// `--resolvers-file FILE`: resolvers one per line, as massdns and dnsx users keep them. Each line is a
// resolver spec as --resolver takes it ([NAME=]SPEC, model/resolver_spec.h); blank lines and lines
// starting with '#' are skipped, spaces and tabs around a spec are ignored.
// Pure (parse) and a file read capped in size. Thread-safe.
#include <string>
#include <vector>

namespace dnswitness {

// The largest resolvers file read (a few thousand specs fit many times over).
inline constexpr long long kMaxResolverListBytes = 1024 * 1024;

// The specs of `text`, in order, each checked with parse_resolver_spec. Throws UsageError naming
// `source` and the line for a spec that is not one, and when no spec is left.
std::vector<std::string> parse_resolver_list(const std::string& text, const std::string& source);
// Reads `path` (a regular file of at most kMaxResolverListBytes) and parses it.
std::vector<std::string> load_resolver_list(const std::string& path);

}  // namespace dnswitness
