#include "cli/snapshot_output.h"

#include "model/record_json.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "model/target.h"

namespace dnswitness::cli {
namespace {

std::string addresses_cell(const Observation& o) {
  if (!o.addresses.empty()) {
    std::string out;
    const std::size_t shown = std::min<std::size_t>(o.addresses.size(), 4);
    for (std::size_t i = 0; i < shown; ++i) out += (i ? " " : "") + o.addresses[i];
    if (o.addresses.size() > shown) out += fmt::format(" (+{} more)", o.addresses.size() - shown);
    return out;
  }
  return o.error.empty() ? "-" : o.error;
}

// "[subnet 49.96.0.0/12 scope /12]": the scope says whether the answer depends on the subnet.
std::string subnet_note(const Observation& o) {
  if (!o.client_subnet) return {};
  const auto& c = *o.client_subnet;
  return fmt::format("  [subnet {}{}: {}]", c.sent, c.preset.empty() ? "" : " " + c.preset,
                     c.scope_prefix ? fmt::format("scope /{}", *c.scope_prefix) : std::string("no ECS in reply"));
}

// 1234567 -> "1,234,567"
std::string grouped(std::uint64_t v) {
  std::string digits = std::to_string(v);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

TableSink::TableSink(const SnapshotPlan& plan, std::ostream& out)
    : out_(out), buffer_(plan.planned() <= kTableBufferLimit) {
  if (!buffer_) {
    for (const auto& d : plan.domains) wd_ = std::max(wd_, d.size());
    for (const auto& r : plan.resolvers) wr_ = std::max(wr_, r.name.size());
    print_header();
  }
}

namespace {

bool ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

void pad(std::string& line, std::string_view cell, std::size_t width) {
  line.append(cell);
  if (cell.size() < width) line.append(width - cell.size(), ' ');
}

}  // namespace

// One row as "{:<wd}  {:<5} {:<wr}  {:<13} {:>9}  {}\n" would print it, padded by hand for ASCII
// cells (a bulk run prints hundreds of thousands of rows); fmt measures anything else.
void TableSink::append_row(std::string& line, std::string_view qname, std::string_view type,
                           std::string_view resolver, std::string_view outcome, std::string_view rtt,
                           std::string_view addresses) const {
  if (!ascii(qname) || !ascii(type) || !ascii(resolver) || !ascii(outcome) || !ascii(rtt)) {
    line += fmt::format("{:<{}}  {:<5} {:<{}}  {:<13} {:>9}  {}\n", qname, wd_, type, resolver, wr_, outcome, rtt,
                        addresses);
    return;
  }
  pad(line, qname, wd_);
  line.append("  ");
  pad(line, type, 5);
  line += ' ';
  pad(line, resolver, wr_);
  line.append("  ");
  pad(line, outcome, 13);
  line += ' ';
  if (rtt.size() < 9) line.append(9 - rtt.size(), ' ');
  line.append(rtt);
  line.append("  ");
  line.append(addresses);
  line += '\n';
}

void TableSink::print_header() {
  out_ << fmt::format("{:<{}}  {:<5} {:<{}}  {:<13} {:>9}  {}\n", "DOMAIN", wd_, "TYPE", "RESOLVER", wr_, "OUTCOME",
                      "RTT", "ADDRESSES");
}

void TableSink::print(const Row& r) {
  std::string line;
  append_row(line, r.qname, r.type, r.resolver, r.outcome, r.rtt, r.addresses);
  out_ << line;
}

void TableSink::add(const Observation& o, std::string_view /*canonical*/) {
  Row row;
  row.qname = o.qname;
  row.type = qtype_name(o.qtype);
  row.resolver = o.resolver.name;
  row.outcome = outcome_name(o.outcome);
  if (o.transport == Transport::tcp) row.outcome += "/tcp";
  row.rtt = o.rtt_us >= 0 ? fmt::format("{:.1f} ms", static_cast<double>(o.rtt_us) / 1000.0) : "-";
  row.addresses = addresses_cell(o) + subnet_note(o);
  if (!buffer_) {
    // Streamed rows go out in blocks of about 64 KiB instead of one stream insertion each.
    append_row(pending_, row.qname, row.type, row.resolver, row.outcome, row.rtt, row.addresses);
    if (pending_.size() >= 65536) {
      out_ << pending_;
      pending_.clear();
    }
    return;
  }
  wd_ = std::max(wd_, row.qname.size());
  wr_ = std::max(wr_, row.resolver.size());
  rows_.push_back(std::move(row));
}

void TableSink::end(const RunRecord& r) {
  out_ << pending_;
  pending_.clear();
  if (buffer_) {
    print_header();
    for (const auto& row : rows_) print(row);
    rows_.clear();
  }
  std::string summary;
  for (const auto& [name, count] : r.outcomes) summary += fmt::format("{}{} {}", summary.empty() ? "" : ", ", count, name);
  out_ << fmt::format("\n{} queries to {} resolver(s) in {:.2f} s: {}.\n", r.observation_count, r.resolvers.size(),
                      static_cast<double>(r.finished_at.ns - r.started_at.ns) / 1e9, summary);
  // Default config files apply without being named, so say which ones did.
  if (!r.config_files.empty()) {
    std::string files;
    for (const auto& f : r.config_files) files += (files.empty() ? "" : ", ") + f.path;
    out_ << fmt::format("Settings read from {} (and the command line).\n", files);
  }
  out_.flush();
}

ProgressLine::ProgressLine(const SnapshotPlan& plan, bool wanted)
    : active_(wanted && ::isatty(STDERR_FILENO) == 1),
      per_name_(std::max<std::uint64_t>(1, plan.types.size() * plan.resolvers.size())) {}

void ProgressLine::update(const RunProgress& p) {
  if (!active_) return;
  const double seconds = std::chrono::duration<double>(p.elapsed).count();
  const double rate = seconds > 0 ? static_cast<double>(p.done) / seconds : 0;
  std::string eta = "-";
  if (rate > 0 && p.planned > p.done) {
    const auto left = static_cast<std::uint64_t>(std::ceil(static_cast<double>(p.planned - p.done) / rate));
    eta = left >= 60 ? fmt::format("{}:{:02}", left / 60, left % 60) : fmt::format("{} s", left);
  }
  const std::string line =
      fmt::format("names {} of {} · {} queries/s · {} failures · ETA {}", grouped(p.done / per_name_),
                  grouped(p.planned / per_name_), grouped(static_cast<std::uint64_t>(rate)), grouped(p.failures), eta);
  // \r and erase-to-end-of-line: the line is rewritten in place.
  std::fputs(fmt::format("\r{}\033[K", line).c_str(), stderr);
  std::fflush(stderr);
  shown_ = true;
}

void ProgressLine::finish() {
  if (!active_ || !shown_) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  shown_ = false;
}

void JsonLinesSink::add(const Observation&, std::string_view canonical) {
  line_.assign(canonical);
  line_ += '\n';
  write_(line_);
}

void JsonLinesSink::end(const RunRecord& run) { write_(canonical_dump(run_json(run)) + "\n"); }

}  // namespace dnswitness::cli
