#include "tlog/run_index.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "timeutil/timestamp.h"
#include "tlog/tiles.h"

namespace dnswitness {

std::string run_index_path(std::uint64_t n, std::uint64_t width) {
  std::string out = "dnswitness/runs/index/" + tile_index_path(n);
  if (width < kRunIndexBundles) out += fmt::format(".p/{}", width);
  return out;
}

std::uint64_t run_index_width(std::uint64_t n, std::uint64_t size) {
  const std::uint64_t full_bundles = size / 256;
  if (n * kRunIndexBundles >= full_bundles) return 0;
  return std::min(kRunIndexBundles, full_bundles - n * kRunIndexBundles);
}

std::string run_index_text(std::span<const RunIndexLine> lines) {
  std::string out(kRunIndexFormat);
  out += '\n';
  out.reserve(out.size() + lines.size() * 32);
  for (const auto& l : lines) fmt::format_to(std::back_inserter(out), "{} {}\n", l.run_leaf, l.started_ns);
  return out;
}

namespace {

// A whole decimal without sign or leading zero, ending at `stop`; moves `at` past it.
template <class T>
bool scan_decimal(std::string_view text, std::size_t& at, char stop, T& value) {
  const std::size_t end = text.find(stop, at);
  if (end == std::string_view::npos || end == at || text[at] < '0' || text[at] > '9' ||
      (text[at] == '0' && end - at > 1))
    return false;
  const auto [p, ec] = std::from_chars(text.data() + at, text.data() + end, value);
  if (ec != std::errc() || p != text.data() + end) return false;
  at = end + 1;
  return true;
}

}  // namespace

std::optional<std::vector<RunIndexLine>> parse_run_index(std::string_view text, std::uint64_t n, std::uint64_t width,
                                                         std::string* why) {
  const auto fail = [&](std::string phrase) -> std::optional<std::vector<RunIndexLine>> {
    if (why) *why = std::move(phrase);
    return std::nullopt;
  };
  const std::string header = std::string(kRunIndexFormat) + "\n";
  if (!text.starts_with(header)) return fail(fmt::format("it does not begin with the line {}", kRunIndexFormat));
  const std::uint64_t first = n * kRunIndexLeaves, last = first + width * 256;
  std::vector<RunIndexLine> lines;
  for (std::size_t at = header.size(); at < text.size();) {
    RunIndexLine l;
    if (!scan_decimal(text, at, ' ', l.run_leaf) || !scan_decimal(text, at, '\n', l.started_ns))
      return fail(fmt::format("its line {} is not two decimal numbers", lines.size() + 2));
    if (l.run_leaf < first || l.run_leaf >= last)
      return fail(fmt::format("it lists leaf {}, outside its leaves {} to {}", l.run_leaf, first, last - 1));
    if (!lines.empty() && l.run_leaf <= lines.back().run_leaf)
      return fail(fmt::format("its leaves are not in ascending order at leaf {}", l.run_leaf));
    lines.push_back(l);
  }
  return lines;
}

std::optional<std::int64_t> run_leaf_started_ns(std::string_view leaf) {
  // Nearly every leaf is an observation: only a leaf that has the run kind's bytes is parsed.
  if (leaf.find(R"("kind":"run")") == std::string_view::npos) return std::nullopt;
  const auto j = nlohmann::json::parse(leaf.begin(), leaf.end(), nullptr, false);
  if (!j.is_object()) return std::nullopt;
  const auto kind = j.find("kind");
  const auto started = j.find("started_at");
  if (kind == j.end() || *kind != "run" || started == j.end() || !started->is_string()) return std::nullopt;
  const auto parsed = parse_rfc3339(started->get_ref<const std::string&>());
  if (!parsed || parsed->ns < 0) return std::nullopt;
  return parsed->ns;
}

std::optional<std::string> RunIndexBuilder::base_path(std::uint64_t held) {
  const std::uint64_t n = held / kRunIndexLeaves;
  const std::uint64_t width = held % kRunIndexLeaves / 256;
  if (width == 0) return std::nullopt;  // the leaves fed start where file n does
  return run_index_path(n, width);
}

RunIndexBuilder::RunIndexBuilder(std::uint64_t held, const std::optional<std::string>& base)
    : first_file_(held / kRunIndexLeaves), held_width_(held % kRunIndexLeaves / 256) {
  if (held_width_ == 0) {
    first_file_known_ = true;
  } else if (base) {
    if (auto lines = parse_run_index(*base, first_file_, held_width_, nullptr)) {
      runs_ = std::move(*lines);
      first_file_known_ = true;
    }
  }
}

void RunIndexBuilder::leaf(std::uint64_t index, ByteView data) {
  const auto started = run_leaf_started_ns(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
  if (!started) return;
  if (!runs_.empty() && index <= runs_.back().run_leaf) return;  // fed again: already listed
  runs_.push_back({index, *started});
}

std::vector<std::pair<std::string, std::string>> RunIndexBuilder::files(std::uint64_t size) const {
  std::vector<std::pair<std::string, std::string>> out;
  for (std::uint64_t n = first_file_; n < run_index_files(size); ++n) {
    const std::uint64_t width = run_index_width(n, size);
    if (n == first_file_ && (!first_file_known_ || width == held_width_)) continue;
    const std::uint64_t from = n * kRunIndexLeaves, to = from + width * 256;
    const auto lo = std::lower_bound(runs_.begin(), runs_.end(), from,
                                     [](const RunIndexLine& l, std::uint64_t v) { return l.run_leaf < v; });
    const auto hi = std::lower_bound(lo, runs_.end(), to,
                                     [](const RunIndexLine& l, std::uint64_t v) { return l.run_leaf < v; });
    out.emplace_back(run_index_path(n, width), run_index_text(std::span<const RunIndexLine>(lo, hi)));
  }
  return out;
}

LeafStream indexing(LeafStream inner, RunIndexBuilder& builder) {
  return [inner = std::move(inner), &builder](std::uint64_t from, std::uint64_t to, const LeafVisitor& visit) {
    inner(from, to, [&](std::uint64_t index, ByteView data, const Hash& lh) {
      builder.leaf(index, data);
      visit(index, data, lh);
    });
  };
}

namespace {

std::optional<std::string> base_in(const TileFolder& folder, std::uint64_t held) {
  const auto path = RunIndexBuilder::base_path(held);
  if (!path) return std::nullopt;
  try {
    return read_small_file(folder.dir() / *path, kMaxRunIndexBytes);
  } catch (const PublishError&) {
    return std::nullopt;  // not a file of ours: that file is left as it is, the next ones are written
  }
}

}  // namespace

RunIndexWriter::RunIndexWriter(TileFolder& folder, std::uint64_t held)
    : folder_(folder), builder_(held, base_in(folder, held)) {}

void RunIndexWriter::finish(std::uint64_t size) {
  for (const auto& [path, text] : builder_.files(size)) folder_.put_immutable(path, as_bytes(text));
}

}  // namespace dnswitness
