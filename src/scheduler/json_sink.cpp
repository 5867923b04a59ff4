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

// Appends through a raw pointer into a string grown ahead of each token: per-byte push_back was
// most of pretty_json's cost on a bulk run's --json output.
class RawAppender {
 public:
  RawAppender(std::string& out, std::size_t expect) : out_(out) {
    const std::size_t used = out_.size();
    out_.resize(used + expect);
    p_ = out_.data() + used;
    end_ = out_.data() + out_.size();
  }
  ~RawAppender() { out_.resize(static_cast<std::size_t>(p_ - out_.data())); }
  RawAppender(const RawAppender&) = delete;
  RawAppender& operator=(const RawAppender&) = delete;

  void need(std::size_t k) {
    if (static_cast<std::size_t>(end_ - p_) < k) grow(k);
  }
  void byte(char c) { *p_++ = c; }  // after need()
  void bytes(const char* from, std::size_t k) {
    need(k);
    std::memcpy(p_, from, k);
    p_ += k;
  }
  void newline(std::size_t spaces) {
    need(spaces + 1);
    *p_++ = '\n';
    std::memset(p_, ' ', spaces);
    p_ += spaces;
  }

 private:
  [[gnu::noinline]] void grow(std::size_t k) {
    const auto used = static_cast<std::size_t>(p_ - out_.data());
    out_.resize(std::max(out_.size() * 2, used + k + 256));
    p_ = out_.data() + used;
    end_ = out_.data() + out_.size();
  }
  std::string& out_;
  char* p_;
  char* end_;
};

}  // namespace

void pretty_json(std::string_view s, int indent, std::string& out) {
  RawAppender w(out, s.size() + s.size() / 2 + 256);
  auto depth = static_cast<std::size_t>(indent);
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    // A run of bytes that are copied as they are (numbers, and nothing else outside strings).
    std::size_t j = i;
    while (j < n && !kSpecial[static_cast<unsigned char>(s[j])]) ++j;
    w.bytes(s.data() + i, j - i);
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
        w.need(k - i + 2);
        w.byte('"');
        w.bytes(s.data() + i, k - i);
        if (k < n) w.byte('"');
        i = k + 1;
        break;
      }
      case '{':
      case '[':
        if (i < n && (s[i] == '}' || s[i] == ']')) {  // empty: "{}" or "[]" on one line
          w.need(2);
          w.byte(c);
          w.byte(s[i++]);
          break;
        }
        w.need(1);
        w.byte(c);
        depth += 2;
        w.newline(depth);
        break;
      case '}':
      case ']':
        depth = depth >= 2 ? depth - 2 : 0;
        w.newline(depth);
        w.need(1);
        w.byte(c);
        break;
      case ',':
        w.need(1);
        w.byte(',');
        w.newline(depth);
        break;
      case ':':
        w.bytes(": ", 2);
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
