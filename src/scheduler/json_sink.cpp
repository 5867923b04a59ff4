#include "scheduler/json_sink.h"

#include <algorithm>
#include <array>
#include <cstring>

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
  // Written through a raw pointer into `out`, grown ahead of each token: per-byte push_back was
  // most of this function's cost on a bulk run's --json output.
  std::size_t used = out.size();
  out.resize(used + s.size() * 2 + 256);
  char* p = out.data() + used;
  char* end = out.data() + out.size();
  const auto need = [&](std::size_t k) {
    if (static_cast<std::size_t>(end - p) >= k) return;
    used = static_cast<std::size_t>(p - out.data());
    out.resize(std::max(out.size() * 2, used + k + 256));
    p = out.data() + used;
    end = out.data() + out.size();
  };
  const auto put = [&](const char* from, std::size_t k) {
    need(k);
    std::memcpy(p, from, k);
    p += k;
  };
  const auto newline = [&](std::size_t spaces) {
    need(spaces + 1);
    *p++ = '\n';
    std::memset(p, ' ', spaces);
    p += spaces;
  };
  auto depth = static_cast<std::size_t>(indent);
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    // A run of bytes that are copied as they are (numbers, and nothing else outside strings).
    std::size_t j = i;
    while (j < n && !kSpecial[static_cast<unsigned char>(s[j])]) ++j;
    put(s.data() + i, j - i);
    if (j == n) break;
    const char c = s[j];
    i = j + 1;
    switch (c) {
      case '"': {
        // A string: copied up to its closing quote, escapes included. A quote preceded by an odd
        // number of backslashes is escaped.
        std::size_t k = i;
        for (;;) {
          const void* q = std::memchr(s.data() + k, '"', n - k);
          if (q == nullptr) {
            k = n;
            break;
          }
          k = static_cast<std::size_t>(static_cast<const char*>(q) - s.data());
          std::size_t slashes = 0;
          while (k - slashes > i && s[k - slashes - 1] == '\\') ++slashes;
          if (slashes % 2 == 0) break;
          ++k;
        }
        need(k - i + 2);
        *p++ = '"';
        std::memcpy(p, s.data() + i, k - i);
        p += k - i;
        if (k < n) *p++ = '"';
        i = k + 1;
        break;
      }
      case '{':
      case '[':
        if (i < n && (s[i] == '}' || s[i] == ']')) {  // empty: "{}" or "[]" on one line
          need(2);
          *p++ = c;
          *p++ = s[i++];
          break;
        }
        need(1);
        *p++ = c;
        depth += 2;
        newline(depth);
        break;
      case '}':
      case ']':
        depth = depth >= 2 ? depth - 2 : 0;
        newline(depth);
        need(1);
        *p++ = c;
        break;
      case ',':
        need(1);
        *p++ = ',';
        newline(depth);
        break;
      case ':':
        put(": ", 2);
        break;
      default: break;
    }
  }
  out.resize(static_cast<std::size_t>(p - out.data()));
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
