#include "scheduler/json_sink.h"

#include <array>

#include "model/record_json.h"

namespace dnswitness {
namespace {

constexpr std::size_t kBufferBytes = 1 << 20;

// Bytes that need attention outside strings.
constexpr std::array<bool, 256> special_table() {
  std::array<bool, 256> t{};
  for (const unsigned char c : std::string_view("\"{}[],:")) t[c] = true;
  return t;
}
constexpr auto kSpecial = special_table();

}  // namespace

void pretty_json(std::string_view s, int indent, std::string& out) {
  auto depth = static_cast<std::size_t>(indent);
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    // A run of bytes that are copied as they are (numbers, and nothing else outside strings).
    std::size_t j = i;
    while (j < n && !kSpecial[static_cast<unsigned char>(s[j])]) ++j;
    out.append(s.data() + i, j - i);
    if (j == n) break;
    const char c = s[j];
    i = j + 1;
    switch (c) {
      case '"': {
        // A string: copied up to its closing quote, escapes included.
        std::size_t k = i;
        while (k < n && s[k] != '"') k += s[k] == '\\' ? 2 : 1;
        k = std::min(k, n);
        out.push_back('"');
        out.append(s.data() + i, k - i);
        if (k < n) out.push_back('"');
        i = k + 1;
        break;
      }
      case '{':
      case '[':
        if (i < n && (s[i] == '}' || s[i] == ']')) {  // empty: "{}" or "[]" on one line
          out.push_back(c);
          out.push_back(s[i++]);
          break;
        }
        out.push_back(c);
        out.push_back('\n');
        depth += 2;
        out.append(depth, ' ');
        break;
      case '}':
      case ']':
        out.push_back('\n');
        depth = depth >= 2 ? depth - 2 : 0;
        out.append(depth, ' ');
        out.push_back(c);
        break;
      case ',':
        out.push_back(',');
        out.push_back('\n');
        out.append(depth, ' ');
        break;
      case ':':
        out.append(": ", 2);
        break;
      default: break;
    }
  }
}

void JsonSink::begin(const RunRecord& /*run*/) {
  buf_.reserve(kBufferBytes + 65536);
  buf_ = "{\n  \"observations\": [";
  first_ = true;
}

void JsonSink::add(const Observation& /*o*/, std::string_view canonical) {
  buf_.append(first_ ? "\n    " : ",\n    ");
  first_ = false;
  pretty_json(canonical, 4, buf_);
  flush_if_full();
}

void JsonSink::end(const RunRecord& run) {
  buf_.append(first_ ? "],\n  \"run\": " : "\n  ],\n  \"run\": ");
  pretty_json(canonical_dump(run_json(run)), 2, buf_);
  buf_.append("\n}\n");
  write_(buf_);
  buf_.clear();
  buf_.shrink_to_fit();
}

void JsonSink::flush_if_full() {
  if (buf_.size() < kBufferBytes) return;
  write_(buf_);
  buf_.clear();
}

}  // namespace dnswitness
